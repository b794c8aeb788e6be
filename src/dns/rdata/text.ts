// Character-strings (RFC 1035 §3.3 and §5.1): decoding `\X` and `\DDD` escapes from zone file
// text, and printing octets back the way BIND does (`"` and `\` escaped, octets outside
// 0x20-0x7E as `\DDD`). Also the codecs made only of character-strings: TXT and the types shaped
// like it (SPF, AVC, NINFO, RESINFO, WALLET), HINFO, X25, ISDN, GPOS.

import type { Bytes } from '../bytes.js';
import { missing, noMore, type Tokens } from './fields.js';
import type { RdataCodec } from './codec.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/**
 * Decodes the escapes of one field. Zone files are read as octets (one char per octet, as in
 * name.ts), so a char above 0xFF cannot be stored and is refused. Returns the text itself when
 * there is nothing to decode, which is the common case and allocates nothing.
 */
export function decodeEscapes(text: string, i: number, what: string): Bytes {
  const n = text.length;
  let k = 0;
  for (; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x5c || c > 0xff) break;
  }
  if (k === n) return text;
  let out = text.slice(0, k);
  for (; k < n; k++) {
    let c = text.charCodeAt(k);
    if (c > 0xff) {
      throw new RdataError(`${what}: character "${text[k]}" is not an octet (write non-ASCII text as UTF-8 \\DDD escapes)`, i);
    }
    if (c === 0x5c) {
      if (k + 1 >= n) throw new RdataError(`${what}: dangling backslash in "${text}"`, i);
      const d1 = text.charCodeAt(k + 1) - 48;
      if (d1 >= 0 && d1 <= 9) {
        // RFC 1035 §5.1: \DDD is exactly three decimal digits.
        const d2 = text.charCodeAt(k + 2) - 48;
        const d3 = text.charCodeAt(k + 3) - 48;
        if (!(d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9)) throw new RdataError(`${what}: bad \\DDD escape in "${text}" (needs three digits)`, i);
        c = d1 * 100 + d2 * 10 + d3;
        if (c > 255) throw new RdataError(`${what}: \\${text.slice(k + 1, k + 4)} is not an octet in "${text}"`, i);
        k += 3;
      } else {
        c = text.charCodeAt(k + 1);
        if (c > 0xff) throw new RdataError(`${what}: character "${text[k + 1]}" is not an octet`, i);
        k += 1;
      }
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** Escapes octets for use between double quotes (BIND's txt_totext rules). */
export function escapeOctets(b: Bytes): string {
  const n = b.length;
  let k = 0;
  for (; k < n; k++) {
    const c = b.charCodeAt(k);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) break;
  }
  if (k === n) return b;
  let out = b.slice(0, k);
  for (; k < n; k++) {
    const c = b.charCodeAt(k);
    if (c < 0x20 || c >= 0x7f) out += c < 10 ? '\\00' + c : c < 100 ? '\\0' + c : '\\' + c;
    else if (c === 0x22 || c === 0x5c) out += '\\' + b[k];
    else out += b[k];
  }
  return out;
}

export function quoteOctets(b: Bytes): string {
  return '"' + escapeOctets(b) + '"';
}

/**
 * One <character-string> field: decoded, length-checked (255 octets, RFC 1035 §3.3) and
 * length-prefixed. Quoted or not, it is the same string.
 */
export function charStringField(tokens: Tokens, i: number, type: string, field: string): Bytes {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  const s = decodeEscapes(t.text, i, `${type} ${field}`);
  if (s.length > 255) throw new RdataError(`${type} ${field} is ${s.length} octets; a character-string holds at most 255`, i);
  return String.fromCharCode(s.length) + s;
}

/**
 * TXT and SPF (RFC 1035 §3.3.14, RFC 7208 §3): one or more character-strings, each token its
 * own string so `"a" "b"` stays two strings on the wire.
 */
export function txtCodec(type: string): RdataCodec {
  return {
    parse(tokens) {
      const n = tokens.length;
      if (n === 0) missing(type, 'text');
      let out = '';
      for (let i = 0; i < n; i++) {
        const s = decodeEscapes(tokens[i]!.text, i, type);
        if (s.length > 255) {
          throw new RdataError(
            `${type} string is ${s.length} octets; a character-string holds at most 255: ` +
              'split it into several quoted strings of at most 255 octets each ("part1" "part2"), as is usual for DKIM keys',
            i,
          );
        }
        out += String.fromCharCode(s.length) + s;
      }
      return out;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      if (r.remaining === 0) throw new RdataError(`${type} RDATA is empty`);
      let out = quoteOctets(r.charString('text'));
      while (r.remaining > 0) out += ' ' + quoteOctets(r.charString('text'));
      return out;
    },
  };
}

/**
 * A fixed list of character-strings, the last `optional` of which may be left out: HINFO
 * (RFC 1035 §3.3.2: cpu os), ISDN (RFC 1183 §3.2: address [subaddress]), GPOS (RFC 1712 §3:
 * longitude latitude altitude, numbers as text, unchecked as in BIND). `check` vets each decoded
 * string, reading or printing.
 */
export function charStringsCodec(type: string, fields: readonly string[], optional = 0, check?: (s: Bytes, field: string) => string | undefined): RdataCodec {
  const vet = (s: Bytes, field: string, i?: number): Bytes => {
    const problem = check?.(s, field);
    if (problem !== undefined) throw new RdataError(`${type} ${field} ${problem}`, i);
    return s;
  };
  return {
    parse(tokens) {
      let out = '';
      for (let i = 0; i < fields.length && (i < fields.length - optional || i < tokens.length); i++) {
        const s = charStringField(tokens, i, type, fields[i]!);
        out += s;
        vet(s.slice(1), fields[i]!, i);
      }
      noMore(tokens, fields.length);
      return out;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      let out = '';
      for (let i = 0; i < fields.length && (i < fields.length - optional || r.remaining > 0); i++) {
        out += (i === 0 ? '' : ' ') + quoteOctets(vet(r.charString(fields[i]!), fields[i]!));
      }
      r.end();
      return out;
    },
  };
}

export const hinfoCodec = charStringsCodec('HINFO', ['cpu', 'os']);
export const isdnCodec = charStringsCodec('ISDN', ['address', 'subaddress'], 1);
export const gposCodec = charStringsCodec('GPOS', ['longitude', 'latitude', 'altitude']);

/** X25 (RFC 1183 §3.1): a PSDN address of decimal digits, starting with the 4-digit DNIC. */
export const x25Codec = charStringsCodec('X25', ['PSDN address'], 0, (s) => (/^[0-9]{4,}$/.test(s) ? undefined : `"${escapeOctets(s)}" is not 4 or more decimal digits`));
