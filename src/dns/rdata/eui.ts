// EUI48 and EUI64 (RFC 7043 §3.2, §4.2): a MAC-style address written as six or eight two-digit
// hex numbers separated by hyphens, printed in lower case as BIND does (`00-00-5e-00-53-2a`).
// Exactly two digits each, as the RFC says and Knot insists (BIND's sscanf also takes one).

import type { RdataCodec } from './codec.js';
import { missing, noMore } from './fields.js';
import { RdataError } from './token.js';

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

function euiCodec(type: string, octets: number): RdataCodec {
  const length = 3 * octets - 1;
  return {
    parse(tokens) {
      const t = tokens[0];
      if (t === undefined) missing(type, 'address');
      const s = t.text;
      let out = '';
      for (let k = 0; k < octets && s.length === length; k++) {
        const hi = hexDigit(s.charCodeAt(3 * k));
        const lo = hexDigit(s.charCodeAt(3 * k + 1));
        if (hi < 0 || lo < 0 || (k < octets - 1 && s.charCodeAt(3 * k + 2) !== 0x2d)) break;
        out += String.fromCharCode(hi * 16 + lo);
      }
      if (out.length !== octets) throw new RdataError(`bad ${type} address "${s}" (${octets} two-digit hex numbers separated by "-")`, 0);
      noMore(tokens, 1);
      return out;
    },
    print(rdata) {
      if (rdata.length !== octets) throw new RdataError(`${type} RDATA is ${rdata.length} octets, not ${octets}`);
      let out = '';
      for (let k = 0; k < octets; k++) out += (k === 0 ? '' : '-') + rdata.charCodeAt(k).toString(16).padStart(2, '0');
      return out;
    },
  };
}

export const eui48Codec = euiCodec('EUI48', 6);
export const eui64Codec = euiCodec('EUI64', 8);
