// The answer engine: RFC 1034 §4.3.2 for an authoritative-only server, with RFC 2308 negative
// answers, RFC 4592 wildcards, RFC 6672 DNAME, RFC 8482 ANY and RFC 9471 glue.
// Pure: it reads snapshots and returns a plan of RRsets per section. No I/O, no clock, no cache,
// no rotation (that happens at encode time) and no knowledge of the wire format.
// Asked to (`{ dnssec: true }`, for a query with DO=1), it also returns what it found on the way
// (`ProofFacts`: the node of each RRset, the wildcards it expanded, the closest encloser, the cut),
// so that dnssec/answer.ts adds signatures and denial proofs without looking anything up again.

import { RRType } from '../dns/constants.js';
import {
  isSubdomain, nameKey, readName, type Name,
} from '../dns/name.js';
import { coveredType } from '../zone/build-support.js';
import { NodeFlag, getRRset, rrsetsOf, type PackedRRset, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { lookup } from '../zone/lookup.js';

/**
 * Finds the zone (snapshot) that answers a case-folded name and type; undefined: not ours. By
 * longest suffix, except that DS at the apex of a zone whose parent we serve too is the parent's
 * (RFC 4035 §3.1.4.1; see ZoneRegistry.findForQuestion).
 */
export type ZoneFinder = (qkey: Name, qtype: number) => ZoneSnapshot | undefined;

export interface ResolveOptions {
  /** Collect ProofFacts (a query with DO=1: the answer gets RRSIGs and NSEC/NSEC3 proofs). */
  readonly dnssec?: boolean;
}

/** A wildcard used to synthesize an answer (RFC 4592 §3.3.3), which DNSSEC must prove (RFC 4035 §3.1.3.3). */
export interface WildcardUse {
  readonly zone: ZoneSnapshot;
  /** The wildcard node (`*.<closest encloser>`), the source of synthesis. */
  readonly node: ZoneNode;
  /** The name it answered for (the query name or a CNAME target), case as asked. */
  readonly name: Name;
  /** The name's closest encloser: the wildcard's parent. */
  readonly encloser: ZoneNode;
}

/** What the lookup found, for the DNSSEC additions (RFC 4035 §3.1, RFC 5155 §7.2). */
export interface ProofFacts {
  /**
   * Per answer RRset (same index): the node it was read from, whose RRSIGs cover it; undefined for
   * the CNAME synthesized from a DNAME, which has none (RFC 6672 §5.3.1).
   */
  readonly answerNodes: Array<ZoneNode | undefined>;
  /** Per additional RRset (same index): its node. */
  readonly additionalNodes: ZoneNode[];
  /** Wildcards expanded on the way, in order. */
  readonly wildcards: WildcardUse[];
  /** The zone of the last lookup: the negative answer, referral or DS answer is about it. */
  zone: ZoneSnapshot;
  /** The name the last lookup was for (the query name or the last CNAME target). */
  name: Name;
  /** nodata: the node without the type (maybe an empty non-terminal or a wildcard); referral: the cut. */
  node?: ZoneNode;
  /** nxdomain: the closest encloser; nodata through a wildcard: the wildcard's parent. */
  closestEncloser?: ZoneNode;
}

export interface Sections {
  answer: RRset[];
  authority: RRset[];
  additional: RRset[];
  /**
   * The first `requiredAdditional` additional RRsets are glue a referral cannot work without
   * (RFC 9471 §3: in-domain glue); if they do not fit, the response is truncated (TC=1).
   */
  requiredAdditional: number;
  /** True when answering read more than one zone (a CNAME or DNAME into another zone of ours). */
  crossZone?: boolean;
  /** Present when resolve was asked for it (ResolveOptions.dnssec). */
  facts?: ProofFacts;
}

export type Resolution =
  /** NOERROR with data (possibly ending in an out-of-zone CNAME target). AA=1. */
  | ({ kind: 'answer' } & Sections)
  /** NOERROR, no data of the type; SOA in authority (RFC 2308 §2.2). AA=1. */
  | ({ kind: 'nodata' } & Sections)
  /** NXDOMAIN; SOA in authority (RFC 2308 §2.1). AA=1. */
  | ({ kind: 'nxdomain' } & Sections)
  /** Referral to a child zone: NS in authority, glue in additional. AA=0 unless a CNAME led here. */
  | ({ kind: 'referral'; aa: boolean } & Sections)
  /** DNAME substitution overflowed 255 octets (RFC 6672 §2.2). */
  | ({ kind: 'yxdomain' } & Sections)
  /** Not in any zone of ours: we are not a resolver. */
  | { kind: 'refused' }
  /** The zone is configured but has no usable data (not loaded, expired secondary). */
  | { kind: 'servfail' };

/** RFC 1034 §3.6.2 leaves the limit to us; BIND stops at 16 links, Knot at 20. */
export const MAX_CHAIN = 16;

/** Types whose targets get A/AAAA in the additional section (RFC 1035 §3.3, RFC 2782). */
const ADDITIONAL_TARGET_OFFSET: ReadonlyMap<number, number> = new Map([
  [RRType.NS, 0], [RRType.MX, 2], [RRType.SRV, 6],
]);

export function resolve(findZone: ZoneFinder, qname: Name, qtype: number, opts?: ResolveOptions): Resolution {
  let qkey = nameKey(qname);
  const first = findZone(qkey, qtype);
  if (first === undefined) return { kind: 'refused' };
  let zone: ZoneSnapshot = first;

  const answer: RRset[] = [];
  const facts: ProofFacts | undefined = opts?.dnssec
    ? { answerNodes: [], additionalNodes: [], wildcards: [], zone, name: qname }
    : undefined;
  let crossZone = false;
  // Names already visited by the chain (case-folded), so a loop ends instead of spinning.
  const visited = new Set<Name>();
  let owner = qname;

  const result = chase();
  if ('answer' in result) {
    if (crossZone) result.crossZone = true;
    if (facts !== undefined) {
      facts.zone = zone;
      facts.name = owner;
      result.facts = facts;
    }
  }
  return result;

  /** Adds an answer RRset read from `node` (undefined: synthesized, unsigned). */
  function add(set: RRset, node: ZoneNode | undefined): void {
    answer.push(set);
    facts?.answerNodes.push(node);
  }

  function chase(): Resolution {
    for (;;) {
      visited.add(qkey);
      const found = lookup(zone, qkey);
      if (facts !== undefined) facts.node = facts.closestEncloser = undefined;
      switch (found.kind) {
        case 'delegation': {
          if (facts !== undefined) facts.node = found.cut;
          // The parent side is authoritative for DS at the cut (RFC 4035 §3.1.4.1).
          if (found.atCut && qtype === RRType.DS) {
            const ds = getRRset(found.cut, RRType.DS);
            if (ds) return positive(zone, ds, found.cut);
            return negative('nodata', zone, answer);
          }
          return referral(zone, found.cut, answer, facts);
        }
        case 'dname': {
          const dname = getRRset(found.node, RRType.DNAME)!;
          add(dname, found.node);
          const [target] = readName(dname.rdata[0], 0);
          const prefixLength = owner.length - found.node.name.length;
          const newName = owner.slice(0, prefixLength) + target;
          if (newName.length > 255) return { kind: 'yxdomain', answer, authority: [], additional: [], requiredAdditional: 0 };
          // The synthesized CNAME carries the DNAME's TTL (RFC 6672 §3.1).
          add({ owner, type: RRType.CNAME, ttl: dname.ttl, rdata: [newName] }, undefined);
          // Asked for the CNAME itself: the synthesized one is the answer, not a link to follow.
          if (qtype === RRType.CNAME) return positive(zone, undefined, undefined);
          const next = follow(newName as Name);
          if (next === undefined) return positive(zone, undefined, undefined);
          continue;
        }
        case 'exact': {
          const node = found.node;
          const done = answerAtNode(node, node.name);
          if (done) return done;
          continue;
        }
        case 'nxdomain': {
          const wildcard = found.wildcard;
          if (facts !== undefined) facts.closestEncloser = found.closestEncloser;
          if (wildcard === undefined) {
            return negative('nxdomain', zone, answer);
          }
          facts?.wildcards.push({ zone, node: wildcard, name: owner, encloser: found.closestEncloser });
          // RFC 4592 §3.3.3: synthesize from the source of synthesis, owner = the query name.
          const done = answerAtNode(wildcard, owner);
          if (done) return done;
          continue;
        }
      }
    }
  }

  /**
   * Answers at a node (real or wildcard source). Returns the final resolution, or undefined when a
   * CNAME was added and the chase continues with the updated `qkey`/`zone`/`owner`.
   */
  function answerAtNode(node: ZoneNode, ownerName: Name): Resolution | undefined {
    const synthesized = ownerName !== node.name;
    const own = (set: RRset): RRset => (synthesized ? { owner: ownerName, type: set.type, ttl: set.ttl, rdata: set.rdata } : set);
    if (facts !== undefined) facts.node = node;
    if (qtype === RRType.ANY) {
      // RFC 8482 §4.1: one RRset is a complete answer. Like Knot: the lowest type number.
      let first = node.firstSet;
      if (first === undefined) return negative('nodata', zone, answer);
      for (let s = first.next; s !== undefined; s = s.next) if (s.type < first.type) first = s;
      return positive(zone, own(first), node);
    }
    if (qtype === RRType.RRSIG) {
      // Signatures are one RRset per covered type (RFC 4034 §3). Like Knot: those covering the
      // lowest type (one RRset, as for ANY); no CNAME is followed for them (RFC 4035 §3.1.1).
      let sigs: RRset | undefined;
      for (let s = node.firstSet; s !== undefined; s = s.next) {
        if (s.type !== RRType.RRSIG) continue;
        for (const set of rrsetsOf(s)) if (sigs === undefined || coveredType(set.rdata[0]!) < coveredType(sigs.rdata[0]!)) sigs = set;
      }
      return sigs === undefined ? negative('nodata', zone, answer) : positive(zone, own(sigs), node);
    }
    const exact = getRRset(node, qtype);
    if (exact) return positive(zone, own(exact), node);
    // A CNAME's owner answers its own NSEC, as Knot does: the NSEC proves the types it has.
    const cname = node.flags & NodeFlag.HAS_CNAME && qtype !== RRType.NSEC ? getRRset(node, RRType.CNAME) : undefined;
    if (cname === undefined) return negative('nodata', zone, answer);
    add(own(cname), node);
    const [target] = readName(cname.rdata[0], 0);
    if (follow(target) === undefined) return positive(zone, undefined, undefined);
    return undefined;
  }

  /**
   * Moves the chase to `target`. Returns undefined when the chain stops here: the target is
   * outside our zones (RFC 1034 §3.6.2: the resolver follows it), loops, or is too long.
   */
  function follow(target: Name): Name | undefined {
    const tkey = nameKey(target);
    if (visited.has(tkey) || visited.size >= MAX_CHAIN) return undefined;
    const next = findZone(tkey, qtype);
    if (next === undefined) return undefined;
    if (next !== zone) crossZone = true;
    zone = next;
    qkey = tkey;
    owner = target;
    return target;
  }

  /** The answer so far plus `data` (read from `node`), with the additional data it calls for. */
  function positive(z: ZoneSnapshot, data: RRset | undefined, node: ZoneNode | undefined): Resolution {
    if (data !== undefined) add(data, node);
    return { kind: 'answer', answer, authority: [], additional: additionalFor(z, answer, facts), requiredAdditional: 0 };
  }
}

function negative(kind: 'nodata' | 'nxdomain', zone: ZoneSnapshot, answer: RRset[]): Resolution {
  return { kind, answer, authority: [negativeSoa(zone)], additional: [], requiredAdditional: 0 };
}

const negativeSoaCache = new WeakMap<ZoneSnapshot, RRset>();
/** The SOA for negative answers, TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3). One per snapshot. */
function negativeSoa(zone: ZoneSnapshot): RRset {
  let soa = negativeSoaCache.get(zone);
  if (soa === undefined) {
    soa = zone.soa.ttl === zone.negativeTtl ? zone.soa : { owner: zone.soa.owner, type: zone.soa.type, ttl: zone.negativeTtl, rdata: zone.soa.rdata };
    negativeSoaCache.set(zone, soa);
  }
  return soa;
}

function referral(zone: ZoneSnapshot, cut: ZoneNode, answer: RRset[], facts: ProofFacts | undefined): Resolution {
  const ns = getRRset(cut, RRType.NS)!;
  // Glue: addresses of NS targets inside this zone. In-domain glue (below the cut) is required
  // (RFC 9471 §3); sibling glue (elsewhere in the zone) is optional and goes after it.
  const required: RRset[] = [];
  const optional: RRset[] = [];
  // The nodes of the glue RRsets, for ProofFacts (Knot adds the RRSIGs of sibling glue).
  const requiredNodes: ZoneNode[] = [];
  const optionalNodes: ZoneNode[] = [];
  const cutKey = nameKey(cut.name);
  for (const rdata of ns.rdata) {
    const [target] = readName(rdata, 0);
    const tkey = nameKey(target);
    if (!isSubdomain(tkey, zone.originKey)) continue;
    const node = zone.nodes.get(tkey);
    if (node === undefined) continue;
    const list = isSubdomain(tkey, cutKey) ? required : optional;
    addAddresses(node, list, list === required ? requiredNodes : optionalNodes);
  }
  facts?.additionalNodes.push(...requiredNodes, ...optionalNodes);
  return {
    kind: 'referral',
    // A referral reached through an authoritative CNAME keeps AA for that answer (as Knot does).
    aa: answer.length > 0,
    answer,
    authority: [ns],
    additional: required.concat(optional),
    requiredAdditional: required.length,
  };
}

/** Adds the node's A and AAAA to `out` (once each), and the node to `nodes` for each added. */
function addAddresses(node: ZoneNode, out: RRset[], nodes: ZoneNode[] | undefined): void {
  const a = getRRset(node, RRType.A);
  const aaaa = getRRset(node, RRType.AAAA);
  if (a && !out.includes(a)) {
    out.push(a);
    nodes?.push(node);
  }
  if (aaaa && !out.includes(aaaa)) {
    out.push(aaaa);
    nodes?.push(node);
  }
}

/** A/AAAA for NS, MX and SRV targets in the answer that live in this zone (glue included). */
function additionalFor(zone: ZoneSnapshot, answer: RRset[], facts: ProofFacts | undefined): RRset[] {
  let out: RRset[] | undefined;
  for (const set of answer) {
    const offset = ADDITIONAL_TARGET_OFFSET.get(set.type);
    if (offset === undefined) continue;
    for (const rdata of set.rdata) {
      let target: Name;
      try { [target] = readName(rdata, offset); } catch { continue; }
      const tkey = nameKey(target);
      if (!isSubdomain(tkey, zone.originKey)) continue;
      const node = zone.nodes.get(tkey);
      if (node === undefined) continue;
      // Occluded addresses are served only as glue for NS targets.
      if (node.flags & NodeFlag.OCCLUDED && set.type !== RRType.NS) continue;
      addAddresses(node, (out ??= []), facts?.additionalNodes);
    }
  }
  return out ?? [];
}
