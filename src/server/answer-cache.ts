// Encoded answers, cached per zone snapshot. A hit skips resolve and encode: copy the bytes,
// patch the ID and the RD/CD bits, and write the client's own question bytes over the cached
// ones (same length: same name up to ASCII case), so 0x20 case randomisation still works and
// names compressed against the question come out in the client's case, as on a miss.
//
// The cache belongs to one snapshot of a zone: a reload swaps in a new snapshot, whose first
// answer replaces the old snapshot's cache with an empty one, and a zone that goes away takes its
// cache with it when its snapshot is collected. No invalidation code. Answers that read more than
// one zone (a CNAME into another zone we serve) are not cached, since the other zone may reload
// on its own.
//
// Held by zone origin with a weak reference to the snapshot, not in a WeakMap keyed by the
// snapshot: a WeakMap's values are ephemerons, which V8 marks in the atomic pause of a full GC
// when it meets them late, and the 100k-name benchmark zone's cache (a Map of ~90k entries) made
// that pause 20-25 ms of the worst response during reloads of another zone (strongly held: 11-16).
//
// Memory: a Buffer per cached answer, a Map per name and an array per entry cost ~1.5 KiB per
// question in V8 (the 100k-name benchmark zone grew the server from 126 to 353 MiB under traffic).
// So the bytes live in one arena of 64 KiB chunks per snapshot and an entry holds numbers (chunk,
// offset, length packed in one double); variants of one name chain through the entry itself. Both
// the entry count and the arena's bytes are bounded: a flood of random names fills the cache once,
// then answers are built every time, and memory stays where it was.

import type { RRset, ZoneSnapshot } from '../zone/snapshot.js';

/** One cached question and reply variant, plus its rotations. */
export interface CacheEntry {
  /** The answer's rotating A/AAAA RRset, whose next offset picks the rotation; undefined: none. */
  readonly rotating: RRset | undefined;
  /** Per rotation offset: where the encoded reply is (see pack()), or undefined. */
  readonly rotations: Array<number | undefined>;
  readonly variant: number;
  /** The next variant cached for the same name. */
  next: CacheEntry | undefined;
}

/** Bounded per snapshot so a flood of random names cannot grow memory without limit. */
export const DEFAULT_MAX_ENTRIES = 100_000;
/**
 * Encoded bytes kept per snapshot. DO=1 answers of a signed zone are about 4× the size of DO=0 ones
 * (RRSIGs, NSEC3 proofs: 267 against 65 octets on average in the benchmark's query mix), and
 * 16 MiB held 88% of the benchmark's 100,000 questions with DO=1 against all of them without: 32
 * MiB holds them all. Chunks are allocated as answers come, so a zone without such traffic never
 * takes the room.
 */
export const DEFAULT_MAX_BYTES = 32 << 20;

const CHUNK = 1 << 16;

/** One snapshot's cache: question name (case-folded) -> entries (one per variant, chained). */
interface SnapshotCache {
  count: number;
  readonly byName: Map<string, CacheEntry>;
  readonly chunks: Buffer[];
  /** Octets used in the last chunk. */
  used: number;
}

/** chunk index, offset in the chunk and length in one number (< 2^53: exact as a double). */
function pack(chunk: number, offset: number, length: number): number {
  return (chunk * CHUNK + offset) * CHUNK + length;
}

/** A zone's cache and the snapshot it is for. */
interface Slot {
  readonly origin: string;
  readonly zone: WeakRef<ZoneSnapshot>;
  readonly cache: SnapshotCache;
}

export class AnswerCache {
  /** By zone origin (case-folded): the cache of the snapshot answered from last. */
  private readonly byOrigin = new Map<string, Slot>();
  /** A collected snapshot's slot goes, unless a newer snapshot's has taken its place. */
  private readonly collected = new FinalizationRegistry<Slot>((slot) => {
    if (this.byOrigin.get(slot.origin) === slot) this.byOrigin.delete(slot.origin);
  });
  private readonly maxChunks: number;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES, maxBytes = DEFAULT_MAX_BYTES) {
    this.maxChunks = Math.max(1, Math.floor(maxBytes / CHUNK));
  }

  /** Drops every answer cached for `zone` (a health check changed what they hold). */
  forget(zone: ZoneSnapshot): void {
    if (this.cacheOf(zone) !== undefined) this.byOrigin.delete(zone.originKey);
  }

  private cacheOf(zone: ZoneSnapshot): SnapshotCache | undefined {
    const slot = this.byOrigin.get(zone.originKey);
    return slot !== undefined && slot.zone.deref() === zone ? slot.cache : undefined;
  }

  /** `qkey` is the case-folded query name the handler already has; `variant` from cacheVariant(). */
  get(zone: ZoneSnapshot, qkey: string, variant: number): CacheEntry | undefined {
    let e = this.cacheOf(zone)?.byName.get(qkey);
    while (e !== undefined && e.variant !== variant) e = e.next;
    return e;
  }

  /**
   * Stores the reply for rotation `offset` of a question; `entry` is the one get() returned (a
   * known question, new rotation) or undefined. Does nothing when the snapshot's cache is full.
   */
  set(zone: ZoneSnapshot, qkey: string, variant: number, entry: CacheEntry | undefined, rotating: RRset | undefined, offset: number, reply: Uint8Array): void {
    let cache = this.cacheOf(zone);
    if (cache === undefined) {
      // A new snapshot of the zone (or, for a moment after a swap, the one before it again).
      cache = { count: 0, byName: new Map(), chunks: [], used: CHUNK };
      const slot: Slot = { origin: zone.originKey, zone: new WeakRef(zone), cache };
      this.byOrigin.set(zone.originKey, slot);
      this.collected.register(zone, slot);
    }
    if (entry === undefined && cache.count >= this.maxEntries) return;
    const at = this.store(cache, reply);
    if (at === undefined) return;
    if (entry === undefined) {
      entry = { rotating, rotations: [], variant, next: cache.byName.get(qkey) };
      cache.byName.set(qkey, entry);
      cache.count++;
    }
    entry.rotations[offset] = at;
  }

  /** A hit: the cached reply as fresh bytes, with ID, RD, CD and the client's question bytes. */
  reply(zone: ZoneSnapshot, at: number, id: number, rd: boolean, cd: boolean, questionBytes: string): Buffer {
    const cache = this.cacheOf(zone)!;
    const length = at % CHUNK;
    const rest = (at - length) / CHUNK;
    const offset = rest % CHUNK;
    const chunk = cache.chunks[(rest - offset) / CHUNK]!;
    const out = Buffer.allocUnsafe(length);
    chunk.copy(out, 0, offset, offset + length);
    out[0] = id >>> 8;
    out[1] = id & 0xff;
    out[2] = (out[2]! & 0xfe) | (rd ? 0x01 : 0);
    out[3] = (out[3]! & 0xef) | (cd ? 0x10 : 0);
    out.write(questionBytes, 12, 'latin1');
    return out;
  }

  private store(cache: SnapshotCache, reply: Uint8Array): number | undefined {
    const n = reply.length;
    if (n >= CHUNK) return undefined; // a big TCP answer: built each time
    if (cache.used + n > CHUNK) {
      if (cache.chunks.length >= this.maxChunks) return undefined;
      cache.chunks.push(Buffer.allocUnsafeSlow(CHUNK));
      cache.used = 0;
    }
    const index = cache.chunks.length - 1;
    const offset = cache.used;
    cache.chunks[index]!.set(reply, offset);
    cache.used += n;
    return pack(index, offset, n);
  }
}

/**
 * Everything besides the name, ID, RD, CD and the question's case that changes the bytes of a
 * reply, as one number (no string built per query): qtype, the size limit (transport and EDNS
 * buffer size), the OPT (none / EDNS / EDNS with DO), and whether the OPT carries options of our
 * own (a COOKIE option for the caller to fill in: limits/query-limits.ts).
 */
export function cacheVariant(qtype: number, sizeLimit: number, edns: boolean, dnssecOk: boolean, ourOptions = false): number {
  return (qtype * 0x20000 + sizeLimit) * 8 + (ourOptions ? 4 : 0) + (edns ? (dnssecOk ? 2 : 1) : 0);
}
