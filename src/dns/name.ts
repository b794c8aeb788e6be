// Domain names. A `Name` is the uncompressed wire form (length-prefixed labels ending in the
// root's zero octet) as a binary string, with the case it was written in. `nameKey` folds ASCII
// case only (RFC 4343: DNS case-insensitivity is ASCII-only; a 0xC0 octet is not an upper-case 0xE0),
// and is what lookups compare. Names in a zone are interned by the loader, so equal names share
// one string.

import { MAX_LABEL, MAX_NAME } from './constants.js';
import { NameError } from '../errors.js';
import type { Bytes } from './bytes.js';

declare const nameBrand: unique symbol;
/** Uncompressed wire-format domain name, case preserved. */
export type Name = Bytes & { readonly [nameBrand]: true };

export const ROOT = '\x00' as Name;

/** Lower-cases ASCII A-Z only. Returns the same string when nothing changes (no extra memory). */
export function nameKey(name: Name): Name {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return asciiLower(name) as Name;
  }
  return name;
}

function asciiLower(s: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      out += s.slice(start, i) + String.fromCharCode(c + 32);
      start = i + 1;
    }
  }
  return out + s.slice(start);
}

export function namesEqual(a: Name, b: Name): boolean {
  return a === b || (a.length === b.length && nameKey(a) === nameKey(b));
}

/** Number of labels, not counting the root. */
export function labelCount(name: Name): number {
  let n = 0;
  for (let i = 0; name.charCodeAt(i) !== 0; i += name.charCodeAt(i) + 1) n++;
  return n;
}

/** The labels as binary strings, leftmost first, without the root. */
export function labels(name: Name): string[] {
  const out: string[] = [];
  for (let i = 0; name.charCodeAt(i) !== 0; i += name.charCodeAt(i) + 1) {
    out.push(name.slice(i + 1, i + 1 + name.charCodeAt(i)));
  }
  return out;
}

/** Name with the leftmost label removed; the root's parent is undefined. */
export function parentName(name: Name): Name | undefined {
  if (name.length <= 1) return undefined;
  return name.slice(name.charCodeAt(0) + 1) as Name;
}

/** True if `name` is `ancestor` or below it. Compares case-insensitively on label boundaries. */
export function isSubdomain(name: Name, ancestor: Name): boolean {
  const skip = name.length - ancestor.length;
  if (skip < 0) return false;
  let i = 0;
  while (i < skip) i += name.charCodeAt(i) + 1;
  if (i !== skip) return false;
  return nameKey(name.slice(skip) as Name) === nameKey(ancestor);
}

/** `label.name`. The label is raw octets (1-63). */
export function prependLabel(label: string, name: Name): Name {
  if (label.length === 0 || label.length > MAX_LABEL) throw new NameError(`label length ${label.length} is not 1-63`);
  const out = String.fromCharCode(label.length) + label + name;
  if (out.length > MAX_NAME) throw new NameError(`name is longer than ${MAX_NAME} octets`);
  return out as Name;
}

/** Concatenates a relative name (wire form without the root octet) and an absolute one. */
export function concatName(relative: string, origin: Name): Name {
  const out = relative + origin;
  if (out.length > MAX_NAME) throw new NameError(`name is longer than ${MAX_NAME} octets`);
  return out as Name;
}

/** The wildcard name `*.name`. */
export function wildcardOf(name: Name): Name {
  return prependLabel('*', name);
}

export function isWildcard(name: Name): boolean {
  return name.charCodeAt(0) === 1 && name.charCodeAt(1) === 0x2a;
}

/**
 * Parses a name in presentation format (RFC 1035 §5.1): `\X` and `\DDD` escapes, absolute when it
 * ends in an unescaped dot, otherwise relative to `origin`. `@` is the zone file's business, not ours.
 */
export function nameFromText(text: string, origin?: Name): Name {
  if (text === '.') return ROOT;
  if (text.length === 0) throw new NameError('empty name');
  let wire = '';
  let label = '';
  let absolute = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (label.length === 0) throw new NameError(`empty label in "${text}"`);
      if (label.length > MAX_LABEL) throw new NameError(`label "${label}" is longer than ${MAX_LABEL} octets`);
      wire += String.fromCharCode(label.length) + label;
      label = '';
      if (i === text.length - 1) absolute = true;
      continue;
    }
    if (c === 0x5c /* \ */) {
      if (i + 1 >= text.length) throw new NameError(`dangling backslash in "${text}"`);
      const d = text.slice(i + 1, i + 4);
      if (/^[0-9]/.test(d)) {
        if (!/^[0-9]{3}$/.test(d)) throw new NameError(`bad \\DDD escape in "${text}"`);
        c = Number(d);
        if (c > 255) throw new NameError(`\\${d} is not an octet in "${text}"`);
        i += 3;
      } else {
        c = text.charCodeAt(i + 1);
        i += 1;
      }
    }
    if (c > 0xff) throw new NameError(`non-ASCII character in "${text}" (use IDNA/punycode or \\DDD)`);
    label += String.fromCharCode(c);
  }
  if (!absolute) {
    if (label.length === 0) throw new NameError(`empty label in "${text}"`);
    if (label.length > MAX_LABEL) throw new NameError(`label "${label}" is longer than ${MAX_LABEL} octets`);
    wire += String.fromCharCode(label.length) + label;
    if (origin === undefined) throw new NameError(`relative name "${text}" with no origin`);
    return concatName(wire, origin);
  }
  wire += '\x00';
  if (wire.length > MAX_NAME) throw new NameError(`name "${text}" is longer than ${MAX_NAME} octets`);
  return wire as Name;
}

/**
 * Octets a name in a zone file may hold unescaped: letters, digits, `-`, `_`, `/` (RFC 2317
 * reverse zones) and `*`. Anything else (`@ $ & , % " ' + =`...) must be written `\X` or `\DDD`,
 * as Knot requires: an unescaped one is nearly always a typo or a misplaced field, and BIND,
 * which takes them, prints them escaped anyway. 1 = allowed.
 */
const PLAIN_NAME_OCTET = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = t[c + 32] = 1;
  for (const c of '-_/*.') t[c.charCodeAt(0)] = 1;
  return t;
})();

/** True when the char code may appear unescaped in a zone file name (the dot included). */
export function isPlainNameChar(c: number): boolean {
  return c < 256 && PLAIN_NAME_OCTET[c] === 1;
}

/**
 * Throws NameError at the first octet of text[start, end) that may not appear unescaped in a
 * zone file name (escapes `\X` and `\DDD` are skipped; nameFromText reads them).
 */
export function checkNameChars(text: string, start = 0, end = text.length): void {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (!isPlainNameChar(c)) throw unescapedCharError(text, start, end, c);
  }
}

/** The NameError for octet `c` written unescaped in the name text[start, end). */
export function unescapedCharError(text: string, start: number, end: number, c: number): NameError {
  const printable = c > 0x20 && c < 0x7f;
  const written = printable ? String.fromCharCode(c) : String(c).padStart(3, '0');
  const shown = end - start > 60 ? text.slice(start, start + 60) + '...' : text.slice(start, end);
  const at = c === 0x40 ? ' ("@" alone is the origin)' : '';
  return new NameError(`${printable ? `"${written}"` : `octet ${c}`} must be escaped in a name: write \\${written}${at} in "${shown}"`);
}

/**
 * Presentation format, absolute with trailing dot. Non-printable octets are `\DDD`, and every
 * other octet a zone file name may not hold unescaped (isPlainNameChar) is `\X`, so the text reads
 * back here and in Knot. BIND escapes fewer (`a&b` where we print `a\&b`); both read the same.
 */
export function nameToText(name: Name): string {
  if (name.length <= 1) return '.';
  let out = '';
  for (let i = 0; name.charCodeAt(i) !== 0; ) {
    const len = name.charCodeAt(i);
    for (let j = i + 1; j <= i + len; j++) {
      const c = name.charCodeAt(j);
      if (c <= 0x20 || c >= 0x7f) out += '\\' + String(c).padStart(3, '0');
      else if (c === 0x2e || !isPlainNameChar(c)) out += '\\' + String.fromCharCode(c);
      else out += String.fromCharCode(c);
    }
    out += '.';
    i += len + 1;
  }
  return out;
}

/**
 * Reads an uncompressed name from binary data (RDATA as stored). Returns the name and the offset
 * after it; throws on a name that runs past `end` or breaks the length limits.
 */
export function readName(data: Bytes, offset: number, end = data.length): [Name, number] {
  let i = offset;
  for (;;) {
    if (i >= end) throw new NameError('name runs past the end of the data');
    const len = data.charCodeAt(i);
    if (len === 0) break;
    if (len > MAX_LABEL) throw new NameError('label length over 63 (compression is not allowed here)');
    i += len + 1;
  }
  i += 1;
  if (i - offset > MAX_NAME) throw new NameError(`name is longer than ${MAX_NAME} octets`);
  return [data.slice(offset, i) as Name, i];
}
