// TTLs in zone files. RFC 1035 §5.1 only knows decimal seconds; BIND (and every zone file written
// since) also accepts unit suffixes: `1h30m`, `2w`, `1D` (case-insensitive), each group being
// digits followed by one of w/d/h/m/s, summed. A bare number is seconds. Like BIND we reject a
// trailing bare number after unit groups (`1h30`): it is ambiguous (30 what?).
//
// RFC 2181 §8 caps TTLs at 2^31-1; the range check is the caller's, so it can say which TTL.

export { MAX_TTL } from './constants.js';

const SECONDS_PER_UNIT: Readonly<Record<number, number>> = {
  0x77: 604800, // w
  0x64: 86400, // d
  0x68: 3600, // h
  0x6d: 60, // m
  0x73: 1, // s
};

/**
 * Parses `text[start, end)` as a TTL. Returns the number of seconds (possibly larger than MAX_TTL,
 * possibly Infinity for absurdly long digit runs), or NaN when the text is not a TTL at all. Works
 * on a range so the zone parser can classify tokens without slicing them out of the file.
 */
export function parseTtl(text: string, start = 0, end = text.length): number {
  if (start >= end) return NaN;
  let total = 0;
  let group = 0;
  let digits = 0;
  let sawUnit = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      group = group * 10 + (c - 0x30);
      digits++;
      continue;
    }
    const perUnit = SECONDS_PER_UNIT[c | 0x20];
    if (perUnit === undefined || digits === 0) return NaN;
    total += group * perUnit;
    group = 0;
    digits = 0;
    sawUnit = true;
  }
  if (digits > 0) {
    if (sawUnit) return NaN; // `1h30`: BIND rejects it, and so do we
    total += group;
  }
  return total;
}

/** True if the text starts like a TTL (a digit): in the TTL/class slot such a token must be one. */
export function looksLikeTtl(text: string, start = 0): boolean {
  const c = text.charCodeAt(start);
  return c >= 0x30 && c <= 0x39;
}
