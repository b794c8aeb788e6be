// The shape of one RDATA type's codec. The registry maps type numbers to these.

import type { Bytes } from '../bytes.js';
import type { Name } from '../name.js';
import type { Tokens } from './fields.js';

export interface RdataCodec {
  /** Presentation tokens (after the type; never RFC 3597 `\#`) to uncompressed wire RDATA. */
  parse(tokens: Tokens, origin: Name): Bytes;
  /** Wire RDATA to presentation text; throws RdataError when the RDATA is malformed for the type. */
  print(rdata: Bytes): string;
}
