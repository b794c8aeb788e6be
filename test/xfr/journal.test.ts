// The journal: differences between two versions of a zone (table of zone-text pairs), the
// bounded chain of entries, and persistence (round trip, damage, another zone's file).

import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import {
  decodeJournal, diffSnapshots, encodeJournal, entryBetween, Journal, journalPath, type JournalEntry,
} from '../../src/xfr/journal.js';
import { rrLines, zoneFromText } from '../support/zones.js';

const HEAD = (serial: number) => `$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
const SIG = (covered: string, tag = 12345) => `RRSIG ${covered} 8 3 300 20300101000000 20200101000000 ${tag} example.test. ${'B'.repeat(86)}==`;

interface DiffCase {
  name: string;
  before: string;
  after: string;
  deleted: string[];
  added: string[];
}

const CASES: DiffCase[] = [
  { name: 'nothing but the serial', before: 'www A 192.0.2.10\n', after: 'www A 192.0.2.10\n', deleted: [], added: [] },
  {
    name: 'a record added to an RRset',
    before: 'www A 192.0.2.10\n', after: 'www A 192.0.2.10\nwww A 192.0.2.11\n',
    deleted: [], added: ['www.example.test. 300 A 192.0.2.11'],
  },
  {
    name: 'a record removed from an RRset',
    before: 'www A 192.0.2.10\nwww A 192.0.2.11\n', after: 'www A 192.0.2.11\n',
    deleted: ['www.example.test. 300 A 192.0.2.10'], added: [],
  },
  {
    name: 'a record replaced',
    before: 'mail MX 10 mx1\nmx1 A 192.0.2.25\n', after: 'mail MX 20 mx1\nmx1 A 192.0.2.25\n',
    deleted: ['mail.example.test. 300 MX 10 mx1.example.test.'], added: ['mail.example.test. 300 MX 20 mx1.example.test.'],
  },
  {
    name: 'a TTL change deletes and re-adds the whole RRset',
    before: 'www 300 A 192.0.2.10\nwww 300 A 192.0.2.11\n', after: 'www 600 A 192.0.2.10\nwww 600 A 192.0.2.11\n',
    deleted: ['www.example.test. 300 A 192.0.2.10', 'www.example.test. 300 A 192.0.2.11'],
    added: ['www.example.test. 600 A 192.0.2.10', 'www.example.test. 600 A 192.0.2.11'],
  },
  {
    name: 'a new node and a removed node (and its now empty parent)',
    before: 'a.b A 192.0.2.1\n', after: 'c A 192.0.2.3\n',
    deleted: ['a.b.example.test. 300 A 192.0.2.1'], added: ['c.example.test. 300 A 192.0.2.3'],
  },
  {
    name: 'a type added at an existing node',
    before: 'www A 192.0.2.10\n', after: 'www A 192.0.2.10\nwww TXT "hello"\n',
    deleted: [], added: ['www.example.test. 300 TXT "hello"'],
  },
  {
    name: 'a case-only change of a name inside RDATA is no change (RFC 4034 §6.2)',
    before: 'mail MX 10 MX1\nmx1 A 192.0.2.25\n', after: 'mail MX 10 mx1\nmx1 A 192.0.2.25\n',
    deleted: [], added: [],
  },
  {
    name: 'RRSIG sets are per covered type: only the changed one moves',
    before: `www A 192.0.2.10\nwww ${SIG('A')}\nwww TXT "t"\nwww ${SIG('TXT')}\n`,
    after: `www A 192.0.2.10\nwww ${SIG('A', 999)}\nwww TXT "t"\nwww ${SIG('TXT')}\n`,
    deleted: [`www.example.test. 300 ${SIG('A')}`], added: [`www.example.test. 300 ${SIG('A', 999)}`],
  },
  {
    name: 'glue and occluded data below a delegation are diffed like the rest',
    before: 'sub NS ns.sub\nns.sub A 192.0.2.53\n', after: 'sub NS ns.sub\nns.sub A 192.0.2.54\nx.sub TXT "occluded"\n',
    deleted: ['ns.sub.example.test. 300 A 192.0.2.53'], added: ['ns.sub.example.test. 300 A 192.0.2.54', 'x.sub.example.test. 300 TXT "occluded"'],
  },
  {
    name: 'apex records other than the SOA',
    before: '@ MX 10 ns1\n', after: '@ NS ns2\nns2 A 192.0.2.2\n',
    deleted: ['example.test. 300 MX 10 ns1.example.test.'], added: ['example.test. 300 NS ns2.example.test.', 'ns2.example.test. 300 A 192.0.2.2'],
  },
];

const allSets = (snap: ReturnType<typeof zoneFromText>) => [...snap.nodes.values()].flatMap((n) => n.rrsets);
const HEAD_LINES = new Set(rrLines(allSets(zoneFromText('example.test', HEAD(1)))));

/** Expected RRs written as text, printed the way rrLines prints them (through the loader). */
function expectedLines(lines: string[]): string[] {
  return lines.flatMap((l) => rrLines(allSets(zoneFromText('example.test', HEAD(1) + l + '\n'))).filter((x) => !HEAD_LINES.has(x))).sort();
}

describe('diffSnapshots', () => {
  it.each(CASES)('$name', ({ before, after, deleted, added }) => {
    const a = zoneFromText('example.test', HEAD(1) + before);
    const b = zoneFromText('example.test', HEAD(2) + after);
    const d = diffSnapshots(a, b);
    expect(rrLines(d.deleted).sort()).toEqual(expectedLines(deleted));
    expect(rrLines(d.added).sort()).toEqual(expectedLines(added));
    // And applying it to the old record set gives the new one.
    const apply = new Set(rrLines([...a.nodes.values()].flatMap((n) => n.rrsets)).filter((l) => !l.includes(' SOA ')));
    for (const l of rrLines(d.deleted)) expect(apply.delete(l)).toBe(true);
    for (const l of rrLines(d.added)) apply.add(l);
    const target = rrLines([...b.nodes.values()].flatMap((n) => n.rrsets)).filter((l) => !l.includes(' SOA '));
    expect([...apply].map((l) => l.toLowerCase()).sort()).toEqual(target.map((l) => l.toLowerCase()).sort());
  });

  it('entryBetween carries both SOAs and the serials', () => {
    const a = zoneFromText('example.test', HEAD(7) + 'www A 192.0.2.1\n');
    const b = zoneFromText('example.test', HEAD(8) + 'www A 192.0.2.2\n');
    const e = entryBetween(a, b);
    expect([e.from, e.to]).toEqual([7, 8]);
    expect(e.oldSoa).toBe(a.soa);
    expect(e.newSoa).toBe(b.soa);
    expect(e.size).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------------------ the chain

function versions(count: number, start = 1): { snaps: ReturnType<typeof zoneFromText>[]; entries: JournalEntry[] } {
  const snaps = Array.from({ length: count }, (_, i) => zoneFromText('example.test', HEAD(start + i) + `v${i} A 192.0.2.${i + 1}\nwww TXT "version ${i}"\n`));
  const entries = snaps.slice(1).map((s, i) => entryBetween(snaps[i]!, s));
  return { snaps, entries };
}

const ORIGIN = nameFromText('example.test.');

describe('Journal', () => {
  it('since(serial): the entries from that serial to the newest; undefined when not in the journal', () => {
    const j = new Journal(ORIGIN);
    const { entries } = versions(5);
    for (const e of entries) j.append(e);
    expect(j.since(1)!.map((e) => e.from)).toEqual([1, 2, 3, 4]);
    expect(j.since(3)!.map((e) => e.from)).toEqual([3, 4]);
    expect(j.since(5)).toBeUndefined(); // current: the caller answers with the SOA alone
    expect(j.since(0)).toBeUndefined();
    expect(j.lastSerial).toBe(5);
  });

  it('drops the oldest entries beyond maxEntries or maxBytes', () => {
    const { entries } = versions(6);
    const byCount = new Journal(ORIGIN, { maxEntries: 2, maxBytes: 1 << 20 });
    for (const e of entries) byCount.append(e);
    expect(byCount.entries.map((e) => e.from)).toEqual([4, 5]);
    const limit = entries[3]!.size + entries[4]!.size;
    const byBytes = new Journal(ORIGIN, { maxEntries: 100, maxBytes: limit });
    for (const e of entries) byBytes.append(e);
    expect(byBytes.entries.map((e) => e.from)).toEqual([4, 5]);
    expect(byBytes.bytes).toBeLessThanOrEqual(limit);
    const tiny = new Journal(ORIGIN, { maxEntries: 100, maxBytes: 10 });
    tiny.append(entries[0]!);
    expect(tiny.entries).toHaveLength(0); // one step larger than the bound: nothing kept
  });

  it('an entry that does not continue the chain empties it first', () => {
    const { entries } = versions(4);
    const j = new Journal(ORIGIN);
    j.append(entries[0]!);
    expect(j.append(entries[2]!)).toBe(1);
    expect(j.entries.map((e) => e.from)).toEqual([3]);
  });

  it('entries() is a snapshot: an IXFR in progress keeps the list it started with', () => {
    const { entries } = versions(4);
    const j = new Journal(ORIGIN);
    j.append(entries[0]!);
    const held = j.entries;
    j.append(entries[1]!);
    expect(held).toHaveLength(1);
    expect(j.entries).toHaveLength(2);
  });
});

describe('Journal persistence', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('round trip: what is appended is what a restart reads', () => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-journal-'));
    const file = journalPath(dir, ORIGIN);
    expect(file).toBe(join(dir, 'example.test.journal'));
    const { entries } = versions(4);
    const j = new Journal(ORIGIN, undefined, file);
    for (const e of entries) j.append(e);
    const again = Journal.open(ORIGIN, file);
    expect(plainRRsets(again.entries)).toEqual(plainRRsets(j.entries));
    expect(again.bytes).toBe(j.bytes);
    // Written with a temporary file renamed into place: nothing left behind.
    expect(readdirSync(dir)).toEqual(['example.test.journal']);
  });

  it('the codec round-trips RRSIG sets, binary RDATA and an empty journal', () => {
    const a = zoneFromText('example.test', HEAD(1) + `www A 192.0.2.1\nwww ${SIG('A')}\nbin TYPE65280 \\# 4 00ff7f80\n`);
    const b = zoneFromText('example.test', HEAD(2) + `www A 192.0.2.2\nwww ${SIG('A', 7)}\n`);
    const entries = [entryBetween(a, b)];
    expect(plainRRsets(decodeJournal(encodeJournal(ORIGIN, entries)))).toEqual(plainRRsets({ origin: ORIGIN, entries }));
    expect(decodeJournal(encodeJournal(ORIGIN, []))).toEqual({ origin: ORIGIN, entries: [] });
  });

  it('a damaged file, or one for another zone, is reported and read as empty', () => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-journal-'));
    const file = journalPath(dir, ORIGIN);
    const { entries } = versions(3);
    const j = new Journal(ORIGIN, undefined, file);
    for (const e of entries) j.append(e);
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 10] ^= 0xff;
    writeFileSync(file, bad);
    const problems: string[] = [];
    expect(Journal.open(ORIGIN, file, undefined, (p) => problems.push(p)).entries).toHaveLength(0);
    expect(problems.join()).toMatch(/damaged.*checksum/);
    writeFileSync(file, good.subarray(0, 20));
    expect(Journal.open(ORIGIN, file, undefined, (p) => problems.push(p)).entries).toHaveLength(0);
    writeFileSync(file, good);
    problems.length = 0;
    expect(Journal.open(nameFromText('other.test.'), file, undefined, (p) => problems.push(p)).entries).toHaveLength(0);
    expect(problems.join()).toMatch(/for example\.test\., not other\.test\./);
    expect(Journal.open(ORIGIN, join(dir, 'missing.journal'), undefined, (p) => problems.push(p)).entries).toHaveLength(0);
  });

  it('clear() empties the file too', () => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-journal-'));
    const file = journalPath(dir, ORIGIN);
    const j = new Journal(ORIGIN, undefined, file);
    j.append(versions(2).entries[0]!);
    j.clear();
    expect(existsSync(file)).toBe(true);
    expect(Journal.open(ORIGIN, file).entries).toHaveLength(0);
  });

  it('zone names become safe file names', () => {
    expect(journalPath('/s', nameFromText('.'))).toBe('/s/root.journal');
    expect(journalPath('/s', nameFromText('Ex\\/ample.TEST.'))).toBe('/s/ex%2fample.test.journal');
  });
});

/**
 * RRsets as plain {owner, type, ttl, rdata} objects, wherever they are in `value`: the loader's
 * RRsets (PackedRRset) keep a one-record RDATA outside an array, which toEqual would see.
 */
function plainRRsets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainRRsets);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if ('owner' in o && 'type' in o && 'ttl' in o && 'rdata' in o) return { owner: o.owner, type: o.type, ttl: o.ttl, rdata: [...(o.rdata as string[])] };
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plainRRsets(v)]));
}
