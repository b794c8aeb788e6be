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

/** One snapshot's cache: question name (case-folded) -> reply variant -> entry. */
interface SnapshotCache {
  count: number;
  readonly byName: Map<string, Map<number, CacheEntry>>;
}

export class AnswerCache {
  private readonly bySnapshot = new WeakMap<ZoneSnapshot, SnapshotCache>();
  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** `qkey` is the case-folded query name the handler already has; `variant` from cacheVariant(). */
  get(zone: ZoneSnapshot, qkey: string, variant: number): CacheEntry | undefined {
    return this.bySnapshot.get(zone)?.byName.get(qkey)?.get(variant);
  }

  /** Stores an entry unless the snapshot's cache is full (then answers are built every time). */
  set(zone: ZoneSnapshot, qkey: string, variant: number, entry: CacheEntry): void {
    let cache = this.bySnapshot.get(zone);
    if (cache === undefined) {
      cache = { count: 0, byName: new Map() };
      this.bySnapshot.set(zone, cache);
    }
    let variants = cache.byName.get(qkey);
    if (variants?.has(variant)) {
      variants.set(variant, entry);
      return;
    }
    if (cache.count >= this.maxEntries) return;
    if (variants === undefined) {
      variants = new Map();
      cache.byName.set(qkey, variants);
    }
    variants.set(variant, entry);
    cache.count++;
  }
}

/**
 * Everything besides the name, ID, RD, CD and the question's case that changes the bytes of a
 * reply, as one number (no string built per query): qtype, the size limit (transport and EDNS
 * buffer size), and the OPT (none / EDNS / EDNS with DO).
 */
export function cacheVariant(qtype: number, sizeLimit: number, edns: boolean, dnssecOk: boolean): number {
  return (qtype * 0x20000 + sizeLimit) * 4 + (edns ? (dnssecOk ? 2 : 1) : 0);
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
