// ZONEMD (RFC 8976 §2): serial scheme hash-algorithm digest. The digest is at least 12 octets
// (§2.2.4) and exactly the hash's size for the defined algorithms SHA-384 (1) and SHA-512 (2).

import { u32, u8 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { hexEncode, hexTail } from './encoding.js';
import { u32Field, u8Field } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const MIN_DIGEST = 12;
const HASH_LENGTH: readonly number[] = [0, 48, 64];

function digestProblem(hashAlg: number, len: number): string | undefined {
  const want = HASH_LENGTH[hashAlg];
  if (want !== undefined && want > 0 && len !== want) return `ZONEMD digest is ${len} octets; hash algorithm ${hashAlg} needs ${want}`;
  if (len < MIN_DIGEST) return `ZONEMD digest is ${len} octets; the minimum is ${MIN_DIGEST}`;
  return undefined;
}

export const zonemdCodec: RdataCodec = {
  parse(tokens) {
    const serial = u32Field(tokens, 0, 'ZONEMD', 'serial');
    const scheme = u8Field(tokens, 1, 'ZONEMD', 'scheme');
    const hashAlg = u8Field(tokens, 2, 'ZONEMD', 'hash algorithm');
    const digest = hexTail(tokens, 3, 'ZONEMD', 'digest');
    const problem = digestProblem(hashAlg, digest.length);
    if (problem !== undefined) throw new RdataError(problem, 3);
    return u32(serial) + u8(scheme) + u8(hashAlg) + digest;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'ZONEMD');
    const serial = r.u32('serial');
    const scheme = r.u8('scheme');
    const hashAlg = r.u8('hash algorithm');
    const digest = r.rest();
    const problem = digestProblem(hashAlg, digest.length);
    if (problem !== undefined) throw new RdataError(problem);
    return `${serial} ${scheme} ${hashAlg} ${hexEncode(digest)}`;
  },
};
