// A finished snapshot as a few flat arrays, so it can cross from the thread that built it (the
// load worker, reload/load-worker.ts) to the thread that answers, and be made into objects there
// in steps of a few milliseconds.
//
// Why not postMessage the snapshot itself: a structured clone of a 1M-record zone (2.4M strings
// and objects) is one uninterruptible deserialization on the receiving thread, hundreds of ms,
// and it would lose the classes (SnapshotNode, PackedRRset) the query path is compiled for. Here
// the receiver rebuilds the very shapes the builder makes, node by node, and can stop anywhere.
// The node table's index (typed arrays of hashes, node-table.ts) is sent as it is and not
// rebuilt at all: a node keeps its index, so the slots stay valid.
//
// The nodes go in segments of SEGMENT_NODES, in table index order, each its own transferable
// buffers: the sender packs the next while the receiver assembles the last one, and a segment's
// memory is let go as soon as it is assembled. A segment holds, per node:
//   ints:  flags, number of RRsets; per RRset: type, TTL, number of records
//   lens:  the octet length of the node's name, then of each record's RDATA
//   bytes: those strings' octets, one after the other (binary strings, dns/bytes.ts)

import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';
import { NodeTable, type NodeTableParts } from './node-table.js';
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
}

/** The buffers of a segment or head, for postMessage's transfer list. */
export function transferables(x: PackedSegment | PackedHead): ArrayBuffer[] {
  if ('table' in x) return x.table.order === undefined ? [x.table.slots.buffer] : [x.table.slots.buffer, x.table.order.buffer];
  return [x.ints.buffer, x.lens.buffer, x.bytes.buffer];
}

/** The snapshot's head (see PackedHead). Its table arrays are the snapshot's own: transfer them only when it is no longer used. */
export function packHead(snapshot: ZoneSnapshot): PackedHead {
  return {
    origin: snapshot.origin,
    originKey: snapshot.originKey,
    class: snapshot.class,
    serial: snapshot.serial,
    negativeTtl: snapshot.negativeTtl,
    recordCount: snapshot.recordCount,
    files: [...snapshot.files],
    hasCutsOrDnames: snapshot.hasCutsOrDnames,
    table: tableOf(snapshot).parts(),
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
  return { first, count: end - first, ints, lens, bytes };
}

/**
 * Rebuilds a snapshot from its head and segments: `add` segments in order as they come, `step`
 * until it says every added node is made, then `finish`. Each step makes nodes until a deadline
 * (performance.now() milliseconds) and returns, so the work can be spread over turns of the
 * event loop.
 */
export class SnapshotAssembler {
  private readonly nodes: SnapshotNode[];
  private readonly queue: PackedSegment[] = [];
  private made = 0;
  /** Where the segment at the head of the queue is read. */
  private ii = 0;
  private li = 0;
  private bi = 0;
  private buf: Buffer | undefined;

  constructor(private readonly head: PackedHead) {
    this.nodes = new Array<SnapshotNode>(head.table.count);
  }

  /** True once every node of the zone is made. */
  get complete(): boolean {
    return this.made === this.nodes.length;
  }

  add(segment: PackedSegment): void {
    this.queue.push(segment);
  }

  /**
   * Makes nodes of the added segments until `deadline`; true when none is left to make (for
   * now: more may be added). Checks the clock after every 64 nodes (~20-40 us of work), so a
   * call always makes some.
   */
  step(deadline: number): boolean {
    const nodes = this.nodes;
    let untilClock = 64;
    while (this.queue.length > 0) {
      const seg = this.queue[0];
      if (this.ii === 0 && seg.first !== this.made) throw new Error(`SnapshotAssembler: segment at node ${seg.first} where node ${this.made} is next`);
      const end = seg.first + seg.count;
      const { ints, lens } = seg;
      const buf = (this.buf ??= Buffer.from(seg.bytes.buffer, seg.bytes.byteOffset, seg.bytes.byteLength));
      let { ii, li, bi, made } = this;
      try {
        while (made < end) {
          if (--untilClock === 0) {
            untilClock = 64;
            if (performance.now() >= deadline) return false;
          }
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
          nodes[made++] = node;
        }
      } finally {
        this.ii = ii;
        this.li = li;
        this.bi = bi;
        this.made = made;
      }
      this.queue.shift();
      this.ii = this.li = this.bi = 0;
      this.buf = undefined;
    }
    return true;
  }

  /** The snapshot, once complete. */
  finish(): ZoneSnapshot {
    if (!this.complete) throw new Error(`SnapshotAssembler.finish: ${this.made} of ${this.nodes.length} nodes made`);
    const head = this.head;
    const nodes = NodeTable.fromParts<ZoneNode>(head.table, this.nodes);
    let apex: SnapshotNode | undefined;
    for (const node of this.nodes) {
      if (node.flags & NodeFlag.APEX) {
        apex = node;
        break;
      }
    }
    let soa: PackedRRset | undefined;
    for (let set = apex?.firstSet; set !== undefined && soa === undefined; set = set.next) if (set.type === RRType.SOA) soa = set;
    if (apex === undefined || soa === undefined) throw new Error('SnapshotAssembler.finish: no apex SOA in the packed zone');
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
