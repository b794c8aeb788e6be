// buildSnapshot: the named-checkzone-style checks, table-driven from zone text literals. Each case
// lists the diagnostics the zone must produce (severity, line, a piece of the message; in order,
// and no others) and, for zones that load, facts about the snapshot's shape.

import { describe, expect, test } from '@jest/globals';
import { readU32 } from '../../src/dns/bytes.js';
import { RRType } from '../../src/dns/constants.js';
import { nameKey, readName, type Name } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { buildSnapshot } from '../../src/zone/build.js';
import { loadZoneText, type LoadOptions } from '../../src/zone/load.js';
import { parseZone } from '../../src/zone/parse.js';
import type { ZoneRecord } from '../../src/zone/record.js';
import { NodeFlag, getRRset, type ZoneNode, type ZoneSnapshot } from '../../src/zone/snapshot.js';
import { name } from '../support/zones.js';

const ORIGIN = 'example.test';
const FILE = 'example.test.zone';
const HEAD = `$TTL 300
@ SOA ns1 hostmaster 2026010101 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.1
`; // lines 1-4; case bodies start on line 5

/** [severity, line, piece of the message] */
type Expected = [severity: 'error' | 'warning', line: number, message: string];

interface Case {
  name: string;
  /** Whole zone text; `HEAD` + body when `body` is given. */
  zone?: string;
  body?: string;
  diagnostics?: Expected[];
  /** Checks on the snapshot; the case expects one exactly when it has no error. */
  shape?: (z: ZoneSnapshot) => void;
  opts?: LoadOptions;
}

const key = (text: string): Name => nameKey(name(text));
const node = (z: ZoneSnapshot, text: string): ZoneNode | undefined => z.nodes.get(key(text));
const rrs = (z: ZoneSnapshot, owner: string, type: number): string[] => {
  const n = node(z, owner);
  return n ? n.rrsets.filter((s) => s.type === type).flatMap((s) => s.rdata.map((r) => `${s.ttl} ${rdataToText(type, r)}`)) : [];
};
const flags = (z: ZoneSnapshot, text: string): number => node(z, text)!.flags;

const cases: Case[] = [
  // --- Accepted zones
  { name: 'minimal zone: apex node, flags, counts', body: '', diagnostics: [], shape: (z) => {
    expect(z.recordCount).toBe(3);
    expect(z.nodes.size).toBe(2);
    expect(z.apex).toBe(node(z, ORIGIN));
    expect(z.apex.flags).toBe(NodeFlag.APEX);
    expect(z.soa).toBe(getRRset(z.apex, RRType.SOA));
    expect(z.serial).toBe(2026010101);
    expect(z.negativeTtl).toBe(60);
    expect(z.class).toBe(1);
    expect(z.hasCutsOrDnames).toBe(false);
    expect(z.files).toEqual([]); // a zone from text has no files to watch
    expect(Object.isFrozen(z)).toBe(true);
  } },
  { name: 'RRset shape: owner, type, ttl, rdata in file order', body: 'www A 192.0.2.10\nwww A 192.0.2.9\nwww TXT "x"\n', diagnostics: [], shape: (z) => {
    const www = node(z, 'www.example.test')!;
    expect(www.rrsets.map((s) => s.type)).toEqual([RRType.A, RRType.TXT]);
    // The node is its first RRset; the others follow it through `next` (no array per node).
    expect(www.firstSet).toBe(www);
    expect(Object.keys(www).sort()).toEqual(['flags', 'next', 'owner', 'r', 'ttl', 'type']);
    // One record's RDATA is kept bare (no one-element array); `rdata` wraps it on demand.
    expect(Object.keys(www.rrsets[1]).sort()).toEqual(['next', 'owner', 'r', 'ttl', 'type']);
    expect(www.rrsets[1].rdata).toHaveLength(1);
    expect(www.rrsets[0].rdata).toBe(www.rrsets[0].rdata); // two records: one array, always the same
    expect(www.rrsets[0].owner).toBe(www.name);
    expect(rrs(z, 'www.example.test', RRType.A)).toEqual(['300 192.0.2.10', '300 192.0.2.9']);
  } },
  { name: 'an RRset split across the file is one RRset', body: 'a A 192.0.2.10\nb A 192.0.2.11\na A 192.0.2.12\n', diagnostics: [], shape: (z) => {
    expect(node(z, 'a.example.test')!.rrsets).toHaveLength(1);
    expect(rrs(z, 'a.example.test', RRType.A)).toEqual(['300 192.0.2.10', '300 192.0.2.12']);
    expect(z.recordCount).toBe(6);
  } },
  { name: 'owner names differing in case are one node named as first written', body: 'Www A 192.0.2.10\nwWW AAAA 2001:db8::1\nWWW A 192.0.2.11\n', diagnostics: [], shape: (z) => {
    const www = node(z, 'www.example.test')!;
    expect(www.name).toBe(name('Www.example.test'));
    expect(www.rrsets.map((s) => [s.type, s.rdata.length])).toEqual([[RRType.A, 2], [RRType.AAAA, 1]]);
    for (const s of www.rrsets) expect(s.owner).toBe(www.name);
  } },
  { name: 'duplicates collapse silently', body: 'www A 192.0.2.10\nwww A 192.0.2.10\nwww 300 IN A 192.0.2.10\n', diagnostics: [], shape: (z) => {
    expect(rrs(z, 'www.example.test', RRType.A)).toEqual(['300 192.0.2.10']);
    expect(z.recordCount).toBe(4);
  } },
  { name: 'duplicates compare names in RDATA case-insensitively (MX, SRV, NS, CNAME)', body: `@ MX 10 mail
@ MX 10 MAIL
@ MX 10 Mail.example.test.
@ MX 20 mail
_sip._tcp SRV 0 5 5060 sip
_sip._tcp SRV 0 5 5060 SIP.example.test.
_sip._tcp SRV 0 5 5061 sip
@ NS NS1
mail A 192.0.2.25
sip A 192.0.2.26
`, diagnostics: [], shape: (z) => {
    expect(rrs(z, ORIGIN, RRType.MX)).toEqual(['300 10 mail.example.test.', '300 20 mail.example.test.']);
    expect(rrs(z, '_sip._tcp.example.test', RRType.SRV)).toEqual(['300 0 5 5060 sip.example.test.', '300 0 5 5061 sip.example.test.']);
    expect(rrs(z, ORIGIN, RRType.NS)).toEqual(['300 ns1.example.test.']);
    expect(z.recordCount).toBe(9);
  } },
  { name: 'TXT duplicates compare octets exactly (case matters)', body: 'a TXT "Hello"\na TXT "hello"\na TXT "Hello"\n', diagnostics: [], shape: (z) => {
    expect(rrs(z, 'a.example.test', RRType.TXT)).toEqual(['300 "Hello"', '300 "hello"']);
  } },
  { name: 'large RRset: duplicates found past the first 16 records, exact-size rdata', body: [
    ...Array.from({ length: 40 }, (_, i) => `big A 192.0.2.${i}`),
    ...Array.from({ length: 40 }, (_, i) => `big A 192.0.2.${i}`),
    'big A 192.0.2.200',
    ...Array.from({ length: 20 }, (_, i) => `mx MX ${i} Host${i}`),
    ...Array.from({ length: 20 }, (_, i) => `mx MX ${i} host${i}.EXAMPLE.test.`),
    ...Array.from({ length: 20 }, (_, i) => `host${i} A 192.0.2.${i}`),
  ].join('\n') + '\n', diagnostics: [], shape: (z) => {
    const a = rrs(z, 'big.example.test', RRType.A);
    expect(a).toHaveLength(41);
    expect(a[40]).toBe('300 192.0.2.200');
    expect(rrs(z, 'mx.example.test', RRType.MX)).toHaveLength(20);
    expect(z.recordCount).toBe(3 + 41 + 20 + 20);
  } },
  { name: 'TTL mismatch in an RRset: one warning at the second TTL, lowest TTL used', body: 'www A 192.0.2.10\nwww 60 A 192.0.2.11\nwww 30 A 192.0.2.12\nwww 600 A 192.0.2.13\n', diagnostics: [
    ['warning', 6, 'www.example.test. A: TTL 60 differs from 300 (line 5) in the same RRset; using the lowest'],
  ], shape: (z) => {
    expect(rrs(z, 'www.example.test', RRType.A)).toEqual(['30 192.0.2.10', '30 192.0.2.11', '30 192.0.2.12', '30 192.0.2.13']);
  } },
  { name: 'a duplicate with another TTL is dropped without a warning', body: 'www A 192.0.2.10\nwww 60 A 192.0.2.10\n', diagnostics: [], shape: (z) => {
    expect(rrs(z, 'www.example.test', RRType.A)).toEqual(['300 192.0.2.10']);
  } },
  { name: 'TTL mismatches are reported once per RRset, for each RRset', body: 'a A 192.0.2.10\nb TXT "x"\na 60 A 192.0.2.11\nb 70 TXT "y"\na 50 A 192.0.2.12\n', diagnostics: [
    ['warning', 7, 'a.example.test. A: TTL 60 differs from 300 (line 5)'],
    ['warning', 8, 'b.example.test. TXT: TTL 70 differs from 300 (line 6)'],
  ] },
  { name: 'RRSIG: one RRset per covered type', body: `www A 192.0.2.10
www RRSIG A 8 3 300 20300101000000 20200101000000 12345 example.test. AAAA
www RRSIG TXT 8 3 300 20300101000000 20200101000000 12345 example.test. AAAA
www RRSIG A 8 3 300 20300101000000 20200101000000 54321 example.test. BBBB
www RRSIG A 8 3 300 20300101000000 20200101000000 54321 EXAMPLE.test. BBBB
www TXT "t"
`, diagnostics: [], shape: (z) => {
    const sets = node(z, 'www.example.test')!.rrsets;
    expect(sets.map((s) => [s.type, s.rdata.length])).toEqual([[RRType.A, 1], [RRType.RRSIG, 2], [RRType.RRSIG, 1], [RRType.TXT, 1]]);
    expect(sets[1].rdata.map((r) => r.charCodeAt(1))).toEqual([RRType.A, RRType.A]);
    expect(sets[2].rdata[0].charCodeAt(1)).toBe(RRType.TXT);
    expect(z.recordCount).toBe(3 + 5);
  } },
  { name: 'empty non-terminals exist, named as first written, with no RRsets', body: 'x.y.Z A 192.0.2.1\nq.deep.a.b A 192.0.2.2\nb A 192.0.2.3\n', diagnostics: [], shape: (z) => {
    for (const ent of ['y.z.example.test', 'z.example.test', 'deep.a.b.example.test', 'a.b.example.test']) {
      const n = node(z, ent)!;
      expect(n).toBeDefined();
      expect(n.rrsets).toHaveLength(0);
      expect(n.flags).toBe(0);
    }
    expect(node(z, 'z.example.test')!.name).toBe(name('Z.example.test'));
    expect(node(z, 'b.example.test')!.rrsets).toHaveLength(1);
    expect(z.nodes.size).toBe(2 + 3 + 4 + 0);
    expect(z.recordCount).toBe(6);
    // Nodes in order of first record, each new empty non-terminal after the node that needed it.
    expect([...z.nodes.keys()]).toEqual(['example.test', 'ns1.example.test', 'x.y.z.example.test', 'q.deep.a.b.example.test', 'b.example.test', 'y.z.example.test', 'z.example.test', 'deep.a.b.example.test', 'a.b.example.test'].map(key));
  } },
  { name: 'a name first met as an empty non-terminal takes the case of its first record', body: 'x.Y.z A 192.0.2.1\ny.Z A 192.0.2.2\n', diagnostics: [], shape: (z) => {
    expect(node(z, 'y.z.example.test')!.name).toBe(name('y.Z.example.test'));
    for (const s of node(z, 'y.z.example.test')!.rrsets) expect(s.owner).toBe(name('y.Z.example.test'));
    expect(node(z, 'z.example.test')!.name).toBe(name('z.example.test'));
    // Named nodes in order of their first record, then the empty non-terminals.
    expect([...z.nodes.keys()]).toEqual(['example.test', 'ns1.example.test', 'x.y.z.example.test', 'y.z.example.test', 'z.example.test'].map(key));
  } },
  { name: 'the apex takes the case of its first record, even after names below it', zone: '$TTL 300\nwww.example.test. A 192.0.2.1\nEXAMPLE.Test. SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.2\n', diagnostics: [], shape: (z) => {
    expect(z.apex.name).toBe(name('EXAMPLE.Test'));
    expect(z.soa.owner).toBe(z.apex.name);
    expect([...z.nodes.keys()]).toEqual(['www.example.test', 'example.test', 'ns1.example.test'].map(key));
  } },
  { name: 'wildcards flag their parent (an empty non-terminal too)', body: '* A 192.0.2.1\n*.w.v TXT "w"\nx.*.e TXT "e"\n', diagnostics: [], shape: (z) => {
    expect(z.apex.flags).toBe(NodeFlag.APEX | NodeFlag.WILDCARD_CHILD);
    expect(flags(z, 'w.v.example.test')).toBe(NodeFlag.WILDCARD_CHILD);
    expect(flags(z, 'v.example.test')).toBe(0);
    expect(flags(z, '*.e.example.test')).toBe(0);
    expect(node(z, '*.e.example.test')!.rrsets).toHaveLength(0);
    expect(flags(z, 'e.example.test')).toBe(NodeFlag.WILDCARD_CHILD);
    expect(flags(z, '*.example.test')).toBe(0);
  } },
  { name: 'delegation: glue kept without a warning, flags', body: 'sub NS ns.sub\nsub NS ns.elsewhere.example.\nns.sub A 192.0.2.53\nns.sub AAAA 2001:db8::53\nsub DS 12345 8 2 ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n', diagnostics: [], shape: (z) => {
    expect(z.hasCutsOrDnames).toBe(true);
    expect(flags(z, 'sub.example.test')).toBe(NodeFlag.DELEGATION);
    expect(flags(z, 'ns.sub.example.test')).toBe(NodeFlag.OCCLUDED);
    expect(rrs(z, 'ns.sub.example.test', RRType.A)).toEqual(['300 192.0.2.53']);
    expect(rrs(z, 'ns.sub.example.test', RRType.AAAA)).toEqual(['300 2001:db8::53']);
  } },
  { name: 'CNAME with DNSSEC companions, flags', body: 'alias CNAME ns1\nalias RRSIG CNAME 8 3 300 20300101000000 20200101000000 1 example.test. AAAA\nalias NSEC ns1 CNAME RRSIG NSEC\n', diagnostics: [], shape: (z) => {
    expect(flags(z, 'alias.example.test')).toBe(NodeFlag.HAS_CNAME);
  } },
  { name: 'DNAME flags and hasCutsOrDnames', body: 'old DNAME new.example.net.\n', diagnostics: [], shape: (z) => {
    expect(flags(z, 'old.example.test')).toBe(NodeFlag.HAS_DNAME);
    expect(z.hasCutsOrDnames).toBe(true);
  } },
  { name: 'DNAME at the apex occludes nothing', zone: HEAD + '@ DNAME other.example.\nwww A 192.0.2.1\n', diagnostics: [], shape: (z) => {
    expect(z.apex.flags).toBe(NodeFlag.APEX | NodeFlag.HAS_DNAME);
    expect(flags(z, 'www.example.test')).toBe(0);
  } },
  { name: 'NS at the apex is not a delegation', body: '@ NS ns2.elsewhere.example.\n', diagnostics: [], shape: (z) => {
    expect(z.apex.flags).toBe(NodeFlag.APEX);
    expect(z.hasCutsOrDnames).toBe(false);
  } },
  { name: 'class comes from the first record', zone: '$TTL 300\n@ CH SOA ns1 hostmaster 1 3600 600 86400 60\n@ CH NS ns1\nns1 CH A 192.0.2.1\n', diagnostics: [], shape: (z) => {
    expect(z.class).toBe(3);
  } },
  { name: 'serial override: the SOA RRset carries the served serial', body: 'www A 192.0.2.1\n', opts: { serial: (s) => s + 5 }, diagnostics: [], shape: (z) => {
    expect(z.serial).toBe(2026010106);
    const soa = getRRset(z.apex, RRType.SOA)!;
    expect(z.soa).toBe(soa);
    expect(z.nodes.get(z.originKey)).toBe(z.apex);
    const [, afterMname] = readName(soa.rdata[0], 0);
    const [, afterRname] = readName(soa.rdata[0], afterMname);
    expect(readU32(soa.rdata[0], afterRname)).toBe(2026010106);
    expect(z.apex.rrsets.map((s) => s.type)).toEqual([RRType.SOA, RRType.NS]);
    expect(z.apex.flags).toBe(NodeFlag.APEX);
    expect(z.recordCount).toBe(4);
  } },
  { name: 'serial override to the same serial keeps the SOA', body: '', opts: { serial: (s) => s }, diagnostics: [], shape: (z) => {
    expect(z.serial).toBe(2026010101);
  } },

  // --- Apex: exactly one SOA, and NS
  { name: 'no SOA: at the first apex record', zone: '$TTL 300\nwww A 192.0.2.1\n@ NS ns1\nns1 A 192.0.2.1\n', diagnostics: [
    ['error', 3, 'no SOA record at the zone apex example.test.'],
  ] },
  { name: 'no SOA and nothing at the apex: line 1', zone: '$TTL 300\nwww A 192.0.2.1\n', diagnostics: [
    ['error', 1, 'no SOA record at the zone apex example.test.'],
  ] },
  { name: 'multiple SOA: at the second one', body: '@ SOA ns1 hostmaster 2 3600 600 86400 60\n@ SOA ns1 hostmaster 2026010101 3600 600 86400 60\n', diagnostics: [
    ['error', 5, 'multiple SOA records at example.test. (the first at line 2)'],
  ] },
  { name: 'SOA not at the apex', body: 'www SOA ns1 hostmaster 1 3600 600 86400 60\n', diagnostics: [
    ['error', 5, 'SOA record at www.example.test. is not at the zone apex'],
  ] },
  { name: 'no NS at the apex: a warning at the SOA, and the zone loads (as NSD and Knot)', zone: '$TTL 300\n\n@ SOA ns1 hostmaster 1 3600 600 86400 60\nns1 A 192.0.2.1\n', diagnostics: [
    ['warning', 3, 'no NS records at the zone apex example.test.'],
  ] },

  // --- A refused record leaves no warnings that only its absence causes
  { name: 'a refused A line: no "target has no address" for its name', body: '@ MX 10 mail\nmail A 999.1.1.1\n', diagnostics: [
    ['error', 6, 'bad IPv4 address "999.1.1.1"'],
  ] },
  { name: 'a refused A line elsewhere: other targets are still checked', body: '@ MX 10 none\nx A 999.1.1.1\n', diagnostics: [
    ['error', 6, 'bad IPv4 address'],
    ['warning', 5, 'example.test. MX none.example.test.: target has no address'],
  ] },
  { name: 'a refused AAAA with an inherited owner counts for that owner', body: '@ MX 10 mail\nmail TXT "x"\n AAAA 2001:db8::g\n', diagnostics: [
    ['error', 7, 'bad IPv6 address'],
  ] },
  { name: 'a broken owner: no target can be said to lack an address', body: '@ MX 10 mail\nma..il A 192.0.2.9\n', diagnostics: [
    ['error', 6, 'empty label'],
  ] },
  { name: 'a refused SOA line: no "no SOA" on top of it', zone: '$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 9999999999\n@ NS ns1\nns1 A 192.0.2.1\n', diagnostics: [
    ['error', 2, 'SOA minimum'],
  ] },
  { name: 'a refused apex NS line: no "no NS" on top of it', zone: '$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1..x\nns1 A 192.0.2.1\n', diagnostics: [
    ['error', 3, 'empty label'],
  ] },

  // --- CNAME
  { name: 'CNAME and other data', body: 'www A 192.0.2.1\nwww CNAME ns1\n', diagnostics: [
    ['error', 6, 'CNAME and other data at www.example.test.'],
  ] },
  { name: 'CNAME at the apex', body: '@ CNAME ns1\n', diagnostics: [
    ['error', 5, 'CNAME at the zone apex example.test. (the apex must have SOA and NS)'],
  ] },
  { name: 'multiple CNAME: at the second one', body: 'www CNAME ns1\nx A 192.0.2.2\nwww CNAME x\nwww CNAME NS1.example.test.\n', diagnostics: [
    ['error', 7, 'multiple CNAME records at www.example.test. (the first at line 5)'],
  ] },
  { name: 'CNAME and DNAME', body: 'www CNAME ns1\nwww DNAME example.net.\n', diagnostics: [
    ['error', 5, 'CNAME and other data at www.example.test.'],
    ['error', 5, 'CNAME and DNAME at www.example.test. (RFC 6672 §2.4)'],
  ] },

  // --- Out of zone
  { name: 'out of zone data, each record', body: 'www.example.net. A 192.0.2.1\n A 192.0.2.2\nexample.test.net. TXT "x"\n', diagnostics: [
    ['error', 5, 'www.example.net. A: out of zone data (not at or below example.test.)'],
    ['error', 6, 'www.example.net. A: out of zone data'],
    ['error', 7, 'example.test.net. TXT: out of zone data'],
  ] },

  // --- Occlusion
  { name: 'data below a delegation is occluded (warning), glue is not', body: 'sub NS ns.sub\nns.sub A 192.0.2.53\nns.sub TXT "t"\ndeep.ns.sub MX 10 ns.sub\n', diagnostics: [
    ['warning', 7, 'ns.sub.example.test. TXT is occluded by the delegation at sub.example.test. and will not be served'],
    ['warning', 8, 'deep.ns.sub.example.test. MX is occluded by the delegation at sub.example.test.'],
  ], shape: (z) => {
    expect(flags(z, 'deep.ns.sub.example.test')).toBe(NodeFlag.OCCLUDED);
    expect(rrs(z, 'ns.sub.example.test', RRType.TXT)).toEqual(['300 "t"']);
  } },
  { name: 'data below a DNAME is occluded, addresses too', body: 'old DNAME new.example.net.\nwww.old A 192.0.2.1\nx.y.old TXT "x"\n', diagnostics: [
    ['warning', 6, 'www.old.example.test. A is occluded by the DNAME at old.example.test. and will not be served'],
    ['warning', 7, 'x.y.old.example.test. TXT is occluded by the DNAME at old.example.test.'],
  ], shape: (z) => {
    expect(flags(z, 'y.old.example.test')).toBe(NodeFlag.OCCLUDED);
  } },
  { name: 'the closest cut occludes; a nested delegation is itself occluded', body: 'a NS ns1\nb.a DNAME example.net.\nb.a NS ns1\nc.b.a TXT "c"\nd.a TXT "d"\n', diagnostics: [
    ['warning', 6, 'b.a.example.test. DNAME is occluded by the delegation at a.example.test.'],
    ['warning', 7, 'b.a.example.test. NS is occluded by the delegation at a.example.test.'],
    ['warning', 8, 'c.b.a.example.test. TXT is occluded by the delegation at b.a.example.test.'],
    ['warning', 9, 'd.a.example.test. TXT is occluded by the delegation at a.example.test.'],
  ], shape: (z) => {
    expect(flags(z, 'b.a.example.test')).toBe(NodeFlag.DELEGATION | NodeFlag.HAS_DNAME | NodeFlag.OCCLUDED);
    expect(flags(z, 'c.b.a.example.test')).toBe(NodeFlag.OCCLUDED);
  } },
  { name: 'occlusion follows node order, whatever order the file has', body: 'x.y.sub TXT "x"\nsub NS ns1\ny.sub TXT "y"\n', diagnostics: [
    ['warning', 5, 'x.y.sub.example.test. TXT is occluded by the delegation at sub.example.test.'],
    ['warning', 7, 'y.sub.example.test. TXT is occluded by the delegation at sub.example.test.'],
  ] },
  { name: 'occluded warnings point at the first record of each RRset', body: 'sub NS ns1\nx.sub TXT "1"\nx.sub A 192.0.2.1\nx.sub TXT "2"\n', diagnostics: [
    ['warning', 6, 'x.sub.example.test. TXT is occluded'],
  ] },

  // --- NS / MX / SRV targets
  // In node order (first record of each owner), then RRset order: the apex NS set starts at line 3.
  { name: 'NS, MX and SRV targets without addresses', body: 'sub NS ns.sub\n@ NS noaddr\n@ MX 10 mail\n_x._tcp SRV 0 0 1 srv\nmail TXT "no address"\n@ MX 20 mail.elsewhere.example.\n@ MX 0 .\n', diagnostics: [
    ['warning', 3, 'example.test. NS noaddr.example.test.: target has no address records'],
    ['warning', 7, 'example.test. MX mail.example.test.: target has no address records'],
    ['warning', 5, 'sub.example.test. NS ns.sub.example.test.: target has no address records (A or AAAA)'],
    ['warning', 8, '_x._tcp.example.test. SRV srv.example.test.: target has no address records'],
  ] },
  { name: 'targets that are CNAMEs', body: '@ MX 10 mail\nmail CNAME ns1\nsub NS Mail.example.test.\n_x._tcp SRV 0 0 1 mail\n', diagnostics: [
    ['warning', 5, 'example.test. MX mail.example.test.: target is a CNAME (RFC 2181 §10.3)'],
    ['warning', 7, 'sub.example.test. NS Mail.example.test.: target is a CNAME'],
    ['warning', 8, '_x._tcp.example.test. SRV mail.example.test.: target is a CNAME'],
  ] },
  { name: 'target checks: one warning per target, at the first record of the set', body: '@ MX 10 a\n@ MX 20 b\n@ MX 30 ns1\n', diagnostics: [
    ['warning', 5, 'example.test. MX a.example.test.: target has no address'],
    ['warning', 5, 'example.test. MX b.example.test.: target has no address'],
  ] },
  { name: 'occluded NS / MX are not checked; AAAA-only targets are fine', body: 'sub NS ns.sub\nns.sub A 192.0.2.1\nx.sub MX 10 nothing\nv6 AAAA 2001:db8::1\n@ MX 5 v6\n', diagnostics: [
    ['warning', 7, 'x.sub.example.test. MX is occluded'],
  ] },

  // --- Order of diagnostics: node order, also when a node gets records again later
  { name: 'CNAME rules report in node order', body: 'a A 192.0.2.5\nb CNAME ns1\nb A 192.0.2.6\na CNAME ns1\n', diagnostics: [
    ['error', 8, 'CNAME and other data at a.example.test.'],
    ['error', 6, 'CNAME and other data at b.example.test.'],
  ] },
  { name: 'target findings report in node order', body: 'm1 A 192.0.2.8\nm2 MX 10 none2\nm1 MX 10 none1\nm1 NS ns1\nm1 NS none3\n', diagnostics: [
    ['warning', 7, 'm1.example.test. MX none1.example.test.: target has no address'],
    ['warning', 8, 'm1.example.test. NS none3.example.test.: target has no address'],
    ['warning', 6, 'm2.example.test. MX none2.example.test.: target has no address'],
  ] },
  { name: 'a SOA below the apex, with a CNAME', body: 'x CNAME ns1\nx SOA ns1 hostmaster 1 3600 600 86400 60\n', diagnostics: [
    ['error', 6, 'SOA record at x.example.test. is not at the zone apex'],
    ['error', 5, 'CNAME and other data at x.example.test.'],
  ] },

  // --- Order of diagnostics across passes
  { name: 'diagnostics come in pass order', body: 'z.example.net. A 192.0.2.9\nwww CNAME ns1\nwww A 192.0.2.1\nsub NS ns.sub\nt.sub TXT "t"\n@ MX 1 none\nwww 60 A 192.0.2.2\n', diagnostics: [
    ['error', 5, 'out of zone data'],
    ['warning', 11, 'TTL 60 differs from 300 (line 7)'],
    ['error', 6, 'CNAME and other data at www.example.test.'],
    ['warning', 9, 't.sub.example.test. TXT is occluded'],
    ['warning', 10, 'example.test. MX none.example.test.: target has no address'],
    ['warning', 8, 'sub.example.test. NS ns.sub.example.test.: target has no address'],
  ] },
];

function load(c: Case) {
  const text = c.zone ?? HEAD + (c.body ?? '');
  return loadZoneText(text, { origin: name(ORIGIN), file: FILE, ...c.opts });
}

describe('buildSnapshot checks', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const result = load(c);
    const got = result.diagnostics.map((d) => [d.severity, d.line, d.message, d.file] as const);
    const want = c.diagnostics ?? [];
    expect(got.map(([s, l]) => [s, l])).toEqual(want.map(([s, l]) => [s, l]));
    got.forEach(([, , message, file], i) => {
      expect(message).toContain(want[i][2]);
      expect(file).toBe(FILE);
    });
    if (want.some(([s]) => s === 'error')) {
      expect(result.snapshot).toBeUndefined();
    } else {
      expect(result.snapshot).toBeDefined();
      c.shape?.(result.snapshot!);
    }
  });
});

describe('buildSnapshot input', () => {
  const parsed = parseZone(HEAD + 'www A 192.0.2.1\n', { file: FILE, origin: name(ORIGIN) });

  test('no origin: an error at line 1 of the file', () => {
    const r = buildSnapshot({ origin: undefined, records: [], file: 'x.zone' });
    expect(r.snapshot).toBeUndefined();
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', file: 'x.zone', line: 1, message: expect.stringContaining('no origin') })]);
  });

  test('parser diagnostics come first; an error among them means no snapshot', () => {
    const d = { severity: 'error' as const, code: 'ZONE_SYNTAX' as const, file: FILE, line: 9, message: 'bad' };
    const r = buildSnapshot({ origin: name(ORIGIN), records: parsed.records, diagnostics: [d] });
    expect(r.snapshot).toBeUndefined();
    expect(r.diagnostics).toEqual([d]);
  });

  test('a parser warning keeps the snapshot', () => {
    const d = { severity: 'warning' as const, code: 'ZONE_SYNTAX' as const, file: FILE, line: 9, message: 'hmm' };
    const r = buildSnapshot({ origin: name(ORIGIN), records: parsed.records, diagnostics: [d] });
    expect(r.snapshot).toBeDefined();
    expect(r.diagnostics).toEqual([d]);
  });

  test('files: the given list, else every record file in order', () => {
    const recs: ZoneRecord[] = parsed.records.map((r, i) => ({ ...r, file: i === 2 ? 'inc.zone' : FILE }));
    expect(buildSnapshot({ origin: name(ORIGIN), records: recs }).snapshot!.files).toEqual([FILE, 'inc.zone']);
    expect(buildSnapshot({ origin: name(ORIGIN), records: recs, files: ['a', 'b'] }).snapshot!.files).toEqual(['a', 'b']);
  });

  test('diagnostics name the file of the record ($INCLUDE)', () => {
    const recs: ZoneRecord[] = parsed.records.map((r, i) => ({ ...r, file: i >= 3 ? 'inc.zone' : FILE }));
    recs.push({ ...recs[3], line: 7, ttl: 30, rdata: '\xc0\x00\x02\x02' });
    recs.push({ ...recs[3], owner: name('sub.example.test'), type: RRType.NS, rdata: name('nowhere.example.test'), line: 8 });
    const r = buildSnapshot({ origin: name(ORIGIN), records: recs });
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([
      'inc.zone:7: www.example.test. A: TTL 30 differs from 300 (line 5) in the same RRset; using the lowest',
      'inc.zone:8: sub.example.test. NS nowhere.example.test.: target has no address records (A or AAAA)',
    ]);
  });

  test('the records are not changed and the same input builds equal snapshots', () => {
    const before = JSON.stringify(parsed.records);
    const a = buildSnapshot({ origin: name(ORIGIN), records: parsed.records }).snapshot!;
    const b = buildSnapshot({ origin: name(ORIGIN), records: parsed.records }).snapshot!;
    expect(JSON.stringify(parsed.records)).toBe(before);
    expect([...a.nodes.entries()]).toEqual([...b.nodes.entries()]);
    expect(a.nodes.get(a.originKey)).not.toBe(b.nodes.get(b.originKey));
  });
});
