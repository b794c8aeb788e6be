// Encoded answers, cached per zone snapshot. A hit skips resolve and encode: copy the bytes,
// patch the ID and the RD/CD bits, and write the client's own question bytes over the cached
// ones (same length: same name up to ASCII case), so 0x20 case randomisation still works and
// names compressed against the question come out in the client's case, as on a miss.
//
// The cache hangs off the snapshot (WeakMap): a reload swaps in a new snapshot with an empty
// cache, and the old one is collected with the old snapshot. No invalidation code. Answers that
// read more than one zone (a CNAME into another zone we serve) are not cached, since the other
// zone may reload on its own.
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

export class AnswerCache {
  private readonly bySnapshot = new WeakMap<ZoneSnapshot, SnapshotCache>();
  private readonly maxChunks: number;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES, maxBytes = DEFAULT_MAX_BYTES) {
    this.maxChunks = Math.max(1, Math.floor(maxBytes / CHUNK));
  }

  /** Drops every answer cached for `zone` (a health check changed what they hold). */
  forget(zone: ZoneSnapshot): void {
    this.bySnapshot.delete(zone);
  }

  /** `qkey` is the case-folded query name the handler already has; `variant` from cacheVariant(). */
  get(zone: ZoneSnapshot, qkey: string, variant: number): CacheEntry | undefined {
    let e = this.bySnapshot.get(zone)?.byName.get(qkey);
    while (e !== undefined && e.variant !== variant) e = e.next;
    return e;
  }

  /**
   * Stores the reply for rotation `offset` of a question; `entry` is the one get() returned (a
   * known question, new rotation) or undefined. Does nothing when the snapshot's cache is full.
   */
  set(zone: ZoneSnapshot, qkey: string, variant: number, entry: CacheEntry | undefined, rotating: RRset | undefined, offset: number, reply: Uint8Array): void {
    let cache = this.bySnapshot.get(zone);
    if (cache === undefined) {
      cache = { count: 0, byName: new Map(), chunks: [], used: CHUNK };
      this.bySnapshot.set(zone, cache);
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
    const cache = this.bySnapshot.get(zone)!;
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
