// The immutable, in-memory form of one loaded zone, and the small vocabulary lookup needs.
// A snapshot is built once by `buildSnapshot` and never changed: reload builds a new one and
// swaps a reference, so a query sees one version of a zone from start to end.

import { readU16, readU32, type Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import type { Name } from '../dns/name.js';

/** All records of one owner and type. TTL is one value for the set (RFC 2181 §5.2). */
export interface RRset {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  /** Uncompressed wire RDATA, in zone-file order (rotation starts from this order). */
  readonly rdata: readonly Bytes[];
}

/**
 * The RRset class the loader builds. Most RRsets of a big zone hold one record (631k of 796k in
 * the 1M-record benchmark zone), and a one-element array costs 56 bytes on top of the string, so
 * `r` holds a single record's RDATA bare and `rdata` wraps it on demand. RRsets of two or more
 * records keep one array, so `rdata` returns the same array every time (rotation counters are
 * keyed on it). A node's RRsets are a chain through `next` (see SnapshotNode): a link costs 8
 * bytes where an array per node cost 56 and more. Code that only reads RRsets sees the RRset
 * interface and never needs this class.
 */
export class PackedRRset implements RRset {
  constructor(
    public owner: Name,
    public type: number,
    public ttl: number,
    /** One record's RDATA, or the array of two or more. */
    public r: Bytes | Bytes[],
    /** The node's next RRset (in zone-file order), undefined after the last. */
    public next: PackedRRset | undefined = undefined,
  ) {}

  get rdata(): Bytes[] {
    const r = this.r;
    return typeof r === 'string' ? [r] : r;
  }

  /** The first record's RDATA without allocating. */
  get first(): Bytes {
    const r = this.r;
    return typeof r === 'string' ? r : r[0];
  }

  get size(): number {
    const r = this.r;
    return typeof r === 'string' ? 1 : r.length;
  }
}

/**
 * The heads (RRSIG RDATA before the signature: covered type through signer name, RFC 4034 §3.1)
 * of one signing job's signatures, each stored once. Signatures made together share all of a
 * head but the covered type, labels and original TTL, and expirations are whole hours, so a 1M-
 * record zone's 1.3M signatures have a few thousand heads.
 */
export class SignatureHeads {
  readonly heads: Bytes[] = [];
  private readonly ids = new Map<Bytes, number>();

  /** `signatureLength`: octets of every signature stored with these heads. */
  constructor(readonly signatureLength: number) {}

  /** The head's number (interned). */
  id(head: Bytes): number {
    let id = this.ids.get(head);
    if (id === undefined) {
      id = this.heads.length;
      // A flat copy: a head made by concatenation, or cut from a longer RDATA, holds on to its parts.
      const flat = Buffer.from(head, 'latin1').toString('latin1');
      this.heads.push(flat);
      this.ids.set(flat, id);
    }
    return id;
  }
}

/** Octets of a head number in a SignatureSet's block. */
const HEAD_ID = 4;

/**
 * All the RRSIGs a signer makes at one node, as one link of the node's chain (type RRSIG, mixed
 * covered types): 56 bytes and one string of 4 + 64 octets per signature, where an object and an
 * RDATA string per signature cost 168 bytes (1M-record bench zone: 1.28M signatures). `block`
 * holds, per signature, its head's number in `heads` (4 octets) and the signature. RFC 4034 §3
 * counts an RRSIG RRset per covered type, each with the covered set's TTL: `covering` and `split`
 * give those; `rdata`, `first` and `ttl` (the first signature's original TTL) see the link as one
 * set, for code that only counts or compares. RDATA is made on demand (answers are cached).
 */
export class SignatureSet {
  constructor(
    public owner: Name,
    public heads: SignatureHeads,
    /** Per signature: head number (u32) + signature; '' until the signatures are made. */
    public block: Bytes,
    public next: PackedRRset | undefined = undefined,
  ) {}

  get type(): number {
    return RRType.RRSIG;
  }

  get size(): number {
    return this.block.length / (HEAD_ID + this.heads.signatureLength);
  }

  /** The head of signature `i`. */
  headAt(i: number): Bytes {
    return this.heads.heads[readU32(this.block, i * (HEAD_ID + this.heads.signatureLength))]!;
  }

  /** The full RRSIG RDATA of signature `i`. */
  rdataAt(i: number): Bytes {
    const entry = HEAD_ID + this.heads.signatureLength;
    const at = i * entry;
    return this.heads.heads[readU32(this.block, at)]! + this.block.slice(at + HEAD_ID, at + entry);
  }

  /** The covered type of signature `i` (RRSIG RDATA octets 0-1). */
  coveredAt(i: number): number {
    return readU16(this.headAt(i), 0);
  }

  /** The first signature's original TTL (RDATA octets 4-7): the TTL of the set it covers. */
  get ttl(): number {
    return readU32(this.headAt(0), 4);
  }

  get rdata(): Bytes[] {
    const n = this.size;
    const out = new Array<Bytes>(n);
    for (let i = 0; i < n; i++) out[i] = this.rdataAt(i);
    return out;
  }

  get first(): Bytes {
    return this.rdataAt(0);
  }

  get r(): Bytes | Bytes[] {
    return this.size === 1 ? this.rdataAt(0) : this.rdata;
  }

  /**
   * The signatures covering `type` as one RRset with the covered set's TTL, or undefined. On the
   * answer path (DO=1, not cached): one pass over the block, an array only for two or more.
   */
  covering(type: number): PackedRRset | undefined {
    const block = this.block;
    const heads = this.heads.heads;
    const entry = HEAD_ID + this.heads.signatureLength;
    let first: Bytes | undefined;
    let more: Bytes[] | undefined;
    let ttl = 0;
    for (let at = 0; at < block.length; at += entry) {
      const head = heads[readU32(block, at)]!;
      if (readU16(head, 0) !== type) continue;
      const rdata = head + block.slice(at + HEAD_ID, at + entry);
      if (first === undefined) {
        first = rdata;
        ttl = readU32(head, 4);
      } else {
        (more ??= [first]).push(rdata);
      }
    }
    return first === undefined ? undefined : new PackedRRset(this.owner, RRType.RRSIG, ttl, more ?? first);
  }

  /** The RRSIG RRsets RFC 4034 §3 counts: one per covered type, in order of first signature. */
  split(): PackedRRset[] {
    const out: PackedRRset[] = [];
    const seen: number[] = [];
    for (let i = 0, n = this.size; i < n; i++) {
      const covered = this.coveredAt(i);
      if (seen.includes(covered)) continue;
      seen.push(covered);
      out.push(this.covering(covered)!);
    }
    return out;
  }
}

/**
 * An NSEC a signer makes (RFC 4034 §4.1): its RDATA is the next name (uncompressed, as the chain
 * keeps it) and the type bitmap (shared by all NSECs of the same types), joined on demand. The
 * RDATA string it saves is 48 bytes per NSEC (560k in the 1M-record bench zone).
 */
export class NsecRRset {
  constructor(
    public owner: Name,
    public ttl: number,
    /** The next owner name in canonical order (RFC 4034 §4.1.1). */
    public nextName: Name,
    /** The type bitmap (RFC 4034 §4.1.2). */
    public bitmap: Bytes,
    public next: PackedRRset | undefined = undefined,
  ) {}

  get type(): number {
    return RRType.NSEC;
  }

  get r(): Bytes {
    return this.nextName + this.bitmap;
  }

  get first(): Bytes {
    return this.nextName + this.bitmap;
  }

  get rdata(): Bytes[] {
    return [this.nextName + this.bitmap];
  }

  get size(): number {
    return 1;
  }
}

/**
 * `set` as the RRsets RFC 4034 counts (a SignatureSet is one per covered type), for code that
 * writes records out with their TTLs; other links are themselves.
 */
export function rrsetsOf(set: PackedRRset): readonly RRset[] {
  return set instanceof SignatureSet ? set.split() : [set];
}

/** Node flags, precomputed by the build pass so lookup reads bits instead of scanning. */
export const NodeFlag = {
  APEX: 1,
  /** Has NS and is not the apex: a zone cut (RFC 1034 §4.2.1). */
  DELEGATION: 2,
  /** Below a zone cut or a DNAME: not authoritative data here (glue at most). */
  OCCLUDED: 4,
  /** Has a child labelled `*` (RFC 4592 source of synthesis candidate). */
  WILDCARD_CHILD: 8,
  HAS_CNAME: 16,
  HAS_DNAME: 32,
  /**
   * Holds only NSEC3 records and their RRSIGs, and no names below it: a hashed owner of an NSEC3
   * chain. Those live beside the zone's names (RFC 5155 §7.2: a hashed owner is not a name of
   * the zone's data; Knot keeps them in a tree of their own), so lookups do not see this node.
   */
  NSEC3_ONLY: 64,
} as const;

export interface ZoneNode {
  /** Owner name in the case it was first written in the zone. */
  readonly name: Name;
  readonly flags: number;
  /**
   * The node's first RRset, then `.next` through the others (zone-file order); undefined for an
   * empty non-terminal (RFC 8020: it exists). Walking the chain allocates nothing:
   * `for (let s = node.firstSet; s !== undefined; s = s.next)`.
   */
  readonly firstSet: PackedRRset | undefined;
  /** The RRsets of the chain as a new array, for code that is not on a hot path. */
  readonly rrsets: readonly RRset[];
}

/** `type` of a SnapshotNode that holds no RRset (no RR type is negative). */
export const NO_TYPE = -1;

/**
 * The loader's ZoneNode, which is also the node's first RRset (its owner is the node's name).
 * Most nodes hold one or two RRsets, and a node object (48 bytes) plus an array of its RRsets
 * (48 + 8 per RRset) were a fifth of a loaded zone's heap; this way a node with one RRset is one
 * object of 72 bytes (100k-name benchmark zone: heap 47 -> 38 MiB). As an RRset the node is
 * reached through `firstSet` only, which an empty non-terminal (type NO_TYPE) does not give.
 */
export class SnapshotNode extends PackedRRset implements ZoneNode {
  constructor(name: Name, public flags: number) {
    super(name, NO_TYPE, 0, '');
  }

  get name(): Name {
    return this.owner;
  }

  get firstSet(): PackedRRset | undefined {
    return this.type === NO_TYPE ? undefined : this;
  }

  /** A SignatureSet comes split, one RRset per covered type (rrsetsOf). */
  get rrsets(): PackedRRset[] {
    const out: PackedRRset[] = [];
    for (let s = this.firstSet; s !== undefined; s = s.next) {
      if (s instanceof SignatureSet) out.push(...s.split());
      else out.push(s);
    }
    return out;
  }
}

export interface ZoneSnapshot {
  /** Zone origin, case as written; `originKey` case-folded. */
  readonly origin: Name;
  readonly originKey: Name;
  readonly class: number;
  readonly serial: number;
  readonly soa: RRset;
  /** RFC 2308 §5: TTL of the SOA in negative answers = min(SOA TTL, SOA MINIMUM). */
  readonly negativeTtl: number;
  readonly apex: ZoneNode;
  /** Every node, keyed by case-folded name; includes empty non-terminals. */
  readonly nodes: ReadonlyMap<Name, ZoneNode>;
  readonly recordCount: number;
  /** Files the zone was read from (zone file and $INCLUDEs), for watching. */
  readonly files: readonly string[];
  /** Zone-level flags: cuts or DNAMEs anywhere means lookups must walk down from the apex. */
  readonly hasCutsOrDnames: boolean;
}

export function getRRset(node: ZoneNode, type: number): RRset | undefined {
  for (let s = node.firstSet; s !== undefined; s = s.next) if (s.type === type) return s;
  return undefined;
}

export function isEmptyNonTerminal(node: ZoneNode): boolean {
  return node.firstSet === undefined;
}
