// Records -> validated, frozen ZoneSnapshot. The checks are the ones named-checkzone makes by
// default (one SOA at the apex, NS at the apex, CNAME and other data, out-of-zone data, address
// records for in-zone NS/MX targets), each reported with the file:line of the offending record.
//
// Built for 1M-record zones: records stream in one at a time (SnapshotBuilder.add, straight from
// the parser: no list of a million record objects), nodes and RRsets are created in their final
// (snapshot) shape and the map that groups them becomes the snapshot, so nothing is copied at the
// end; arrays are exact-size (no growth slack kept in the snapshot). Where a diagnostic points is
// not stored in each RRset: diagnostics about an RRset's first record get their file:line at the
// end by replaying the records (re-parsing a file), which a zone with nothing to report never pays
// for (PositionResolver in build-support.ts).

import { readU32, u32, type Bytes } from '../dns/bytes.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { RRType, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, parentName, readName, isWildcard, type Name } from '../dns/name.js';
import { ErrorCode } from '../errors.js';
import type { Diagnostic, ZoneRecord } from './record.js';
import type { Place, Replay } from './build-support.js';
import { NodeFlag, PackedRRset, type RRset, type ZoneNode, type ZoneSnapshot } from './snapshot.js';
import {
  appendExact, BIG_RRSET, coveredType, isAtOrBelow, nameAt, PositionResolver, type BuildNode, type BuildSet,
} from './build-support.js';

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
   * after every file has been read, only when the zone is valid.
   */
  serial?: (fileSerial: number) => number;
}

/** RFC 2181 §10.1 / RFC 4035 §2.5: CNAME may share its owner with DNSSEC records only. */
const CNAME_COMPANIONS = new Set<number>([RRType.CNAME, RRType.RRSIG, RRType.NSEC, RRType.KEY]);

/** Flags that make the names below a node non-authoritative. */
const CUT = NodeFlag.DELEGATION | NodeFlag.HAS_DNAME;
/**
 * Build-time only, cleared before the snapshot is handed out: every ancestor of the node exists
 * and its OCCLUDED flag is final. The apex has it from the start.
 */
const COMPLETE = 1 << 16;

/**
 * The RRsets of every empty non-terminal, shared. Adding an RRset to a node replaces its array,
 * so a node is created with this one and gets its own with its first RRset.
 */
const NO_RRSETS: readonly BuildSet[] = Object.freeze([]);

export function buildSnapshot(input: BuildInput): BuildResult {
  const records = input.records;
  const replay: Replay = (visit) => { for (let i = 0; i < records.length; i++) visit(records[i]); };
  if (input.origin === undefined) return noOrigin(input.file ?? records[0]?.file ?? '<zone>', input.diagnostics);
  const builder = new SnapshotBuilder(input.origin, replay);
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
 */
export class SnapshotBuilder {
  private readonly originKey: Name;
  private readonly originText: string;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly at: PositionResolver;
  private readonly nodes = new Map<Name, BuildNode>();
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
  // Consecutive records mostly share one owner: the node of the last owner (undefined when it is
  // out of zone) is reused without hashing.
  private lastOwner: Name | undefined;
  private node: BuildNode | undefined;

  constructor(private readonly origin: Name, replay: Replay) {
    this.originKey = nameKey(origin);
    this.originText = nameToText(origin);
    this.at = new PositionResolver(replay, this.originKey, this.diagnostics);
  }

  private err(file: string, line: number, message: string): void {
    this.diagnostics.push({ severity: 'error', code: ErrorCode.ZONE_SEMANTIC, file, line, message });
  }

  /** 1. Groups a record into its node and RRset, in their final shape. */
  add(rec: ZoneRecord): void {
    const type = rec.type;
    const originKey = this.originKey;
    if (this.firstPlace === undefined) this.firstPlace = { file: rec.file, line: rec.line };
    if (rec.file !== this.files[this.files.length - 1] && !this.files.includes(rec.file)) this.files.push(rec.file);
    let node = this.node;
    if (rec.owner !== this.lastOwner) {
      this.lastOwner = rec.owner;
      if (!isAtOrBelow(rec.owner, originKey)) {
        node = undefined;
      } else {
        const key = nameKey(rec.owner);
        node = this.nodes.get(key);
        if (node === undefined) {
          const isApex = key === originKey;
          node = { name: rec.owner, rrsets: NO_RRSETS, flags: isApex ? NodeFlag.APEX | COMPLETE : 0 };
          this.nodes.set(key, node);
          if (isApex) this.apexFirst = { file: rec.file, line: rec.line };
        }
      }
      this.node = node;
    }
    if (node === undefined) {
      this.err(rec.file, rec.line, `${nameToText(rec.owner)} ${typeToString(type)}: out of zone data (not at or below ${this.originText})`);
      return;
    }
    this.zoneClass ??= rec.class;

    const sets = node.rrsets;
    let set: BuildSet | undefined;
    if (type === RRType.RRSIG) {
      // Each covered type's signatures are their own RRset (RFC 4034 §3).
      const covered = coveredType(rec.rdata);
      for (let k = 0; k < sets.length; k++) {
        const s = sets[k];
        if (s.type === type && coveredType(s.first) === covered) { set = s; break; }
      }
    } else {
      for (let k = 0; k < sets.length; k++) if (sets[k].type === type) { set = sets[k]; break; }
    }
    if (set === undefined) {
      set = new PackedRRset(node.name, type, rec.ttl, rec.rdata);
      node.rrsets = appendExact(sets, set, sets.length);
      this.recordCount++;
      if (type === RRType.NS) {
        if (!(node.flags & NodeFlag.APEX)) { node.flags |= NodeFlag.DELEGATION; this.hasCutsOrDnames = true; }
      } else if (type === RRType.DNAME) {
        node.flags |= NodeFlag.HAS_DNAME;
        this.hasCutsOrDnames = true;
      } else if (type === RRType.CNAME) {
        node.flags |= NodeFlag.HAS_CNAME;
      }
      return;
    }

    // Duplicates collapse silently, as in BIND (RFC 2181 §5: an RRset is a set); records are
    // compared in canonical form, so names in RDATA that differ only in case are one record.
    // Canonical form keeps the length, and is the input itself for types without names.
    const rdata = rec.rdata;
    const old = set.rdata; // a new one-element array when the set held one record
    const n = old.length;
    if (n < BIG_RRSET) {
      let canonical: Bytes | undefined;
      for (let k = 0; k < n; k++) {
        const r = old[k];
        if (r === rdata) return;
        if (r.length !== rdata.length) continue;
        canonical ??= canonicalRdata(type, rdata);
        if (canonicalRdata(type, r) === canonical) return;
      }
    } else {
      this.bigSets ??= new Map();
      let seen = this.bigSets.get(set);
      if (seen === undefined) this.bigSets.set(set, (seen = new Set(old.map((r) => canonicalRdata(type, r)))));
      const canonical = canonicalRdata(type, rdata);
      if (seen.has(canonical)) return;
      seen.add(canonical);
    }
    if (n === 1 && (type === RRType.SOA || type === RRType.CNAME)) (this.secondRecord ??= new Map()).set(set, { file: rec.file, line: rec.line });
    if (rec.ttl !== set.ttl) {
      // RFC 2181 §5.2: TTLs in an RRset must match; like BIND we keep the set and use the lowest.
      this.ttlWarned ??= new Set();
      if (!this.ttlWarned.has(set)) {
        this.at.report('warning', set, { file: rec.file, line: rec.line }, `${nameToText(rec.owner)} ${typeToString(type)}: TTL ${rec.ttl} differs from ${set.ttl} (line `, ') in the same RRset; using the lowest');
        this.ttlWarned.add(set);
      }
      set.ttl = Math.min(set.ttl, rec.ttl);
    }
    if (n < BIG_RRSET) set.r = appendExact(old, rdata, n);
    else old.push(rdata);
    this.recordCount++;
  }

  /** Steps 2-6: whole-zone rules, then the snapshot when there is no error. */
  finish(input: FinishInput = {}): BuildResult {
    const diagnostics = this.diagnostics;
    if (input.diagnostics?.length) diagnostics.unshift(...input.diagnostics);
    const { nodes, originKey, originText, at, origin } = this;
    const fallbackFile = input.file ?? this.firstPlace?.file ?? '<zone>';
    const err = (file: string, line: number, _code: Diagnostic['code'], message: string) => this.err(file, line, message);
    const hasCutsOrDnames = this.hasCutsOrDnames;
    const secondRecord = this.secondRecord;
    let bigSets = this.bigSets;
    this.bigSets = undefined;
    this.node = undefined;
    this.lastOwner = undefined;

    // 2. Apex: exactly one SOA, and NS.
    const apex = nodes.get(originKey);
    const apexSoa = apex?.rrsets.find((s) => s.type === RRType.SOA);
    if (apex === undefined || apexSoa === undefined) {
      const first = this.apexFirst;
      err(first?.file ?? fallbackFile, first?.line ?? 1, ErrorCode.ZONE_SEMANTIC, `no SOA record at the zone apex ${originText}`);
    } else {
      if (apexSoa.rdata.length > 1) at.report('error', apexSoa, secondRecord!.get(apexSoa)!, `multiple SOA records at ${originText} (the first at line `, ')');
      if (!apex.rrsets.some((s) => s.type === RRType.NS)) at.report('error', apexSoa, undefined, `no NS records at the zone apex ${originText}`);
    }

    // 3. Per-node rules; every ancestor up to the apex exists, as an empty non-terminal if nothing
    // else (RFC 8020); OCCLUDED for names below a zone cut or a DNAME (not authoritative: glue at
    // most). Map iteration also visits the nodes added on the way. Walking up from a node stops at
    // the first COMPLETE ancestor, so each name is looked up about once; names of new empty
    // non-terminals come from the node that needs them first, in the case it was written in.
    const chain: BuildNode[] = [];
    let apexOrEnt: BuildNode | undefined = apex;
    /** For occluded nodes: the closest cut or DNAME above. */
    let occludedBy: Map<BuildNode, BuildNode> | undefined;
    for (const [key, node] of nodes) {
      const sets = node.rrsets;
      if (sets.length > 0) {
        const isApex = key === originKey;
        let hasOther = false;
        let cname: BuildSet | undefined;
        for (let k = 0; k < sets.length; k++) {
          const set = sets[k];
          if (set.type === RRType.CNAME) cname = set;
          else {
            if (!CNAME_COMPANIONS.has(set.type)) hasOther = true;
            if (set.type === RRType.SOA && !isApex) at.report('error', set, undefined, `SOA record at ${nameToText(node.name)} is not at the zone apex`);
          }
        }
        if (cname) {
          if (isApex) at.report('error', cname, undefined, `CNAME at the zone apex ${originText} (the apex must have SOA and NS)`);
          else if (hasOther) at.report('error', cname, undefined, `CNAME and other data at ${nameToText(node.name)}`);
          if (cname.rdata.length > 1) at.report('error', cname, secondRecord!.get(cname)!, `multiple CNAME records at ${nameToText(node.name)} (the first at line `, ')');
          if (node.flags & NodeFlag.HAS_DNAME) at.report('error', cname, undefined, `CNAME and DNAME at ${nameToText(node.name)} (RFC 6672 §2.4)`);
        }
      }
      if (!(node.flags & COMPLETE)) {
        // Up to the first COMPLETE ancestor (the apex at the latest), creating what is missing.
        // Ancestors are suffixes of the key (and of the name: same labels, maybe other case); the
        // apex needs no slice or lookup.
        let len = 0;
        chain[len++] = node;
        const name = node.name;
        let off = 0;
        let top: BuildNode;
        for (;;) {
          off += key.charCodeAt(off) + 1;
          if (key.length - off === originKey.length) {
            if (apexOrEnt === undefined) {
              apexOrEnt = { name: name.slice(off) as Name, rrsets: NO_RRSETS, flags: NodeFlag.APEX | COMPLETE };
              nodes.set(originKey, apexOrEnt);
            }
            top = apexOrEnt;
            break;
          }
          const pkey = key.slice(off) as Name;
          let p = nodes.get(pkey);
          if (p === undefined) {
            p = { name: name === key ? pkey : name.slice(off) as Name, rrsets: NO_RRSETS, flags: 0 };
            nodes.set(pkey, p);
          }
          if (p.flags & COMPLETE) { top = p; break; }
          chain[len++] = p;
        }
        // Down again: below a cut or DNAME (not the apex's), or below an occluded node.
        let by = top.flags & NodeFlag.APEX ? undefined : top.flags & CUT ? top : top.flags & NodeFlag.OCCLUDED ? occludedBy!.get(top) : undefined;
        for (let j = len - 1; j >= 0; j--) {
          const c = chain[j];
          if (by !== undefined) {
            c.flags |= NodeFlag.OCCLUDED;
            (occludedBy ??= new Map()).set(c, by);
          }
          c.flags |= COMPLETE;
          if (c.flags & CUT) by = c;
        }
      }
      if (isWildcard(node.name)) {
        const p = nodes.get(parentName(key)!); // none for a wildcard apex
        if (p !== undefined) p.flags |= NodeFlag.WILDCARD_CHILD;
      }
    }
    chain.length = 0;

    // 4. Occluded data is reported (glue below a cut is expected), in node order.
    if (occludedBy !== undefined) {
      for (const node of nodes.values()) {
        if (!(node.flags & NodeFlag.OCCLUDED) || node.rrsets.length === 0) continue;
        const by = occludedBy.get(node)!;
        const isCut = (by.flags & NodeFlag.DELEGATION) !== 0;
        for (const set of node.rrsets) {
          if (isCut && (set.type === RRType.A || set.type === RRType.AAAA)) continue; // glue
          at.report('warning', set, undefined, `${nameToText(node.name)} ${typeToString(set.type)} is occluded by the ${isCut ? 'delegation' : 'DNAME'} at ${nameToText(by.name)} and will not be served`);
        }
      }
      occludedBy = undefined;
    }

    // 5. In-zone NS / MX / SRV targets should have addresses and must not be CNAMEs (RFC 2181 §10.3).
    for (const node of nodes.values()) {
      node.flags &= ~COMPLETE;
      if (node.flags & NodeFlag.OCCLUDED) continue;
      const sets = node.rrsets;
      for (let k = 0; k < sets.length; k++) {
        const set = sets[k];
        const offset = set.type === RRType.NS ? 0 : set.type === RRType.MX ? 2 : set.type === RRType.SRV ? 6 : -1;
        if (offset < 0) continue;
        const rdatas = set.rdata;
        for (let r = 0; r < rdatas.length; r++) {
          const target = nameAt(rdatas[r], offset);
          if (target === undefined || target === '\x00' || !isAtOrBelow(target, originKey)) continue;
          const t = nodes.get(nameKey(target));
          let isCname = false;
          let hasAddress = false;
          if (t !== undefined) {
            const tsets = t.rrsets;
            for (let j = 0; j < tsets.length; j++) {
              const type = tsets[j].type;
              if (type === RRType.CNAME) isCname = true;
              else if (type === RRType.A || type === RRType.AAAA) hasAddress = true;
            }
          }
          if (isCname || !hasAddress) {
            const what = `${nameToText(node.name)} ${typeToString(set.type)} ${nameToText(target)}`;
            at.report('warning', set, undefined, isCname ? `${what}: target is a CNAME (RFC 2181 §10.3)` : `${what}: target has no address records (A or AAAA)`);
          }
        }
      }
    }

    at.resolve(nodes);
    if (diagnostics.some((d) => d.severity === 'error') || apex === undefined || apexSoa === undefined) {
      return { diagnostics };
    }

    // 6. The builders are the snapshot. Only RRsets that outgrew exact-size appends are trimmed.
    if (bigSets !== undefined) for (const set of bigSets.keys()) set.r = set.rdata.slice();
    bigSets = undefined;
    const frozen: Map<Name, ZoneNode> = nodes;
    let apexNode: ZoneNode = apex;
    let soa: RRset = apexSoa;
    let soaRdata = apexSoa.first;
    const [, afterMname] = readName(soaRdata, 0);
    const [, afterRname] = readName(soaRdata, afterMname);
    const fileSerial = readU32(soaRdata, afterRname);
    const minimum = readU32(soaRdata, afterRname + 16);
    const serial = input.serial ? input.serial(fileSerial) >>> 0 : fileSerial;
    if (serial !== fileSerial) {
      // Serve a different serial than the file's: a new SOA RRset on a new apex node.
      soaRdata = soaRdata.slice(0, afterRname) + u32(serial) + soaRdata.slice(afterRname + 4);
      const newSoa: RRset = new PackedRRset(soa.owner, soa.type, soa.ttl, soaRdata);
      apexNode = { ...apexNode, rrsets: apexNode.rrsets.map((s) => (s === soa ? newSoa : s)) };
      frozen.set(originKey, apexNode);
      soa = newSoa;
    }
    const snapshot: ZoneSnapshot = {
      origin,
      originKey,
      class: this.zoneClass ?? 1,
      serial,
      soa,
      negativeTtl: Math.min(soa.ttl, minimum),
      apex: apexNode,
      nodes: frozen,
      recordCount: this.recordCount,
      files: input.files ?? this.files,
      hasCutsOrDnames,
    };
    return { snapshot: Object.freeze(snapshot), diagnostics };
  }
}
