// Fast paths for the commonest RDATA of big zones (A, AAAA, NS, CNAME, PTR, MX): read straight
// from the tokenizer's text, without token objects or the codec dispatch. Each accepts a subset of
// what the type's codec accepts and gives the same octets (it uses the codecs' own parsers);
// anything else (quotes, escapes, RFC 3597 `\#`, errors) gives undefined and goes the codec's
// way, which also words the errors.

import { u16, type Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import type { Name } from '../dns/name.js';
import { ipv4ToBytes, parseIPv4, parseIPv6 } from '../dns/rdata/address.js';
import { nameAt } from './parse-name.js';
import type { Tokenizer } from './tokenizer.js';

const BACKSLASH = 0x5c;

/** RDATA of type `type` from tokens [first, count) of `tk`, or undefined (see above). */
export function quickRdata(tk: Tokenizer, first: number, type: number, origin: Name): Bytes | undefined {
  const fields = tk.count - first;
  switch (type) {
    case RRType.A: {
      if (fields !== 1 || tk.isQuoted(first)) return undefined;
      const v = parseIPv4(tk.src, tk.tokenStart[first], tk.tokenEnd[first]);
      return v < 0 ? undefined : ipv4ToBytes(v);
    }
    case RRType.AAAA:
      if (fields !== 1 || tk.isQuoted(first) || tk.src.charCodeAt(tk.tokenStart[first]) === BACKSLASH) return undefined;
      return parseIPv6(tk.text(first));
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return fields === 1 ? quickName(tk, first, origin) : undefined;
    case RRType.MX: {
      if (fields !== 2 || tk.isQuoted(first)) return undefined;
      const preference = digits(tk.src, tk.tokenStart[first], tk.tokenEnd[first], 0xffff);
      if (preference < 0) return undefined;
      const exchange = quickName(tk, first + 1, origin);
      return exchange === undefined ? undefined : u16(preference) + exchange;
    }
    default:
      return undefined;
  }
}

/** A name field as nameField reads it; undefined for quotes, a leading backslash (`\#`) or an error. */
function quickName(tk: Tokenizer, i: number, origin: Name): Name | undefined {
  const s = tk.tokenStart[i];
  if (tk.isQuoted(i) || tk.src.charCodeAt(s) === BACKSLASH) return undefined;
  try {
    return nameAt(tk.src, s, tk.tokenEnd[i], origin);
  } catch {
    return undefined;
  }
}

/** src[start, end) as a decimal number 0..max (digits only, as the codecs' `decimal`), or -1. */
function digits(src: string, start: number, end: number, max: number): number {
  if (start === end) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = src.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
    if (v > max) return -1;
  }
  return v;
}
