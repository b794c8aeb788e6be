// The client's address as octets, for the per-packet limits: DNS cookies hash it (RFC 9018 §4.4)
// and response rate limiting keys on its prefix. Transports report it as text, the way
// node:dgram and node:net do (`192.0.2.1`, `2001:db8::1`, `fe80::1%eth0`); this reads that text
// into a caller's buffer without allocating.

import { parseIPv4, parseIPv6Words } from '../dns/rdata/address.js';

const words = new Uint16Array(8);

// The last address read: a packet's cookie and its rate limit read the same one, and a busy
// client sends many packets in a row.
let lastText = '';
let lastLength: 0 | 4 | 16 = 0;
const lastOctets = new Uint8Array(16);

/**
 * Writes the address in `text` to out[at, at + 16) and returns its length: 4 for IPv4, 16 for
 * IPv6, 0 when `text` is neither (then those octets are unspecified).
 */
export function clientAddressOctets(text: string, out: Uint8Array, at = 0): 0 | 4 | 16 {
  if (text !== lastText) {
    lastLength = parse(text);
    lastText = text;
  }
  for (let i = 0; i < lastLength; i++) out[at + i] = lastOctets[i]!;
  return lastLength;
}

/** `text` into lastOctets. */
function parse(text: string): 0 | 4 | 16 {
  const v4 = parseIPv4(text);
  if (v4 >= 0) {
    lastOctets[0] = v4 >>> 24;
    lastOctets[1] = (v4 >>> 16) & 0xff;
    lastOctets[2] = (v4 >>> 8) & 0xff;
    lastOctets[3] = v4 & 0xff;
    return 4;
  }
  // A scope (`%eth0`, on link-local addresses) names our interface, not part of the address.
  const scope = text.indexOf('%');
  if (!parseIPv6Words(text, scope < 0 ? text.length : scope, words)) return 0;
  for (let g = 0; g < 8; g++) {
    lastOctets[2 * g] = words[g]! >>> 8;
    lastOctets[2 * g + 1] = words[g]! & 0xff;
  }
  return 16;
}
