// RRSIG signature expiration and inception (RFC 4034 §3.2): either YYYYMMDDHHmmSS in UTC or a
// plain count of seconds since 1970. The wire value is 32 bits and compared with serial number
// arithmetic (RFC 4034 §3.1.5), so dates from 2106 on wrap modulo 2^32. Years run 1970-2225:
// Knot's bound (BIND takes years up to 9999 and wraps them too; the RFC sets no limit, but a
// date two centuries out is a typo, not a signature time).

const MAX_YEAR = 2225;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitsAt(s: string, start: number, count: number): number {
  let v = 0;
  for (let i = start; i < start + count; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** Wire value for the text, or undefined. */
export function parseSigTime(text: string): number | undefined {
  const n = text.length;
  if (n === 0 || n > 14) return undefined;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
  }
  if (n !== 14) {
    // Plain seconds: BIND takes up to 10 digits, within 32 bits.
    if (n > 10) return undefined;
    const v = Number(text);
    return v > 0xffffffff ? undefined : v;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 4, 2);
  const day = digitsAt(text, 6, 2);
  const hour = digitsAt(text, 8, 2);
  const minute = digitsAt(text, 10, 2);
  const second = digitsAt(text, 12, 2);
  if (year < 1970 || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0)) return undefined;
  const seconds = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  return seconds % 0x100000000;
}

/** YYYYMMDDHHmmSS for a wire value, reading it as seconds since 1970 (1970-2106). */
export function sigTimeToText(v: number): string {
  const d = new Date(v * 1000);
  return (
    String(d.getUTCFullYear()) +
    String(d.getUTCMonth() + 1).padStart(2, '0') +
    String(d.getUTCDate()).padStart(2, '0') +
    String(d.getUTCHours()).padStart(2, '0') +
    String(d.getUTCMinutes()).padStart(2, '0') +
    String(d.getUTCSeconds()).padStart(2, '0')
  );
}
