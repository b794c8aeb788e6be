// AXFR sends nodes in DNSSEC canonical order (src/zone/canonical-nodes.ts), as Knot, NSD and BIND
// do: secondaries load sorted input faster.

import { describe, expect, test } from '@jest/globals';
import { nameToText } from '../../src/dns/name.js';
import { axfrRecords } from '../../src/xfr/axfr.js';
import { canonicalNodes } from '../../src/zone/canonical-nodes.js';
import { zoneFromText } from '../support/zones.js';

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
});
