// IPv4 and IPv6 addresses: strict parsers (RFC 1035 §3.4.1 dotted quad, RFC 4291 §2.2 text
// forms) written as char loops because every A and AAAA record of a zone goes through them,
// printers that match BIND (inet_ntop rules, RFC 5952 §4 compression), and the A and AAAA codecs.

import type { Bytes } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { missing, noMore } from './fields.js';
import { RdataError } from './token.js';

/**
 * Dotted quad in text[start, end) as an unsigned 32-bit number, or -1. Exactly four decimal
 * parts 0-255; a leading zero ("01") is refused, as BIND does, because some resolvers read
 * it as octal.
 */
export function parseIPv4(text: string, start = 0, end = text.length): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || ++parts > 4) return -1;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    if (digits === 1 && part === 0) return -1;
    part = part * 10 + d;
    if (part > 255) return -1;
    digits++;
  }
  return parts === 4 ? v : -1;
}

export function ipv4ToBytes(v: number): Bytes {
  return String.fromCharCode(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function ipv4ToText(b: Bytes, off = 0): string {
  return `${b.charCodeAt(off)}.${b.charCodeAt(off + 1)}.${b.charCodeAt(off + 2)}.${b.charCodeAt(off + 3)}`;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

// Scratch for parseIPv6: parsing is synchronous, so one buffer serves every call.
const groups = new Uint16Array(8);
const words = new Uint16Array(8);

/**
 * IPv6 text (RFC 4291 §2.2: eight groups of 1-4 hex digits, one `::`, optional trailing dotted
 * quad) as 16 octets, or undefined. No zone index (`%eth0`): it has no meaning in DNS data.
 */
export function parseIPv6(text: string): Bytes | undefined {
  if (!parseIPv6Words(text, text.length, words)) return undefined;
  const w = words;
  // One string at once: eight pieces and their concatenations were ~350 bytes of garbage per
  // AAAA record, a sixth of the records of a big zone.
  return String.fromCharCode(
    w[0]! >>> 8, w[0]! & 0xff, w[1]! >>> 8, w[1]! & 0xff, w[2]! >>> 8, w[2]! & 0xff, w[3]! >>> 8, w[3]! & 0xff,
    w[4]! >>> 8, w[4]! & 0xff, w[5]! >>> 8, w[5]! & 0xff, w[6]! >>> 8, w[6]! & 0xff, w[7]! >>> 8, w[7]! & 0xff,
  );
}

/**
 * parseIPv6 of text[0, len) into the eight 16-bit groups of `out`, without allocating (the
 * query path parses client addresses with it); false if it is not an IPv6 address.
 */
export function parseIPv6Words(text: string, len: number, out: Uint16Array): boolean {
  if (len < 2) return false;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < len) {
    const start = i;
    let val = 0;
    let h: number;
    while (i < len && (h = hexValue(text.charCodeAt(i))) >= 0) {
      val = val * 16 + h;
      i++;
    }
    if (i < len && text.charCodeAt(i) === 0x2e) {
      // Embedded IPv4 (RFC 4291 §2.2 form 3) fills the last two groups.
      if (n > 6) return false;
      const v4 = parseIPv4(text, start, len);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = len;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || n >= 8) return false;
    groups[n++] = val;
    if (i === len) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < len && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === len) {
      return false;
    }
  }
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const fill = 8 - n;
  for (let g = 0; g < 8; g++) out[g] = gap < 0 || g < gap ? groups[g]! : g >= gap + fill ? groups[g - fill]! : 0;
  return true;
}

/**
 * 16 octets as IPv6 text the way BIND's inet_ntop prints it: lower-case hex, the first longest
 * run of two or more zero groups as `::`, and a dotted quad only for the IPv4-compatible
 * (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`) forms.
 */
export function ipv6ToText(b: Bytes, off = 0): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let g = 0; g < 8; g++) {
    const w = (b.charCodeAt(off + 2 * g) << 8) | b.charCodeAt(off + 2 * g + 1);
    if (w === 0) {
      if (curBase < 0) {
        curBase = g;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (bestBase >= 0 && g >= bestBase && g < bestBase + bestLen) {
      if (g === bestBase) out += ':';
      continue;
    }
    if (g !== 0) out += ':';
    const w = (b.charCodeAt(off + 2 * g) << 8) | b.charCodeAt(off + 2 * g + 1);
    if (g === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && ((b.charCodeAt(off + 10) << 8) | b.charCodeAt(off + 11)) === 0xffff))) {
      out += ipv4ToText(b, off + 12);
      return out;
    }
    out += w.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** A (RFC 1035 §3.4.1). */
export const aCodec: RdataCodec = {
  parse(tokens) {
    const t = tokens[0];
    if (t === undefined) missing('A', 'address');
    const v = parseIPv4(t.text);
    if (v < 0) throw new RdataError(`bad IPv4 address "${t.text}"`, 0);
    if (tokens.length > 1) noMore(tokens, 1);
    return ipv4ToBytes(v);
  },
  print(rdata) {
    if (rdata.length !== 4) throw new RdataError(`A RDATA is ${rdata.length} octets, not 4`);
    return ipv4ToText(rdata);
  },
};

/** AAAA (RFC 3596 §2.2). */
export const aaaaCodec: RdataCodec = {
  parse(tokens) {
    const t = tokens[0];
    if (t === undefined) missing('AAAA', 'address');
    const v = parseIPv6(t.text);
    if (v === undefined) throw new RdataError(`bad IPv6 address "${t.text}"`, 0);
    if (tokens.length > 1) noMore(tokens, 1);
    return v;
  },
  print(rdata) {
    if (rdata.length !== 16) throw new RdataError(`AAAA RDATA is ${rdata.length} octets, not 16`);
    return ipv6ToText(rdata);
  },
};
