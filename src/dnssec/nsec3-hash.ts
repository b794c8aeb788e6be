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
  return Buffer.from(nsec3HashBytes(name, typeof salt === 'string' ? salt : Buffer.from(salt).toString('latin1'), iterations), 'latin1');
}

/**
 * nsec3Hash as a binary string (dns/bytes.ts), as the NSEC3 index keeps hashes. Hashes every name
 * of a zone at load, so it allocates little: an ASCII name without salt goes to SHA-1 as it is
 * (a string of code points below 0x80 is its own UTF-8), and the digest comes back as a string.
 */
export function nsec3HashBytes(name: Name, salt: Bytes, iterations: number): Bytes {
  let x: string = nameKey(name);
  if (salt.length > 0) x += salt;
  let digest = hash('sha1', ascii(x) ? x : Buffer.from(x, 'latin1'), 'binary');
  for (let k = 0; k < iterations; k++) digest = hash('sha1', Buffer.from(salt.length > 0 ? digest + salt : digest, 'latin1'), 'binary');
  return digest;
}

function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
