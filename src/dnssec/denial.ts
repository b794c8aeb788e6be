// Authenticated denial of existence, prepared once per snapshot (RFC 4035 §3.1.3, RFC 5155
// §7.2): what the proofs look up is sorted here, when a zone is loaded, so that a query does one
// binary search per proof record (and one SHA-1 for a name it has to disprove under NSEC3). The
// zone is served as its signer made it: the NSEC and NSEC3 records are the zone's own, never
// computed here; this only finds them.
//
// - NSEC: the chain is the zone's authoritative names with data (the apex, and every node not
//   below a cut and not an empty non-terminal; a cut itself is in it), in canonical order; the
//   NSEC that covers a name is the one at the greatest of them not after it.
// - NSEC3 (the apex has NSEC3PARAM): the NSEC3 records whose parameters match the NSEC3PARAM,
//   sorted by hash; the hash of an authoritative name, computed the first time a proof needs it,
//   points at its NSEC3 (Knot's node->nsec3_node); a name to disprove is hashed and its
//   predecessor in the sorted hashes covers it, wrapping to the last (RFC 5155 §7.2.1).
// A snapshot that zonedns signed comes with its chain already in order (adoptDenial): nothing is
// sorted when it is installed.
// As in Knot (which these rules follow, nsec_proofs.c), a zone counts as signed when its SOA is.

import { readU16, type Bytes } from '../dns/bytes.js';
import { compareCanonical } from '../dns/canonical-order.js';
import { RRType } from '../dns/constants.js';
import { nameKey, wildcardOf, type Name } from '../dns/name.js';
import { base32HexDecode } from '../dns/rdata/encoding.js';
import { coveredType, isAtOrBelowAt } from '../zone/build-support.js';
import { canonicalNodes } from '../zone/canonical-nodes.js';
import { NodeFlag, SignatureSet, getRRset, type PackedRRset, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { NSEC3_SHA1, nsec3HashBytes } from './nsec3-hash.js';

/**
 * The RRSIGs at `node` that cover `type`: one RRset per covered type as the loader groups them,
 * or those of the node's SignatureSet (a zone zonedns signed).
 */
export function signaturesOf(node: ZoneNode, type: number): RRset | undefined {
  for (let s = node.firstSet; s !== undefined; s = s.next) {
    if (s.type !== RRType.RRSIG) continue;
    if (s instanceof SignatureSet) return s.covering(type);
    if (coveredType(s.first) === type) return s;
  }
  return undefined;
}

/** A node of the NSEC3 chain: its hash (raw octets) and the node holding the NSEC3 RRset. */
interface Nsec3Link {
  readonly hash: string;
  readonly node: ZoneNode;
}

export class Nsec3Chain {
  /** Hashes in ascending order (binary strings compare octet by octet), and their nodes. */
  private readonly hashes: readonly string[];
  private readonly owners: readonly ZoneNode[];
  /**
   * Authoritative node -> the node of its NSEC3 (hash match), null when it has none (opt-out).
   * Filled on first use: hashing every name when the zone is loaded would hold up the thread
   * that answers for as long (a second per million names, more with extra iterations, RFC 5155
   * §10.3 allows 2,500), where a proof pays one hash per name once.
   */
  private readonly matches = new Map<ZoneNode, ZoneNode | null>();
  private readonly byHash = new Map<string, ZoneNode>();
  /** Closest encloser -> the NSEC3 covering `*.<it>`, found on first use (null: none). */
  private readonly wildcardCovers = new Map<ZoneNode, ZoneNode | null>();

  /** `hashes` ascending, `owners[i]` the node holding the NSEC3 of `hashes[i]`. */
  constructor(
    private readonly zone: ZoneSnapshot,
    /** Raw octets (a binary string). */
    private readonly salt: Bytes,
    private readonly iterations: number,
    hashes: readonly string[],
    owners: readonly ZoneNode[],
  ) {
    this.hashes = hashes;
    this.owners = owners;
    for (let i = 0; i < hashes.length; i++) this.byHash.set(hashes[i]!, owners[i]!);
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The NSEC3 node whose hash is the node's name (RFC 5155 §7.2.3 "matches"). */
  matching(node: ZoneNode): ZoneNode | undefined {
    let match = this.matches.get(node);
    if (match === undefined) {
      if (node.flags & (NodeFlag.OCCLUDED | NodeFlag.NSEC3_ONLY)) return undefined; // no name of the chain's
      match = this.byHash.get(this.hash(node.name)) ?? null;
      this.matches.set(node, match);
    }
    return match ?? undefined;
  }

  /**
   * The NSEC3 node that covers `name` (RFC 5155 §3.1.7: the name's hash falls between its owner
   * and next hashed owner), or undefined when a record matches it instead (the name, or a hash
   * collision, exists: no proof possible) or the chain is empty.
   */
  covering(name: Name): ZoneNode | undefined {
    return this.coveringHash(this.hash(name));
  }

  /** covering(`*.<encloser>`), remembered per encloser: NXDOMAIN answers ask for it again and again. */
  coveringWildcard(encloser: ZoneNode): ZoneNode | undefined {
    let cover = this.wildcardCovers.get(encloser);
    if (cover === undefined) {
      // `*.<encloser>` over 255 octets cannot exist, and needs no proof.
      cover = encloser.name.length + 2 > 255 ? null : this.covering(wildcardOf(encloser.name)) ?? null;
      this.wildcardCovers.set(encloser, cover);
    }
    return cover ?? undefined;
  }

  /**
   * The closest provable encloser (RFC 5155 §7.2.1): `closest` or its nearest ancestor that has an
   * NSEC3. Ancestors of opt-out delegations may have none; the apex always does.
   */
  provableEncloser(closest: ZoneNode): ZoneNode | undefined {
    let node: ZoneNode | undefined = closest;
    let key = nameKey(closest.name);
    while (node !== undefined && this.matching(node) === undefined) {
      if (key.length <= this.zone.originKey.length) return undefined;
      key = key.slice(key.charCodeAt(0) + 1) as Name;
      node = this.zone.nodes.get(key);
    }
    return node;
  }

  private hash(name: Name): string {
    return nsec3HashBytes(name, this.salt, this.iterations);
  }

  private coveringHash(h: string): ZoneNode | undefined {
    const hashes = this.hashes;
    const n = hashes.length;
    if (n === 0) return undefined;
    // The last hash below h; none below: the chain wraps to its last record.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && hashes[lo] === h) return undefined;
    return this.owners[lo === 0 ? n - 1 : lo - 1];
  }
}

export class NsecChain {
  /** The chain's nodes in canonical order, the apex first. */
  constructor(readonly nodes: readonly ZoneNode[]) {}

  get size(): number {
    return this.nodes.length;
  }

  /**
   * The chain node at or before `name` in canonical order: its NSEC covers the name when the name
   * is not in the chain (RFC 4035 §3.1.3.2), matches it when it is. The apex comes first and every
   * name of the zone is at or after it.
   */
  atOrBefore(name: Name): ZoneNode {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCanonical(nodes[mid]!.name, name) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return nodes[lo === 0 ? 0 : lo - 1]!;
  }
}

export interface Denial {
  /** The zone's SOA is signed: DO=1 answers get signatures and proofs (as Knot decides). */
  readonly signed: boolean;
  /** Set when the apex has a usable NSEC3PARAM (hash algorithm 1); otherwise proofs use NSEC. */
  readonly nsec3: Nsec3Chain | undefined;
  readonly nsec: NsecChain | undefined;
  /**
   * RRSIG(SOA) for the SOA of negative answers: TTL capped like the SOA's (RFC 4035 §3.1.3 with
   * RFC 2308 §3: min(TTL, MINIMUM), as Knot caps it).
   */
  readonly negativeSoaSigs: RRset | undefined;
}

const UNSIGNED: Denial = Object.freeze({ signed: false, nsec3: undefined, nsec: undefined, negativeSoaSigs: undefined });

const byZone = new WeakMap<ZoneSnapshot, Denial>();

/**
 * The denial structures of a snapshot, built on first use and kept beside it (a WeakMap: a reload's
 * snapshot starts afresh, the old one goes with its snapshot). prepareDenial() builds them when a
 * zone is loaded, so no query waits for the sort and the hashing.
 */
export function denialOf(zone: ZoneSnapshot): Denial {
  let d = byZone.get(zone);
  if (d === undefined) {
    d = buildDenial(zone);
    byZone.set(zone, d);
  }
  return d;
}

/** Builds a freshly loaded snapshot's denial structures before it answers (see denialOf). */
export function prepareDenial(zone: ZoneSnapshot): void {
  denialOf(zone);
}

/** A chain as its signer made it, in order: what denialOf would otherwise sort and hash. */
export type KnownChain =
  /** The NSEC chain's nodes in canonical order, the apex first. */
  | { kind: 'nsec'; nodes: readonly ZoneNode[] }
  /** NSEC3 owner hashes (raw octets) ascending, and the node holding each one's NSEC3. */
  | { kind: 'nsec3'; salt: Bytes; iterations: number; hashes: readonly Bytes[]; nodes: readonly ZoneNode[] };

/**
 * Gives a snapshot signed by zonedns (dnssec/sign-zone.ts) the denial structures of the chain its
 * signer already ordered, so that installing it sorts nothing on the thread that answers.
 */
export function adoptDenial(zone: ZoneSnapshot, chain: KnownChain): void {
  const negativeSoaSigs = negativeSoaSignatures(zone);
  if (negativeSoaSigs === undefined) return; // not signed after all: denialOf decides
  const d: Denial = chain.kind === 'nsec'
    ? { signed: true, nsec3: undefined, nsec: new NsecChain(chain.nodes), negativeSoaSigs }
    : { signed: true, nsec3: new Nsec3Chain(zone, chain.salt, chain.iterations, chain.hashes, chain.nodes), nsec: undefined, negativeSoaSigs };
  byZone.set(zone, d);
}

/** The NSEC chain of a snapshot whose denial is built, in order (a signer's next re-sign starts from it). */
export function nsecChainOf(zone: ZoneSnapshot): readonly ZoneNode[] | undefined {
  return byZone.get(zone)?.nsec?.nodes;
}

/**
 * RRSIG(SOA) for the SOA of negative answers: TTL capped like the SOA's (RFC 4035 §3.1.3 with
 * RFC 2308 §3: min(TTL, MINIMUM), as Knot caps it). Undefined: the SOA is not signed.
 */
function negativeSoaSignatures(zone: ZoneSnapshot): RRset | undefined {
  const soaSigs = signaturesOf(zone.apex, RRType.SOA);
  if (soaSigs === undefined) return undefined;
  return soaSigs.ttl <= zone.negativeTtl ? soaSigs : { owner: soaSigs.owner, type: soaSigs.type, ttl: zone.negativeTtl, rdata: soaSigs.rdata };
}

function buildDenial(zone: ZoneSnapshot): Denial {
  const apex = zone.apex;
  const negativeSoaSigs = negativeSoaSignatures(zone);
  if (negativeSoaSigs === undefined) return UNSIGNED;
  const param = getRRset(apex, RRType.NSEC3PARAM);
  if (param !== undefined) {
    // With several, the canonically first (Knot reads the first of its sorted rdataset).
    let rdata = param.rdata[0]!;
    for (const r of param.rdata) if (r < rdata) rdata = r;
    const alg = rdata.charCodeAt(0);
    const iterations = readU16(rdata, 2);
    const saltText = rdata.slice(5, 5 + rdata.charCodeAt(4));
    const links = alg === NSEC3_SHA1 ? nsec3Links(zone, alg, iterations, saltText) : [];
    links.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    return { signed: true, nsec3: new Nsec3Chain(zone, saltText, iterations, links.map((l) => l.hash), links.map((l) => l.node)), nsec: undefined, negativeSoaSigs };
  }
  const chain: ZoneNode[] = [apex];
  for (const node of canonicalNodes(zone)) if (!(node.flags & (NodeFlag.OCCLUDED | NodeFlag.NSEC3_ONLY))) chain.push(node);
  return { signed: true, nsec3: undefined, nsec: new NsecChain(chain), negativeSoaSigs };
}

/**
 * The NSEC3 records of the chain: owned by `<base32hex hash>.<origin>` (RFC 5155 §3) with a record
 * of the NSEC3PARAM's algorithm, iterations and salt (flags may differ: opt-out).
 */
function nsec3Links(zone: ZoneSnapshot, alg: number, iterations: number, salt: string): Nsec3Link[] {
  const links: Nsec3Link[] = [];
  const origin = zone.originKey;
  const params = (r: Bytes) => r.charCodeAt(0) === alg && readU16(r, 2) === iterations && r.charCodeAt(4) === salt.length && r.startsWith(salt, 5);
  for (const node of zone.nodes.values()) {
    if (node.flags & NodeFlag.OCCLUDED) continue;
    let set: PackedRRset | undefined = node.firstSet;
    while (set !== undefined && set.type !== RRType.NSEC3) set = set.next;
    if (set === undefined) continue;
    const owner = node.name;
    const labelEnd = owner.charCodeAt(0) + 1;
    if (owner.length - labelEnd !== origin.length || !isAtOrBelowAt(owner, labelEnd, origin)) continue;
    const hash = base32HexDecode(owner.slice(1, labelEnd));
    if (hash === undefined) continue;
    if (set.size === 1 ? params(set.first) : set.rdata.some(params)) links.push({ hash, node });
  }
  return links;
}
