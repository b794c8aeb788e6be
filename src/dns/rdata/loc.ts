// LOC (RFC 1876): `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m] [hp[m] [vp[m]]]]`.
// Latitude and longitude are thousandths of an arc second offset by 2^31; altitude is
// centimetres above a base 100 000 m below the WGS 84 spheroid; size and precisions are
// one-octet mantissa/exponent pairs in centimetres (§2), truncated like RFC 1876 Appendix A
// and BIND do (1.5m is stored as 1m). Printing follows BIND's loc_29.c byte for byte.

import { u32 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { decimal, missing, noMore, type Tokens } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const EQUATOR = 0x80000000;
/** Altitude 0 m on the wire: the base is 100 000 m below the spheroid (§2). */
const ALT_ZERO = 10000000;
const MAX_ALT_CM = 0xffffffff - ALT_ZERO;
const MAX_PRECISION_M = 90000000;
/** The largest angles the text form writes, in thousandths of a second: 90 59 59.999 and 180 59 59.999. */
const MAX_LATITUDE = ((90 * 60 + 59) * 60 + 59) * 1000 + 999;
const MAX_LONGITUDE = ((180 * 60 + 59) * 60 + 59) * 1000 + 999;
/** Defaults when omitted (§3): size 1 m, horizontal 10 km, vertical 10 m. */
const DEFAULT_SIZE = 0x12;
const DEFAULT_HP = 0x16;
const DEFAULT_VP = 0x13;

/** Seconds "ss" or "ss.f", up to three decimals, in thousandths; -1 if malformed. */
function parseSeconds(text: string): number {
  const dot = text.indexOf('.');
  const whole = decimal(dot < 0 ? text : text.slice(0, dot), 59);
  if (whole < 0) return -1;
  if (dot < 0) return whole * 1000;
  const frac = text.slice(dot + 1);
  if (frac.length === 0 || frac.length > 3) return -1;
  const f = decimal(frac, 999);
  if (f < 0) return -1;
  return whole * 1000 + f * (frac.length === 1 ? 100 : frac.length === 2 ? 10 : 1);
}

/** "[-]m[.cc][m]" in centimetres (signed only when `signed`); NaN if malformed. */
function parseCentimetres(text: string, signed: boolean): number {
  let s = text;
  let neg = false;
  if (signed && s.charCodeAt(0) === 0x2d) {
    neg = true;
    s = s.slice(1);
  }
  if (s.endsWith('m')) s = s.slice(0, -1);
  const dot = s.indexOf('.');
  const metres = decimal(dot < 0 ? s : s.slice(0, dot), Number.MAX_SAFE_INTEGER);
  if (metres < 0) return NaN;
  let cm = metres * 100;
  if (dot >= 0) {
    const frac = s.slice(dot + 1);
    if (frac.length === 0 || frac.length > 2) return NaN;
    const f = decimal(frac, 99);
    if (f < 0) return NaN;
    cm += frac.length === 1 ? f * 10 : f;
  }
  return neg ? -cm : cm;
}

/** Size or precision in centimetres as the mantissa/exponent octet (§2: "XeY" as 0xXY). */
export function precisionToByte(cm: number): number {
  let exp = 0;
  let pow = 1;
  while (exp < 9 && cm >= pow * 10) {
    exp++;
    pow *= 10;
  }
  return (Math.floor(cm / pow) << 4) | exp;
}

/** The octet as BIND prints it: whole metres from 1 m up, else `0.cc` metres. */
export function precisionToText(b: number): string {
  const man = b >> 4;
  const exp = b & 0x0f;
  if (exp > 1) return `${man * 10 ** (exp - 2)}m`;
  return `0.${String(man * 10 ** exp).padStart(2, '0')}m`;
}

function precisionValid(b: number): boolean {
  const man = b >> 4;
  const exp = b & 0x0f;
  return b === 0 || (man >= 1 && man <= 9 && exp <= 9);
}

interface Cursor {
  i: number;
}

/**
 * Degrees, optional minutes and seconds, then the hemisphere letter. Returns the wire value
 * (thousandths of an arc second, offset by 2^31) and advances the cursor.
 */
function angle(tokens: Tokens, c: Cursor, maxDeg: number, pos: string, neg: string, what: string): number {
  const dText = tokens[c.i]?.text;
  if (dText === undefined) missing('LOC', `${what} degrees`);
  const deg = decimal(dText, maxDeg);
  if (deg < 0) throw new RdataError(`LOC ${what} degrees "${dText}" is not 0-${maxDeg}`, c.i);
  c.i++;
  let min = 0;
  let sec = 0;
  let hemi = tokens[c.i]?.text;
  if (hemi !== undefined && hemi !== pos && hemi !== neg) {
    min = decimal(hemi, 59);
    if (min < 0) throw new RdataError(`LOC ${what} minutes "${hemi}" is not 0-59 (or ${pos}/${neg} is missing)`, c.i);
    c.i++;
    hemi = tokens[c.i]?.text;
    if (hemi !== undefined && hemi !== pos && hemi !== neg) {
      sec = parseSeconds(hemi);
      if (sec < 0) throw new RdataError(`LOC ${what} seconds "${hemi}" is not 0-59.999 (or ${pos}/${neg} is missing)`, c.i);
      c.i++;
      hemi = tokens[c.i]?.text;
    }
  }
  if (hemi === undefined) missing('LOC', `${what} direction ${pos}|${neg}`);
  if (hemi !== pos && hemi !== neg) throw new RdataError(`LOC ${what} direction "${hemi}" is not ${pos} or ${neg}`, c.i);
  // Each part has its own range (RFC 1876 §3: d1 0-90, m1 0-59, s1 0-59.999), and that is all:
  // `90 59 59.999 N` is read, as Knot reads it (BIND refuses anything past 90 degrees).
  const thousandths = (deg * 3600 + min * 60) * 1000 + sec;
  c.i++;
  return hemi === pos ? EQUATOR + thousandths : EQUATOR - thousandths;
}

function precisionField(tokens: Tokens, i: number, what: string): number {
  const text = tokens[i]!.text;
  const cm = parseCentimetres(text, false);
  // RFC 1876 §3: 0 .. 90000000.00 m. BIND also takes up to .99 past it (and stores the maximum).
  if (Number.isNaN(cm) || cm > MAX_PRECISION_M * 100) throw new RdataError(`LOC ${what} "${text}" is not 0-${MAX_PRECISION_M}m`, i);
  return precisionToByte(cm);
}

export const locCodec: RdataCodec = {
  parse(tokens) {
    const c: Cursor = { i: 0 };
    const lat = angle(tokens, c, 90, 'N', 'S', 'latitude');
    const lon = angle(tokens, c, 180, 'E', 'W', 'longitude');
    let i = c.i;
    const altText = tokens[i]?.text;
    if (altText === undefined) missing('LOC', 'altitude');
    const alt = parseCentimetres(altText, true);
    if (Number.isNaN(alt) || alt < -ALT_ZERO || alt > MAX_ALT_CM) throw new RdataError(`LOC altitude "${altText}" is not -100000.00m to 42849672.95m`, i);
    i++;
    let size = DEFAULT_SIZE;
    let hp = DEFAULT_HP;
    let vp = DEFAULT_VP;
    if (i < tokens.length) size = precisionField(tokens, i++, 'size');
    if (i < tokens.length) hp = precisionField(tokens, i++, 'horizontal precision');
    if (i < tokens.length) vp = precisionField(tokens, i++, 'vertical precision');
    noMore(tokens, i);
    return String.fromCharCode(0, size, hp, vp) + u32(lat) + u32(lon) + u32(alt + ALT_ZERO);
  },
  print(rdata) {
    const r = new WireReader(rdata, 'LOC');
    if (r.u8('version') !== 0) throw new RdataError('LOC version is not 0');
    const size = r.u8('size');
    const hp = r.u8('horizontal precision');
    const vp = r.u8('vertical precision');
    if (!precisionValid(size) || !precisionValid(hp) || !precisionValid(vp)) throw new RdataError('LOC size or precision is not a valid mantissa/exponent');
    const lat = r.u32('latitude');
    const lon = r.u32('longitude');
    let alt = r.u32('altitude');
    r.end();
    // Only what the text form can say (see angle()): further out has no presentation.
    if (Math.abs(lat - EQUATOR) > MAX_LATITUDE || Math.abs(lon - EQUATOR) > MAX_LONGITUDE) throw new RdataError('LOC latitude or longitude out of range');
    let below = false;
    if (alt < ALT_ZERO) {
      below = true;
      alt = ALT_ZERO - alt;
    } else alt -= ALT_ZERO;
    const altText = `${below ? '-' : ''}${Math.floor(alt / 100)}.${String(alt % 100).padStart(2, '0')}m`;
    return `${angleText(lat, 'N', 'S')} ${angleText(lon, 'E', 'W')} ${altText} ${precisionToText(size)} ${precisionToText(hp)} ${precisionToText(vp)}`;
  },
};

function angleText(v: number, pos: string, neg: string): string {
  const hemi = v >= EQUATOR ? pos : neg;
  let t = v >= EQUATOR ? v - EQUATOR : EQUATOR - v;
  const frac = t % 1000;
  t = Math.floor(t / 1000);
  const sec = t % 60;
  t = Math.floor(t / 60);
  const min = t % 60;
  const deg = Math.floor(t / 60);
  return `${deg} ${min} ${sec}.${String(frac).padStart(3, '0')} ${hemi}`;
}
