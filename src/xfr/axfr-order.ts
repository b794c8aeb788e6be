// The order an AXFR sends a zone's nodes in: DNSSEC canonical order (RFC 4034 §6.1), the order
// Knot, NSD and BIND send theirs in. RFC 5936 leaves the order free, but a secondary builds its
// zone faster from sorted input: a Knot secondary spent ~0.37 s of CPU loading our 100k-record
// zone in zone-file order and ~0.21 s (what it spends on Knot's own AXFR) in canonical order.
// Sorted once per snapshot, on its first transfer, and kept beside it (a WeakMap, like the
// answer and AXFR caches) for the transfers that follow; a reload's snapshot starts unsorted.

import type { Name } from '../dns/name.js';
import { nameKey } from '../dns/name.js';
import { NodeFlag, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';

const orders = new WeakMap<ZoneSnapshot, readonly ZoneNode[]>();

/** Every node below the apex that holds records, in canonical order (the apex goes first anyway). */
export function transferOrder(snapshot: ZoneSnapshot): readonly ZoneNode[] {
  let nodes = orders.get(snapshot);
  if (nodes === undefined) {
    nodes = canonicalOrder(snapshot);
    orders.set(snapshot, nodes);
  }
  return nodes;
}

function canonicalOrder(snapshot: ZoneSnapshot): ZoneNode[] {
  const suffix = snapshot.originKey.length;
  const keyed: Array<{ k: string; n: ZoneNode }> = [];
  for (const node of snapshot.nodes.values()) {
    if (node === snapshot.apex || (node.flags & NodeFlag.APEX) !== 0 || node.firstSet === undefined) continue;
    keyed.push({ k: canonicalSortKey(node.name, suffix), n: node });
  }
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((e) => e.n);
}

/** Label offsets of the name being keyed (a name has at most 127 labels). */
const starts = new Int32Array(128);

/**
 * A string whose plain comparison is RFC 4034 §6.1 canonical order among names that end in the
 * same `suffix` octets (the zone's origin, root included; 1 compares whole names): the labels
 * before the suffix from the rightmost, each case-folded and followed by \x00. Octets 0 and 1
 * inside a label become \x01\x01 and \x01\x02, so the separator sorts below every octet and a
 * label below its extensions ("a" < "a\x00" < "ab"), as the RFC's octet-string comparison has it.
 * Sorting these strings measured 3× faster than a comparator walking the labels.
 */
export function canonicalSortKey(name: Name, suffix = 1): string {
  const key = nameKey(name);
  const end = key.length - suffix;
  let n = 0;
  for (let i = 0; i < end; i += key.charCodeAt(i) + 1) starts[n++] = i;
  let out = '';
  for (let l = n - 1; l >= 0; l--) {
    const from = starts[l]! + 1;
    const to = from + key.charCodeAt(from - 1);
    let plain = true;
    for (let i = from; i < to; i++) if (key.charCodeAt(i) < 2) { plain = false; break; }
    out += (plain ? key.slice(from, to) : escaped(key.slice(from, to))) + '\x00';
  }
  return out;
}

function escaped(label: string): string {
  return label.replace(/[\x00\x01]/g, (c) => (c === '\x00' ? '\x01\x01' : '\x01\x02'));
}
