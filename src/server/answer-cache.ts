// Encoded answers, cached per zone snapshot. A hit skips resolve and encode: copy the bytes,
// patch the ID and the RD/CD bits, and write the client's own question bytes over the cached
// ones (same length: same name up to ASCII case), so 0x20 case randomisation still works and
// names compressed against the question come out in the client's case, as on a miss.
//
// The cache hangs off the snapshot (WeakMap): a reload swaps in a new snapshot with an empty
// cache, and the old one is collected with the old snapshot. No invalidation code. Answers that
// read more than one zone (a CNAME into another zone we serve) are not cached, since the other
// zone may reload on its own.

import type { RRset, ZoneSnapshot } from '../zone/snapshot.js';

/** One cached question: the encoded reply per rotation offset of its one rotating RRset. */
export interface CacheEntry {
  /** The answer's rotating A/AAAA RRset, whose next offset picks the variant; undefined: none. */
  readonly rotating: RRset | undefined;
  readonly variants: Array<Buffer | undefined>;
}

/** Bounded per snapshot so a flood of random names cannot grow memory without limit. */
export const DEFAULT_MAX_ENTRIES = 100_000;

export class AnswerCache {
  private readonly bySnapshot = new WeakMap<ZoneSnapshot, Map<string, CacheEntry>>();
  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  get(zone: ZoneSnapshot, key: string): CacheEntry | undefined {
    return this.bySnapshot.get(zone)?.get(key);
  }

  /** Stores an entry unless the snapshot's cache is full (then answers are built every time). */
  set(zone: ZoneSnapshot, key: string, entry: CacheEntry): void {
    let map = this.bySnapshot.get(zone);
    if (map === undefined) {
      map = new Map();
      this.bySnapshot.set(zone, map);
    }
    if (map.size < this.maxEntries || map.has(key)) map.set(key, entry);
  }
}

/**
 * The cache key: everything besides ID, RD, CD and the question's case that changes the bytes
 * of a reply. `sizeLimit` covers transport and EDNS buffer size; `edns` and `dnssecOk` the OPT.
 */
export function cacheKey(qkey: string, qtype: number, sizeLimit: number, edns: boolean, dnssecOk: boolean): string {
  return `${qkey}\u0000${qtype}\u0000${sizeLimit}\u0000${edns ? (dnssecOk ? 2 : 1) : 0}`;
}

/** A reply for this query from a cached one: fresh bytes with ID, RD, CD and question patched. */
export function patchCached(cached: Buffer, id: number, rd: boolean, cd: boolean, questionBytes: string): Buffer {
  const out = Buffer.allocUnsafe(cached.length);
  cached.copy(out);
  out[0] = id >>> 8;
  out[1] = id & 0xff;
  out[2] = (out[2] & 0xfe) | (rd ? 0x01 : 0);
  out[3] = (out[3] & 0xef) | (cd ? 0x10 : 0);
  out.write(questionBytes, 12, 'latin1');
  return out;
}
