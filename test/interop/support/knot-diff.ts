// The differential test's machinery (knot-diff.test.ts on the bundled and fixture zones,
// knot-diff-dnssec.test.ts on zones signed at test time): the same queries to zonedns and to a
// real knotd serving the same zone files, compared section by section (support/compare.ts).
//
// The queries are generated from the zones with our own loader: every owner and empty
// non-terminal, names below wildcards, delegations and DNAMEs, seeded random nonexistent names,
// 0x20 mixed-case names, the apex's parent and an unrelated name; the given types plus every type
// in the zones; each in the given transport/EDNS variants. Any difference not named in the
// leniency table is a hard mismatch; soft ones are counted and printed.

import { expect } from '@jest/globals';
import { loadZoneFile } from '../../../src/zone/load.js';
import { formatDiagnostic } from '../../../src/zone/record.js';
import { NodeFlag, type ZoneSnapshot } from '../../../src/zone/snapshot.js';
import { seededRandom as rng } from '../../support/rng.js';
import { compareOutcomes, outcomeOf, summary, type Difference, type Outcome } from './compare.js';
import {
  ask, encodeQuery, FLAG, fromLabels, labelsOf, lowerName, mapLimit, nameText, parentOf, prepend, rcodeName, T,
  typeName, type Endpoint, type OptSpec, type WireName,
} from './wire.js';

/**
 * Soft differences: categories (from support/compare.ts) that are implementation-defined or a
 * known, accepted gap. Each is counted and printed, never failed. Everything else is hard.
 */
export const LENIENCY: Record<string, string> = {
  'owner-case': 'owner case in authority and additional, and of answer RRs not owned by the QNAME (chain targets), follows each server\'s compression; names compare case-insensitively (RFC 4343). Answer RRs owned by the QNAME stay hard (qname-case)',
  'both-truncated': 'both set TC=1: what a truncated UDP reply still carries is the server\'s choice (RFC 2181 §9); the TCP variant compares the full answer. (With DO=1, Knot may keep an RRset whose RRSIGs did not fit; we never split them.)',
  any: 'qtype ANY: RFC 8482 lets a server answer with a subset of the RRsets; Knot answers one RRset over UDP',
  'cd-echo': 'RFC 4035 §3: a security-aware name server MUST copy CD from the query (we and BIND do); Knot and NSD clear it',
  'cross-zone-chase': 'a CNAME into another zone we also serve: RFC 1034 §4.3.2 step 3a restarts the lookup, NSD and zonedns follow it, Knot and BIND stop at the zone boundary',
  'wildcard-nsec-proof': 'qtype NSEC at a name a wildcard answers, in an NSEC zone: Knot 3.2 leaves out the NSEC proving no closer name exists (RFC 4035 §3.1.3.3), deduplicating it against the expanded NSEC in the answer, and unbound finds its answer bogus (SERVFAIL); ours carries the proof and validates (dnssec-validate.test.ts)',
  'additional-space': 'optional additional data left out close to the size limit (RFC 2181 §9): which RRs fill the last octets differs (Knot 501 B, NSD 485 B, BIND none for the same MX set; with DO=1 Knot may keep an address without its RRSIGs, we leave out both); referral glue is never in this category',
};

export interface DiffZone {
  file: string;
  origin: WireName;
  snap: ZoneSnapshot;
}

export function loadDiffZones(files: readonly string[]): DiffZone[] {
  return files.map((file) => {
    const r = loadZoneFile(file);
    if (!r.snapshot) throw new Error(`${file} did not load:\n${r.diagnostics.map(formatDiagnostic).join('\n')}`);
    return { file, origin: r.snapshot.origin as string, snap: r.snapshot };
  });
}

export type Variant = 'udp' | 'edns' | 'do' | 'edns512' | 'tcp' | 'edns4096' | 'do512' | 'do-tcp' | 'do4096';

/** How each variant is sent, and the largest reply the client can get (both servers cap UDP at 1232). */
export function variantOpts(v: Variant): { edns?: OptSpec; tcp: boolean; sizeLimit: number } {
  switch (v) {
    case 'udp': return { tcp: false, sizeLimit: 512 };
    case 'tcp': return { tcp: true, sizeLimit: 65535 };
    case 'edns': return { tcp: false, edns: { udpSize: 1232 }, sizeLimit: 1232 };
    case 'do': return { tcp: false, edns: { udpSize: 1232, do: true }, sizeLimit: 1232 };
    case 'edns512': return { tcp: false, edns: { udpSize: 512 }, sizeLimit: 512 };
    case 'edns4096': return { tcp: false, edns: { udpSize: 4096 }, sizeLimit: 1232 };
    case 'do512': return { tcp: false, edns: { udpSize: 512, do: true }, sizeLimit: 512 };
    case 'do-tcp': return { tcp: true, edns: { udpSize: 1232, do: true }, sizeLimit: 65535 };
    case 'do4096': return { tcp: false, edns: { udpSize: 4096, do: true }, sizeLimit: 1232 };
  }
}

export interface DiffCase {
  label: string;
  name: WireName;
  qtype: number;
  variant: Variant;
}

export interface CaseOptions {
  seed: number;
  /** Asked at every name, besides every type in the zones. */
  types: readonly number[];
  /** Each question in each of these. */
  variants: readonly Variant[];
  /** Mixed-case names (types at the name plus A) go in these. */
  caseVariants: readonly Variant[];
  /** Every type present at each name goes in these too (a large buffer: whole answers; a small one: truncation). */
  fullVariants: readonly Variant[];
}

export function buildCases(zones: readonly DiffZone[], o: CaseOptions): DiffCase[] {
  const rand = rng(o.seed);
  const label = (n: number) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rand() * 36)]).join('');
  const types = [...o.types];
  const typesAt = new Map<WireName, Set<number>>(); // lower-cased name -> types present
  const names: WireName[] = [];
  for (const z of zones) {
    for (const node of z.snap.nodes.values()) {
      for (const s of node.rrsets) if (!types.includes(s.type)) types.push(s.type);
      typesAt.set(lowerName(node.name), new Set(node.rrsets.map((s) => s.type)));
    }
    const leaves: WireName[] = [];
    for (const node of z.snap.nodes.values()) {
      const n = node.name as string;
      names.push(n);
      const parent = parentOf(n)!;
      const first = labelsOf(n)[0];
      if (first === '*') {
        names.push(prepend(label(8), parent), prepend('a', prepend('b', parent)));
      } else if (node.rrsets.length === 0 || node.flags & NodeFlag.NSEC3_ONLY) {
        names.push(prepend('nx-' + label(5), n)); // below an empty non-terminal, or a hashed owner
      }
      if (node.flags & (NodeFlag.DELEGATION | NodeFlag.HAS_DNAME)) names.push(prepend('host', n), prepend('a', prepend('b', n)));
      if (first !== '*' && node.rrsets.length > 0 && !(node.flags & (NodeFlag.DELEGATION | NodeFlag.OCCLUDED | NodeFlag.NSEC3_ONLY))) leaves.push(n);
    }
    for (let i = 0; i < 4; i++) names.push(prepend('nx-' + label(8), z.origin));
    for (let i = 0; i < Math.min(4, leaves.length); i++) names.push(prepend('below-' + label(4), leaves[Math.floor(rand() * leaves.length)]!));
    const apexParent = parentOf(z.origin);
    if (apexParent && apexParent !== '\x00') names.push(apexParent);
  }
  names.push(fromLabels(['nonexistent-' + label(4), 'invalid']));

  const seen = new Set<WireName>();
  const uniq = names.filter((n) => !seen.has(lowerName(n)) && seen.add(lowerName(n)));
  const cases: DiffCase[] = [];
  const add = (name: WireName, qtype: number, variant: Variant) =>
    cases.push({ label: `${nameText(name)} ${typeName(qtype)} [${variant}]`, name, qtype, variant });
  for (const n of uniq) for (const t of types) for (const v of o.variants) add(n, t, v);
  // 0x20: mixed-case names, for the types present at the name plus A.
  for (const n of uniq) {
    const mixed = fromLabels(labelsOf(n).map((l) => l.replace(/[a-z]/g, (c) => (rand() < 0.5 ? c.toUpperCase() : c))));
    if (mixed === n) continue;
    const ts = new Set([T.A, ...(typesAt.get(lowerName(n)) ?? [])]);
    for (const t of ts) for (const v of o.caseVariants) add(mixed, t, v);
  }
  for (const [n, ts] of typesAt) for (const t of ts) for (const v of o.fullVariants) add(n, t, v);
  return cases;
}

/** Counts of soft differences by category, shared by a suite's tests and printed at its end. */
export class SoftCounts {
  private readonly counts = new Map<string, number>();

  constructor(private readonly leniency: Record<string, string> = LENIENCY) {}

  /** The hard differences among `diffs`; the soft ones are counted. */
  hard(diffs: readonly Difference[]): Difference[] {
    const hard = diffs.filter((d) => !(d.category in this.leniency));
    for (const d of diffs) if (d.category in this.leniency) this.counts.set(d.category, (this.counts.get(d.category) ?? 0) + 1);
    return hard;
  }

  report(title: string): string {
    const lines = Object.keys(this.leniency).map((c) => [c, this.counts.get(c) ?? 0] as const).sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `  ${c}: ${n} (${this.leniency[c]})`);
    return `\n${title}: soft differences by category:\n${lines.join('\n') || '  none'}\n`;
  }
}

const IN_FLIGHT = 32;
/** ZONEDNS_KNOT_DIFF_VERBOSE=1 prints every soft difference too. */
const VERBOSE = process.env.ZONEDNS_KNOT_DIFF_VERBOSE === '1';

export interface DiffResult {
  c: DiffCase;
  knot: Outcome;
  ours: Outcome;
  diffs: Difference[];
  hard: Difference[];
}

/**
 * Sends every case to both servers, compares, prints a summary to stderr under `title`, and
 * expects no hard mismatch. Returns the results for further checks.
 */
export async function runDiff(title: string, cases: readonly DiffCase[], knotEp: Endpoint, oursEp: Endpoint, origins: readonly WireName[], soft: SoftCounts): Promise<DiffResult[]> {
  const started = Date.now();
  const results = await mapLimit(cases, IN_FLIGHT / 2, async (c, i) => {
    const { edns, tcp, sizeLimit } = variantOpts(c.variant);
    const msg = encodeQuery({ id: (i * 7919) & 0xffff, name: c.name, type: c.qtype, edns });
    const [k, o] = await Promise.all([ask(knotEp, msg, tcp), ask(oursEp, msg, tcp)]);
    const knot = outcomeOf(k);
    const ours = outcomeOf(o);
    const diffs = compareOutcomes(knot, ours, { qname: c.name, qtype: c.qtype, queryFlags: 0, sizeLimit, zones: origins });
    return { c, knot, ours, diffs, hard: soft.hard(diffs) };
  });
  if (VERBOSE) {
    for (const r of results) {
      const softOnes = r.diffs.filter((d) => r.hard.indexOf(d) < 0);
      if (softOnes.length) process.stderr.write(`soft ${r.c.label}\n${softOnes.map((d) => `    (${d.category}) ${d.detail}`).join('\n')}\n`);
    }
  }
  // What Knot answered, so a reader can see the query set covers each kind of reply.
  const kinds = new Map<string, number>();
  for (const r of results) {
    const p = r.knot.parsed;
    const kind = !p ? 'no reply' : `${rcodeName(p.rcode)}${p.flags & FLAG.AA ? '' : ' non-AA'}${p.flags & FLAG.TC ? ' TC' : ''}${p.answer.length ? '' : ' empty-answer'}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const failed = results.filter((r) => r.hard.length > 0);
  // Group the same difference on the same question across transports.
  const groups = new Map<string, typeof failed>();
  for (const r of failed) {
    const key = `${lowerName(r.c.name)}|${r.c.qtype}|${r.hard.map((d) => d.category + d.detail).join(';')}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const report = [...groups.values()].slice(0, 60).map((g) => {
    const r = g[0]!;
    return `MISMATCH ${nameText(r.c.name)} ${typeName(r.c.qtype)} [${g.map((x) => x.c.variant).join(',')}]\n` +
      `    knot: ${summary(r.knot)}\n    ours: ${summary(r.ours)}\n` + r.hard.map((d) => `    [${d.category}] ${d.detail}`).join('\n');
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`\n${title}: ${cases.length} cases (${cases.length * 2} queries) against knotd on ${knotEp.host}:${knotEp.port} ` +
    `in ${secs}s: ${cases.length - failed.length} identical or soft, ${failed.length} hard mismatches in ${groups.size} groups\n` +
    `${title}: Knot's replies: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}\n` +
    (report.length ? report.join('\n') + '\n' : ''));
  expect(report).toEqual([]);
  return results;
}
