// The snapshot's node representation (src/zone/snapshot.ts): a node is its own first RRset and
// the others hang off it through `next`, an empty non-terminal holds none, and readers walk the
// chain through `firstSet` (or take `rrsets`, a new array). What the loader makes is checked here
// through every reader that walks it: getRRset, resolve, print, the journal's diff, the copy
// a secondary writes.

import { describe, expect, test } from '@jest/globals';
import { readU32 } from '../../src/dns/bytes.js';
import { RRType } from '../../src/dns/constants.js';
import { nameKey, readName } from '../../src/dns/name.js';
import { resolve, type Resolution, type ZoneFinder } from '../../src/query/resolve.js';
import { diffSnapshots } from '../../src/xfr/journal.js';
import { zoneFileChunks } from '../../src/xfr/zone-writer.js';
import { loadZoneText } from '../../src/zone/load.js';
import { printZone } from '../../src/zone/print.js';
import {
  getRRset, isEmptyNonTerminal, NO_TYPE, PackedRRset, SnapshotNode, type RRset, type ZoneNode, type ZoneSnapshot,
} from '../../src/zone/snapshot.js';
import { name, registryOf, rrLines, zoneFromText } from '../support/zones.js';

const HEAD = `$TTL 300
@ SOA ns1 hostmaster 2026010101 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.1
`;

const nodeOf = (z: ZoneSnapshot, text: string): ZoneNode => {
  const node = z.nodes.get(nameKey(name(text)));
  if (node === undefined) throw new Error(`no node ${text}`);
  return node;
};

/** The chain from firstSet, link by link. */
const chain = (node: ZoneNode): PackedRRset[] => {
  const out: PackedRRset[] = [];
  for (let s = node.firstSet; s !== undefined; s = s.next) out.push(s);
  return out;
};

const finder = (z: ZoneSnapshot): ZoneFinder => {
  const registry = registryOf(z);
  return (qkey) => registry.find(qkey)?.snapshot;
};

const answerOf = (r: Resolution): readonly RRset[] | undefined => ('answer' in r ? r.answer : undefined);

const serialOf = (soa: RRset): number => {
  const rdata = soa.rdata[0];
  const [, afterMname] = readName(rdata, 0);
  const [, afterRname] = readName(rdata, afterMname);
  return readU32(rdata, afterRname);
};

describe('snapshot nodes', () => {
  test('a node with one RRset is that RRset: no array, no second object', () => {
    const z = zoneFromText('example.test', HEAD + 'www A 192.0.2.10\n');
    const www = nodeOf(z, 'www.example.test');
    expect(www).toBeInstanceOf(SnapshotNode);
    expect(www.firstSet).toBe(www);
    expect(www.firstSet!.next).toBeUndefined();
    expect(getRRset(www, RRType.A)).toBe(www);
    expect(getRRset(www, RRType.AAAA)).toBeUndefined();
    expect(isEmptyNonTerminal(www)).toBe(false);
    expect(www.rrsets).toEqual([www]);
    expect(www.rrsets).not.toBe(www.rrsets); // a new array each time: nothing to keep in sync
    expect(Object.values(www).some((v) => Array.isArray(v))).toBe(false);
    const set = www.firstSet!;
    expect([set.owner, set.type, set.ttl, set.rdata]).toEqual([www.name, RRType.A, 300, ['\xc0\x00\x02\x0a']]);
    // Answers hand the node out as the RRset.
    const r = resolve(finder(z), name('WWW.example.test'), RRType.A);
    expect(r.kind).toBe('answer');
    expect(answerOf(r)).toEqual([www]);
  });

  test('a node with several RRsets: a chain in file order, RRsets split across the file joined', () => {
    const z = zoneFromText('example.test', HEAD + `multi A 192.0.2.10
multi AAAA 2001:db8::1
other A 192.0.2.11
multi TXT "t"
multi A 192.0.2.12
multi RRSIG A 8 3 300 20300101000000 20200101000000 1 example.test. AAAA
multi RRSIG TXT 8 3 300 20300101000000 20200101000000 1 example.test. AAAA
multi RRSIG A 8 3 300 20300101000000 20200101000000 2 example.test. BBBB
`);
    const multi = nodeOf(z, 'multi.example.test');
    const sets = chain(multi);
    expect(sets[0]).toBe(multi);
    expect(sets.map((s) => [s.type, s.size])).toEqual([[RRType.A, 2], [RRType.AAAA, 1], [RRType.TXT, 1], [RRType.RRSIG, 2], [RRType.RRSIG, 1]]);
    expect(multi.rrsets).toEqual(sets);
    for (const s of sets) expect(s.owner).toBe(multi.name);
    expect(sets.slice(1).every((s) => !(s instanceof SnapshotNode))).toBe(true);
    expect(getRRset(multi, RRType.TXT)).toBe(sets[2]);
    expect(rrLines([getRRset(multi, RRType.A)!])).toEqual(['multi.example.test. 300 A 192.0.2.10', 'multi.example.test. 300 A 192.0.2.12']);
    const find = finder(z);
    const any = resolve(find, name('multi.example.test'), RRType.ANY);
    expect(answerOf(any)).toEqual([multi]); // RFC 8482: the lowest type
    // Like Knot: the RRSIGs covering the lowest type, one RRset as for ANY.
    const sigs = resolve(find, name('multi.example.test'), RRType.RRSIG);
    expect(answerOf(sigs)).toEqual([sets[3]]);
  });

  test('an empty non-terminal holds no RRset, whatever type is asked for', () => {
    const z = zoneFromText('example.test', HEAD + 'x.ent A 192.0.2.10\n');
    const ent = nodeOf(z, 'ent.example.test');
    expect(ent.firstSet).toBeUndefined();
    expect(ent.rrsets).toEqual([]);
    expect(isEmptyNonTerminal(ent)).toBe(true);
    for (const type of [NO_TYPE, 0, RRType.A, RRType.ANY]) expect(getRRset(ent, type)).toBeUndefined();
    const find = finder(z);
    for (const type of [RRType.A, RRType.ANY, RRType.RRSIG, 0]) {
      const r = resolve(find, name('ent.example.test'), type);
      expect([r.kind, answerOf(r)]).toEqual(['nodata', []]);
    }
    expect(printZone(z)).not.toContain('\nent.example.test.');
  });

  test('a name first met as an empty non-terminal and named later becomes its first RRset', () => {
    const z = zoneFromText('example.test', HEAD + 'x.Later A 192.0.2.10\nlater TXT "t"\nLATER MX 10 ns1\n');
    const later = nodeOf(z, 'later.example.test');
    expect(later.name).toBe(name('later.example.test'));
    expect(chain(later).map((s) => s.type)).toEqual([RRType.TXT, RRType.MX]);
    expect(later.firstSet).toBe(later);
    // Every RRset carries the node's name, as written by its first record.
    expect(chain(later).every((s) => s.owner === later.name)).toBe(true);
  });

  test.each([
    ['SOA first at the apex', HEAD, [RRType.SOA, RRType.NS]],
    ['NS before the SOA', '$TTL 300\n@ NS ns1\n@ SOA ns1 hostmaster 2026010101 3600 600 86400 60\nns1 A 192.0.2.1\n', [RRType.NS, RRType.SOA]],
  ])('serial override, %s: the served SOA is in the apex chain, nothing else changes', (_, text, types) => {
    const plain = loadZoneText(text, { origin: name('example.test') }).snapshot!;
    const bumped = loadZoneText(text, { origin: name('example.test'), serial: (s) => s + 9 }).snapshot!;
    expect(bumped.serial).toBe(2026010110);
    expect(serialOf(bumped.soa)).toBe(2026010110);
    expect(bumped.soa).toBe(getRRset(bumped.apex, RRType.SOA));
    expect(bumped.apex).toBe(bumped.nodes.get(bumped.originKey));
    expect(chain(bumped.apex).map((s) => s.type)).toEqual(types);
    if (types[0] === RRType.SOA) expect(bumped.apex.firstSet).toBe(bumped.soa);
    // Apart from the serial, the same zone.
    expect(printZone(bumped).replace('2026010110', '2026010101')).toBe(printZone(plain));
    expect(zoneFileChunks(bumped).next().value).toContain('2026010110');
    // The journal sees no difference but the SOA, which is not part of one.
    expect(diffSnapshots(plain, bumped)).toEqual({ deleted: [], added: [] });
  });

  test('the journal diff walks the chains: a change anywhere in a node, at either end', () => {
    const before = zoneFromText('example.test', HEAD + 'a A 192.0.2.1\na TXT "x"\nb A 192.0.2.2\nc MX 10 ns1\nc TXT "c"\n');
    const after = zoneFromText('example.test', HEAD + 'a A 192.0.2.1\na TXT "y"\nb A 192.0.2.2\nb AAAA 2001:db8::2\nc TXT "c"\n');
    const d = diffSnapshots(before, after);
    expect(rrLines(d.deleted).sort()).toEqual(['a.example.test. 300 TXT "x"', 'c.example.test. 300 MX 10 ns1.example.test.']);
    expect(rrLines(d.added).sort()).toEqual(['a.example.test. 300 TXT "y"', 'b.example.test. 300 AAAA 2001:db8::2']);
  });

  test('node order: creation order kept without an order of its own, and with empty non-terminals', () => {
    const flat = zoneFromText('example.test', HEAD + 'b A 192.0.2.2\na A 192.0.2.3\n');
    expect([...flat.nodes.keys()]).toEqual(['example.test', 'ns1.example.test', 'b.example.test', 'a.example.test'].map((t) => nameKey(name(t))));
    const deep = zoneFromText('example.test', HEAD + 'x.y A 192.0.2.2\ny TXT "named later"\nq.r A 192.0.2.3\n');
    expect([...deep.nodes.keys()]).toEqual(['example.test', 'ns1.example.test', 'x.y.example.test', 'y.example.test', 'q.r.example.test', 'r.example.test'].map((t) => nameKey(name(t))));
    expect([...deep.nodes.values()].map((n) => nameKey(n.name))).toEqual([...deep.nodes.keys()]);
  });

  test('the copy a secondary writes lists every chain, the SOA first', () => {
    const z = zoneFromText('example.test', '$TTL 300\n@ NS ns1\n@ SOA ns1 hostmaster 7 3600 600 86400 60\nns1 A 192.0.2.1\nm A 192.0.2.5\nm TXT "m"\nx.ent A 192.0.2.6\n');
    const text = [...zoneFileChunks(z)].join('');
    const records = text.split('\n').filter((l) => l !== '' && !l.startsWith(';') && !l.startsWith('$'));
    expect(records.map((l) => l.split('\t').slice(0, 4).join(' '))).toEqual([
      'example.test. 300 IN SOA', 'example.test. 300 IN NS', 'ns1.example.test. 300 IN A',
      'm.example.test. 300 IN A', 'm.example.test. 300 IN TXT', 'x.ent.example.test. 300 IN A',
    ]);
  });
});
