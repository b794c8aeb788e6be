// The snapshot's node index (src/zone/node-table.ts): a ReadonlyMap keyed by case-folded names,
// in insertion order (or the order set), and lookups of a name where it lies in a longer string.

import { describe, expect, test } from '@jest/globals';
import { nameKey, type Name } from '../../src/dns/name.js';
import { hashRange, NodeTable, type NodeSource } from '../../src/zone/node-table.js';
import { name } from '../support/zones.js';

interface TestNode {
  name: Name;
  n: number;
}

/** A table of the given names (as written), each node numbered in order. */
function tableOf(names: string[], expected = 0, indexBits?: number): { table: NodeTable<TestNode>; nodes: TestNode[] } {
  const table = new NodeTable<TestNode>(expected, indexBits);
  const nodes = names.map((text, n) => ({ name: name(text), n }));
  for (const node of nodes) expect(table.add(hashRange(node.name, 0, node.name.length, 0), node)).toBe(node.n);
  return { table, nodes };
}

describe('NodeTable as a ReadonlyMap', () => {
  const { table, nodes } = tableOf(['Example.test', 'www.Example.test', 'a.b.example.TEST', 'b.example.test']);

  test('get and has take the folded name, as a Map keyed by folded names would', () => {
    expect(table.size).toBe(4);
    expect(table.get(nameKey(name('WWW.example.test')))).toBe(nodes[1]);
    expect(table.has(nameKey(name('a.b.example.test')))).toBe(true);
    // Not folded: no match, as in a Map.
    expect(table.get(name('www.Example.test'))).toBeUndefined();
    expect(table.has(name('Example.test'))).toBe(false);
    expect(table.get(nameKey(name('c.example.test')))).toBeUndefined();
    expect(table.get(nameKey(name('example.test.example.test')))).toBeUndefined();
  });

  test('iteration: folded keys and nodes in insertion order', () => {
    const keys = ['example.test', 'www.example.test', 'a.b.example.test', 'b.example.test'].map((t) => nameKey(name(t)));
    expect([...table.keys()]).toEqual(keys);
    expect([...table.values()]).toEqual(nodes);
    expect([...table.entries()]).toEqual(keys.map((k, i) => [k, nodes[i]]));
    expect([...table]).toEqual([...table.entries()]);
    const seen: [TestNode, Name][] = [];
    table.forEach(function (this: unknown, value, key, map) {
      expect(map).toBe(table);
      expect(this).toBe('ctx');
      seen.push([value, key]);
    }, 'ctx');
    expect(seen).toEqual(nodes.map((n, i) => [n, keys[i]]));
    expect(Object.prototype.toString.call(table)).toBe('[object NodeTable]');
  });

  test('an iteration order can be set; replace keeps the place', () => {
    const { table: t, nodes: ns } = tableOf(['a.test', 'b.test', 'c.test']);
    t.setOrder(Int32Array.from([2, 0, 1]));
    expect([...t.values()].map((n) => n.n)).toEqual([2, 0, 1]);
    const other = { name: name('B.test'), n: 9 };
    t.replace(1, other);
    expect(t.get(nameKey(name('b.test')))).toBe(other);
    expect([...t.values()]).toEqual([ns[2], ns[0], other]);
    expect(t.at(1)).toBe(other);
  });
});

describe('NodeTable lookups in place', () => {
  const { table, nodes } = tableOf(['example.test', 'www.example.test']);

  test('indexOf finds a name inside a longer string, in any case', () => {
    const text = 'xx' + name('foo.WWW.Example.Test');
    const at = 2 + 4; // after "xx" and the label "foo"
    expect(table.indexOf(hashRange(text, at, text.length, 0), text, at, text.length)).toBe(nodes[1].n);
    // The hash of a name goes on from its parent's.
    const parentAt = at + 4;
    const parentHash = hashRange(text, parentAt, text.length, 0);
    expect(hashRange(text, at, parentAt, parentHash)).toBe(hashRange(text, at, text.length, 0));
    expect(table.indexOf(parentHash, text, parentAt, text.length)).toBe(nodes[0].n);
    expect(table.indexOf(hashRange(text, 2, text.length, 0), text, 2, text.length)).toBe(-1);
  });

  test('grows past its first size, and past a low guess', () => {
    for (const expected of [0, 100, 50_000]) {
      const names = Array.from({ length: 20_000 }, (_, i) => `h${i}.Z${i % 97}.example.test`);
      const { table: t, nodes: ns } = tableOf(names, expected);
      expect(t.size).toBe(20_000);
      for (const n of ns) expect(t.get(nameKey(n.name))).toBe(n);
      expect(t.get(nameKey(name('h20000.z0.example.test')))).toBeUndefined();
      expect([...t.values()]).toEqual(ns);
    }
  });

  test('more names than the index bits beside the hash bits hold (2^24 - 2 by default)', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `n${i}.example.test`);
    const { table: t, nodes: ns } = tableOf(names, 0, 8);
    for (const n of ns) expect(t.get(nameKey(n.name))).toBe(n);
    expect(t.get(nameKey(name('n3000.example.test')))).toBeUndefined();
    const text = name('X.N2999.example.test');
    expect(t.indexOf(hashRange(text, 2, text.length, 0), text, 2, text.length)).toBe(2999);
  });
});

describe('NodeTable over nodes not made yet (fromParts, as a loaded zone is served)', () => {
  // Several chunks of the node store (1,024 nodes each), asked for out of order: the last
  // chunk first, then every other node backwards, then all in order.
  const names = Array.from({ length: 5000 }, (_, i) => `h${i}.example.test`);
  const { table: built, nodes } = tableOf(names, names.length);

  function lazyCopy(): { table: NodeTable<TestNode>; made: number[] } {
    const made: number[] = [];
    const source: NodeSource<TestNode> = {
      make: (i) => {
        made.push(i);
        return { ...nodes[i]! };
      },
      peek: (i) => ({ ...nodes[i]! }),
      name: (i) => nodes[i]!.name,
    };
    return { table: NodeTable.fromParts(built.parts(), source), made };
  }

  test('each node is made once, when first asked for, and kept', () => {
    const { table, made } = lazyCopy();
    expect(made).toEqual([]);
    const last = table.get(nameKey(name('h4999.example.test')));
    expect(last?.n).toBe(4999);
    expect(table.get(nameKey(name('H4999.example.test')))).toBe(last);
    for (let i = 4998; i >= 0; i -= 2) expect(table.at(i).n).toBe(i);
    expect([...table.values()].map((n) => n.n)).toEqual(nodes.map((n) => n.n));
    expect(made.length).toBe(5000);
    expect(new Set(made).size).toBe(5000);
    expect(table.get(nameKey(name('h5000.example.test')))).toBeUndefined();
  });

  test('peek and find make nothing for good', () => {
    const { table, made } = lazyCopy();
    expect(table.peek(3000).n).toBe(3000);
    expect(table.find(nameKey(name('h1234.example.test')))?.n).toBe(1234);
    expect(made).toEqual([]);
    table.replace(2048, { name: name('h2048.example.test'), n: -1 });
    expect(table.at(2048).n).toBe(-1);
    expect(made).toEqual([]);
  });
});
