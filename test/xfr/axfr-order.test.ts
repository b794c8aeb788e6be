// AXFR sends nodes in DNSSEC canonical order (src/xfr/axfr-order.ts), as Knot, NSD and BIND do:
// secondaries load sorted input faster. The sort key must reproduce RFC 4034 §6.1 exactly.

import { describe, expect, test } from '@jest/globals';
import { nameToText } from '../../src/dns/name.js';
import { axfrRecords } from '../../src/xfr/axfr.js';
import { canonicalSortKey, transferOrder } from '../../src/xfr/axfr-order.js';
import { name, zoneFromText } from '../support/zones.js';

// RFC 4034 §6.1's example, in its canonical order.
const RFC_ORDER = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\\001.z.example', '*.z.example', '\\200.z.example'];

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('canonical order (RFC 4034 §6.1)', () => {
  test.each([1, 2, 3, 4, 5])('the RFC example sorts back into its order (shuffle %i)', (seed) => {
    const sorted = shuffled(RFC_ORDER, seed).sort((a, b) => {
      const ka = canonicalSortKey(name(a));
      const kb = canonicalSortKey(name(b));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    expect(sorted).toEqual(RFC_ORDER);
  });

  test('labels with octets 0 and 1, and a label before its extensions', () => {
    const order = ['a.example', '\\000.a.example', '\\000\\000.a.example', '\\001.a.example', '\\002.a.example', 'a\\000.a.example', 'ab.a.example', 'b.a.example'];
    const key = (t: string) => canonicalSortKey(name(t));
    for (let i = 1; i < order.length; i++) expect([order[i - 1], key(order[i - 1]!) < key(order[i]!)]).toEqual([order[i - 1], true]);
  });

  test('keys relative to the origin order the same way as whole-name keys', () => {
    const names = RFC_ORDER.slice(1).map((t) => name(t));
    const suffix = name('example').length;
    const whole = [...names].sort((a, b) => (canonicalSortKey(a) < canonicalSortKey(b) ? -1 : 1));
    const relative = [...names].sort((a, b) => (canonicalSortKey(a, suffix) < canonicalSortKey(b, suffix) ? -1 : 1));
    expect(relative).toEqual(whole);
  });
});

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
    expect(transferOrder(zone)).toBe(transferOrder(zone));
  });
});
