// Records -> validated, frozen ZoneSnapshot. The checks are the ones named-checkzone makes by
// default (one SOA at the apex, NS at the apex, CNAME and other data, out-of-zone data, address
// records for in-zone NS/MX targets), each reported with the file:line of the offending record;
// a missing apex NS is only a warning, as in NSD and Knot.
//
// Built for 1M-record zones: records stream in one at a time (SnapshotBuilder.record, straight
// from the parser: no object per record), nodes and RRsets are created in their final (snapshot)
// shape and the table that indexes them (node-table.ts) becomes the snapshot's `nodes`, so
// nothing is copied at the end; arrays are exact-size (no growth slack kept in the snapshot).
// A node's missing ancestors (empty non-terminals) are created with it, so every node comes
// after its parent and the whole-zone checks need no name lookups; what they need about a node
// is noted on the side as records come, so they visit only the nodes concerned. Where a
// diagnostic points is not stored in each RRset: diagnostics about an RRset's first record get
// their file:line at the end by replaying the records (re-parsing a file), which a zone with
// nothing to report never pays for (PositionResolver in build-support.ts).

import { readU32, u32, type Bytes } from '../dns/bytes.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { RRType, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, readName, isWildcard, type Name } from '../dns/name.js';
import { ErrorCode } from '../errors.js';
import type { Diagnostic, DroppedRecord, RecordSink, ZoneRecord } from './record.js';
import type { Place, Replay } from './build-support.js';
import { NO_TYPE, NodeFlag, PackedRRset, SnapshotNode, type RRset, type ZoneNode, type ZoneSnapshot } from './snapshot.js';
import {
  appendExact, BIG_RRSET, coveredType, findSet, findSetIn, isAtOrBelowAt, mayBeDropped, nameEnd, PositionResolver, type BuildNode, type BuildSet,
} from './build-support.js';
import { hashRange, NodeTable } from './node-table.js';

export interface BuildResult {
  /** Present only when there were no errors: a zone with errors is never served. */
  snapshot?: ZoneSnapshot;
  diagnostics: Diagnostic[];
}

export interface BuildInput {
  origin: Name | undefined;
  records: readonly ZoneRecord[];
  /** Diagnostics from parsing; errors among them mean no snapshot. */
  diagnostics?: readonly Diagnostic[];
  files?: readonly string[];
  /** Used when no record says where the zone is (an empty file). */
  file?: string;
  /**
   * Chooses the serial to serve from the one in the file (`serial: auto` policies). Called once,
   * after every file has been read, only when the zone is valid, with the zone's origin.
   */
  serial?: (fileSerial: number, origin: Name) => number;
  /** Records the parser refused: checks their absence would fail are not reported. */
  dropped?: readonly DroppedRecord[];
  /**
   * Checks of the finished snapshot (the DNSSEC checks in dnssec/verify-zone.ts): what they
   * report becomes a warning at the file:line of the RRset, or of the record, it names.
   */
  inspect?: (snapshot: ZoneSnapshot, warn: SnapshotWarning) => void;
}

/** A warning about an RRset of a snapshot, or about one record of it (`record`: its RDATA). */
export type SnapshotWarning = (set: RRset, message: string, record?: Bytes) => void;

/** RFC 2181 §10.1 / RFC 4035 §2.5: CNAME may share its owner with DNSSEC records only. */
const CNAME_COMPANIONS = new Set<number>([RRType.CNAME, RRType.RRSIG, RRType.NSEC, RRType.KEY]);

/**
 * Build-time only, cleared before the snapshot is handed out: the node was created as an ancestor
 * of another and no record has named it yet. A node takes the case of its first record's owner
 * (else of the name of the first node below it), whichever way it was created.
 */
const IMPLICIT = 1 << 16;

/** Labels in a name: at most 127 (255 octets). */
const MAX_LABELS = 128;

// Bits of SnapshotBuilder.kinds: what finish() needs to know about a node without visiting it.
/** A zone cut, or a DNAME below the apex: names below are occluded. */
const CUT_BELOW = 1;
/** NS below the apex: a zone cut (what occludes is a delegation, not a DNAME). */
const DELEGATES = 2;
/** Has A or AAAA. */
const ADDRESS = 4;
/** Has an RRset of another type than A and AAAA. */
const NOT_ADDRESS = 8;
/** Has a CNAME. */
const ALIAS = 16;
/** Has two or more CNAME records. */
const ALIASES = 32;
/** Has an RRset of a type that may not be with a CNAME (not in CNAME_COMPANIONS). */
const NOT_WITH_ALIAS = 64;

export function buildSnapshot(input: BuildInput): BuildResult {
  const records = input.records;
  const replay: Replay = (visit) => { for (let i = 0; i < records.length; i++) visit(records[i]); };
  if (input.origin === undefined) return noOrigin(input.file ?? records[0]?.file ?? '<zone>', input.diagnostics);
  const builder = new SnapshotBuilder(input.origin, replay, records.length >> 1);
  for (let i = 0; i < records.length; i++) builder.add(records[i]);
  return builder.finish(input);
}

/** The result for a zone whose origin could not be found. */
export function noOrigin(file: string, diagnostics: readonly Diagnostic[] = []): BuildResult {
  return {
    diagnostics: [...diagnostics, {
      severity: 'error', code: ErrorCode.ZONE_SEMANTIC, file, line: 1,
      message: 'no origin: give $ORIGIN, an absolute SOA owner, or --origin',
    }],
  };
}

/** What finish() needs besides the records. */
export type FinishInput = Omit<BuildInput, 'origin' | 'records'>;

/**
 * Validates records as they come (`add`, in file order) and makes the snapshot (`finish`). `replay`
 * must visit the same records in the same order again: it is called only when a diagnostic has to
 * point at the first record of an RRset.
 *
 * Nodes are known by their index in the table (creation order: every node after its parent), and
 * what finish() needs about them is kept on the side, in typed arrays and short lists, so its
 * checks visit only the nodes concerned rather than a million objects.
 */
export class SnapshotBuilder implements RecordSink {
  private readonly originKey: Name;
  private readonly originText: string;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly at: PositionResolver;
  private readonly nodes: NodeTable<BuildNode>;
  /** Per node index: its parent's index, -1 for the apex. */
  private parents: Int32Array<ArrayBuffer>;
  /**
   * Pairs (first, owner) of node indices: a record's owner `owner` was created with its missing
   * ancestors first .. owner - 1 (in the order the owners were named).
   */
  private readonly created: number[] = [];
  /** Per node index: CUT_BELOW, DELEGATES, ADDRESS, ... bits (above). */
  private kinds: Uint8Array<ArrayBuffer>;
  /** Node indices in the order of their first records. */
  private named: Int32Array<ArrayBuffer>;
  private namedCount = 0;
  private apexIndex = -1;
  /** hashRange of the origin: where every owner's hash starts. */
  private readonly apexHash: number;
  /** Scratch for nodeFor: label offsets of an owner and the hashes of the names there. */
  private readonly labelAt = new Int32Array(MAX_LABELS);
  private readonly hashAt = new Int32Array(MAX_LABELS);
  /** Nodes with a CNAME, or an SOA below the apex: what the CNAME and SOA rules look at (maybe twice). */
  private readonly checkNodes: number[] = [];
  /** Nodes with an NSEC3 RRset: which may be hashed owners only (NodeFlag.NSEC3_ONLY). */
  private nsec3Owners: number[] | undefined;
  /** NS, MX and SRV RRsets, and their nodes' indices: whose targets are checked. */
  private readonly targetSets: BuildSet[] = [];
  private readonly targetNodes: number[] = [];
  private zoneClass: number | undefined;
  private recordCount = 0;
  private hasCutsOrDnames = false;
  /** Where the first record at the apex is (where "no SOA" points). */
  private apexFirst: Place | undefined;
  /** The first record of all, and the files records came from (in order). */
  private firstPlace: Place | undefined;
  private readonly files: string[] = [];
  /** RRsets of BIG_RRSET records or more: canonical RDATA seen (duplicates), and trimmed at the end. */
  private bigSets: Map<BuildSet, Set<Bytes>> | undefined;
  /** SOA and CNAME RRsets with a second record: where it is ("multiple SOA/CNAME" points there). */
  private secondRecord: Map<BuildSet, Place> | undefined;
  /** RRsets whose TTL mismatch has been reported (once per RRset). */
  private ttlWarned: Set<BuildSet> | undefined;
  // A visit: consecutive records mostly share one owner, whose node (undefined when it is out of
  // zone) is reused without hashing.
  private lastOwner: Name | undefined;
  private node: BuildNode | undefined;
  private nodeIndex = -1;
  /** RRsets created in the current visit of `node`, not in node.rrsets yet (see leave). */
  private readonly pending: BuildSet[] = [];
  private pendingCount = 0;
  /** Per pending RRset with two or more records: the array they gather in (see record). */
  private readonly gather: Bytes[][] = [];

  /**
   * `expectedNodes` sizes the node index and the build-time arrays (see NodeTable); a guess is
   * fine (sizeHint), they grow when it is low.
   */
  constructor(private readonly origin: Name, replay: Replay, expectedNodes = 0) {
    this.nodes = new NodeTable<BuildNode>(expectedNodes);
    const room = Math.max(1024, expectedNodes);
    this.parents = new Int32Array(room);
    this.kinds = new Uint8Array(room);
    this.named = new Int32Array(room);
    this.originKey = nameKey(origin);
    this.apexHash = hashRange(this.originKey, 0, this.originKey.length, 0);
    this.originText = nameToText(origin);
    this.at = new PositionResolver(replay, this.originKey, this.diagnostics);
  }

  private err(file: string, line: number, message: string): void {
    this.diagnostics.push({ severity: 'error', code: ErrorCode.ZONE_SEMANTIC, file, line, message });
  }

  /** 1. Groups a record into its node and RRset, in their final shape. */
  add(rec: ZoneRecord): void {
    this.record(rec.owner, rec.type, rec.class, rec.ttl, rec.rdata, rec.file, rec.line);
  }

  /** add() for a record given as fields (RecordSink: the parser streams into this). */
  record(owner: Name, type: number, cls: number, ttl: number, rdata: Bytes, file: string, line: number): void {
    if (this.firstPlace === undefined) this.firstPlace = { file, line };
    if (file !== this.files[this.files.length - 1] && !this.files.includes(file)) this.files.push(file);
    let node = this.node;
    if (owner !== this.lastOwner) {
      if (this.pendingCount > 0) this.leave();
      this.lastOwner = owner;
      const index = (this.nodeIndex = this.nodeFor(owner));
      node = this.node = index < 0 ? undefined : this.nodes.at(index);
      if (node !== undefined && node.flags & IMPLICIT) {
        node.owner = owner;
        node.flags &= ~IMPLICIT;
        if (this.namedCount === this.named.length) this.named = grown(this.named);
        this.named[this.namedCount++] = index;
        if (node.flags & NodeFlag.APEX) this.apexFirst = { file, line };
      }
    }
    if (node === undefined) {
      this.err(file, line, `${nameToText(owner)} ${typeToString(type)}: out of zone data (not at or below ${this.originText})`);
      return;
    }
    this.zoneClass ??= cls;

    // The node's RRsets from earlier visits (none if its own is new in this one), then those new
    // in this one.
    const pendingCount = this.pendingCount;
    let set = pendingCount > 0 && this.pending[0] === node ? undefined : findSet(node.firstSet, type, rdata);
    let pending = -1;
    if (set === undefined && pendingCount > 0) {
      set = findSetIn(this.pending, pendingCount, type, rdata);
      if (set !== undefined) pending = this.pending.indexOf(set);
    }
    if (set === undefined) {
      if (node.type === NO_TYPE) {
        // The node's first RRset is the node itself (see SnapshotNode).
        node.type = type;
        node.ttl = ttl;
        node.r = rdata;
        set = node;
      } else {
        set = new PackedRRset(node.name, type, ttl, rdata);
      }
      this.pending[this.pendingCount++] = set;
      this.recordCount++;
      const isApex = (node.flags & NodeFlag.APEX) !== 0;
      const index = this.nodeIndex;
      const kinds = this.kinds;
      kinds[index] |= type === RRType.A || type === RRType.AAAA ? ADDRESS : NOT_ADDRESS;
      if (!CNAME_COMPANIONS.has(type)) kinds[index] |= NOT_WITH_ALIAS;
      switch (type) {
        case RRType.NS:
          if (!isApex) {
            node.flags |= NodeFlag.DELEGATION;
            this.hasCutsOrDnames = true;
            kinds[index] |= CUT_BELOW | DELEGATES;
          }
          this.targetSets.push(set);
          this.targetNodes.push(index);
          break;
        case RRType.MX:
        case RRType.SRV:
          this.targetSets.push(set);
          this.targetNodes.push(index);
          break;
        case RRType.DNAME:
          node.flags |= NodeFlag.HAS_DNAME;
          this.hasCutsOrDnames = true;
          if (!isApex) kinds[index] |= CUT_BELOW;
          break;
        case RRType.CNAME:
          node.flags |= NodeFlag.HAS_CNAME;
          kinds[index] |= ALIAS;
          this.checkNodes.push(index);
          break;
        case RRType.SOA:
          if (!isApex) this.checkNodes.push(index);
          break;
        case RRType.NSEC3:
          (this.nsec3Owners ??= []).push(index);
          break;
      }
      return;
    }

    // Duplicates collapse silently, as in BIND (RFC 2181 §5: an RRset is a set); records are
    // compared in canonical form, so names in RDATA that differ only in case are one record.
    // Canonical form keeps the length, and is the input itself for types without names.
    const r = set.r;
    const n = typeof r === 'string' ? 1 : r.length;
    if (n < BIG_RRSET) {
      let canonical: Bytes | undefined;
      for (let k = 0; k < n; k++) {
        const old = typeof r === 'string' ? r : r[k];
        if (old === rdata) return;
        if (old.length !== rdata.length) continue;
        canonical ??= canonicalRdata(type, rdata);
        if (canonicalRdata(type, old) === canonical) return;
      }
    } else {
      this.bigSets ??= new Map();
      let seen = this.bigSets.get(set);
      if (seen === undefined) this.bigSets.set(set, (seen = new Set((r as Bytes[]).map((x) => canonicalRdata(type, x)))));
      const canonical = canonicalRdata(type, rdata);
      if (seen.has(canonical)) return;
      seen.add(canonical);
    }
    if (n === 1 && (type === RRType.SOA || type === RRType.CNAME)) {
      (this.secondRecord ??= new Map()).set(set, { file, line });
      if (type === RRType.CNAME) this.kinds[this.nodeIndex] |= ALIASES;
    }
    if (ttl !== set.ttl) {
      // RFC 2181 §5.2: TTLs in an RRset must match; like BIND we keep the set and use the lowest.
      this.ttlWarned ??= new Set();
      if (!this.ttlWarned.has(set)) {
        this.at.report('warning', set, { file, line }, `${nameToText(owner)} ${typeToString(type)}: TTL ${ttl} differs from ${set.ttl} (line `, ') in the same RRset; using the lowest');
        this.ttlWarned.add(set);
      }
      set.ttl = Math.min(set.ttl, ttl);
    }
    if (pending >= 0) {
      // Made in this visit: its records gather in a reused array until leave().
      if (typeof r === 'string') {
        const gather = (this.gather[pending] ??= []);
        gather.push(r, rdata);
        set.r = gather;
      } else {
        r.push(rdata);
      }
    } else if (typeof r === 'string') set.r = [r, rdata];
    else if (n < BIG_RRSET) set.r = appendExact(r, rdata, n);
    else r.push(rdata);
    this.recordCount++;
  }

  /**
   * Ends a visit (a run of records with one owner): the RRsets it created join the end of the
   * node's chain, and their records get exact-size arrays. Most nodes get all their RRsets and
   * records in one visit, so this makes each array once, where appending as records come made a
   * new array per record and left the others as garbage.
   */
  private leave(): void {
    const node = this.node!;
    const p = this.pending;
    const n = this.pendingCount;
    // The node heads its chain; its own RRset may be the first new one.
    let tail: BuildSet = node;
    if (p[0] !== node) while (tail.next !== undefined) tail = tail.next;
    for (let k = p[0] === node ? 1 : 0; k < n; k++) tail = tail.next = p[k];
    for (let k = 0; k < n; k++) {
      const set = p[k];
      const r = set.r;
      if (typeof r !== 'string') {
        const m = r.length;
        set.r = m === 2 ? [r[0], r[1]] : m === 3 ? [r[0], r[1], r[2]] : m === 4 ? [r[0], r[1], r[2], r[3]] : r.slice();
        r.length = 0;
      }
      p[k] = undefined!;
    }
    this.pendingCount = 0;
  }

  /**
   * Index of the node of `owner`, created (with its missing ancestors) if new; -1 when `owner` is
   * not in the zone. New nodes are IMPLICIT: record() names the owner's.
   */
  private nodeFor(owner: Name): number {
    const skip = owner.length - this.originKey.length;
    if (skip < 0) return -1;
    const labelAt = this.labelAt;
    const hashAt = this.hashAt;
    let n = 0;
    let i = 0;
    while (i < skip) {
      labelAt[n++] = i;
      i += owner.charCodeAt(i) + 1;
    }
    if (i !== skip || !isAtOrBelowAt(owner, skip, this.originKey)) return -1;
    // Hashes of the owner and its ancestors, from the apex down (see hashRange).
    let h = this.apexHash;
    let end = skip;
    for (let k = n - 1; k >= 0; k--) {
      h = hashRange(owner, labelAt[k], end, h);
      hashAt[k] = h;
      end = labelAt[k];
    }
    const table = this.nodes;
    // The closest existing node at or above the owner.
    let k = 0;
    let found = -1;
    for (; k < n; k++) {
      found = table.indexOf(hashAt[k], owner, labelAt[k], owner.length);
      if (found >= 0) break;
    }
    if (k === n) found = this.apexIndex;
    if (k === 0 && found >= 0) return found;
    const first = table.size;
    if (found < 0) found = this.apexIndex = this.createNode(n === 0 ? owner : owner.slice(skip) as Name, this.apexHash, -1, NodeFlag.APEX);
    for (let j = k - 1; j >= 0; j--) found = this.createNode(j === 0 ? owner : owner.slice(labelAt[j]) as Name, hashAt[j], found, 0);
    if (first < found) this.created.push(first, found);
    return found;
  }

  private createNode(name: Name, hash: number, parent: number, flags: number): number {
    // A class (the node is its own first RRset, with SnapshotNode's getters), where an object
    // literal would have been allocated straight in the old generation: with one object less per
    // node the load measured no slower.
    const index = this.nodes.add(hash, new SnapshotNode(name, flags | IMPLICIT));
    if (index === this.parents.length) {
      this.parents = grown(this.parents);
      const kinds = new Uint8Array(2 * index);
      kinds.set(this.kinds);
      this.kinds = kinds;
    }
    this.parents[index] = parent;
    if (parent >= 0 && isWildcard(name)) this.nodes.at(parent).flags |= NodeFlag.WILDCARD_CHILD;
    return index;
  }

  /**
   * The order nodes are listed in (AXFR, --print, diagnostics): by first record, then the empty
   * non-terminals, each after those of earlier nodes, from the bottom up. (It was the order of a
   * Map filled that way; the table keeps it.) Clears IMPLICIT on the empty non-terminals.
   */
  private nodeOrder(): Int32Array<ArrayBuffer> {
    const { named, namedCount, created, nodes } = this;
    const order = new Int32Array(nodes.size);
    order.set(named.subarray(0, namedCount));
    let o = namedCount;
    for (let k = 0; k < created.length; k += 2) {
      const first = created[k];
      for (let c = created[k + 1] - 1; c >= first; c--) {
        const node = nodes.at(c);
        if (node.flags & IMPLICIT) {
          node.flags &= ~IMPLICIT;
          order[o++] = c;
        }
      }
    }
    return order;
  }

  /** Steps 2-6: whole-zone rules, then the snapshot when there is no error. */
  finish(input: FinishInput = {}): BuildResult {
    const diagnostics = this.diagnostics;
    if (input.diagnostics?.length) diagnostics.unshift(...input.diagnostics);
    const { nodes, originKey, originText, at, origin } = this;
    const fallbackFile = input.file ?? this.firstPlace?.file ?? '<zone>';
    const hasCutsOrDnames = this.hasCutsOrDnames;
    const secondRecord = this.secondRecord;
    if (this.pendingCount > 0) this.leave();
    let bigSets = this.bigSets;
    this.bigSets = undefined;
    this.node = undefined;
    this.lastOwner = undefined;

    // 2. Apex: exactly one SOA, and NS. (It exists, maybe as an empty non-terminal, once any
    // record is in the zone.)
    // A zone without apex NS loads with a warning, as in NSD and Knot (BIND refuses it): it
    // answers, and whoever delegates to it has the NS records that matter.
    const dropped = input.dropped;
    const apex = this.apexIndex < 0 ? undefined : nodes.at(this.apexIndex);
    const apexSoa = findSet(apex?.firstSet, RRType.SOA, '');
    if (apex === undefined || apexSoa === undefined) {
      const first = this.apexFirst;
      if (!mayBeDropped(dropped, origin, RRType.SOA)) this.err(first?.file ?? fallbackFile, first?.line ?? 1, `no SOA record at the zone apex ${originText}`);
    } else {
      if (apexSoa.rdata.length > 1) at.report('error', apexSoa, secondRecord!.get(apexSoa)!, `multiple SOA records at ${originText} (the first at line `, ')');
      if (findSet(apex.firstSet, RRType.NS, '') === undefined && !mayBeDropped(dropped, origin, RRType.NS)) {
        at.report('warning', apexSoa, undefined, `no NS records at the zone apex ${originText}`);
      }
    }

    // OCCLUDED: names below a zone cut or a DNAME are not authoritative (glue at most). Every
    // ancestor exists, as an empty non-terminal if nothing else (RFC 8020), and comes before its
    // descendants, so one pass in creation order settles each node from its parent.
    const count = nodes.size;
    const parents = this.parents;
    const kinds = this.kinds;
    /** Per node, for occluded ones: index + 1 of the closest cut or DNAME above. */
    let occludedBy: Int32Array | undefined;
    const occluded: number[] = [];
    if (hasCutsOrDnames) {
      occludedBy = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const p = parents[i];
        if (p < 0) continue;
        const by = kinds[p] & CUT_BELOW ? p + 1 : occludedBy[p];
        if (by !== 0) {
          occludedBy[i] = by;
          nodes.at(i).flags |= NodeFlag.OCCLUDED;
          occluded.push(i);
        }
      }
    }
    if (this.nsec3Owners !== undefined) markNsec3Only(nodes, parents, this.nsec3Owners);
    const order = this.nodeOrder();
    // Creation order is the order already in most zones (no empty non-terminal, each owner after
    // its parent): then the table keeps no order of its own (4 bytes a node).
    let inOrder = true;
    for (let i = 0; i < count && inOrder; i++) inOrder = order[i] === i;
    if (!inOrder) nodes.setOrder(order);
    this.parents = this.named = new Int32Array(0);
    this.created.length = 0;
    this.kinds = new Uint8Array(0);
    // Diagnostics come in node order: the nodes of each check are sorted by their place in it.
    let ranks: Int32Array | undefined;
    const rank = (): Int32Array => {
      if (ranks === undefined) {
        ranks = new Int32Array(count);
        for (let o = 0; o < count; o++) ranks[order[o]] = o;
      }
      return ranks;
    };
    const byRank = (list: number[]): number[] => {
      if (list.length > 1) {
        const r = rank();
        list.sort((a, b) => r[a] - r[b]);
      }
      return list;
    };

    // 3. CNAME and SOA rules, at the nodes that have one and something to report (most CNAMEs
    // are alone, and the node need not be looked at).
    const check = byRank(this.checkNodes.filter((index) => {
      const kind = kinds[index];
      return (kind & (ALIAS | NOT_WITH_ALIAS)) !== ALIAS || (kind & ALIASES) !== 0 || index === this.apexIndex;
    }));
    for (let c = 0; c < check.length; c++) {
      const index = check[c];
      if (c > 0 && index === check[c - 1]) continue; // a CNAME and an SOA
      const node = nodes.at(index);
      const isApex = index === this.apexIndex;
      let hasOther = false;
      let cname: BuildSet | undefined;
      for (let set = node.firstSet; set !== undefined; set = set.next) {
        if (set.type === RRType.CNAME) cname = set;
        else {
          if (!CNAME_COMPANIONS.has(set.type)) hasOther = true;
          if (set.type === RRType.SOA && !isApex) at.report('error', set, undefined, `SOA record at ${nameToText(node.name)} is not at the zone apex`);
        }
      }
      if (cname) {
        if (isApex) at.report('error', cname, undefined, `CNAME at the zone apex ${originText} (the apex must have SOA and NS)`);
        else if (hasOther) at.report('error', cname, undefined, `CNAME and other data at ${nameToText(node.name)}`);
        if (cname.size > 1) at.report('error', cname, secondRecord!.get(cname)!, `multiple CNAME records at ${nameToText(node.name)} (the first at line `, ')');
        if (node.flags & NodeFlag.HAS_DNAME) at.report('error', cname, undefined, `CNAME and DNAME at ${nameToText(node.name)} (RFC 6672 §2.4)`);
      }
    }

    // 4. Occluded data is reported (glue below a cut is expected): the nodes with any.
    const report = byRank(occluded.filter((index) => {
      const kind = kinds[index];
      return kinds[occludedBy![index] - 1] & DELEGATES ? (kind & NOT_ADDRESS) !== 0 : (kind & (ADDRESS | NOT_ADDRESS)) !== 0;
    }));
    for (const index of report) {
      const node = nodes.at(index);
      const by = nodes.at(occludedBy![index] - 1);
      const isCut = (by.flags & NodeFlag.DELEGATION) !== 0;
      for (let set = node.firstSet; set !== undefined; set = set.next) {
        if (isCut && (set.type === RRType.A || set.type === RRType.AAAA)) continue; // glue
        at.report('warning', set, undefined, `${nameToText(node.name)} ${typeToString(set.type)} is occluded by the ${isCut ? 'delegation' : 'DNAME'} at ${nameToText(by.name)} and will not be served`);
      }
    }

    // 5. In-zone NS / MX / SRV targets should have addresses and must not be CNAMEs (RFC 2181 §10.3).
    // Targets are looked up where they lie in the RDATA. RRsets are in creation order, which keeps
    // each node's in node order; the (rare) findings are put in node order after.
    const { targetSets, targetNodes, apexHash } = this;
    const found: { index: number; set: BuildSet; message: string }[] = [];
    for (let t = 0; t < targetSets.length; t++) {
      const index = targetNodes[t];
      const node = nodes.at(index);
      if (node.flags & NodeFlag.OCCLUDED) continue;
      const set = targetSets[t];
      const offset = set.type === RRType.NS ? 0 : set.type === RRType.MX ? 2 : 6;
      const r = set.r;
      const n = typeof r === 'string' ? 1 : r.length;
      for (let k = 0; k < n; k++) {
        const rdata = typeof r === 'string' ? r : r[k];
        const end = nameEnd(rdata, offset);
        if (end < 0 || end - offset === 1) continue; // malformed, or the root
        const skip = end - originKey.length;
        if (skip < offset || !isAtOrBelowAt(rdata, skip, originKey)) continue;
        let j = offset;
        while (j < skip) j += rdata.charCodeAt(j) + 1;
        if (j !== skip) continue; // the origin's octets, but not on a label boundary
        const target = nodes.indexOf(hashRange(rdata, offset, skip, apexHash), rdata, offset, end);
        const kind = target < 0 ? 0 : kinds[target];
        const isCname = (kind & ALIAS) !== 0;
        const hasAddress = (kind & ADDRESS) !== 0;
        if (isCname || (!hasAddress && !mayBeDropped(dropped, rdata.slice(offset, end) as Name, RRType.A, RRType.AAAA))) {
          const what = `${nameToText(node.name)} ${typeToString(set.type)} ${nameToText(rdata.slice(offset, end) as Name)}`;
          found.push({ index, set, message: isCname ? `${what}: target is a CNAME (RFC 2181 §10.3)` : `${what}: target has no address records (A or AAAA)` });
        }
      }
    }
    if (found.length > 1) {
      const r = rank();
      found.sort((a, b) => r[a.index] - r[b.index]); // stable: a node's findings keep their order
    }
    for (const f of found) at.report('warning', f.set, undefined, f.message);

    at.resolve(nodes);
    if (diagnostics.some((d) => d.severity === 'error') || apex === undefined || apexSoa === undefined) {
      return { diagnostics };
    }

    // 6. The builders are the snapshot. Only RRsets that outgrew exact-size appends are trimmed.
    if (bigSets !== undefined) for (const set of bigSets.keys()) set.r = set.rdata.slice();
    bigSets = undefined;
    const frozen: NodeTable<ZoneNode> = nodes;
    const soa: RRset = apexSoa;
    const soaRdata = apexSoa.first;
    const fileSerial = soaSerial(soaRdata);
    const minimum = readU32(soaRdata, soaSerialAt(soaRdata) + 16);
    const serial = input.serial ? input.serial(fileSerial, origin) >>> 0 : fileSerial;
    if (serial !== fileSerial) serveSerial(apexSoa, serial);
    const snapshot: ZoneSnapshot = {
      origin,
      originKey,
      class: this.zoneClass ?? 1,
      serial,
      soa,
      negativeTtl: Math.min(soa.ttl, minimum),
      apex,
      nodes: frozen,
      recordCount: this.recordCount,
      files: input.files ?? this.files,
      hasCutsOrDnames,
    };
    Object.freeze(snapshot);
    if (input.inspect !== undefined) {
      // The snapshot's RRsets are the builder's own.
      input.inspect(snapshot, (set, message, record) => {
        if (record === undefined) at.report('warning', set as BuildSet, undefined, message);
        else at.reportRecord('warning', set as BuildSet, record, message);
      });
      at.resolve(nodes);
    }
    return { snapshot, diagnostics };
  }
}

/** Where the SERIAL field of SOA RDATA starts (after MNAME and RNAME, RFC 1035 §3.3.13). */
function soaSerialAt(soaRdata: Bytes): number {
  const [, afterMname] = readName(soaRdata, 0);
  return readName(soaRdata, afterMname)[1];
}

/** The SERIAL of SOA RDATA. */
export function soaSerial(soaRdata: Bytes): number {
  return readU32(soaRdata, soaSerialAt(soaRdata));
}

/**
 * Makes a just-built zone's SOA say `serial` (a served serial other than the file's, see
 * serial-policy.ts). Only for an SOA RRset no one else holds yet: it has one record, replaced.
 */
export function serveSerial(soa: PackedRRset, serial: number): void {
  const rdata = soa.first;
  const at = soaSerialAt(rdata);
  soa.r = rdata.slice(0, at) + u32(serial) + rdata.slice(at + 4);
}

/** A just-built snapshot serving `serial` instead of its file's (see serveSerial). */
export function withServedSerial(snapshot: ZoneSnapshot, serial: number): ZoneSnapshot {
  serveSerial(snapshot.soa as PackedRRset, serial >>> 0);
  return Object.freeze({ ...snapshot, serial: serial >>> 0 });
}

/**
 * About how many nodes a zone file of `bytes` octets makes: the benchmark zone (a typical mix,
 * one to three records a name) has one per 65 octets. A zone of long records (a signed one) has
 * fewer, and gets room for nodes that never come: some 20 bytes each, until finish() trims it.
 */
export function sizeHint(bytes: number): number {
  return Math.min(1 << 24, Math.floor(bytes / 64));
}

/** Sets NSEC3_ONLY on the `candidates` that hold nothing but NSEC3 and its RRSIGs and have no child. */
function markNsec3Only(nodes: NodeTable<BuildNode>, parents: Int32Array, candidates: readonly number[]): void {
  const count = nodes.size;
  const hasChild = new Uint8Array(count);
  for (let i = 0; i < count; i++) if (parents[i] >= 0) hasChild[parents[i]] = 1;
  for (const index of candidates) {
    if (hasChild[index]) continue;
    const node = nodes.at(index);
    let only = true;
    for (let set = node.firstSet; set !== undefined && only; set = set.next) {
      only = set.type === RRType.NSEC3 || (set.type === RRType.RRSIG && coveredType(set.first) === RRType.NSEC3);
    }
    if (only) node.flags |= NodeFlag.NSEC3_ONLY;
  }
}

/** A copy of `a` twice as long. */
function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
