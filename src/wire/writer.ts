// The response writer: RFC 1035 §4.1.4 name compression, EDNS OPT, and the size limit with
// truncation (RFC 1035 §4.2.1, RFC 2181 §9, RFC 9471).
//
// Two layers:
// - MessageWriter fills one message RRset by RRset; put() writes a whole RRset or nothing and says
//   whether it fitted. The xfr work drives it directly (fill a message, finish, begin the next).
// - encodeResponse() plans the usual response: answer, authority, additional, OPT.
//
// Truncation follows Knot 3.2 (byte-for-byte against a live knotd: test/wire/knot-compat.test.ts):
// - an RRset is never split (RFC 2181 §9);
// - the OPT's space is reserved first, so it is always there when the query had one;
// - additional RRsets are optional: the first one that does not fit ends the section, so they drop
//   from the end; an RRset marked `required` (in-domain glue, RFC 9471 §3) that does not fit sets TC;
// - answer and authority RRsets are required unless marked otherwise (Knot treats the SOA of a
//   negative answer as optional: it is left out, without TC, when it does not fit); the first
//   required RRset that does not fit sets TC=1 and ends the message, keeping the RRsets before it
//   (a lone answer RRset that does not fit leaves header + question + OPT, as Knot sends).
// - DNSSEC (a query with DO=1): an RRset and the RRSIGs covering it are one unit. As Knot writes
//   them, a section's RRSIGs follow its RRsets, in the same order, so that an answer that fits is
//   byte for byte Knot's. A unit goes in whole or not at all (RFC 4035 §3.1.1: the RRSIGs have
//   priority over any other RRset): an optional one (additional data) that does not fit is left
//   out with its signatures, and when a required one does not fit, TC=1 and the message keeps the
//   units before it. (Knot may keep an RRset whose RRSIGs did not fit, in a TC=1 reply or, for
//   additional data, without TC; we never send an RRset without its signatures.)
//
// Names are compressed through a table of case-folded suffix -> offset (offsets < 0x4000 only),
// for owner names and for names inside the RDATA of the RFC 1035 types that RFC 3597 §4 allows
// (NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO, MX). Every other RDATA is copied as is: SRV,
// DNAME, RRSIG, NSEC, ... must not be compressed (RFC 3597 §4, RFC 2782, RFC 6672 §2.5, RFC 4034).

import { RRType } from '../dns/constants.js';
import { fmix32 } from '../dns/hash.js';
import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';
import { EDNS_DO, Flag, HEADER_SIZE, NO_OPTIONS, OPCODE_SHIFT, RCODE_MASK, Section, type EdnsOption } from './message.js';

/** One resource record; `rdata` is the uncompressed wire RDATA (names inside as in the zone). */
export interface RR {
  readonly owner: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Bytes;
}

/** An RRset: all of it goes into a message, or none of it (RFC 2181 §9). */
export type RRset = readonly RR[];

/** An RRset whose section default is overridden: `required` means "TC=1 if it does not fit". */
export interface MarkedRRset {
  readonly rrs: RRset;
  readonly required: boolean;
  /** The RRSIGs covering `rrs` (DO=1): one unit with it, written after the section's RRsets. */
  readonly sigs?: RRset;
}

/** Answer and authority entries default to required, additional entries to optional. */
export type SectionEntry = RRset | MarkedRRset;

export interface ResponseFlags {
  readonly aa: boolean;
  /** Force TC (e.g. a policy refusing ANY over UDP); the writer also sets it when it truncates. */
  readonly tc?: boolean;
  readonly rd: boolean;
  /** Authoritative only: normally false. */
  readonly ra?: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
}

/** The question to echo: the client's raw bytes (case preserved), or fields to encode. */
export type QuestionInput =
  | { readonly bytes: Bytes }
  | { readonly name: Name; readonly qtype: number; readonly qclass: number };

/** Our OPT (RFC 6891 §6.1.2): version 0 always. */
export interface EdnsResponse {
  /** The UDP payload size we advertise (e.g. 1232), not the client's. */
  readonly udpSize: number;
  /** RFC 3225 §3: copy the query's DO bit. */
  readonly do: boolean;
  readonly options?: readonly EdnsOption[];
}

export interface ResponseHeader {
  readonly id: number;
  readonly opcode: number;
  readonly flags: ResponseFlags;
  /** 0-4095; values above 15 need `edns` (the upper 8 bits travel in the OPT, RFC 6891 §6.1.3). */
  readonly rcode: number;
}

export interface ResponseParts extends ResponseHeader {
  readonly question?: QuestionInput;
  readonly answer?: readonly SectionEntry[];
  readonly authority?: readonly SectionEntry[];
  readonly additional?: readonly SectionEntry[];
  /** Present iff the query had an OPT: then the response carries one (RFC 6891 §7). */
  readonly edns?: EdnsResponse;
  /** Octets to leave free after the OPT, e.g. for a TSIG RR appended later. */
  readonly reserve?: number;
}

/** RFC 1035 §4.1.4: a pointer holds a 14-bit offset. */
const MAX_POINTER_TARGET = 0x3fff;
/** The largest DNS message (16-bit TCP length prefix, RFC 1035 §4.2.2). */
const MAX_MESSAGE = 0xffff;
/** Fixed part of an OPT RR: root owner, TYPE, CLASS, TTL, RDLENGTH. */
const OPT_FIXED_SIZE = 11;
/**
 * Room for a full-size message plus one worst-case RR (255 + 10 + 65535) past its limit: put()
 * writes an RR and only then checks the limit, so compression is counted exactly.
 */
const BUFFER_SIZE = MAX_MESSAGE + 255 + 10 + 0xffff + 1;

/**
 * Layout of compressible RDATA: octets before the first name, and how many names follow (any
 * remaining octets are copied). -1: not compressible. RFC 3597 §4 lists exactly these types.
 */
function compressibleLayout(type: number): number {
  switch (type) {
    case RRType.NS:
    case RRType.MD:
    case RRType.MF:
    case RRType.CNAME:
    case RRType.MB:
    case RRType.MG:
    case RRType.MR:
    case RRType.PTR:
      return 1; // prefix 0, one name
    case RRType.SOA:
    case RRType.MINFO:
      return 2; // prefix 0, two names (SOA: then 20 octets of counters)
    case RRType.MX:
      return (2 << 4) | 1; // 16-bit preference, then one name
    default:
      return -1;
  }
}

/** End of the uncompressed name at `start` in `data`, or -1 if it is not a well-formed name. */
function uncompressedNameEnd(data: string, start: number): number {
  let i = start;
  for (;;) {
    if (i >= data.length) return -1;
    const len = data.charCodeAt(i);
    if (len === 0) return i + 1 - start > 255 ? -1 : i + 1;
    if (len > 63) return -1;
    i += len + 1;
  }
}

// The compression table is an open-addressing hash table of Int32s: a slot holds the offset of a
// name suffix written in full in this message (+1, so 0 is empty) and the upper bits of the
// suffix's hash. The hash is over the case-folded labels, computed from the name where it lies,
// and a slot whose bits match is confirmed by comparing the name with what the message holds at
// that offset (following our own pointers). So no suffix is ever sliced out or hashed by V8, and
// a message needs no Map (whose clear() allocates a new table): the 100k-record AXFR went from
// ~47 to ~24 ms of CPU, an uncached answer from ~7 to ~3.3 µs. It behaves as the Map of folded
// suffix strings did: longest suffix first, the first offset kept (test/xfr/axfr-compression).
//
// Only offsets up to 0x3fff are entered, one per label start, so at most 0x4000 entries: 2^15
// slots keep the load at or under 1/2.
const TABLE_SLOTS = 1 << 15;
const SLOT_MASK = TABLE_SLOTS - 1;
/** Slot bits holding offset + 1 (up to 0x4000). */
const OFFSET_BITS = 0x7fff;
/** Slot bits holding hash bits (disjoint from the bits that pick the slot). */
const TAG_BITS = ~OFFSET_BITS;
const MAX_ENTRIES = MAX_POINTER_TARGET + 1 + 128;

// Scratch for one name: where each label starts and the hash of the suffix from there (a name has
// at most 127 labels).
const labelStarts = new Int32Array(128);
const suffixHashes = new Int32Array(128);


/**
 * Fills labelStarts/suffixHashes for the name at `start` in `s`; returns the label count, or -1
 * when the name runs past the end of `s` (not well formed: nothing is compressed against it).
 */
function hashSuffixes(s: string, start: number): number {
  let n = 0;
  let i = start;
  for (;;) {
    if (i >= s.length || n >= 128) return -1;
    const len = s.charCodeAt(i);
    if (len === 0) break;
    labelStarts[n++] = i;
    i += len + 1;
  }
  // From the last label up, so each suffix's hash extends the one after it.
  let h = 0x811c9dc5 | 0;
  for (let k = n - 1; k >= 0; k--) {
    const at = labelStarts[k]!;
    const end = at + s.charCodeAt(at) + 1;
    h = Math.imul(h ^ (end - at - 1), 0x01000193);
    for (let j = at + 1; j < end; j++) {
      let c = s.charCodeAt(j);
      if (c >= 0x41 && c <= 0x5a) c += 32;
      h = Math.imul(h ^ c, 0x01000193);
    }
    suffixHashes[k] = fmix32(h); // the low bits pick the slot, the high bits are the tag
  }
  return n;
}

/** See MessageWriter.checkpoint(). */
export interface WriterCheckpoint {
  readonly pos: number;
  readonly added: number;
  readonly owner: string | undefined;
  readonly ownerTarget: number;
  readonly counts: readonly number[];
}

export class MessageWriter {
  private readonly buf: Buffer;
  private pos = 0;
  private limit = 0;
  /** Name suffixes written in full -> their offset (see TABLE_SLOTS). */
  private readonly slots = new Int32Array(TABLE_SLOTS);
  /** Slots filled in this message in order, so begin() and a put() that does not fit can empty them. */
  private readonly added = new Int32Array(MAX_ENTRIES);
  private addedCount = 0;
  private readonly counts = [0, 0, 0, 0];
  private section: Section = Section.ANSWER;
  private flagsWord = 0;
  private edns: EdnsResponse | undefined;
  private extendedRcode = 0;
  private optOptions: readonly EdnsOption[] = NO_OPTIONS;
  /** The owner of the last RR written and where its full name can be pointed at (RRsets repeat it). */
  private lastOwner: string | undefined;
  private lastOwnerTarget = 0;

  /** `buf` must be at least 64 KiB + one RR; omit it to get a private buffer. */
  constructor(buf?: Buffer) {
    this.buf = buf ?? Buffer.allocUnsafe(BUFFER_SIZE);
  }

  /** Starts a message: header and question written, OPT space and `reserve` octets set aside. */
  begin(header: ResponseHeader, question: QuestionInput | undefined, edns: EdnsResponse | undefined, maxSize: number, reserve = 0): void {
    if (header.rcode > RCODE_MASK && edns === undefined) throw new RangeError(`rcode ${header.rcode} needs an OPT RR`);
    const buf = this.buf;
    const f = header.flags;
    this.flagsWord =
      Flag.QR |
      ((header.opcode & 0xf) << OPCODE_SHIFT) |
      (f.aa ? Flag.AA : 0) |
      (f.tc ? Flag.TC : 0) |
      (f.rd ? Flag.RD : 0) |
      (f.ra ? Flag.RA : 0) |
      (f.ad ? Flag.AD : 0) |
      (f.cd ? Flag.CD : 0) |
      (header.rcode & RCODE_MASK);
    this.extendedRcode = (header.rcode >>> 4) & 0xff;
    this.edns = edns;
    const slots = this.slots;
    const added = this.added;
    for (let k = 0; k < this.addedCount; k++) slots[added[k]!] = 0;
    this.addedCount = 0;
    const counts = this.counts;
    counts[0] = counts[1] = counts[2] = counts[3] = 0;
    this.section = Section.ANSWER;
    this.lastOwner = undefined;

    buf[0] = (header.id >>> 8) & 0xff;
    buf[1] = header.id & 0xff;
    // Flags and counts are filled in by finish().
    this.pos = HEADER_SIZE;
    if (question !== undefined) {
      this.counts[0] = 1;
      if ('bytes' in question) {
        const bytes = question.bytes;
        this.writeBytes(bytes);
        // QTYPE/QCLASS follow the name: register() stops at the root octet.
        this.register(bytes, HEADER_SIZE);
      } else {
        this.writeBytes(question.name);
        this.register(question.name, HEADER_SIZE);
        this.writeU16(question.qtype);
        this.writeU16(question.qclass);
      }
    }

    const max = Math.min(maxSize, MAX_MESSAGE);
    let optSize = 0;
    this.optOptions = edns?.options ?? NO_OPTIONS;
    if (edns !== undefined) {
      optSize = OPT_FIXED_SIZE;
      for (const o of this.optOptions) optSize += 4 + o.data.length;
      // Never give up the OPT itself; options that cannot fit next to the question are dropped.
      if (this.pos + optSize + reserve > max) {
        this.optOptions = NO_OPTIONS;
        optSize = OPT_FIXED_SIZE;
      }
    }
    this.limit = Math.max(this.pos, max - optSize - reserve);
  }

  /** Octets written so far (without the OPT, which finish() adds). */
  get length(): number {
    return this.pos;
  }

  /** RRs written to a section so far. */
  count(section: Section): number {
    return this.counts[section]!;
  }

  /**
   * Writes a whole RRset to `section`, or nothing when it does not fit in the limit. Sections must
   * be filled in wire order (answer, authority, additional).
   */
  put(section: Section, rrs: RRset): boolean {
    if (!this.enter(section)) return false;
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      if (!this.tryRR(rr.owner, rr.type, rr.class, rr.ttl, rr.rdata)) return this.rollback();
    }
    this.counts[section]! += rrs.length;
    return true;
  }

  /**
   * `put` for records that share owner, type, class and TTL (a zone's RRset), without an RR object
   * per record: a zone transfer writes a whole zone this way.
   */
  putRecords(section: Section, owner: Name, type: number, cls: number, ttl: number, rdatas: readonly Bytes[]): boolean {
    if (!this.enter(section)) return false;
    for (let i = 0; i < rdatas.length; i++) {
      if (!this.tryRR(owner, type, cls, ttl, rdatas[i]!)) return this.rollback();
    }
    this.counts[section]! += rdatas.length;
    return true;
  }

  /** Where the message stands now, for restore(): a section written in two passes (RRSIGs last). */
  checkpoint(): WriterCheckpoint {
    return { pos: this.pos, added: this.addedCount, owner: this.lastOwner, ownerTarget: this.lastOwnerTarget, counts: this.counts.slice() };
  }

  /** Takes back everything written since `cp` (same begin(), same or later section). */
  restore(cp: WriterCheckpoint): void {
    this.markPos = cp.pos;
    this.markAdded = cp.added;
    this.markOwner = cp.owner;
    this.markOwnerTarget = cp.ownerTarget;
    this.rollback();
    for (let i = 0; i < 4; i++) this.counts[i] = cp.counts[i]!;
  }

  // Where a put() started, so one that does not fit can take back what it wrote.
  private markPos = 0;
  private markAdded = 0;
  private markOwner: string | undefined;
  private markOwnerTarget = 0;

  private enter(section: Section): boolean {
    if (section < this.section) throw new Error('MessageWriter: sections must be written in order');
    this.section = section;
    this.markPos = this.pos;
    this.markAdded = this.addedCount;
    this.markOwner = this.lastOwner;
    this.markOwnerTarget = this.lastOwnerTarget;
    return true;
  }

  /** Writes one RR; false when it went past the limit (the caller rolls back). */
  private tryRR(owner: Name, type: number, cls: number, ttl: number, rdata: Bytes): boolean {
    if (rdata.length > 0xffff) throw new RangeError('RDATA longer than 65535 octets');
    // Physical room for the uncompressed RR (only ever short when the limit is exceeded anyway).
    if (this.pos + owner.length + 10 + rdata.length > this.buf.length) return false;
    this.writeRR(owner, type, cls, ttl, rdata);
    return this.pos <= this.limit;
  }

  private rollback(): false {
    this.pos = this.markPos;
    // The entries since the mark are the newest: no older entry's probe sequence runs through
    // their slots, so emptying them restores the linear-probing table exactly.
    const slots = this.slots;
    const added = this.added;
    for (let k = this.addedCount - 1; k >= this.markAdded; k--) slots[added[k]!] = 0;
    this.addedCount = this.markAdded;
    this.lastOwner = this.markOwner;
    this.lastOwnerTarget = this.markOwnerTarget;
    return false;
  }

  /** Adds the OPT, fills in the counts (and TC), and returns a copy of the message. Once per begin(). */
  finish(truncated = false): Buffer {
    const buf = this.buf;
    const counts = this.counts;
    let additional = counts[Section.ADDITIONAL]!;
    if (this.edns !== undefined) {
      buf[this.pos++] = 0; // root owner (RFC 6891 §6.1.2)
      this.writeU16(RRType.OPT);
      this.writeU16(this.edns.udpSize); // CLASS = our UDP payload size
      buf[this.pos++] = this.extendedRcode; // TTL = extended RCODE, version 0, flags
      buf[this.pos++] = 0;
      this.writeU16(this.edns.do ? EDNS_DO : 0);
      const rdlenAt = this.pos;
      this.pos += 2;
      for (const o of this.optOptions) {
        this.writeU16(o.code);
        this.writeU16(o.data.length);
        this.writeBytes(o.data);
      }
      const rdlen = this.pos - rdlenAt - 2;
      buf[rdlenAt] = rdlen >>> 8;
      buf[rdlenAt + 1] = rdlen & 0xff;
      additional++;
    }
    const flags = this.flagsWord | (truncated ? Flag.TC : 0);
    buf[2] = flags >>> 8;
    buf[3] = flags & 0xff;
    buf[4] = 0;
    buf[5] = counts[0]!;
    buf[6] = counts[Section.ANSWER]! >>> 8;
    buf[7] = counts[Section.ANSWER]! & 0xff;
    buf[8] = counts[Section.AUTHORITY]! >>> 8;
    buf[9] = counts[Section.AUTHORITY]! & 0xff;
    buf[10] = additional >>> 8;
    buf[11] = additional & 0xff;
    const out = Buffer.allocUnsafe(this.pos);
    buf.copy(out, 0, 0, this.pos);
    return out;
  }

  private writeBytes(s: string): void {
    if (s.length < 32) {
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, 'latin1');
    }
  }

  /**
   * Records every suffix of the name at the start of `s` (which may run on past the name, as the
   * question's QTYPE/QCLASS do), written in full at `offset`.
   */
  private register(s: string, offset: number): void {
    const n = hashSuffixes(s, 0);
    for (let k = 0; k < n; k++) {
      const at = offset + labelStarts[k]!;
      if (at > MAX_POINTER_TARGET) break;
      if (this.find(s, k) < 0) this.insert(suffixHashes[k]!, at);
    }
  }

  /** Offset of suffix `k` of the name hashSuffixes() last saw in `s`, or -1. */
  private find(s: string, k: number): number {
    const slots = this.slots;
    const m = suffixHashes[k]!;
    const tag = m & TAG_BITS;
    const from = labelStarts[k]!;
    for (let j = m & SLOT_MASK; ; j = (j + 1) & SLOT_MASK) {
      const v = slots[j]!;
      if (v === 0) return -1;
      if ((v & TAG_BITS) === tag && this.holdsName((v & OFFSET_BITS) - 1, s, from)) return (v & OFFSET_BITS) - 1;
    }
  }

  private insert(m: number, offset: number): void {
    const slots = this.slots;
    let j = m & SLOT_MASK;
    while (slots[j] !== 0) j = (j + 1) & SLOT_MASK;
    slots[j] = (m & TAG_BITS) | (offset + 1);
    this.added[this.addedCount++] = j;
  }

  /** Whether the message at `offset` holds the name at `from` in `s`, up to ASCII case. */
  private holdsName(offset: number, s: string, from: number): boolean {
    const buf = this.buf;
    let q = offset;
    let i = from;
    // Our own pointers only point backwards, so this ends; the bound is for safety.
    for (let hops = 0; hops < 256; hops++) {
      let len = buf[q]!;
      if ((len & 0xc0) === 0xc0) {
        q = ((len & 0x3f) << 8) | buf[q + 1]!;
        continue;
      }
      if (len !== s.charCodeAt(i)) return false;
      if (len === 0) return true;
      for (q++, i++; len > 0; len--, q++, i++) {
        let a = buf[q]!;
        let b = s.charCodeAt(i);
        if (a === b) continue;
        if (a >= 0x41 && a <= 0x5a) a += 32;
        if (b >= 0x41 && b <= 0x5a) b += 32;
        if (a !== b) return false;
      }
    }
    return false;
  }

  private writeU16(v: number): void {
    const buf = this.buf;
    buf[this.pos++] = (v >>> 8) & 0xff;
    buf[this.pos++] = v & 0xff;
  }

  private writeRR(owner: Name, type: number, cls: number, ttl: number, rdata: Bytes): void {
    const buf = this.buf;
    this.writeOwner(owner);
    let p = this.pos;
    buf[p] = type >>> 8;
    buf[p + 1] = type & 0xff;
    buf[p + 2] = cls >>> 8;
    buf[p + 3] = cls & 0xff;
    buf[p + 4] = ttl >>> 24;
    buf[p + 5] = (ttl >>> 16) & 0xff;
    buf[p + 6] = (ttl >>> 8) & 0xff;
    buf[p + 7] = ttl & 0xff;
    const rdlenAt = p + 8;
    this.pos = p + 10;
    const layout = compressibleLayout(type);
    if (layout < 0 || !this.writeCompressibleRdata(rdata, layout >> 4, layout & 0xf)) this.writeBytes(rdata);
    p = this.pos - rdlenAt - 2;
    buf[rdlenAt] = p >>> 8;
    buf[rdlenAt + 1] = p & 0xff;
  }

  private writeOwner(owner: Name): void {
    if (owner === this.lastOwner) {
      this.buf[this.pos++] = 0xc0 | (this.lastOwnerTarget >> 8);
      this.buf[this.pos++] = this.lastOwnerTarget & 0xff;
      return;
    }
    const target = this.writeName(owner);
    if (target >= 0) {
      this.lastOwner = owner;
      this.lastOwnerTarget = target;
    } else {
      this.lastOwner = undefined;
    }
  }

  /**
   * Copies `prefix` octets, then compresses `names` names, then copies the rest. Returns false,
   * having written nothing, when the names do not parse (the caller then copies the RDATA as is).
   */
  private writeCompressibleRdata(rdata: string, prefix: number, names: number): boolean {
    // Validate first so that a bad RDATA cannot leave compression entries behind.
    let end = prefix;
    const n1 = uncompressedNameEnd(rdata, end);
    if (n1 < 0) return false;
    let n2 = -1;
    if (names === 2) {
      n2 = uncompressedNameEnd(rdata, n1);
      if (n2 < 0) return false;
    }
    const buf = this.buf;
    for (let i = 0; i < prefix; i++) buf[this.pos++] = rdata.charCodeAt(i);
    this.writeName(rdata, prefix);
    end = n1;
    if (n2 >= 0) {
      this.writeName(rdata, n1);
      end = n2;
    }
    if (end < rdata.length) {
      let p = this.pos;
      for (let i = end; i < rdata.length; i++) buf[p++] = rdata.charCodeAt(i);
      this.pos = p;
    }
    return true;
  }

  /**
   * Writes the name at `start` in `s`, ending in a pointer to the longest suffix already in the
   * message, and records the suffixes it writes in full. Returns the offset where the whole name
   * can be found (for a later pointer), or -1 when it is not addressable (the root, or past 0x3fff).
   */
  private writeName(s: string, start = 0): number {
    const buf = this.buf;
    if (s.charCodeAt(start) === 0) {
      buf[this.pos++] = 0;
      return -1;
    }
    // Zone data is validated upstream; a name that runs past its string is copied as is.
    const n = hashSuffixes(s, start);
    if (n < 0) {
      let p = this.pos;
      for (let j = start; j < s.length; j++) buf[p++] = s.charCodeAt(j);
      this.pos = p;
      return -1;
    }
    let k = 0;
    let target = -1;
    for (; k < n; k++) {
      target = this.find(s, k);
      if (target >= 0) break;
    }
    const first = this.pos;
    let p = first;
    for (let l = 0; l < k; l++) {
      if (p <= MAX_POINTER_TARGET) this.insert(suffixHashes[l]!, p);
      // Copy the label from the original, so the case written is the case given.
      let j = labelStarts[l]!;
      const end = j + s.charCodeAt(j) + 1;
      for (; j < end; j++) buf[p++] = s.charCodeAt(j);
    }
    if (target >= 0) {
      buf[p++] = 0xc0 | (target >> 8);
      buf[p++] = target & 0xff;
    } else {
      buf[p++] = 0;
    }
    this.pos = p;
    if (k > 0) return first <= MAX_POINTER_TARGET ? first : -1;
    return target;
  }
}

// One writer over one scratch buffer for every synchronous encodeResponse call: the message is
// built in place and copied out once, with no per-RR Buffers.
const shared = new MessageWriter(Buffer.allocUnsafe(BUFFER_SIZE));

function isMarked(e: SectionEntry): e is MarkedRRset {
  return !Array.isArray(e);
}

/**
 * Encodes a response within `maxSize` octets (see responseSizeLimit), truncating as described at
 * the top of this file. The returned Buffer is the caller's own.
 */
export function encodeResponse(parts: ResponseParts, maxSize: number): Buffer {
  const w = shared;
  w.begin(parts, parts.question, parts.edns, maxSize, parts.reserve ?? 0);
  const truncated =
    !putSection(w, Section.ANSWER, parts.answer) ||
    !putSection(w, Section.AUTHORITY, parts.authority) ||
    !putSection(w, Section.ADDITIONAL, parts.additional);
  return w.finish(truncated || parts.flags.tc === true);
}

/** False when a required RRset did not fit (the message is then complete, with TC=1). */
function putSection(w: MessageWriter, section: Section, entries: readonly SectionEntry[] | undefined): boolean {
  if (entries === undefined) return true;
  const optionalByDefault = section === Section.ADDITIONAL;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (isMarked(e) && e.sigs !== undefined && e.sigs.length > 0) return putSignedSection(w, section, entries, optionalByDefault);
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const marked = isMarked(e);
    const rrs = marked ? e.rrs : e;
    const required = marked ? e.required : !optionalByDefault;
    if (rrs.length === 0) continue;
    if (w.put(section, rrs)) continue;
    if (required) return false;
    // An optional RRset that does not fit is left out; a smaller one after it may still fit
    // (Knot fills the space the same way).
  }
  return true;
}

/**
 * putSection for a section with RRSIGs: its RRsets, then their RRSIGs in the same order (Knot's
 * layout), each RRset and its RRSIGs one unit (see the top of this file). A unit that does not fit
 * in the second pass cannot be taken back alone (RRsets were written after it), so the section is
 * written again without it (optional) or with only the units before it (required: TC). Rare: only
 * close to the size limit.
 */
function putSignedSection(w: MessageWriter, section: Section, entries: readonly SectionEntry[], optionalByDefault: boolean): boolean {
  const start = w.checkpoint();
  const left = new Uint8Array(entries.length); // 1: left out (optional and did not fit)
  let end = entries.length;
  let truncated = false;
  for (;;) {
    const failed = writeUnits(w, section, entries, end, left);
    if (failed < 0) return !truncated;
    w.restore(start);
    const e = entries[failed]!;
    if (isMarked(e) ? e.required : !optionalByDefault) {
      end = failed;
      truncated = true;
    } else {
      left[failed] = 1;
    }
  }
}

/** Writes units [0, end) not left out: RRsets, then RRSIGs. Returns the index of the first that did not fit, or -1. */
function writeUnits(w: MessageWriter, section: Section, entries: readonly SectionEntry[], end: number, left: Uint8Array): number {
  for (let i = 0; i < end; i++) {
    if (left[i]) continue;
    const e = entries[i]!;
    const rrs = isMarked(e) ? e.rrs : e;
    if (rrs.length > 0 && !w.put(section, rrs)) return i;
  }
  for (let i = 0; i < end; i++) {
    if (left[i]) continue;
    const e = entries[i]!;
    if (isMarked(e) && e.sigs !== undefined && e.sigs.length > 0 && !w.put(section, e.sigs)) return i;
  }
  return -1;
}
