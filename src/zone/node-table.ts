// The snapshot's node index: case-folded name -> node, in insertion order, as a ReadonlyMap.
//
// Not a JS Map, for two reasons measured on the 1M-record benchmark zone (625k nodes):
// - Building: a Map can only be asked about a string, so finding a node's parent, or an MX
//   target inside RDATA, meant slicing a new string and having V8 hash it. Here a name is hashed
//   where it lies (any range of any string, folded to lower case on the fly), and the hash is
//   polynomial from the right, so one pass over an owner gives the hashes of all its ancestors.
// - Memory: a Map entry is three pointers plus buckets, ~50 bytes a node with its growth slack,
//   all of it on the GC heap; this table is one int32 per slot, off the heap (not scanned, not
//   copied by the GC), plus one array of the nodes.
// Open addressing, linear probing. A slot holds the node's index + 1 in its low 24 bits and 8
// more bits of the hash above them, so a probe reads 4 bytes (the whole table stays small enough
// for the CPU's address caches) and names are compared only when those bits match. A table of
// 2^24 - 1 names or more gives the index all 31 bits and compares every name met.

import { fmix32 } from '../dns/hash.js';
import { nameKey, type Name } from '../dns/name.js';

/** Multiplier of the polynomial hash (the FNV prime: odd, bits spread). */
const MUL = 0x01000193;
const INITIAL_SLOTS = 1 << 10;
/** Nodes per chunk of a table's node store (see NodeTable.chunks). */
const CHUNK_BITS = 10;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * Hash of the name at s[start, end), case-folded, continuing from `h`, the hash of what follows
 * it: hashRange(s, a, b, hashRange(s, b, c, 0)) === hashRange(s, a, c, 0). So a name's hash is
 * its first label's octets folded into its parent's hash.
 */
export function hashRange(s: string, start: number, end: number, h: number): number {
  for (let i = end - 1; i >= start; i--) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    h = (Math.imul(h, MUL) + c) | 0;
  }
  return h;
}


/**
 * The polynomial's low bits are weak, so a hash is mixed (murmur3 fmix32) before use: the low bits
 * pick the first slot to probe, the top 8 are kept in the slot.
 */
const mix = fmix32;

/** True if `name` folded is s[start, end) folded. */
function sameFolded(name: string, s: string, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let i = 0; i < name.length; i++) {
    let a = name.charCodeAt(i);
    let b = s.charCodeAt(start + i);
    if (a === b) continue;
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
    if (a !== b) return false;
  }
  return true;
}

/** True if `name` folded is `key` exactly (a Map keyed by folded names finds nothing for 'WWW'). */
function sameKey(name: string, key: string): boolean {
  if (name.length !== key.length) return false;
  for (let i = 0; i < name.length; i++) {
    let a = name.charCodeAt(i);
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (a !== key.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * A table's index without its nodes, as numbers and typed arrays: what another thread needs to
 * rebuild the same table around its own copies of the nodes (NodeTable.fromParts). The hash
 * depends on nothing but the names, so the slots stay valid.
 */
export interface NodeTableParts {
  slots: Int32Array<ArrayBuffer>;
  mask: number;
  tagBits: number;
  indexBits: number;
  count: number;
  order: Int32Array<ArrayBuffer> | undefined;
}

/**
 * Where the nodes of a table made over nodes not made yet come from (NodeTable.fromParts): a zone
 * from the load worker, zone/packed.ts.
 */
export interface NodeSource<N> {
  /** The node at `index`, to be kept by the table (asked once per index). */
  make(index: number): N;
  /** The node at `index`, made for a moment only: not counted as made, not kept. */
  peek(index: number): N;
  /** The name of the node at `index`, without making the node. */
  name(index: number): Name;
}

export class NodeTable<N extends { readonly name: Name }> implements ReadonlyMap<Name, N> {
  private mask: number;
  /** Per slot: 0 when empty, else the tag bits of the mixed hash, then node index + 1. */
  private slots: Int32Array<ArrayBuffer>;
  /** The slot bits that hold hash bits, and those that hold the index + 1 (see the top). */
  private tagBits: number;
  private indexBits: number;
  /**
   * By node index (insertion order), the node: chunk `index >>> CHUNK_BITS`, entry `index &
   * CHUNK_MASK`; a chunk not allocated yet holds no node. A probe that matches compares the
   * node's name, whose case may have changed since it was added (names compare folded). Names
   * are not kept beside the nodes: 8 bytes a node (5 MB in the 1M-record benchmark zone) for one
   * load less.
   *
   * Chunks, not one array: a table over a loaded zone (fromParts) is made on the thread that
   * answers at the swap, and one array of 625k entries took 15-55 ms there to allocate (V8 fills
   * a fresh large object with holes) — the longest stall of a 1M-record reload. Chunks come as
   * nodes are made, and each is an ordinary small object.
   */
  private chunks: Array<Array<N | undefined> | undefined> = [];
  /** Where nodes not made yet come from (fromParts with a source). */
  private source: NodeSource<N> | undefined;
  private count = 0;
  /** Iteration order (node indices), when it is not insertion order. */
  private order: Int32Array<ArrayBuffer> | undefined;

  /**
   * `expected`: about how many nodes there will be. Sizing for it up front saves rehashing; the
   * table still grows past it.
   * `indexBits`: bits of a slot for the index while there is room (a test makes it small).
   */
  constructor(expected = 0, indexBits = 24) {
    this.indexBits = 2 ** indexBits - 1;
    this.tagBits = ~this.indexBits;
    let slots = INITIAL_SLOTS;
    while (slots * 3 < expected * 4) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots);
  }

  /**
   * The table of `parts` (another table's, see NodeTableParts) over nodes not made yet: each is
   * made by `source` when first asked for, and kept. Made through the constructor, so it has the
   * shape every table has and lookups run the same code.
   */
  static fromParts<N extends { readonly name: Name }>(parts: NodeTableParts, source: NodeSource<N>): NodeTable<N> {
    const table = new NodeTable<N>(0);
    table.slots = parts.slots;
    table.mask = parts.mask;
    table.tagBits = parts.tagBits;
    table.indexBits = parts.indexBits;
    table.count = parts.count;
    table.chunks = new Array<undefined>((parts.count + CHUNK_MASK) >>> CHUNK_BITS).fill(undefined);
    table.source = source;
    table.order = parts.order;
    return table;
  }

  /** This table's index (see NodeTableParts); the arrays are the table's own, not copies. */
  parts(): NodeTableParts {
    return { slots: this.slots, mask: this.mask, tagBits: this.tagBits, indexBits: this.indexBits, count: this.count, order: this.order };
  }

  get size(): number {
    return this.count;
  }

  /** The node at an index from indexOf/add. */
  at(index: number): N {
    const node = this.stored(index);
    return node !== undefined ? node : this.made(index);
  }

  /** The node stored at `index`, if any (see `chunks`). */
  private stored(index: number): N | undefined {
    const chunk = this.chunks[index >>> CHUNK_BITS];
    return chunk === undefined ? undefined : chunk[index & CHUNK_MASK];
  }

  /** Stores `node` at `index` (see `chunks`). */
  private store(index: number, node: N): void {
    const c = index >>> CHUNK_BITS;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      // As long as the table needs (a small zone's table stays small: servers may hold thousands
      // of them), filled rather than holey; the list of chunks never has holes either (fromParts
      // sizes it, add appends), so V8 keeps both as plain arrays.
      while (this.chunks.length <= c) this.chunks.push(undefined);
      chunk = this.chunks[c] = new Array<N | undefined>(Math.min(CHUNK_SIZE, this.count - c * CHUNK_SIZE)).fill(undefined);
    }
    const at = index & CHUNK_MASK;
    while (chunk.length < at) chunk.push(undefined);
    if (at < chunk.length) chunk[at] = node;
    else chunk.push(node);
  }

  /** A node not made yet (see `source`), made and kept. */
  private made(index: number): N {
    const node = this.sourceFor(index).make(index);
    this.store(index, node);
    return node;
  }

  private sourceFor(index: number): NodeSource<N> {
    if (this.source === undefined || index < 0 || index >= this.count) throw new RangeError(`NodeTable: no node at index ${index} of ${this.count}`);
    return this.source;
  }

  /**
   * The node at an index, without keeping it if it is not made yet: for a walk over the whole
   * zone that should not make it all for good (the journal's diff of two versions: the 1M-record
   * zone's nodes, kept, are 2.4M objects for the young-generation GC to copy while queries wait).
   */
  peek(index: number): N {
    const node = this.stored(index);
    return node !== undefined ? node : this.sourceFor(index).peek(index);
  }

  /** get() that makes no node for good (see peek). */
  find(key: Name): N | undefined {
    return this.lookup(key, false);
  }

  /** The nodes in iteration order, as peek() gives them. */
  *peekValues(): Generator<N> {
    const order = this.order;
    for (let i = 0; i < this.count; i++) yield this.peek(order === undefined ? i : order[i]);
  }

  /** Index of the node named s[start, end) (any case), whose hashRange is `h`; -1 if none. */
  indexOf(h: number, s: string, start: number, end: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const m = mix(h);
    const tagBits = this.tagBits;
    const indexBits = this.indexBits;
    for (let j = m & mask; ; j = (j + 1) & mask) {
      const v = slots[j];
      if (v === 0) return -1;
      if (((v ^ m) & tagBits) === 0 && sameFolded(this.at((v & indexBits) - 1).name, s, start, end)) return (v & indexBits) - 1;
    }
  }

  /** Adds a node whose name is not in the table yet; `h` is hashRange of its name. Returns its index. */
  add(h: number, node: N): number {
    const index = this.count;
    if (index + 1 > this.indexBits) {
      // No room for the index beside the hash bits any more: all 31 bits for the index.
      this.tagBits = 0;
      this.indexBits = 0x7fffffff;
      this.rehash();
    }
    this.count = index + 1;
    this.store(index, node);
    this.place(h, index + 1);
    if (this.count * 4 > (this.mask + 1) * 3) this.grow();
    return index;
  }

  /** Sets the order the table iterates in: every node index once. */
  setOrder(order: Int32Array<ArrayBuffer>): void {
    this.order = order;
  }

  /** Puts `node` (same name) in place of the node at `index`. */
  replace(index: number, node: N): void {
    this.store(index, node);
  }

  get(key: Name): N | undefined {
    return this.lookup(key, true);
  }

  /**
   * The node named `key`: kept once made (`keep`, get) or made for the moment (find, see peek).
   * Names of nodes not made yet are compared without making the node.
   */
  private lookup(key: Name, keep: boolean): N | undefined {
    const slots = this.slots;
    const mask = this.mask;
    const m = mix(hashRange(key, 0, key.length, 0));
    const tagBits = this.tagBits;
    const indexBits = this.indexBits;
    for (let j = m & mask; ; j = (j + 1) & mask) {
      const v = slots[j];
      if (v === 0) return undefined;
      if (((v ^ m) & tagBits) === 0) {
        const index = (v & indexBits) - 1;
        const node = this.stored(index);
        if (node !== undefined) {
          if (sameKey(node.name, key)) return node;
        } else {
          const source = this.sourceFor(index);
          if (sameKey(source.name(index), key)) return keep ? this.made(index) : source.peek(index);
        }
      }
    }
  }

  has(key: Name): boolean {
    return this.get(key) !== undefined;
  }

  forEach(callback: (value: N, key: Name, map: ReadonlyMap<Name, N>) => void, thisArg?: unknown): void {
    const order = this.order;
    for (let i = 0; i < this.count; i++) {
      const node = this.at(order === undefined ? i : order[i]);
      callback.call(thisArg, node, nameKey(node.name), this);
    }
  }

  entries(): MapIterator<[Name, N]> {
    return this.iterate((node) => [nameKey(node.name), node] as [Name, N]);
  }

  keys(): MapIterator<Name> {
    return this.iterate((node) => nameKey(node.name));
  }

  values(): MapIterator<N> {
    return this.iterate((node) => node);
  }

  [Symbol.iterator](): MapIterator<[Name, N]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'NodeTable';
  }

  private *iterate<T>(view: (node: N) => T): MapIterator<T> {
    const order = this.order;
    for (let i = 0; i < this.count; i++) yield view(this.at(order === undefined ? i : order[i]));
  }

  /** Puts node index + 1 (`value`) in the first free slot for hash `h`. */
  private place(h: number, value: number): void {
    const slots = this.slots;
    const mask = this.mask;
    const m = mix(h);
    let j = m & mask;
    while (slots[j] !== 0) j = (j + 1) & mask;
    slots[j] = (m & this.tagBits) | value;
  }

  /** Twice the slots (see rehash). */
  private grow(): void {
    this.mask = this.mask * 2 + 1;
    this.rehash();
  }

  /** Places every node again; hashes come from the names (with a good size hint, this is rare). */
  private rehash(): void {
    this.slots = new Int32Array(this.mask + 1);
    for (let i = 0; i < this.count; i++) {
      const name = this.at(i).name;
      this.place(hashRange(name, 0, name.length, 0), i + 1);
    }
  }
}
