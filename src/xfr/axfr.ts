// AXFR out (RFC 5936): the whole zone as a stream of messages, SOA first and SOA last.
//
// `axfrMessages` is a generator: it fills one message (16 KiB by default, compressed), yields it,
// and resumes where it stopped when the transport asks for the next one, so a 1M-record zone is
// never in memory twice, and the TCP transport can wait for the socket to drain in between
// (Knot's AXFR is the same kind of producer). The snapshot is the one passed in: a reload during
// the transfer swaps the zone handle, never what this stream reads (RFC 5936 §6: a transfer is
// one version of the zone).
//
// What goes in (RFC 5936 §2.2, §3.1): every RRset of every node, including glue and occluded data
// below zone cuts and DNAMEs, DNSSEC records, and each RRSIG set. Nothing is rotated. RRsets are
// kept whole in a message when they fit (as Knot does), and split RR by RR only when one is too
// large for any message. The first message echoes the question (§2.2.1: later ones MAY omit it,
// and BIND and Knot do); each carries an OPT when the query had one (§2.2.5).

import { RRClass, RRType } from '../dns/constants.js';
import type { DecodedQuery, RR } from '../wire/index.js';
import { MessageWriter, Section, TCP_MAX_MESSAGE, type EdnsResponse } from '../wire/index.js';
import { rrsetsOf, SignatureSet, type RRset, type ZoneSnapshot } from '../zone/snapshot.js';
import { walkCanonical } from '../zone/canonical-nodes.js';

/**
 * Default size of a transfer message. A compression pointer reaches only the first 16 KiB of a
 * message (14-bit offsets, RFC 1035 §4.1.4), so the rest of a 64 KiB message compresses against
 * names near its start only: on a 100,000-record zone 16 KiB messages are 12% fewer octets than
 * 64 KiB ones (4.52 vs 5.15 MB) for the same CPU time. Knot's messages are about this size too.
 */
export const TRANSFER_MESSAGE_SIZE = 16384;

/** How a transfer is packed and signed. */
export interface TransferStreamOptions {
  /** Largest message, default TRANSFER_MESSAGE_SIZE; at most 65535 (the TCP length prefix, RFC 1035 §4.2.2). */
  readonly maxMessageSize?: number;
  /** Octets each message leaves free for what `sign` appends (a TSIG RR). */
  readonly reserve?: number;
  /**
   * Signs message number `index` (0-based) of the stream and returns the signed message (RFC 8945
   * §5.3.1: every message of a multi-message answer carries a TSIG). Provided by the TSIG module.
   * Must not modify `msg`: it may be a cached message (axfr-cache.ts).
   */
  readonly sign?: (msg: Buffer, index: number) => Buffer;
  /** The UDP payload size we advertise in our OPT. */
  readonly udpSize?: number;
}

/** Counters a stream fills in as it goes (for logs and tests). */
export interface TransferStats {
  messages: number;
  records: number;
  bytes: number;
  /**
   * Set by the AXFR cache (axfr-cache.ts): replayed ('hit'), encoded and kept ('built'), encoded
   * only ('miss': too large, or another transfer is building it), or no cache ('off').
   */
  cache?: 'hit' | 'built' | 'miss' | 'off';
}

/**
 * Packs RRsets into messages: the shared back end of AXFR and IXFR. `put` returns the messages an
 * RRset completed (usually none); `end` returns the last one.
 */
export class MessagePacker {
  private readonly writer = new MessageWriter();
  private readonly maxSize: number;
  private readonly reserve: number;
  private readonly edns: EdnsResponse | undefined;
  private index = 0;
  private inMessage = 0;

  constructor(
    private readonly query: DecodedQuery,
    private readonly opts: TransferStreamOptions = {},
    readonly stats: TransferStats = { messages: 0, records: 0, bytes: 0 },
    /** Sees every message as written, before signing (the AXFR cache keeps them). */
    private readonly keep?: (unsigned: Buffer) => void,
  ) {
    this.maxSize = Math.min(opts.maxMessageSize ?? TRANSFER_MESSAGE_SIZE, TCP_MAX_MESSAGE);
    this.reserve = opts.reserve ?? 0;
    this.edns = query.edns === undefined ? undefined : { udpSize: opts.udpSize ?? 1232, do: query.edns.do };
    this.begin();
  }

  private begin(): void {
    const q = this.query;
    this.writer.begin(
      { id: q.id, opcode: q.opcode, flags: { aa: true, rd: q.rd, ad: false, cd: false }, rcode: 0 },
      this.index === 0 ? q.question : undefined,
      this.edns,
      this.maxSize,
      this.reserve,
    );
    this.inMessage = 0;
  }

  private finishOne(): Buffer {
    let msg = this.writer.finish();
    if (this.keep !== undefined) this.keep(msg);
    if (this.opts.sign !== undefined) msg = this.opts.sign(msg, this.index);
    this.index++;
    this.stats.messages++;
    this.stats.bytes += msg.length;
    return msg;
  }

  /** Adds one RRset; returns the messages it completed, if any. Throws if one RR fits no message. */
  put(rrs: readonly RR[]): Buffer[] | undefined {
    const w = this.writer;
    this.stats.records += rrs.length;
    if (w.put(Section.ANSWER, rrs)) {
      this.inMessage += rrs.length;
      return undefined;
    }
    const out: Buffer[] = [];
    // An RRset that could fit in a message of its own starts the next message; one that never
    // can (its uncompressed size alone is over the limit) fills this one up first.
    let uncompressed = 0;
    for (const rr of rrs) uncompressed += rr.owner.length + 10 + rr.rdata.length;
    const splits = uncompressed > this.maxSize - this.reserve - 512;
    if (this.inMessage > 0 && !splits) {
      out.push(this.finishOne());
      this.begin();
      if (w.put(Section.ANSWER, rrs)) {
        this.inMessage += rrs.length;
        return out;
      }
    }
    // Larger than a whole message: split it RR by RR (RFC 5936 §2.2 allows RRs of one RRset in
    // several messages).
    for (const rr of rrs) {
      if (w.put(Section.ANSWER, [rr])) {
        this.inMessage++;
        continue;
      }
      if (this.inMessage === 0) throw new RangeError('a record does not fit in a DNS message');
      out.push(this.finishOne());
      this.begin();
      if (!w.put(Section.ANSWER, [rr])) throw new RangeError('a record does not fit in a DNS message');
      this.inMessage = 1;
    }
    return out;
  }

  /** `put` for an RRset of a snapshot, written without an RR object per record (AXFR). */
  putSet(set: RRset, cls: number): Buffer[] | undefined {
    // `rdata` wraps a lone record in a new array (PackedRRset): measured, that is cheaper than
    // passing the bare string on (a polymorphic putRecords).
    const rdatas = set.rdata;
    if (this.writer.putRecords(Section.ANSWER, set.owner, set.type, cls, set.ttl, rdatas)) {
      this.stats.records += rdatas.length;
      this.inMessage += rdatas.length;
      return undefined;
    }
    // The message is full (once per message): the general path starts the next one.
    return this.put(rrsOf(set, cls));
  }

  /** The last message. */
  end(): Buffer {
    return this.finishOne();
  }

  /** Messages finished so far. */
  get count(): number {
    return this.index;
  }
}

/** An RRset from a snapshot as wire RRs. */
export function rrsOf(set: RRset, cls: number = RRClass.IN): RR[] {
  const out: RR[] = new Array(set.rdata.length);
  for (let i = 0; i < set.rdata.length; i++) out[i] = { owner: set.owner, type: set.type, class: cls, ttl: set.ttl, rdata: set.rdata[i]! };
  return out;
}

/**
 * The records of an AXFR in order: the SOA, the rest of the apex, every other node's RRsets
 * (glue, occluded data, NSEC/NSEC3 and RRSIG sets included), and the SOA again.
 */
export function* axfrRecords(snapshot: ZoneSnapshot): Generator<RR[], void, undefined> {
  const cls = snapshot.class;
  const soa = rrsOf(snapshot.soa, cls);
  yield soa;
  for (let set = snapshot.apex.firstSet; set !== undefined; set = set.next) if (set.type !== RRType.SOA) for (const s of rrsetsOf(set)) yield rrsOf(s, cls);
  for (const node of walkCanonical(snapshot)) {
    for (let set = node.firstSet; set !== undefined; set = set.next) for (const s of rrsetsOf(set)) yield rrsOf(s, cls);
  }
  yield soa;
}

/** Packs a sequence of RRsets into messages, lazily. */
export function* packMessages(records: Iterable<readonly RR[]>, query: DecodedQuery, opts: TransferStreamOptions = {}, stats?: TransferStats): Generator<Buffer, void, undefined> {
  const packer = new MessagePacker(query, opts, stats);
  for (const rrs of records) {
    const done = packer.put(rrs);
    if (done !== undefined) for (const m of done) yield m;
  }
  yield packer.end();
}

/**
 * AXFR answer messages for `query` from `snapshot` (captured now: later reloads do not affect the
 * stream). Each message is at most `maxMessageSize` octets. The same records in the same order as
 * packMessages(axfrRecords(snapshot)), written straight from the RRsets.
 */
export function* axfrMessages(
  snapshot: ZoneSnapshot,
  query: DecodedQuery,
  opts: TransferStreamOptions = {},
  stats?: TransferStats,
  keep?: (unsigned: Buffer) => void,
): Generator<Buffer, void, undefined> {
  const packer = new MessagePacker(query, opts, stats, keep);
  const cls = snapshot.class;
  const apex = snapshot.apex;
  let done = packer.putSet(snapshot.soa, cls);
  if (done !== undefined) yield* done;
  for (let set = apex.firstSet; set !== undefined; set = set.next) {
    if (set.type === RRType.SOA) continue;
    for (const s of rrsetsOf(set)) {
      done = packer.putSet(s, cls);
      if (done !== undefined) yield* done;
    }
  }
  // Canonical order (zone/canonical-nodes.ts): what secondaries load fastest.
  for (const node of walkCanonical(snapshot)) {
    for (let set = node.firstSet; set !== undefined; set = set.next) {
      // A SignatureSet goes out as its RRSIG RRsets, each with its covered set's TTL.
      if (set instanceof SignatureSet) {
        for (const s of set.split()) {
          done = packer.putSet(s, cls);
          if (done !== undefined) yield* done;
        }
        continue;
      }
      done = packer.putSet(set, cls);
      if (done !== undefined) yield* done;
    }
  }
  done = packer.putSet(snapshot.soa, cls);
  if (done !== undefined) yield* done;
  yield packer.end();
}
