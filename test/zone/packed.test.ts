// A snapshot packed into flat arrays and assembled again (src/zone/packed.ts: how a zone loaded in
// the load worker reaches the thread that answers) is the same zone: the same nodes in the same
// table order, with the same flags, RRsets, records and iteration order, found by the same
// lookups, in the same classes; and assembly can stop anywhere and go on.

import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nameKey } from '../../src/dns/name.js';
import { loadZoneFile, loadZoneText } from '../../src/zone/load.js';
import { NodeTable } from '../../src/zone/node-table.js';
import { packHead, packNodes, SnapshotAssembler, transferables } from '../../src/zone/packed.js';
import { printZone } from '../../src/zone/print.js';
import { PackedRRset, SnapshotNode, type ZoneNode, type ZoneSnapshot } from '../../src/zone/snapshot.js';
import { name } from '../support/zones.js';

const CONFORMANCE = fileURLToPath(new URL('../fixtures/conformance/', import.meta.url));

/** Packs `snap` (in segments of `segmentNodes`) and assembles it. */
function roundTrip(snap: ZoneSnapshot, segmentNodes?: number): ZoneSnapshot {
  // Structured clone, as postMessage does, so nothing of the original is shared by accident.
  const head = structuredClone(packHead(snap));
  const assembler = new SnapshotAssembler(head);
  for (const segment of packNodes(snap, segmentNodes)) {
    expect(transferables(segment)).toHaveLength(4);
    expect(assembler.complete).toBe(false);
    assembler.add(structuredClone(segment));
  }
  expect(assembler.complete).toBe(true);
  return assembler.finish();
}

/** Everything a reader can see of a node, as plain data. */
function nodeView(node: ZoneNode): unknown {
  const sets: unknown[] = [];
  for (let s = node.firstSet; s !== undefined; s = s.next) sets.push({ cls: s.constructor.name, type: s.type, ttl: s.ttl, rdata: s.rdata, single: typeof s.r === 'string' });
  return { cls: node.constructor.name, name: node.name, flags: node.flags, sets };
}

function expectSameZone(a: ZoneSnapshot, b: ZoneSnapshot): void {
  expect(printZone(b)).toBe(printZone(a));
  expect([...b.nodes.keys()]).toEqual([...a.nodes.keys()]);
  expect([...b.nodes.values()].map(nodeView)).toEqual([...a.nodes.values()].map(nodeView));
  // Every name found through the index that was moved, not rebuilt.
  for (const [key, node] of a.nodes) expect(nodeView(b.nodes.get(key)!)).toEqual(nodeView(node));
  const { nodes: _a, apex: apexA, soa: soaA, ...restA } = a;
  const { nodes: _b, apex: apexB, soa: soaB, ...restB } = b;
  expect(restB).toEqual(restA);
  expect(nodeView(apexB)).toEqual(nodeView(apexA));
  expect(b.apex).toBe(b.nodes.get(b.originKey));
  // The SOA is the apex's own RRset object, as the builder makes it.
  expect(b.apex.rrsets).toContain(soaB);
  expect({ type: soaB.type, ttl: soaB.ttl, rdata: soaB.rdata }).toEqual({ type: soaA.type, ttl: soaA.ttl, rdata: soaA.rdata });
  expect(b.nodes).toBeInstanceOf(NodeTable);
  expect(Object.isFrozen(b)).toBe(true);
}

describe('pack, then assemble', () => {
  const files = readdirSync(CONFORMANCE).filter((f) => f.endsWith('.zone'));
  test.each(files)('%s', (file) => {
    const snap = loadZoneFile(join(CONFORMANCE, file)).snapshot!;
    expect(snap).toBeDefined();
    expectSameZone(snap, roundTrip(snap));
  });

  test('a zone whose table has an order of its own (empty non-terminals made before their children are named)', () => {
    const text = '$ORIGIN o.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nc.b.a A 192.0.2.2\nb.a TXT "x"\nd.b.a AAAA ::1\n*.w CNAME ns\n';
    const snap = loadZoneText(text, { origin: name('o.test') }).snapshot!;
    expect((snap.nodes as NodeTable<ZoneNode>).parts().order).toBeDefined();
    expectSameZone(snap, roundTrip(snap));
  });

  test('many small segments give the same zone, whichever node is asked for first', () => {
    const lines = ['$ORIGIN s.test.', '$TTL 60', '@ SOA ns h 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1'];
    for (let i = 0; i < 3000; i++) lines.push(`h${i} A 10.0.${i >> 8}.${i & 255}`, `h${i} TXT "t${i}"`, ...(i % 7 === 0 ? [`h${i} A 10.9.${i >> 8}.${i & 255}`] : []));
    const snap = loadZoneText(lines.join('\n') + '\n', { origin: name('s.test') }).snapshot!;
    const copy = roundTrip(snap, 500);
    // Nodes are made when first asked for, and kept: a node of the last segment, one of the
    // middle, then all of them in table order (letting each segment go when all its nodes are made).
    const last = copy.nodes.get(nameKey(name('h2999.s.test')))!;
    const node = copy.nodes.get(nameKey(name('h21.s.test')))!;
    expect(copy.nodes.get(nameKey(name('H21.S.test')))).toBe(node);
    expectSameZone(snap, copy);
    expect(copy.nodes.get(nameKey(name('h2999.s.test')))).toBe(last);
    expect(last.firstSet!.rdata).toEqual(['\x0a\x00\x0b\xb7']);
    expect(node).toBeInstanceOf(SnapshotNode);
    expect(node.firstSet!.next).toBeInstanceOf(PackedRRset);
    expect(node.firstSet!.rdata).toHaveLength(2);
  });

  test('a served serial other than the file\'s travels in the SOA and the head', () => {
    const text = readFileSync(join(CONFORMANCE, 'mail.zone'), 'latin1');
    const snap = loadZoneText(text, { file: 'mail.zone', serial: (s) => s + 100 }).snapshot!;
    const copy = roundTrip(snap);
    expect(copy.serial).toBe(snap.serial);
    expect(copy.soa.rdata).toEqual(snap.soa.rdata);
  });

  test('segments out of order are refused', () => {
    const snap = loadZoneFile(join(CONFORMANCE, 'kitchen-sink.zone')).snapshot!;
    const [first, second] = [...packNodes(snap, 4)];
    const assembler = new SnapshotAssembler(packHead(snap));
    expect(() => assembler.add(second)).toThrow(/segment at node 4 where node 0 is next/);
    expect(first.first).toBe(0);
    expect(() => assembler.finish()).toThrow(/0 of \d+ nodes came/);
  });
});
