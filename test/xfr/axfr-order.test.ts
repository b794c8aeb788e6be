// AXFR sends nodes in DNSSEC canonical order (src/zone/canonical-nodes.ts), as Knot, NSD and BIND
// do: secondaries load sorted input faster.

import { describe, expect, test } from '@jest/globals';
import { nameToText } from '../../src/dns/name.js';
import { axfrMessages, axfrRecords } from '../../src/xfr/axfr.js';
import { canonicalIndexOrder, canonicalNodes, setCanonicalOrder, walkCanonical } from '../../src/zone/canonical-nodes.js';
import type { NodeTable } from '../../src/zone/node-table.js';
import type { ZoneNode } from '../../src/zone/snapshot.js';
import { packedCopy, zoneFromText } from '../support/zones.js';
import { decoded, transferQuery } from './support/xfr.js';

describe('AXFR order', () => {
  const zone = zoneFromText('example', [
    '$TTL 300',
    '@ SOA ns hostmaster 1 3600 600 86400 300',
    '@ NS ns',
    'zz A 192.0.2.9',
    'b.a AAAA 2001:db8::1',
    'ns A 192.0.2.1',
    'A TXT "upper"',
    '*.z TXT "wild"',
    'yljkjljk.a A 192.0.2.2',
    'sub NS ns.sub',
    'ns.sub A 192.0.2.3',
  ].join('\n'));

  test('SOA, the apex, then every node in canonical order (ENTs skipped), SOA again', () => {
    const owners = [...axfrRecords(zone)].map((rrs) => `${nameToText(rrs[0]!.owner)} ${rrs[0]!.type}`);
    expect(owners).toEqual([
      'example. 6', 'example. 2',
      'A.example. 16', 'b.a.example. 28', 'yljkjljk.a.example. 1', 'ns.example. 1', 'sub.example. 2', 'ns.sub.example. 1',
      '*.z.example. 16', 'zz.example. 1',
      'example. 6',
    ]);
  });

  test('sorted once per snapshot', () => {
    expect(canonicalNodes(zone)).toBe(canonicalNodes(zone));
  });

  test('an order found elsewhere (the load worker) is the same order; an AXFR of the packed zone walks it without keeping nodes', () => {
    const order = structuredClone(canonicalIndexOrder(zone));
    const packed = packedCopy(zone, 3);
    setCanonicalOrder(packed, order);
    const names = (nodes: Iterable<ZoneNode>) => [...nodes].map((n) => nameToText(n.name));
    expect(names(walkCanonical(packed))).toEqual(names(canonicalNodes(zone)));
    // Walked, not kept: each walk makes its nodes anew.
    const table = packed.nodes as NodeTable<ZoneNode>;
    expect([...walkCanonical(packed)][0]).not.toBe([...walkCanonical(packed)][0]);
    expect(table.size).toBe(zone.nodes.size);
    const query = decoded(transferQuery('example', 'AXFR'));
    const bytes = (z: typeof zone) => Buffer.concat([...axfrMessages(z, query)]).toString('hex');
    expect(bytes(packed)).toBe(bytes(zone));
    // canonicalNodes of it: the same, from the order (kept from then on).
    expect(names(canonicalNodes(packed))).toEqual(names(canonicalNodes(zone)));
    expect([...walkCanonical(packed)][0]).toBe(canonicalNodes(packed)[0]);
  });
});
