// The finalizer both name hash tables use (zone/node-table.ts, wire/writer.ts): their polynomial
// hashes of name octets have weak low bits, and the low bits pick the slot.

/** murmur3's fmix32: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
