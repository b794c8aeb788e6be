// The immutable, in-memory form of one loaded zone, and the small vocabulary lookup needs.
// A snapshot is built once by `buildSnapshot` and never changed: reload builds a new one and
// swaps a reference, so a query sees one version of a zone from start to end.

import { readU32, type Bytes } from '../dns/bytes.js';
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
 * An RRSIG set a signer makes (one signature, over one RRset of its node): 48 bytes where a
 * PackedRRset is 64. Its type is RRSIG and its TTL the covered set's, which is the signature's
 * original TTL (RFC 4034 §3.1.4, as the signer writes it), so neither needs a field.
 */
export class SignatureRRset {
  constructor(
    public owner: Name,
    /** The RRSIG RDATA ('' until the signature is made). */
    public r: Bytes,
    public next: PackedRRset | undefined = undefined,
  ) {}

  get type(): number {
    return RRType.RRSIG;
  }

  /** The RRSIG's original TTL field (RDATA octets 4-7, as dnssec/rrsig.ts sigOriginalTtl reads it). */
  get ttl(): number {
    return readU32(this.r, 4);
  }

  get rdata(): Bytes[] {
    return [this.r];
  }

  get first(): Bytes {
    return this.r;
  }

  get size(): number {
    return 1;
  }
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

  get rrsets(): PackedRRset[] {
    const out: PackedRRset[] = [];
    for (let s = this.firstSet; s !== undefined; s = s.next) out.push(s);
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
