// The key tag of a DNSKEY (RFC 4034 Appendix B): what RRSIG and DS records name a key by. A
// checksum, not an identity: two keys can share a tag, so a tag narrows the keys to try.

import type { Bytes } from '../dns/bytes.js';

/** Key tag of DNSKEY (or CDNSKEY, KEY) RDATA. Algorithm 1 (RSA/MD5) is computed differently (B.1). */
export function keyTag(rdata: Bytes): number {
  if (rdata.length >= 4 && rdata.charCodeAt(3) === 1) {
    // B.1: the most significant 16 of the least significant 24 bits of the modulus.
    const n = rdata.length;
    return n < 7 ? 0 : (rdata.charCodeAt(n - 3) << 8) | rdata.charCodeAt(n - 2);
  }
  let ac = 0;
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata.charCodeAt(i) : rdata.charCodeAt(i) << 8;
  ac += (ac >>> 16) & 0xffff;
  return ac & 0xffff;
}
