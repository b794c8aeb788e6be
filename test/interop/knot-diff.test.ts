// Differential test: the same queries to zonedns and to a real Knot DNS (knotd) serving the same
// zone files (the bundled zones and the tricky/edge fixtures) on loopback, compared section by
// section; the machinery (query generation, comparison, leniency table) is support/knot-diff.ts,
// shared with knot-diff-dnssec.test.ts. Variants: plain UDP, EDNS0 1232, EDNS0+DO, EDNS0 512,
// EDNS0 4096 and TCP. Then protocol probes (odd opcodes, counts, EDNS, classes).
//
// Compared: rcode (with extended rcode), opcode, every header flag, the ID, the question section
// octet for octet (case-sensitive), EDNS presence/version/DO/flags/payload/options, and each of
// answer, authority and additional as a SET of RRs (owner lower-cased, type, class, TTL, RDATA
// canonical as in RFC 4034 §6.2). Any difference not named in the leniency table (support/knot-diff.ts) is a hard mismatch.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { resolve } from 'node:path';
import { zoneFilesIn } from '../../src/zone/load.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { compareOutcomes, outcomeOf, summary } from './support/compare.js';
import { startKnot, type RunningKnot } from './support/knot.js';
import { buildCases, loadDiffZones, runDiff, SoftCounts, type DiffZone } from './support/knot-diff.js';
import {
  ask, FLAG, fromLabels, optRR, questionBytes, rawMessage, rcodeName, T, udpAsk, type Endpoint,
} from './support/wire.js';

/**
 * Probes where zonedns deliberately answers differently from Knot. For these our answer is
 * asserted exactly (and Knot's is only reported).
 */
const DELIBERATE: Record<string, string> = {
  'QDCOUNT=2': 'RFC 9619 §2: more than one question is FORMERR with nothing echoed; Knot drops it',
  'class ANY': 'issue text: only class IN is served, QCLASS ANY is REFUSED',
  'opcode UPDATE': 'no dynamic update support: NOTIMP (RFC 1035 §4.1.1) rather than Knot\'s per-zone ACL answer',
  'IXFR over UDP without SOA': 'malformed before policy: FORMERR before any ACL decision (RFC 1995 §3); Knot decides its ACL first: NOTAUTH to a client it serves no transfers, FORMERR to one it does (knotd 3.2.6, with and without an ACL; NSD: REFUSED without provide-xfr)',
  'IXFR over UDP with an SOA (no transfer ACL)': 'transfers are refused until allowed per zone: REFUSED as BIND answers; Knot says NOTAUTH',
  'AXFR over TCP (no transfer ACL)': 'transfers are refused until allowed per zone: REFUSED as BIND answers; Knot says NOTAUTH',
  'CH TXT version.bind': 'we do not disclose a version: CHAOS queries are REFUSED; Knot answers "Knot DNS <version>"',
};

// ------------------------------------------------------------------------------ zones and queries
const ROOT_DIR = resolve(new URL('../..', import.meta.url).pathname);
const ZONE_FILES = [
  ...zoneFilesIn(resolve(ROOT_DIR, 'zones')),
  resolve(ROOT_DIR, 'test/fixtures/zones/tricky.test.zone'),
  resolve(ROOT_DIR, 'test/fixtures/zones/edge.test.zone'),
];

const COMMON_TYPES = [T.A, T.AAAA, T.NS, T.SOA, T.MX, T.TXT, T.CNAME, T.SRV, T.PTR, T.DNAME, T.DS, T.CAA, T.ANY, 666];
const MAX_CASES = 20000;

// ------------------------------------------------------------------------------ probes
type ProbeKind =
  | { kind: 'compare'; depth: 'full' | 'header' }
  | { kind: 'drop' }
  | { kind: 'ours'; rcode: number; flags: number; question: boolean; opt?: { do: boolean; version: number } };

interface Probe {
  label: string;
  msg: Buffer;
  tcp?: boolean;
  expect: ProbeKind;
}

const PROBE_ZONE = fromLabels(['tricky', 'test']);
const soaQ = questionBytes(PROBE_ZONE, T.SOA);

function probes(): Probe[] {
  const full = { kind: 'compare', depth: 'full' } as const;
  const header = { kind: 'compare', depth: 'header' } as const;
  let id = 0x5000;
  const m = (p: Omit<Parameters<typeof rawMessage>[0], 'id'>) => rawMessage({ id: id++, ...p });
  const unknownOption = Buffer.from([0xfd, 0xe9, 0x00, 0x02, 0x78, 0x78]); // code 65001, "xx"
  return [
    { label: 'opcode 15 (unknown)', msg: m({ flags: 15 << 11, qd: [soaQ] }), expect: header },
    { label: 'opcode STATUS', msg: m({ flags: 2 << 11, qd: [soaQ] }), expect: header },
    { label: 'opcode IQUERY', msg: m({ flags: 1 << 11, qd: [soaQ] }), expect: header },
    { label: 'opcode UPDATE', msg: m({ flags: 5 << 11, qd: [soaQ] }), expect: { kind: 'ours', rcode: 4, flags: FLAG.QR, question: true } },
    { label: 'opcode NOTIFY (we are no secondary)', msg: m({ flags: (4 << 11) | FLAG.AA, qd: [soaQ] }), expect: header },
    { label: 'QDCOUNT=0', msg: m({ qd: [] }), expect: full },
    { label: 'QDCOUNT=0 with EDNS and DO', msg: m({ qd: [], ar: [optRR({ do: true })] }), expect: full },
    { label: 'QDCOUNT=2', msg: m({ qd: [soaQ, soaQ] }), expect: { kind: 'ours', rcode: 1, flags: FLAG.QR, question: false } },
    { label: 'EDNS version 1 (BADVERS)', msg: m({ qd: [soaQ], ar: [optRR({ version: 1 })] }), expect: full },
    { label: 'EDNS version 1 with DO', msg: m({ qd: [soaQ], ar: [optRR({ version: 1, do: true })] }), expect: full },
    { label: 'unknown EDNS option', msg: m({ qd: [soaQ], ar: [optRR({ options: unknownOption })] }), expect: full },
    { label: 'unknown EDNS flag', msg: m({ qd: [soaQ], ar: [optRR({ flags: 0x0080 })] }), expect: full },
    { label: 'EDNS payload 100 (<512)', msg: m({ qd: [soaQ], ar: [optRR({ udpSize: 100 })] }), expect: full },
    { label: 'two OPT RRs', msg: m({ qd: [soaQ], ar: [optRR(), optRR()] }), expect: full },
    { label: 'class CH for an IN zone', msg: m({ qd: [questionBytes(PROBE_ZONE, T.SOA, 3)] }), expect: full },
    { label: 'class ANY', msg: m({ qd: [questionBytes(PROBE_ZONE, T.SOA, 255)] }), expect: { kind: 'ours', rcode: 5, flags: FLAG.QR, question: true } },
    { label: 'AXFR over UDP', msg: m({ qd: [questionBytes(PROBE_ZONE, T.AXFR)] }), expect: full },
    { label: 'IXFR over UDP without SOA', msg: m({ qd: [questionBytes(PROBE_ZONE, T.IXFR)] }), expect: { kind: 'ours', rcode: 1, flags: FLAG.QR, question: true } },
    { label: 'IXFR over UDP with an SOA (no transfer ACL)', msg: m({ qd: [questionBytes(PROBE_ZONE, T.IXFR)], ns: [ixfrSoa()] }), expect: { kind: 'ours', rcode: 5, flags: FLAG.QR, question: true } },
    { label: 'AXFR over TCP (no transfer ACL)', msg: m({ qd: [questionBytes(PROBE_ZONE, T.AXFR)] }), tcp: true, expect: { kind: 'ours', rcode: 5, flags: FLAG.QR, question: true } },
    { label: 'RD=1', msg: m({ flags: FLAG.RD, qd: [soaQ] }), expect: full },
    { label: 'AD=1 CD=1', msg: m({ flags: FLAG.AD | FLAG.CD, qd: [soaQ] }), expect: full },
    { label: 'Z bit set', msg: m({ flags: FLAG.Z, qd: [soaQ] }), expect: full },
    { label: 'QR=1 (a response sent as a query)', msg: m({ flags: FLAG.QR, qd: [soaQ] }), expect: { kind: 'drop' } },
    { label: 'trailing byte after the question', msg: m({ qd: [soaQ], trailer: Buffer.from([0]) }), expect: full },
    { label: 'CH TXT version.bind', msg: m({ qd: [questionBytes(fromLabels(['version', 'bind']), T.TXT, 3)] }), expect: { kind: 'ours', rcode: 5, flags: FLAG.QR, question: true } },
  ];
}
const PROBES = probes();

/** The client's SOA in an IXFR query's authority section (RFC 1995 §3): serial 1, root names. */
function ixfrSoa(): Buffer {
  const rr = Buffer.alloc(PROBE_ZONE.length + 10 + 2 + 20);
  let p = rr.write(PROBE_ZONE, 0, 'latin1');
  p = rr.writeUInt16BE(T.SOA, p);
  p = rr.writeUInt16BE(1, p);
  p = rr.writeUInt32BE(3600, p);
  p = rr.writeUInt16BE(22, p);
  rr[p++] = 0; // MNAME .
  rr[p++] = 0; // RNAME .
  rr.writeUInt32BE(1, p); // serial 1; refresh, retry, expire, minimum 0
  return rr;
}

// ------------------------------------------------------------------------------ the suite
describeWithPeers('differential test against Knot', ['knotd'], () => {
  let zones: DiffZone[];
  let ours: TestServer;
  let knot: RunningKnot;
  let oursEp: Endpoint;
  let knotEp: Endpoint;
  const soft = new SoftCounts();
  const deliberateSeen: string[] = [];

  beforeAll(async () => {
    zones = loadDiffZones(ZONE_FILES);
    ours = await startTestServer(zones.map((z) => z.snap));
    oursEp = { host: ours.host, port: ours.port };
    knot = await startKnot({ zones: zones.map((z) => ({ origin: z.origin, file: z.file })), knotd: findProgram('knotd') });
    knotEp = { host: knot.host, port: knot.port };
  }, 30000);

  afterAll(async () => {
    await Promise.all([ours?.close(), knot?.stop()]);
    process.stderr.write(soft.report('knot-diff') +
      (deliberateSeen.length ? `knot-diff: deliberate probe differences:\n${deliberateSeen.map((s) => '  ' + s).join('\n')}\n` : ''));
  }, 15000);

  test('generated queries: zonedns answers as Knot does', async () => {
    const cases = buildCases(zones, {
      seed: 20261124, types: COMMON_TYPES, variants: ['udp', 'edns', 'do', 'edns512', 'tcp'], caseVariants: ['udp', 'tcp'], fullVariants: ['edns4096'],
    });
    expect(cases.length).toBeLessThanOrEqual(MAX_CASES);
    await runDiff('knot-diff', cases, knotEp, oursEp, zones.map((z) => z.origin), soft);
  }, 120000);

  test('every deliberate difference names a probe', () => {
    expect(Object.keys(DELIBERATE).filter((label) => !PROBES.some((p) => p.label === label && p.expect.kind === 'ours'))).toEqual([]);
  });

  test.each(PROBES.map((p) => [p.label, p] as const))('probe: %s', async (label, p) => {
    const wait = 400;
    if (p.expect.kind === 'drop') {
      const [k, o] = await Promise.all([udpAsk(knotEp, p.msg, wait), udpAsk(oursEp, p.msg, wait)]);
      expect({ knot: k ? summary(outcomeOf(k)) : 'no reply', ours: o ? summary(outcomeOf(o)) : 'no reply' })
        .toEqual({ knot: 'no reply', ours: 'no reply' });
      return;
    }
    const tcp = p.tcp ?? false;
    // One try each: a probe Knot drops on purpose (QDCOUNT=2) must not cost retries.
    const [k, o] = await Promise.all([ask(knotEp, p.msg, tcp, 1000, 1), ask(oursEp, p.msg, tcp, 1000, 1)]);
    const ko = outcomeOf(k);
    const oo = outcomeOf(o);
    const e = p.expect;
    if (e.kind === 'ours') {
      expect(DELIBERATE[label]).toBeDefined();
      deliberateSeen.push(`${label}: knot ${summary(ko)} / ours ${summary(oo)} (${DELIBERATE[label]})`);
      expect(oo.parsed).toBeDefined();
      const r = oo.parsed!;
      const sent = p.msg;
      expect({
        id: r.id, rcode: rcodeName(r.rcode), opcode: r.opcode, flags: r.flags,
        question: r.question.toString('hex'), counts: [r.answer.length, r.authority.length, r.additional.length],
        opt: r.opt ? { do: (r.opt.flags & 0x8000) !== 0, version: r.opt.version, options: r.opt.options.length } : undefined,
      }).toEqual({
        id: sent.readUInt16BE(0), rcode: rcodeName(e.rcode), opcode: (sent.readUInt16BE(2) >>> 11) & 0xf, flags: e.flags | (e.rcode & 0xf) | (sent.readUInt16BE(2) & 0x7800),
        question: e.question ? questionHex(sent) : '', counts: [0, 0, 0],
        opt: e.opt ? { ...e.opt, options: 0 } : undefined,
      });
      return;
    }
    const diffs = compareOutcomes(ko, oo, { depth: e.depth, queryFlags: p.msg.readUInt16BE(2), sizeLimit: tcp ? 65535 : 512, zones: zones.map((z) => z.origin) });
    const hard = soft.hard(diffs);
    expect({ probe: label, knot: summary(ko), ours: summary(oo), hard: hard.map((d) => `[${d.category}] ${d.detail}`) })
      .toEqual({ probe: label, knot: summary(ko), ours: summary(oo), hard: [] });
  });
});

/** Hex of the question section of a one-question message we built (after the 12-octet header). */
function questionHex(msg: Buffer): string {
  let p = 12;
  while (msg[p] !== 0) p += msg[p]! + 1;
  return msg.subarray(12, p + 5).toString('hex');
}

