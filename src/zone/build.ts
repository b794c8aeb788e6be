// Records -> validated, frozen ZoneSnapshot. The checks are the ones named-checkzone makes by
// default (one SOA at the apex, NS at the apex, CNAME and other data, out-of-zone data, address
// records for in-zone NS/MX targets), each reported with the file:line of the offending record.

import { readU16, readU32, u32 } from '../dns/bytes.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { RRType, typeToString } from '../dns/constants.js';
import {
  isSubdomain, nameKey, nameToText, parentName, readName, isWildcard, type Name,
} from '../dns/name.js';
import { ErrorCode } from '../errors.js';
import type { Diagnostic, ZoneRecord } from './record.js';
import { NodeFlag, getRRset, type RRset, type ZoneNode, type ZoneSnapshot } from './snapshot.js';

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

/** Mutable twin of ZoneNode used only while building. */
interface NodeBuilder {
  name: Name;
  rrsets: RRsetBuilder[];
  flags: number;
  /** First record of the node, for diagnostics about the node as a whole. */
  firstFile: string;
  firstLine: number;
}

interface RRsetBuilder {
  owner: Name;
  type: number;
  /** For RRSIG: the type covered. Each covered type's signatures are their own RRset (RFC 4034 §3). */
  covered: number;
  ttl: number;
  rdata: string[];
  /** Canonical RDATA already present (RFC 4034 §6.2), built when a second record arrives. */
  seen?: Set<string>;
  file: string;
  line: number;
  /** Line of the second record, where "multiple SOA/CNAME" errors point (as BIND does). */
  secondFile?: string;
  secondLine?: number;
  ttlWarned: boolean;
}

/** RFC 2181 §10.1 / RFC 4035 §2.5: CNAME may share its owner with DNSSEC records only. */
const CNAME_COMPANIONS = new Set<number>([RRType.CNAME, RRType.RRSIG, RRType.NSEC, RRType.KEY]);

export function buildSnapshot(input: BuildInput): BuildResult {
  const diagnostics: Diagnostic[] = [...(input.diagnostics ?? [])];
  const fallbackFile = input.file ?? input.records[0]?.file ?? '<zone>';
  const err = (file: string, line: number, code: Diagnostic['code'], message: string) =>
    diagnostics.push({ severity: 'error', code, file, line, message });
  const warn = (file: string, line: number, code: Diagnostic['code'], message: string) =>
    diagnostics.push({ severity: 'warning', code, file, line, message });

  const origin = input.origin;
  if (origin === undefined) {
    err(fallbackFile, 1, ErrorCode.ZONE_SEMANTIC, 'no origin: give $ORIGIN, an absolute SOA owner, or --origin');
    return { diagnostics };
  }
  const originKey = nameKey(origin);
  const originText = nameToText(origin);

  // 1. Group records into nodes and RRsets.
  const nodes = new Map<Name, NodeBuilder>();
  let zoneClass: number | undefined;
  for (const rec of input.records) {
    if (!isSubdomain(rec.owner, origin)) {
      err(rec.file, rec.line, ErrorCode.ZONE_SEMANTIC, `${nameToText(rec.owner)} ${typeToString(rec.type)}: out of zone data (not at or below ${originText})`);
      continue;
    }
    zoneClass ??= rec.class;
    const key = nameKey(rec.owner);
    let node = nodes.get(key);
    if (node === undefined) {
      node = { name: rec.owner, rrsets: [], flags: 0, firstFile: rec.file, firstLine: rec.line };
      nodes.set(key, node);
    }
    const covered = rec.type === RRType.RRSIG && rec.rdata.length >= 2 ? readU16(rec.rdata, 0) : 0;
    let set: RRsetBuilder | undefined;
    for (const s of node.rrsets) if (s.type === rec.type && s.covered === covered) { set = s; break; }
    if (set === undefined) {
      node.rrsets.push({ owner: node.name, type: rec.type, covered, ttl: rec.ttl, rdata: [rec.rdata], file: rec.file, line: rec.line, ttlWarned: false });
      continue;
    }
    // Duplicates collapse silently, as in BIND (RFC 2181 §5: an RRset is a set); records are
    // compared in canonical form, so names in RDATA that differ only in case are one record.
    const type = rec.type;
    set.seen ??= new Set(set.rdata.map((r) => canonicalRdata(type, r)));
    const canonical = canonicalRdata(type, rec.rdata);
    if (set.seen.has(canonical)) continue;
    set.seen.add(canonical);
    if (set.secondLine === undefined) {
      set.secondFile = rec.file;
      set.secondLine = rec.line;
    }
    if (rec.ttl !== set.ttl) {
      // RFC 2181 §5.2: TTLs in an RRset must match; like BIND we keep the set and use the lowest.
      if (!set.ttlWarned) {
        warn(rec.file, rec.line, ErrorCode.ZONE_SEMANTIC, `${nameToText(rec.owner)} ${typeToString(rec.type)}: TTL ${rec.ttl} differs from ${set.ttl} (line ${set.line}) in the same RRset; using the lowest`);
        set.ttlWarned = true;
      }
      set.ttl = Math.min(set.ttl, rec.ttl);
    }
    set.rdata.push(rec.rdata);
  }

  // 2. Apex: exactly one SOA, and NS.
  const apex = nodes.get(originKey);
  const apexSoa = apex?.rrsets.find((s) => s.type === RRType.SOA);
  if (apex === undefined || apexSoa === undefined) {
    err(apex?.firstFile ?? fallbackFile, apex?.firstLine ?? 1, ErrorCode.ZONE_SEMANTIC, `no SOA record at the zone apex ${originText}`);
  } else {
    if (apexSoa.rdata.length > 1) err(apexSoa.secondFile!, apexSoa.secondLine!, ErrorCode.ZONE_SEMANTIC, `multiple SOA records at ${originText} (the first at line ${apexSoa.line})`);
    if (!apex.rrsets.some((s) => s.type === RRType.NS)) err(apexSoa.file, apexSoa.line, ErrorCode.ZONE_SEMANTIC, `no NS records at the zone apex ${originText}`);
  }

  // 3. Per-node rules, flags, and empty non-terminals.
  let hasCutsOrDnames = false;
  const ents: NodeBuilder[] = [];
  for (const [key, node] of nodes) {
    const isApex = key === originKey;
    let hasOther = false;
    let cname: RRsetBuilder | undefined;
    for (const set of node.rrsets) {
      if (set.type === RRType.SOA && !isApex) err(set.file, set.line, ErrorCode.ZONE_SEMANTIC, `SOA record at ${nameToText(node.name)} is not at the zone apex`);
      if (set.type === RRType.CNAME) cname = set;
      else if (!CNAME_COMPANIONS.has(set.type)) hasOther = true;
      if (set.type === RRType.NS && !isApex) node.flags |= NodeFlag.DELEGATION;
      if (set.type === RRType.DNAME) node.flags |= NodeFlag.HAS_DNAME;
    }
    if (isApex) node.flags |= NodeFlag.APEX;
    if (cname) {
      node.flags |= NodeFlag.HAS_CNAME;
      if (isApex) err(cname.file, cname.line, ErrorCode.ZONE_SEMANTIC, `CNAME at the zone apex ${originText} (the apex must have SOA and NS)`);
      else if (hasOther) err(cname.file, cname.line, ErrorCode.ZONE_SEMANTIC, `CNAME and other data at ${nameToText(node.name)}`);
      if (cname.rdata.length > 1) err(cname.secondFile!, cname.secondLine!, ErrorCode.ZONE_SEMANTIC, `multiple CNAME records at ${nameToText(node.name)} (the first at line ${cname.line})`);
      if (node.flags & NodeFlag.HAS_DNAME) err(cname.file, cname.line, ErrorCode.ZONE_SEMANTIC, `CNAME and DNAME at ${nameToText(node.name)} (RFC 6672 §2.4)`);
    }
    if (node.flags & (NodeFlag.DELEGATION | NodeFlag.HAS_DNAME)) hasCutsOrDnames = true;

    // Every ancestor up to the apex exists, as an empty non-terminal if nothing else (RFC 8020).
    let parent = isApex ? undefined : parentName(node.name);
    while (parent !== undefined && parent.length >= origin.length) {
      const pkey = nameKey(parent);
      let p = nodes.get(pkey);
      if (p === undefined) {
        p = { name: parent, rrsets: [], flags: 0, firstFile: node.firstFile, firstLine: node.firstLine };
        nodes.set(pkey, p);
        ents.push(p);
      }
      if (pkey === originKey) break;
      parent = parentName(parent);
    }
  }
  // Wildcard parents (after ENTs exist).
  for (const node of nodes.values()) {
    if (!isWildcard(node.name)) continue;
    const p = nodes.get(nameKey(parentName(node.name)!));
    if (p) p.flags |= NodeFlag.WILDCARD_CHILD;
  }

  // 4. Occlusion: names below a zone cut or a DNAME are not authoritative (glue at most).
  if (hasCutsOrDnames) {
    for (const [key, node] of nodes) {
      if (key === originKey) continue;
      let parent = parentName(key);
      while (parent !== undefined && parent !== originKey && parent.length > originKey.length) {
        const p = nodes.get(parent);
        if (p && p.flags & (NodeFlag.DELEGATION | NodeFlag.HAS_DNAME)) {
          node.flags |= NodeFlag.OCCLUDED;
          const isCut = (p.flags & NodeFlag.DELEGATION) !== 0;
          for (const set of node.rrsets) {
            if (isCut && (set.type === RRType.A || set.type === RRType.AAAA)) continue; // glue
            warn(set.file, set.line, ErrorCode.ZONE_SEMANTIC, `${nameToText(node.name)} ${typeToString(set.type)} is occluded by the ${isCut ? 'delegation' : 'DNAME'} at ${nameToText(p.name)} and will not be served`);
          }
          break;
        }
        parent = parentName(parent);
      }
    }
  }

  // 5. In-zone NS / MX / SRV targets should have addresses and must not be CNAMEs (RFC 2181 §10.3).
  for (const node of nodes.values()) {
    if (node.flags & NodeFlag.OCCLUDED) continue;
    for (const set of node.rrsets) {
      const offset = set.type === RRType.NS ? 0 : set.type === RRType.MX ? 2 : set.type === RRType.SRV ? 6 : -1;
      if (offset < 0) continue;
      for (const rdata of set.rdata) {
        let target: Name;
        try { [target] = readName(rdata, offset); } catch { continue; }
        if (target === '\x00' || !isSubdomain(target, origin)) continue;
        const t = nodes.get(nameKey(target));
        const what = `${nameToText(node.name)} ${typeToString(set.type)} ${nameToText(target)}`;
        if (t && t.rrsets.some((s) => s.type === RRType.CNAME)) {
          warn(set.file, set.line, ErrorCode.ZONE_SEMANTIC, `${what}: target is a CNAME (RFC 2181 §10.3)`);
        } else if (!t || !t.rrsets.some((s) => s.type === RRType.A || s.type === RRType.AAAA)) {
          warn(set.file, set.line, ErrorCode.ZONE_SEMANTIC, `${what}: target has no address records (A or AAAA)`);
        }
      }
    }
  }

  if (diagnostics.some((d) => d.severity === 'error') || apex === undefined || apexSoa === undefined) {
    return { diagnostics };
  }

  // 6. Freeze into the read-only shape. Builders become nodes in place (no copy of 1M objects).
  let count = 0;
  const frozen = new Map<Name, ZoneNode>();
  for (const [key, node] of nodes) {
    const rrsets: RRset[] = node.rrsets.map((s) => ({ owner: s.owner, type: s.type, ttl: s.ttl, rdata: s.rdata }));
    count += rrsets.reduce((n, s) => n + s.rdata.length, 0);
    frozen.set(key, { name: node.name, rrsets, flags: node.flags });
  }
  let apexNode = frozen.get(originKey)!;
  let soa = getRRset(apexNode, RRType.SOA)!;
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
    recordCount: count,
    files: input.files ?? [...new Set(input.records.map((r) => r.file))],
    hasCutsOrDnames,
  };
  return { snapshot: Object.freeze(snapshot), diagnostics };
}
