// A snapshot's nodes in DNSSEC canonical order (RFC 4034 §6.1), sorted once per snapshot and kept
// beside it (a WeakMap, like the answer and AXFR caches): an AXFR sends them in this order (the
// order Knot, NSD and BIND send theirs in; a Knot secondary spent ~0.37 s of CPU loading our
// 100k-record zone in zone-file order and ~0.21 s in canonical order), and the NSEC chain of a
// signed zone is searched in it (dnssec/denial.ts). A reload's snapshot starts unsorted; the load
// worker sorts it after the swap (canonicalIndexOrder, setCanonicalOrder): sorting the 1M-record
// zone here held the thread that answers 1.3 s or more at its first AXFR.

import { sortByCanonicalName } from '../dns/canonical-order.js';
import { NodeTable } from './node-table.js';
import { NodeFlag, type ZoneNode, type ZoneSnapshot } from './snapshot.js';

const orders = new WeakMap<ZoneSnapshot, readonly ZoneNode[]>();
/** Orders found elsewhere (the load worker), as table indices: see setCanonicalOrder. */
const indexOrders = new WeakMap<ZoneSnapshot, Int32Array>();

/** True for the nodes canonicalNodes lists: below the apex, holding records. */
function listed(snapshot: ZoneSnapshot, node: ZoneNode): boolean {
  return node !== snapshot.apex && (node.flags & NodeFlag.APEX) === 0 && node.firstSet !== undefined;
}

/**
 * The table indices of the nodes canonicalNodes lists, in that order: what the load worker sends
 * along with the snapshot it built (the indices stay valid on the other side, zone/packed.ts).
 */
export function canonicalIndexOrder(snapshot: ZoneSnapshot): Int32Array<ArrayBuffer> {
  const table = tableOf(snapshot);
  const indices: number[] = [];
  for (let i = 0; i < table.size; i++) if (listed(snapshot, table.at(i))) indices.push(i);
  return Int32Array.from(sortByCanonicalName(indices, (i) => table.at(i).name, snapshot.originKey.length));
}

/** Gives `snapshot` its canonical order, found elsewhere by canonicalIndexOrder on an equal table. */
export function setCanonicalOrder(snapshot: ZoneSnapshot, order: Int32Array): void {
  tableOf(snapshot);
  if (!orders.has(snapshot)) indexOrders.set(snapshot, order);
}

function tableOf(snapshot: ZoneSnapshot): NodeTable<ZoneNode> {
  if (!(snapshot.nodes instanceof NodeTable)) throw new TypeError('canonical order by index: the snapshot was not made by the zone builder');
  return snapshot.nodes as NodeTable<ZoneNode>;
}

/**
 * canonicalNodes(snapshot) one by one, for a walk that touches each node once (an AXFR): with an
 * order from the load worker, nothing is sorted here, and the nodes of a zone that came packed are
 * made as the walk reaches them and not kept (NodeTable.peek).
 */
export function* walkCanonical(snapshot: ZoneSnapshot): Generator<ZoneNode> {
  const order = orders.has(snapshot) ? undefined : indexOrders.get(snapshot);
  if (order === undefined) {
    yield* canonicalNodes(snapshot);
    return;
  }
  const table = snapshot.nodes as NodeTable<ZoneNode>;
  for (let i = 0; i < order.length; i++) yield table.peek(order[i]!);
}

/** Every node below the apex that holds records, in canonical order (the apex sorts first anyway). */
export function canonicalNodes(snapshot: ZoneSnapshot): readonly ZoneNode[] {
  let nodes = orders.get(snapshot);
  if (nodes === undefined) {
    nodes = sortNodes(snapshot);
    orders.set(snapshot, nodes);
  }
  return nodes;
}

function sortNodes(snapshot: ZoneSnapshot): ZoneNode[] {
  const order = indexOrders.get(snapshot);
  if (order !== undefined) {
    const table = snapshot.nodes as NodeTable<ZoneNode>;
    return Array.from(order, (i) => table.at(i));
  }
  const nodes: ZoneNode[] = [];
  for (const node of snapshot.nodes.values()) if (listed(snapshot, node)) nodes.push(node);
  return sortByCanonicalName(nodes, (node) => node.name, snapshot.originKey.length);
}
