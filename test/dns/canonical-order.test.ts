// RFC 4034 §6.1 canonical order: the sort key (zone transfers, the NSEC chain) and the comparator
// (binary searches on the query path) must both reproduce it exactly.

import { describe, expect, test } from '@jest/globals';
import { canonicalSortKey, compareCanonical } from '../../src/dns/canonical-order.js';
import { name } from '../support/zones.js';

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

describe('compareCanonical agrees with the sort key', () => {
  const names = [...RFC_ORDER, 'a.example', '\\000.a.example', '\\000\\000.a.example', '\\001.a.example', 'a\\000.a.example', 'ab.a.example', 'B.A.example', 'example.org', 'org', 'x.y.z.example'];
  test.each([1, 2, 3])('sorting with it gives the RFC order (shuffle %i)', (seed) => {
    expect(shuffled(RFC_ORDER, seed).sort((a, b) => compareCanonical(name(a), name(b)))).toEqual(RFC_ORDER);
  });

  test('every pair: the sign matches the sort keys, case does not matter', () => {
    const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
    for (const a of names) {
      for (const b of names) {
        const ka = canonicalSortKey(name(a));
        const kb = canonicalSortKey(name(b));
        expect([a, b, sign(compareCanonical(name(a), name(b)))]).toEqual([a, b, ka < kb ? -1 : ka > kb ? 1 : 0]);
      }
    }
    expect(compareCanonical(name('WWW.Example'), name('www.example'))).toBe(0);
  });
});
