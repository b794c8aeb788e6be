// Type bit maps (RFC 4034 §4.1.2, reused by NSEC3 per RFC 5155 §3.2.1 and CSYNC per RFC 7477):
// windows of 256 types, each `window length bitmap` with the bitmap's trailing zero octets
// dropped and empty windows left out.

import type { Bytes } from '../bytes.js';
import { typeFromString, typeToString } from '../constants.js';
import type { Tokens } from './fields.js';
import { RdataError } from './token.js';

/** The windowed bitmap for a set of type numbers (any order, duplicates allowed). */
export function typeBitmapFromTypes(types: readonly number[]): Bytes {
  const sorted = Array.from(new Set(types)).sort((a, b) => a - b);
  for (const t of sorted) if (!Number.isInteger(t) || t < 0 || t > 0xffff) throw new RangeError(`type ${t} is not 0-65535`);
  let out = '';
  let i = 0;
  while (i < sorted.length) {
    const window = sorted[i]! >>> 8;
    const bits = new Uint8Array(32);
    let last = 0;
    for (; i < sorted.length && sorted[i]! >>> 8 === window; i++) {
      const low = sorted[i]! & 0xff;
      bits[low >>> 3]! |= 0x80 >>> (low & 7);
      last = low >>> 3;
    }
    out += String.fromCharCode(window, last + 1);
    for (let k = 0; k <= last; k++) out += String.fromCharCode(bits[k]!);
  }
  return out;
}

/**
 * The type numbers in a windowed bitmap, ascending. Throws on a malformed bitmap: windows out of
 * order or repeated, a length outside 1-32, a trailing zero octet, or data past the end.
 */
export function typesFromTypeBitmap(b: Bytes): number[] {
  const out: number[] = [];
  let pos = 0;
  let prevWindow = -1;
  while (pos < b.length) {
    if (pos + 2 > b.length) throw new RdataError('type bitmap ends inside a window header');
    const window = b.charCodeAt(pos);
    const len = b.charCodeAt(pos + 1);
    if (window <= prevWindow) throw new RdataError(`type bitmap window ${window} is out of order`);
    if (len < 1 || len > 32) throw new RdataError(`type bitmap window ${window} has length ${len}, not 1-32`);
    if (pos + 2 + len > b.length) throw new RdataError(`type bitmap window ${window} runs past the end`);
    if (b.charCodeAt(pos + 1 + len) === 0) throw new RdataError(`type bitmap window ${window} ends in a zero octet`);
    for (let k = 0; k < len; k++) {
      const octet = b.charCodeAt(pos + 2 + k);
      for (let bit = 0; bit < 8; bit++) if (octet & (0x80 >>> bit)) out.push((window << 8) | (k << 3) | bit);
    }
    prevWindow = window;
    pos += 2 + len;
  }
  return out;
}

/** Type mnemonics (or TYPEnnn) from tokens `i`.. as a bitmap. */
export function typeListField(tokens: Tokens, i: number, type: string): Bytes {
  const types: number[] = [];
  for (let j = i; j < tokens.length; j++) {
    const text = tokens[j]!.text;
    const t = typeFromString(text);
    if (t === undefined) throw new RdataError(`${type} type bitmap: unknown type "${text}"`, j);
    types.push(t);
  }
  return typeBitmapFromTypes(types);
}

/** A bitmap as a space-separated list of mnemonics. */
export function typeListText(b: Bytes): string {
  const types = typesFromTypeBitmap(b);
  let out = '';
  for (let i = 0; i < types.length; i++) out += (i === 0 ? '' : ' ') + typeToString(types[i]!);
  return out;
}
