// Records -> validated, frozen ZoneSnapshot. The checks are the ones named-checkzone makes by
// default (one SOA at the apex, NS at the apex, CNAME and other data, out-of-zone data, address
// records for in-zone NS/MX targets), each reported with the file:line of the offending record.
//
// Built for 1M-record zones: nodes and RRsets are created in their final (snapshot) shape and
// the map that groups them becomes the snapshot, so nothing is copied at the end; arrays are
// exact-size (no growth slack kept in the snapshot). Where a diagnostic points is not stored in
// each RRset: diagnostics get their file:line at the end from one walk over the records, which a
// zone with nothing to report never pays for (PositionResolver in build-support.ts).

import { readU32, u32, type Bytes } from '../dns/bytes.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { RRType, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, parentName, readName, isWildcard, type Name } from '../dns/name.js';
import { ErrorCode } from '../errors.js';
import type { Diagnostic, ZoneRecord } from './record.js';
import { NodeFlag, type RRset, type ZoneNode, type ZoneSnapshot } from './snapshot.js';
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
  const diagnostics: Diagnostic[] = [...(input.diagnostics ?? [])];
  const fallbackFile = input.file ?? records[0]?.file ?? '<zone>';
  const err = (file: string, line: number, code: Diagnostic['code'], message: string) =>
    diagnostics.push({ severity: 'error', code, file, line, message });

  const origin = input.origin;
  if (origin === undefined) {
    err(fallbackFile, 1, ErrorCode.ZONE_SEMANTIC, 'no origin: give $ORIGIN, an absolute SOA owner, or --origin');
    return { diagnostics };
  }
  const originKey = nameKey(origin);
  const originText = nameToText(origin);
  // Diagnostics about an RRset point at its first record (or a given one); found at the end.
  const at = new PositionResolver(records, originKey, diagnostics);

  // 1. Group records into nodes and RRsets, in their final shape.
  const nodes = new Map<Name, BuildNode>();
  let zoneClass: number | undefined;
  let recordCount = 0;
  let hasCutsOrDnames = false;
  /** Index of the first record at the apex (where "no SOA" points). */
  let apexFirst = -1;
  /** RRsets of BIG_RRSET records or more: canonical RDATA seen (duplicates), and trimmed at the end. */
  let bigSets: Map<BuildSet, Set<Bytes>> | undefined;
  /** SOA and CNAME RRsets with a second record: its index ("multiple SOA/CNAME" points there). */
  let secondRecord: Map<BuildSet, number> | undefined;
  /** RRsets whose TTL mismatch has been reported (once per RRset). */
  let ttlWarned: Set<BuildSet> | undefined;
  // Owners are interned, and consecutive records mostly share one: the node of the last owner
  // (undefined when it is out of zone) is reused without hashing.
  let lastOwner: Name | undefined;
  let node: BuildNode | undefined;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    const type = rec.type;
    if (rec.owner !== lastOwner) {
      lastOwner = rec.owner;
      if (!isAtOrBelow(rec.owner, originKey)) {
        node = undefined;
      } else {
        const key = nameKey(rec.owner);
        node = nodes.get(key);
        if (node === undefined) {
          const isApex = key === originKey;
          node = { name: rec.owner, rrsets: NO_RRSETS, flags: isApex ? NodeFlag.APEX | COMPLETE : 0 };
          nodes.set(key, node);
          if (isApex) apexFirst = i;
        }
      }
    }
    if (node === undefined) {
      err(rec.file, rec.line, ErrorCode.ZONE_SEMANTIC, `${nameToText(rec.owner)} ${typeToString(type)}: out of zone data (not at or below ${originText})`);
      continue;
    }
    zoneClass ??= rec.class;

    const sets = node.rrsets;
    let set: BuildSet | undefined;
    if (type === RRType.RRSIG) {
      // Each covered type's signatures are their own RRset (RFC 4034 §3).
      const covered = coveredType(rec.rdata);
      for (let k = 0; k < sets.length; k++) {
        const s = sets[k];
        if (s.type === type && coveredType(s.rdata[0]) === covered) { set = s; break; }
      }
    } else {
      for (let k = 0; k < sets.length; k++) if (sets[k].type === type) { set = sets[k]; break; }
    }
    if (set === undefined) {
      set = { owner: node.name, type, ttl: rec.ttl, rdata: [rec.rdata] };
      node.rrsets = appendExact(sets, set, sets.length);
      recordCount++;
      if (type === RRType.NS) {
        if (!(node.flags & NodeFlag.APEX)) { node.flags |= NodeFlag.DELEGATION; hasCutsOrDnames = true; }
      } else if (type === RRType.DNAME) {
        node.flags |= NodeFlag.HAS_DNAME;
        hasCutsOrDnames = true;
      } else if (type === RRType.CNAME) {
        node.flags |= NodeFlag.HAS_CNAME;
      }
      continue;
    }

    // Duplicates collapse silently, as in BIND (RFC 2181 §5: an RRset is a set); records are
    // compared in canonical form, so names in RDATA that differ only in case are one record.
    // Canonical form keeps the length, and is the input itself for types without names.
    const rdata = rec.rdata;
    const old = set.rdata;
    const n = old.length;
    if (n < BIG_RRSET) {
      let canonical: Bytes | undefined;
      let dup = false;
      for (let k = 0; k < n; k++) {
        const r = old[k];
        if (r === rdata) { dup = true; break; }
        if (r.length !== rdata.length) continue;
        canonical ??= canonicalRdata(type, rdata);
        if (canonicalRdata(type, r) === canonical) { dup = true; break; }
      }
      if (dup) continue;
    } else {
      bigSets ??= new Map();
      let seen = bigSets.get(set);
      if (seen === undefined) bigSets.set(set, (seen = new Set(old.map((r) => canonicalRdata(type, r)))));
      const canonical = canonicalRdata(type, rdata);
      if (seen.has(canonical)) continue;
      seen.add(canonical);
    }
    if (n === 1 && (type === RRType.SOA || type === RRType.CNAME)) (secondRecord ??= new Map()).set(set, i);
    if (rec.ttl !== set.ttl) {
      // RFC 2181 §5.2: TTLs in an RRset must match; like BIND we keep the set and use the lowest.
      ttlWarned ??= new Set();
      if (!ttlWarned.has(set)) {
        at.report('warning', set, i, `${nameToText(rec.owner)} ${typeToString(type)}: TTL ${rec.ttl} differs from ${set.ttl} (line `, ') in the same RRset; using the lowest');
        ttlWarned.add(set);
      }
      set.ttl = Math.min(set.ttl, rec.ttl);
    }
    if (n < BIG_RRSET) set.rdata = appendExact(old, rdata, n);
    else old.push(rdata);
    recordCount++;
  }

  // 2. Apex: exactly one SOA, and NS.
  const apex = nodes.get(originKey);
  const apexSoa = apex?.rrsets.find((s) => s.type === RRType.SOA);
  if (apex === undefined || apexSoa === undefined) {
    const first = apexFirst >= 0 ? records[apexFirst] : undefined;
    err(first?.file ?? fallbackFile, first?.line ?? 1, ErrorCode.ZONE_SEMANTIC, `no SOA record at the zone apex ${originText}`);
  } else {
    if (apexSoa.rdata.length > 1) at.report('error', apexSoa, secondRecord!.get(apexSoa)!, `multiple SOA records at ${originText} (the first at line `, ')');
    if (!apex.rrsets.some((s) => s.type === RRType.NS)) at.report('error', apexSoa, -1, `no NS records at the zone apex ${originText}`);
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
          if (set.type === RRType.SOA && !isApex) at.report('error', set, -1, `SOA record at ${nameToText(node.name)} is not at the zone apex`);
        }
      }
      if (cname) {
        if (isApex) at.report('error', cname, -1, `CNAME at the zone apex ${originText} (the apex must have SOA and NS)`);
        else if (hasOther) at.report('error', cname, -1, `CNAME and other data at ${nameToText(node.name)}`);
        if (cname.rdata.length > 1) at.report('error', cname, secondRecord!.get(cname)!, `multiple CNAME records at ${nameToText(node.name)} (the first at line `, ')');
        if (node.flags & NodeFlag.HAS_DNAME) at.report('error', cname, -1, `CNAME and DNAME at ${nameToText(node.name)} (RFC 6672 §2.4)`);
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
        at.report('warning', set, -1, `${nameToText(node.name)} ${typeToString(set.type)} is occluded by the ${isCut ? 'delegation' : 'DNAME'} at ${nameToText(by.name)} and will not be served`);
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
          at.report('warning', set, -1, isCname ? `${what}: target is a CNAME (RFC 2181 §10.3)` : `${what}: target has no address records (A or AAAA)`);
        }
      }
    }
  }

  at.resolve(nodes);
  if (diagnostics.some((d) => d.severity === 'error') || apex === undefined || apexSoa === undefined) {
    return { diagnostics };
  }

  // 6. The builders are the snapshot. Only RRsets that outgrew exact-size appends are trimmed.
  if (bigSets !== undefined) for (const set of bigSets.keys()) set.rdata = set.rdata.slice();
  bigSets = undefined;
  const frozen: Map<Name, ZoneNode> = nodes;
  let apexNode: ZoneNode = apex;
  let soa: RRset = apexSoa;
  let soaRdata = soa.rdata[0];
  const [, afterMname] = readName(soaRdata, 0);
  const [, afterRname] = readName(soaRdata, afterMname);
  const fileSerial = readU32(soaRdata, afterRname);
  const minimum = readU32(soaRdata, afterRname + 16);
  const serial = input.serial ? input.serial(fileSerial) >>> 0 : fileSerial;
  if (serial !== fileSerial) {
    // Serve a different serial than the file's: a new SOA RRset on a new apex node.
    soaRdata = soaRdata.slice(0, afterRname) + u32(serial) + soaRdata.slice(afterRname + 4);
    const newSoa: RRset = { ...soa, rdata: [soaRdata] };
    apexNode = { ...apexNode, rrsets: apexNode.rrsets.map((s) => (s === soa ? newSoa : s)) };
    frozen.set(originKey, apexNode);
    soa = newSoa;
  }
  const snapshot: ZoneSnapshot = {
    origin,
    originKey,
    class: zoneClass ?? 1,
    serial,
    soa,
    negativeTtl: Math.min(soa.ttl, minimum),
    apex: apexNode,
    nodes: frozen,
    recordCount,
    files: input.files ?? [...new Set(records.map((r) => r.file))],
    hasCutsOrDnames,
  };
  return { snapshot: Object.freeze(snapshot), diagnostics };
}
