// RFC 1982 serial number arithmetic for 32-bit SOA serials.

/** True if serial `a` is greater than `b` in RFC 1982 §3.2 terms (wraps around 2^32). */
export function serialGreater(a: number, b: number): boolean {
  const diff = ((a >>> 0) - (b >>> 0)) >>> 0;
  return diff !== 0 && diff < 0x80000000;
}

/** RFC 1982 §3.1: the serial after adding n (0 ≤ n < 2^31). */
export function serialAdd(s: number, n: number): number {
  return ((s >>> 0) + n) >>> 0;
}
