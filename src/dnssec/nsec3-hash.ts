// The NSEC3 hash of a name (RFC 5155 §5): IH(salt, x, 0) = H(x || salt) and
// IH(salt, x, k) = H(IH(salt, x, k - 1) || salt), x the name in canonical wire form (RFC 4034
// §6.2: ASCII lower case), H SHA-1 (hash algorithm 1, the only one defined). Iterations beyond 0
// buy nothing and cost every resolver (RFC 9276 §3.1), but a zone signed with them is served.

import { hash } from 'node:crypto';
import type { Bytes } from '../dns/bytes.js';
import { nameKey, type Name } from '../dns/name.js';

/** NSEC3 hash algorithm 1 (RFC 5155 §11): SHA-1, 20-octet digests. */
export const NSEC3_SHA1 = 1;

/** The raw digest (20 octets) of `name` with `salt` (raw octets, maybe empty) and `iterations`. */
export function nsec3Hash(name: Name, salt: Uint8Array | Bytes, iterations: number): Buffer {
  const s = typeof salt === 'string' ? Buffer.from(salt, 'latin1') : salt;
  const x = Buffer.from(nameKey(name), 'latin1');
  let digest = hash('sha1', s.length === 0 ? x : Buffer.concat([x, s]), 'buffer');
  for (let k = 0; k < iterations; k++) digest = hash('sha1', s.length === 0 ? digest : Buffer.concat([digest, s]), 'buffer');
  return digest;
}
