// Encoded AXFR answers, cached per zone snapshot: the first AXFR of a snapshot keeps the messages
// it writes, later ones replay them (the 100,000-record benchmark zone: ~25 ms of encoding per
// transfer becomes ~1 ms of copying 2.7 MiB; the cache holds those 2.7 MiB per variant).
//
// A replay copies each message, patches the ID and the RD bit, writes the client's own question
// bytes over the cached ones in the first message (same length: the zone's name up to ASCII case,
// so 0x20 case comes back as sent, and owners compressed against the question come out in the
// client's case, as when encoding), then signs it as an encoded stream would be: TSIG stays per
// transfer (RFC 8945 §5.3.1, the MACs chain from this request's MAC), so only unsigned messages
// are kept. Everything else that changes the bytes or the packing is part of the variant key: the
// opcode, whether the query had an OPT and its DO bit, our advertised UDP size, the octets left
// for a TSIG RR (key name and algorithm), the message size, the question's length.
//
// The cache hangs off the snapshot (WeakMap), as the answer cache does: a reload swaps in a new
// snapshot, which starts empty, and the old messages are collected with the old snapshot. No
// invalidation code. A transfer still streaming from an old snapshot keeps that snapshot (and its
// cache) alive until it ends, as it would anyway.
//
// Memory is bounded per snapshot (DEFAULT_AXFR_CACHE_BYTES): a build that would go past the bound
// drops what it kept and the transfer goes on streaming; that variant then streams uncached for
// the life of the snapshot (a 1M-record zone is 27.3 MiB per variant: two variants fit).
// One build per variant at a time: a second AXFR arriving while the first is still streaming
// encodes without keeping. An aborted build keeps nothing.
//
// The AXFR-style answer to an IXFR (RFC 1995 §4: the whole zone) is the same records in the same
// messages, with the IXFR question: transfer.ts sends it through here too.

import { Flag, HEADER_SIZE, type DecodedQuery } from '../wire/index.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import { axfrMessages, TRANSFER_MESSAGE_SIZE, type TransferStats, type TransferStreamOptions } from './axfr.js';

/** Octets of encoded messages kept per snapshot, all variants together. */
export const DEFAULT_AXFR_CACHE_BYTES = 64 << 20;

/** One snapshot's cached transfers. */
interface SnapshotCache {
  /** Variant key -> the unsigned messages, as first encoded (first client's ID and question). */
  readonly variants: Map<string, readonly Buffer[]>;
  /** Octets held by `variants` plus those kept so far by builds in progress. */
  bytes: number;
  /** Variants being built now. */
  readonly building: Set<string>;
  /** Variants that did not fit in the bound: they stream uncached for this snapshot's life. */
  readonly refused: Set<string>;
}

const RD_BIT = Flag.RD >>> 8;

export class AxfrCache {
  private readonly bySnapshot = new WeakMap<ZoneSnapshot, SnapshotCache>();

  /** `maxBytes` per snapshot; 0 turns the cache off (every transfer is encoded). */
  constructor(readonly maxBytes: number = DEFAULT_AXFR_CACHE_BYTES) {}

  /**
   * The AXFR (or AXFR-style IXFR) messages for `query` from `snapshot`: replayed from the cache, or
   * encoded (and kept when they fit). Byte for byte what axfrMessages(snapshot, query, opts)
   * yields. `stats.cache` says which it was once the stream has started.
   */
  messages(snapshot: ZoneSnapshot, query: DecodedQuery, opts: TransferStreamOptions = {}, stats: TransferStats = { messages: 0, records: 0, bytes: 0 }): Generator<Buffer, void, undefined> {
    if (this.maxBytes <= 0) {
      stats.cache = 'off';
      return axfrMessages(snapshot, query, opts, stats);
    }
    let cache = this.bySnapshot.get(snapshot);
    if (cache === undefined) {
      cache = { variants: new Map(), bytes: 0, building: new Set(), refused: new Set() };
      this.bySnapshot.set(snapshot, cache);
    }
    return this.stream(cache, variantKey(query, opts), snapshot, query, opts, stats);
  }

  /** Octets of encoded messages cached for `snapshot` (builds in progress included). */
  bytesFor(snapshot: ZoneSnapshot): number {
    return this.bySnapshot.get(snapshot)?.bytes ?? 0;
  }

  /** Variants cached for `snapshot` (complete ones only). */
  variantsFor(snapshot: ZoneSnapshot): number {
    return this.bySnapshot.get(snapshot)?.variants.size ?? 0;
  }

  /** Replays, builds, or (another transfer is building it, or it is too big) only encodes. */
  private *stream(cache: SnapshotCache, key: string, snapshot: ZoneSnapshot, query: DecodedQuery, opts: TransferStreamOptions, stats: TransferStats): Generator<Buffer, void, undefined> {
    const max = this.maxBytes;
    let kept: Buffer[] | undefined = [];
    let size = 0;
    const keep = (msg: Buffer): void => {
      if (kept === undefined) return;
      size += msg.length;
      cache.bytes += msg.length;
      if (cache.bytes > max) {
        cache.bytes -= size;
        kept = undefined;
        cache.refused.add(key);
        stats.cache = 'miss';
        return;
      }
      kept.push(msg);
    };
    // Decided when the first message is asked for (a generator starts then), so a transfer that
    // waited sees what another one built or began building meanwhile.
    const hit = cache.variants.get(key);
    if (hit !== undefined) {
      stats.cache = 'hit';
      yield* replay(hit, query, opts.sign, stats);
      return;
    }
    if (cache.building.has(key) || cache.refused.has(key)) {
      stats.cache = 'miss';
      yield* axfrMessages(snapshot, query, opts, stats);
      return;
    }
    stats.cache = 'built';
    cache.building.add(key);
    let complete = false;
    try {
      yield* axfrMessages(snapshot, query, opts, stats, keep);
      complete = true;
    } finally {
      cache.building.delete(key);
      if (!complete) stats.cache = 'miss';
      if (kept !== undefined) {
        if (complete) cache.variants.set(key, kept);
        else cache.bytes -= size;
      }
    }
  }
}

/** The process-wide cache transfers use unless the XfrContext names another. */
export const axfrCache = new AxfrCache();

/** What, besides the ID, RD and the question's case, makes two transfers' bytes differ. */
function variantKey(query: DecodedQuery, opts: TransferStreamOptions): string {
  const edns = query.edns === undefined ? '-' : query.edns.do ? 'do' : 'e';
  return `${query.opcode}/${edns}/${opts.udpSize ?? 1232}/${opts.reserve ?? 0}/${opts.maxMessageSize ?? TRANSFER_MESSAGE_SIZE}/${query.question.bytes.length}`;
}

function* replay(messages: readonly Buffer[], query: DecodedQuery, sign: TransferStreamOptions['sign'], stats: TransferStats): Generator<Buffer, void, undefined> {
  const id = query.id;
  const rd = query.rd ? RD_BIT : 0;
  const question = query.question.bytes;
  for (let i = 0; i < messages.length; i++) {
    const cached = messages[i]!;
    let msg: Buffer = Buffer.allocUnsafe(cached.length);
    cached.copy(msg, 0, 0, cached.length);
    msg[0] = id >>> 8;
    msg[1] = id & 0xff;
    msg[2] = (msg[2]! & ~RD_BIT) | rd;
    if (i === 0) msg.write(question, HEADER_SIZE, 'latin1');
    if (sign !== undefined) msg = sign(msg, i);
    stats.messages++;
    stats.records += (cached[6]! << 8) | cached[7]!;
    stats.bytes += msg.length;
    yield msg;
  }
}
