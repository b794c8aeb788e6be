// Field readers for presentation-format RDATA: each takes the token list and the index of the
// field, checks it, and throws an RdataError naming the type, the field and the bad text. They
// are plain functions over (tokens, index) so the hot record types (A, NS, MX, ...) allocate
// nothing but their result.

import { NameError } from '../../errors.js';
import { checkNameChars, nameFromText, type Name } from '../name.js';
import { RdataError, type RdataToken } from './token.js';

export type Tokens = readonly RdataToken[];

export function missing(type: string, field: string): never {
  throw new RdataError(`missing field: ${field} (${type} record)`);
}

/** The raw text of field `i`, or a "missing field" error. */
export function fieldText(tokens: Tokens, i: number, type: string, field: string): string {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  return t.text;
}

/** Throws if there are tokens from `i` on. */
export function noMore(tokens: Tokens, i: number): void {
  if (i < tokens.length) throw new RdataError(`trailing data "${tokens[i]!.text}"`, i);
}

/**
 * Unsigned decimal integer 0..max, digits only (no sign, no hex; leading zeros are fine, as in
 * BIND). Returns -1 when the text is not such a number at all, -2 when it is out of range.
 */
export function decimal(text: string, max: number): number {
  const n = text.length;
  if (n === 0) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
    if (v > max) {
      // Keep scanning so "123x" reports as not-a-number rather than out of range.
      for (let j = i + 1; j < n; j++) {
        const e = text.charCodeAt(j) - 48;
        if (e < 0 || e > 9) return -1;
      }
      return -2;
    }
  }
  return v;
}

/** Field `i` as an unsigned integer 0..max. */
export function uintField(tokens: Tokens, i: number, max: number, type: string, field: string): number {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  const v = decimal(t.text, max);
  if (v < 0) throw badNumber(t.text, v, max, i, type, field);
  return v;
}

export function badNumber(text: string, code: number, max: number, i: number | undefined, type: string, field: string): RdataError {
  return code === -2
    ? new RdataError(`${type} ${field} "${text}" is not 0-${max}`, i)
    : new RdataError(`${type} ${field} "${text}" is not a number`, i);
}

export function u8Field(tokens: Tokens, i: number, type: string, field: string): number {
  return uintField(tokens, i, 0xff, type, field);
}

export function u16Field(tokens: Tokens, i: number, type: string, field: string): number {
  return uintField(tokens, i, 0xffff, type, field);
}

export function u32Field(tokens: Tokens, i: number, type: string, field: string): number {
  return uintField(tokens, i, 0xffffffff, type, field);
}

/**
 * Field `i` as a domain name: `@` is the origin, a relative name is completed with it
 * (RFC 1035 §5.1). Quoted names are refused, as BIND does: a quote cannot be part of a name; so
 * are octets other than letters, digits and `-_/*` unless escaped (dns/name.ts isPlainNameChar).
 */
export function nameField(tokens: Tokens, i: number, origin: Name, type: string, field: string): Name {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  if (t.quoted) throw new RdataError(`${type} ${field} must be a domain name, not a quoted string "${t.text}"`, i);
  const text = t.text;
  if (text === '@') return origin;
  try {
    checkNameChars(text);
    return nameFromText(text, origin);
  } catch (e) {
    if (e instanceof NameError) throw new RdataError(`bad ${type} ${field} "${text}": ${e.message}`, i);
    throw e;
  }
}
