// A finished snapshot as a few flat arrays, so it can cross from the thread that built it (the
// load worker, reload/load-worker.ts) to the thread that answers, and be served there without
// being made into objects first: a node is made from the arrays when it is first asked for.
//
// Why not postMessage the snapshot itself: a structured clone of a 1M-record zone (2.4M strings
// and objects) is one uninterruptible deserialization on the receiving thread, hundreds of ms,
// and it would lose the classes (SnapshotNode, PackedRRset) the query path is compiled for. Here
// the receiver makes the very shapes the builder makes, node by node, in any order. The node
// table's index (typed arrays of hashes, node-table.ts) is sent as it is and not rebuilt at all:
// a node keeps its index, so the slots stay valid.
//
// The nodes go in segments of SEGMENT_NODES, in table index order, each its own transferable
// buffers: the sender packs the next while the receiver takes the last one, and a segment's
// memory is let go once all its nodes are made. A segment holds, per node:
//   ints:   flags, number of RRsets; per RRset: type, TTL, number of records
//   lens:   the octet length of the node's name, then of each record's RDATA
//   bytes:  those strings' octets, one after the other (binary strings, dns/bytes.ts)
//   starts: where the node's entries begin in ints, lens and bytes

import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';
import { hashRange, NodeTable, type NodeSource, type NodeTableParts } from './node-table.js';
import { NodeFlag, PackedRRset, SnapshotNode, type ZoneNode, type ZoneSnapshot } from './snapshot.js';
import { RRType } from '../dns/constants.js';

/** Nodes per segment: ~1.5 MB of strings in the benchmark zone, packed in ~10 ms. */
export const SEGMENT_NODES = 32_768;

/** One run of nodes, as transferable arrays (see the top). */
export interface PackedSegment {
  /** Index of the segment's first node in the table, and how many nodes it holds. */
  first: number;
  count: number;
  ints: Int32Array<ArrayBuffer>;
  lens: Uint16Array<ArrayBuffer>;
  bytes: Uint8Array<ArrayBuffer>;
  /** Per node, where it starts in ints, lens and bytes: a node is made alone, in any order. */
  starts: Int32Array<ArrayBuffer>;
}

/** Everything of a snapshot but its nodes (plain data and typed arrays). */
export interface PackedHead {
  origin: Name;
  originKey: Name;
  class: number;
  serial: number;
  negativeTtl: number;
  recordCount: number;
  files: string[];
  hasCutsOrDnames: boolean;
  table: NodeTableParts;
  /** Table index of the apex node. */
  apex: number;
}

/** The buffers of a segment or head, for postMessage's transfer list. */
export function transferables(x: PackedSegment | PackedHead): ArrayBuffer[] {
  if ('table' in x) return x.table.order === undefined ? [x.table.slots.buffer] : [x.table.slots.buffer, x.table.order.buffer];
  return [x.ints.buffer, x.lens.buffer, x.bytes.buffer, x.starts.buffer];
}

/** The snapshot's head (see PackedHead). Its table arrays are the snapshot's own: transfer them only when it is no longer used. */
export function packHead(snapshot: ZoneSnapshot): PackedHead {
  const table = tableOf(snapshot);
  const apex = snapshot.apex.name;
  return {
    origin: snapshot.origin,
    originKey: snapshot.originKey,
    class: snapshot.class,
    serial: snapshot.serial,
    negativeTtl: snapshot.negativeTtl,
    recordCount: snapshot.recordCount,
    files: [...snapshot.files],
    hasCutsOrDnames: snapshot.hasCutsOrDnames,
    table: table.parts(),
    apex: table.indexOf(hashRange(apex, 0, apex.length, 0), apex, 0, apex.length),
  };
}

function tableOf(snapshot: ZoneSnapshot): NodeTable<ZoneNode> {
  if (!(snapshot.nodes instanceof NodeTable)) throw new TypeError('packSnapshot: the snapshot was not made by the zone builder');
  return snapshot.nodes as NodeTable<ZoneNode>;
}

/** The snapshot's nodes, SEGMENT_NODES at a time, in index order. */
export function* packNodes(snapshot: ZoneSnapshot, segmentNodes = SEGMENT_NODES): Generator<PackedSegment> {
  const table = tableOf(snapshot);
  for (let first = 0; first < table.size; first += segmentNodes) yield packSegment(table, first, Math.min(table.size, first + segmentNodes));
}

function packSegment(table: NodeTable<ZoneNode>, first: number, end: number): PackedSegment {
  // Sizes first, then one exact allocation per array.
  let nInts = 0;
  let nStrings = 0;
  let nBytes = 0;
  for (let i = first; i < end; i++) {
    const node = table.at(i);
    nInts += 2;
    nStrings++;
    nBytes += node.name.length;
    for (let set = node.firstSet; set !== undefined; set = set.next) {
      nInts += 3;
      const r = set.r;
      if (typeof r === 'string') {
        nStrings++;
        nBytes += r.length;
      } else {
        nStrings += r.length;
        for (let k = 0; k < r.length; k++) nBytes += r[k].length;
      }
    }
  }
  const ints = new Int32Array(nInts);
  const lens = new Uint16Array(nStrings);
  const bytes = new Uint8Array(nBytes);
  const starts = new Int32Array((end - first) * 3);
  let si = 0;
  let ii = 0;
  let li = 0;
  let bi = 0;
  const put = (s: Bytes): void => {
    lens[li++] = s.length;
    for (let k = 0; k < s.length; k++) bytes[bi++] = s.charCodeAt(k);
  };
  for (let i = first; i < end; i++) {
    const node = table.at(i);
    let sets = 0;
    for (let set = node.firstSet; set !== undefined; set = set.next) sets++;
    starts[si++] = ii;
    starts[si++] = li;
    starts[si++] = bi;
    ints[ii++] = node.flags;
    ints[ii++] = sets;
    put(node.name);
    for (let set = node.firstSet; set !== undefined; set = set.next) {
      const r = set.r;
      ints[ii++] = set.type;
      ints[ii++] = set.ttl;
      if (typeof r === 'string') {
        ints[ii++] = 1;
        put(r);
      } else {
        ints[ii++] = r.length;
        for (let k = 0; k < r.length; k++) put(r[k]);
      }
    }
  }
  return { first, count: end - first, ints, lens, bytes, starts };
}

/**
 * Makes a snapshot of a head and its segments: `add` the segments in order as they come, then
 * `finish`. Nothing is made up front: the snapshot's table makes a node from its segment the
 * first time the node is asked for (NodeTable.fromParts with `make`) and keeps it, and a segment
 * is let go once all its nodes are made.
 *
 * Why not make every node before the swap: a 1M-record zone is 2.4M objects, and on the thread
 * that answers, making them cost more in young-generation GC than in making (each object is
 * copied once or twice before it is old: pauses of 13-15 ms, one after every few ms of work, and
 * the whole zone's objects to mark when it is replaced). Made on demand, a zone costs what its
 * queries touch, and a node costs one more comparison on the way (NodeTable.at).
 */
export class SnapshotAssembler {
  private readonly segments: PackedSegment[] = [];
  /** Nodes in the added segments. */
  private added = 0;

  constructor(private readonly head: PackedHead) {}

  /** True once every node of the zone has come. */
  get complete(): boolean {
    return this.added === this.head.table.count;
  }

  add(segment: PackedSegment): void {
    if (segment.first !== this.added) throw new Error(`SnapshotAssembler: segment at node ${segment.first} where node ${this.added} is next`);
    const size = this.segments[0]?.count;
    if (size !== undefined && this.segments.at(-1)!.count !== size) throw new Error('SnapshotAssembler: a segment after the last (shorter) one');
    if (size !== undefined && segment.count > size) throw new Error(`SnapshotAssembler: a segment of ${segment.count} nodes after ones of ${size}`);
    this.segments.push(segment);
    this.added += segment.count;
  }

  /** The snapshot, once complete. */
  finish(): ZoneSnapshot {
    if (!this.complete) throw new Error(`SnapshotAssembler.finish: ${this.added} of ${this.head.table.count} nodes came`);
    const head = this.head;
    const nodes = NodeTable.fromParts<ZoneNode>(head.table, new NodeMaker(this.segments));
    const apex = head.apex >= 0 && head.apex < head.table.count ? nodes.at(head.apex) : undefined;
    let soa: PackedRRset | undefined;
    for (let set = apex?.firstSet; set !== undefined && soa === undefined; set = set.next) if (set.type === RRType.SOA) soa = set;
    if (apex === undefined || !(apex.flags & NodeFlag.APEX) || soa === undefined) throw new Error('SnapshotAssembler.finish: no apex SOA in the packed zone');
    return Object.freeze({
      origin: head.origin,
      originKey: head.originKey,
      class: head.class,
      serial: head.serial,
      soa,
      negativeTtl: head.negativeTtl,
      apex,
      nodes,
      recordCount: head.recordCount,
      files: head.files,
      hasCutsOrDnames: head.hasCutsOrDnames,
    });
  }
}

/** Makes nodes from segments, each node once (its table keeps it); lets a segment go when all its nodes are made. */
class NodeMaker implements NodeSource<SnapshotNode> {
  /** Nodes per segment (all but the last segment have this many). */
  private readonly size: number;
  /** By segment: undefined once all its nodes are made. */
  private readonly segments: Array<PackedSegment | undefined>;
  private readonly buffers: Array<Buffer | undefined>;
  /** By segment: how many of its nodes are made. */
  private readonly made: Int32Array;

  constructor(segments: PackedSegment[]) {
    this.size = segments[0]?.count ?? 1;
    this.segments = segments.slice();
    this.buffers = segments.map((seg) => Buffer.from(seg.bytes.buffer, seg.bytes.byteOffset, seg.bytes.byteLength));
    this.made = new Int32Array(segments.length);
  }

  make(index: number): SnapshotNode {
    const s = (index / this.size) | 0;
    const node = this.peek(index);
    if (++this.made[s] === this.segments[s]!.count) {
      this.segments[s] = undefined;
      this.buffers[s] = undefined;
    }
    return node;
  }

  name(index: number): Name {
    const { seg, buf, at } = this.locate(index);
    const bi = seg.starts[at + 2];
    return buf.toString('latin1', bi, bi + seg.lens[seg.starts[at + 1]]) as Name;
  }

  private locate(index: number): { seg: PackedSegment; buf: Buffer; at: number } {
    const s = (index / this.size) | 0;
    const seg = this.segments[s];
    if (seg === undefined) throw new Error(`NodeMaker: node ${index} asked for again`);
    return { seg, buf: this.buffers[s]!, at: (index - seg.first) * 3 };
  }

  peek(index: number): SnapshotNode {
    const { seg, buf, at } = this.locate(index);
    const { ints, lens, starts } = seg;
    let ii = starts[at];
    let li = starts[at + 1];
    let bi = starts[at + 2];
    const flags = ints[ii++];
    const sets = ints[ii++];
    let n = lens[li++];
    const name = buf.toString('latin1', bi, (bi += n)) as Name;
    const node = new SnapshotNode(name, flags);
    let tail: PackedRRset = node;
    for (let k = 0; k < sets; k++) {
      const type = ints[ii++];
      const ttl = ints[ii++];
      const count = ints[ii++];
      let r: Bytes | Bytes[];
      if (count === 1) {
        n = lens[li++];
        r = buf.toString('latin1', bi, (bi += n));
      } else {
        r = new Array<Bytes>(count);
        for (let j = 0; j < count; j++) {
          n = lens[li++];
          r[j] = buf.toString('latin1', bi, (bi += n));
        }
      }
      // The node is its own first RRset, as the builder makes it (snapshot.ts).
      if (k === 0) {
        node.type = type;
        node.ttl = ttl;
        node.r = r;
      } else {
        tail = tail.next = new PackedRRset(name, type, ttl, r);
      }
    }
    return node;
  }
}
