// sortInSlices: the same order as one Array.prototype.sort (stable, any length around the run and
// merge boundaries), with the thread let go between slices when the work is long.

import { describe, expect, it } from '@jest/globals';
import { compareCanonical } from '../../src/dns/canonical-order.js';
import { nameKey } from '../../src/dns/name.js';
import { sortInSlices } from '../../src/reload/slicer.js';
import { name } from '../support/zones.js';

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

describe('sortInSlices', () => {
  it.each([0, 1, 2, 511, 512, 513, 1024, 1500, 5000])('%i items: as Array.prototype.sort, stable', async (n) => {
    const r = random(n + 1);
    const items = Array.from({ length: n }, (_, i) => ({ k: Math.floor(r() * 50), i }));
    const compare = (a: { k: number }, b: { k: number }) => a.k - b.k;
    const sorted = await sortInSlices(items, compare, async () => {});
    expect(sorted).toEqual([...items].sort(compare));
    expect(items.map((x) => x.i)).toEqual(Array.from({ length: n }, (_, i) => i)); // the input is left as it was
  });

  it('canonical order of names, pausing between slices of the given length', async () => {
    const r = random(7);
    const names = Array.from({ length: 20_000 }, () => nameKey(name(`${Math.floor(r() * 1e6).toString(36)}.${Math.floor(r() * 30).toString(36)}.example.test`)));
    let pauses = 0;
    const sorted = await sortInSlices(names, compareCanonical, async () => {
      pauses++;
      await new Promise((resolve) => setImmediate(resolve));
    }, 0);
    expect(sorted).toEqual([...names].sort(compareCanonical));
    expect(pauses).toBeGreaterThan(20);
  });
});
