// Binary-to-text encodings used in RDATA presentation: hex (DS, SSHFP, TLSA, RFC 3597),
// base64 (DNSKEY, RRSIG, OPENPGPKEY, ech; RFC 4648 §4) and base32hex (NSEC3 next hashed owner;
// RFC 4648 §7, RFC 5155 §3.3). Decoders are strict: Buffer's own decoders skip bad characters
// silently, which would turn a typo into different data.
//
// Blanks inside base64 and hex fields are allowed anywhere (the tokens are joined), as RFC 4034
// §2.2, §3.2 and §5.3 say ("Whitespace is allowed within the Base64 text") and BIND does; Knot
// refuses a blank that splits a 4-character base64 group.

import type { Bytes } from '../bytes.js';
import { RdataError } from './token.js';
import { missing, type Tokens } from './fields.js';

/** Value of a hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Decodes hex digits to octets; undefined if the text is not an even run of hex digits. */
export function hexDecode(text: string): Bytes | undefined {
  if (text.length % 2 !== 0) return undefined;
  for (let i = 0; i < text.length; i++) if (hexDigit(text.charCodeAt(i)) < 0) return undefined;
  return Buffer.from(text, 'hex').toString('latin1');
}

/** Upper-case hex, as BIND prints it. */
export function hexEncode(b: Bytes): string {
  return Buffer.from(b, 'latin1').toString('hex').toUpperCase();
}

/** Value of a base64 digit, or -1. */
function b64Digit(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c === 43) return 62;
  if (c === 47) return 63;
  return -1;
}

/** Strict base64 with padding (RFC 4648 §4); undefined if malformed. */
export function base64Decode(text: string): Bytes | undefined {
  const n = text.length;
  if (n % 4 !== 0) return undefined;
  let pad = 0;
  if (n > 0 && text.charCodeAt(n - 1) === 61) pad = text.charCodeAt(n - 2) === 61 ? 2 : 1;
  for (let i = 0; i < n - pad; i++) if (b64Digit(text.charCodeAt(i)) < 0) return undefined;
  return Buffer.from(text, 'base64').toString('latin1');
}

export function base64Encode(b: Bytes): string {
  return Buffer.from(b, 'latin1').toString('base64');
}

const B32HEX = '0123456789ABCDEFGHIJKLMNOPQRSTUV';

function b32Digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 118) return c - 87;
  return -1;
}

/**
 * base32hex, case-insensitive. RFC 5155 §3.3 writes NSEC3 hashes without padding, and that is how
 * they print; RFC 4648 §7 padding (`CPNG====`) is accepted too, as Knot does (BIND refuses it):
 * it says nothing the digits do not. Undefined on a bad digit, bad padding, a length no octet
 * count produces, or non-zero leftover bits (which would not round-trip).
 */
export function base32HexDecode(text: string): Bytes | undefined {
  const pad = text.length - text.replace(/=+$/, '').length;
  if (pad > 0) {
    // Padding fills the last 8-character group: 1, 3, 4 or 6 `=` (RFC 4648 §6).
    if (text.length % 8 !== 0 || !(pad === 1 || pad === 3 || pad === 4 || pad === 6)) return undefined;
    text = text.slice(0, -pad);
  }
  const rem = text.length % 8;
  if (rem === 1 || rem === 3 || rem === 6) return undefined;
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const d = b32Digit(text.charCodeAt(i));
    if (d < 0) return undefined;
    acc = ((acc << 5) | d) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((acc >> bits) & 0xff);
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** base32hex, upper case, no padding (BIND prints NSEC3 hashes this way). */
export function base32HexEncode(b: Bytes): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < b.length; i++) {
    acc = ((acc << 8) | b.charCodeAt(i)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32HEX[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += B32HEX[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Concatenates tokens `i`.. (hex and base64 blobs may be split over several fields, RFC 4034
 * §2.2 for keys, §5.3 for DS digests) and decodes them. At least one token is required; the
 * decoded value must not be empty.
 */
function tailDecode(tokens: Tokens, i: number, type: string, field: string, kind: string, decode: (s: string) => Bytes | undefined): Bytes {
  if (i >= tokens.length) missing(type, field);
  let text = tokens[i]!.text;
  for (let j = i + 1; j < tokens.length; j++) text += tokens[j]!.text;
  const out = decode(text);
  if (out === undefined) throw new RdataError(`bad ${kind} in ${type} ${field} "${text}"`, i);
  if (out.length === 0) throw new RdataError(`${type} ${field} is empty`, i);
  return out;
}

export function hexTail(tokens: Tokens, i: number, type: string, field: string): Bytes {
  return tailDecode(tokens, i, type, field, 'hex', hexDecode);
}

export function base64Tail(tokens: Tokens, i: number, type: string, field: string): Bytes {
  return tailDecode(tokens, i, type, field, 'base64', base64Decode);
}

/** Like base64Tail for a field that may be left out (SINK data): nothing there is no octets. */
export function base64Rest(tokens: Tokens, i: number, type: string, field: string): Bytes {
  return i < tokens.length ? base64Tail(tokens, i, type, field) : '';
}
