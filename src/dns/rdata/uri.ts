// URI (RFC 7553 §4): priority weight target. The target is the rest of the RDATA with no length
// prefix and is written as a quoted string (§4.5), which is how it prints. Unquoted is read too, as Knot does (BIND refuses it): a URI has no blanks, so the
// quotes add nothing but escaping.

import { u16 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { missing, noMore, u16Field } from './fields.js';
import { decodeEscapes, quoteOctets } from './text.js';
import { WireReader } from './wire-reader.js';

export const uriCodec: RdataCodec = {
  parse(tokens) {
    const priority = u16Field(tokens, 0, 'URI', 'priority');
    const weight = u16Field(tokens, 1, 'URI', 'weight');
    const t = tokens[2];
    if (t === undefined) missing('URI', 'target');
    noMore(tokens, 3);
    return u16(priority) + u16(weight) + decodeEscapes(t.text, 2, 'URI target');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'URI');
    return `${r.u16('priority')} ${r.u16('weight')} ${quoteOctets(r.rest())}`;
  },
};
