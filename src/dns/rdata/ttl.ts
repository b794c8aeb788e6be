// TTL-style durations as BIND reads them (the SOA timers, and $TTL for the zone loader): a plain
// number of seconds, or a sequence of number+unit with units w, d, h, m, s in any case
// (`1h30m`, `2w`, `1D`). A bare number after a unit (`1h1`) is refused, as BIND does.

/** Seconds per unit letter (either case), or 0 if the char is not a unit. */
function unitSeconds(c: number): number {
  switch (c | 0x20) {
    case 0x77: return 604800; // w
    case 0x64: return 86400; // d
    case 0x68: return 3600; // h
    case 0x6d: return 60; // m
    case 0x73: return 1; // s
    default: return 0;
  }
}

/** Seconds for the text, or undefined if it is not a duration or exceeds 2^32-1. */
export function parseDuration(text: string): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  let total = 0;
  let cur = 0;
  let digits = 0;
  let units = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      cur = cur * 10 + d;
      digits++;
      if (cur > 0xffffffff) return undefined;
      continue;
    }
    const mult = unitSeconds(c);
    if (mult === 0 || digits === 0) return undefined;
    total += cur * mult;
    cur = 0;
    digits = 0;
    units++;
  }
  if (digits > 0) {
    if (units > 0) return undefined;
    total = cur;
  }
  return total > 0xffffffff ? undefined : total;
}
