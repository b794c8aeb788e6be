// Recognising RR types and classes in a record without slicing the token out of the file: the
// common mnemonics (every one of up to 7 characters) are matched by a numeric key computed from
// the upper-cased characters, so a million records cost no string allocations here. Longer names
// (NSEC3PARAM, OPENPGPKEY) and the RFC 3597 forms TYPEnnn / CLASSnnn take the slow path.

import { RRClass, RRType, classFromString, typeFromString } from '../dns/constants.js';

const MAX_KEY_CHARS = 7; // 7 chars × 7 bits = 49 bits: exact in a double

/** A number unique to the case-folded ASCII word src[start, end), or -1 if it cannot be a keyword. */
function wordKey(src: string, start: number, end: number): number {
  if (end - start > MAX_KEY_CHARS || end <= start) return -1;
  let key = 0;
  for (let i = start; i < end; i++) {
    let c = src.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c >= 0x80 || c === 0) return -1;
    key = key * 128 + c;
  }
  return key;
}

function keyOf(word: string): number {
  return wordKey(word, 0, word.length);
}

const typeByKey = new Map<number, number>();
for (const [name, value] of Object.entries(RRType)) {
  if (name.length <= MAX_KEY_CHARS) typeByKey.set(keyOf(name), value);
}

const classByKey = new Map<number, number>([[keyOf('CS'), 2]]);
for (const [name, value] of Object.entries(RRClass)) classByKey.set(keyOf(name), value);

/** RR type named by src[start, end) (`A`, `mx`, `TYPE65534`), or undefined. */
export function typeAt(src: string, start: number, end: number): number | undefined {
  const known = typeByKey.get(wordKey(src, start, end));
  if (known !== undefined) return known;
  if (end - start <= MAX_KEY_CHARS && !startsWithFolded(src, start, end, 'TYPE')) return undefined;
  return typeFromString(src.slice(start, end));
}

/** Class named by src[start, end) (`IN`, `ch`, `CLASS1`), or undefined. */
export function classAt(src: string, start: number, end: number): number | undefined {
  const known = classByKey.get(wordKey(src, start, end));
  if (known !== undefined) return known;
  if (!startsWithFolded(src, start, end, 'CLASS')) return undefined;
  return classFromString(src.slice(start, end));
}

/** True if src[start, end) begins with `prefix` (upper-case ASCII), ignoring case. */
function startsWithFolded(src: string, start: number, end: number, prefix: string): boolean {
  if (end - start <= prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if ((src.charCodeAt(start + i) & 0xdf) !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/** Meta-types (RFC 6895 §3.1) and type 0 describe queries or transactions, never zone data. */
export function isMetaType(type: number): boolean {
  return type === 0 || type === RRType.OPT || (type >= 128 && type <= 255);
}
