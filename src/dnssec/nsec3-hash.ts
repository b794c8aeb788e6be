// The NSEC3 hash of an owner name (RFC 5155 §5): IH(salt, x, 0) = H(x || salt) and
// IH(salt, x, k) = H(IH(salt, x, k - 1) || salt), over the name's canonical wire form (RFC 4034
// §6.2: lower case), with SHA-1 (hash algorithm 1, the only one defined).

import { createHash } from 'node:crypto';
import type { Bytes } from '../dns/bytes.js';
import { nameKey, type Name } from '../dns/name.js';

/** The 20-octet SHA-1 NSEC3 hash of `name` with `salt` (raw octets, no length) and `iterations` extra rounds. */
export function nsec3Hash(name: Name, salt: Bytes, iterations: number): Bytes {
  let digest = createHash('sha1').update(nameKey(name), 'latin1').update(salt, 'latin1').digest();
  for (let i = 0; i < iterations; i++) digest = createHash('sha1').update(digest).update(salt, 'latin1').digest();
  return digest.toString('latin1');
}
