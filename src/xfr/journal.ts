// The journal: what each reload changed, so secondaries can catch up by IXFR (RFC 1995) instead
// of pulling the whole zone again.
//
// After a reload whose serial moved forward, `diffSnapshots` compares the old and the new
// snapshot node by node and RRset by RRset (RDATA compared in canonical form, RFC 4034 §6.2, so a
// change of case in an embedded name is no change, as the loader already treats it); a TTL change
// deletes the old RRs and adds them again with the new TTL. One entry = one serial step. Entries
// form a chain (each `from` is the previous `to`, the last `to` is the served serial); anything
// that breaks the chain (serial going back, content changed under the same serial, a zone file
// edited while we were down) empties the journal: the next IXFR falls back to a full transfer.
//
// The journal is bounded in entries and octets; the oldest entries go first. With a state
// directory it is written to disk after every change (state/atomic-write.ts: temp file, fsync,
// rename, fsync of the directory; a crash leaves the old or the new file, never half of one), so a
// restart keeps it. Whether a restart may still use it is decided against the zone's state file
// (state/zone-state.ts; see xfr/service.ts).
//
// File format (all integers big-endian):
//   "ZDNSJRN1"  u8 origin length, origin (wire)  u32 entry count
//   entry:      u32 from  u32 to  soa(old)  soa(new)  u32 deleted RRsets  rrset*  u32 added RRsets  rrset*
//   soa:        u32 ttl  u16 rdlength  rdata
//   rrset:      u8 owner length  owner  u16 type  u32 ttl  u16 count  (u16 rdlength  rdata)*
//   u32 CRC-32 of everything before it

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { readU16 } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import { NodeTable } from '../zone/node-table.js';
import type { RRset, ZoneNode, ZoneSnapshot } from '../zone/snapshot.js';
import { removeStaleTemps, writeFileAtomic } from '../state/atomic-write.js';
import { zoneFileStem } from '../state/zone-state.js';

/** The records one serial step removed and added (the SOA is not among them). */
export interface ZoneDiff {
  readonly deleted: readonly RRset[];
  readonly added: readonly RRset[];
}

/** One serial step: `from` -> `to`. */
export interface JournalEntry extends ZoneDiff {
  readonly from: number;
  readonly to: number;
  readonly oldSoa: RRset;
  readonly newSoa: RRset;
  /** Uncompressed wire size of the records, for the journal's octet bound. */
  readonly size: number;
}

export interface JournalLimits {
  /** Entries kept (serial steps). */
  readonly maxEntries: number;
  /** Octets of records kept (uncompressed wire size). */
  readonly maxBytes: number;
}

/** Enough for a busy zone's last day or so of edits without holding a second copy of a big zone. */
export const DEFAULT_JOURNAL_LIMITS: JournalLimits = { maxEntries: 100, maxBytes: 16 << 20 };

// ------------------------------------------------------------------------------------ diff

/** RRSIG sets are one per covered type (RFC 4034 §3): the key tells them apart. */
function setKey(set: RRset): number {
  if (set.type === RRType.RRSIG && set.rdata.length > 0 && set.rdata[0]!.length >= 2) return RRType.RRSIG * 0x10000 + readU16(set.rdata[0]!, 0);
  return set.type * 0x10000;
}

function sameRdata(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares one RRset in two versions, appending what went and what came. */
function diffRRset(old: RRset | undefined, next: RRset | undefined, deleted: RRset[], added: RRset[]): void {
  if (old === next) return;
  if (old === undefined) {
    added.push(next!);
    return;
  }
  if (next === undefined) {
    deleted.push(old);
    return;
  }
  if (old.ttl === next.ttl && sameRdata(old.rdata, next.rdata)) return;
  if (old.ttl !== next.ttl) {
    // A TTL change is a change of every RR: IXFR carries TTLs only with added RRs.
    deleted.push(old);
    added.push(next);
    return;
  }
  const type = old.type;
  const oldKeys = new Set(old.rdata.map((r) => canonicalRdata(type, r)));
  const nextKeys = new Set(next.rdata.map((r) => canonicalRdata(type, r)));
  const gone = old.rdata.filter((r) => !nextKeys.has(canonicalRdata(type, r)));
  const came = next.rdata.filter((r) => !oldKeys.has(canonicalRdata(type, r)));
  if (gone.length > 0) deleted.push({ owner: old.owner, type, ttl: old.ttl, rdata: gone });
  if (came.length > 0) added.push({ owner: next.owner, type, ttl: next.ttl, rdata: came });
}

function diffNode(old: ZoneNode | undefined, next: ZoneNode | undefined, isApex: boolean, deleted: RRset[], added: RRset[]): void {
  if (old === next) return;
  // Fast path, the common case on a reload: the same RRsets in the same order (RRSIG sets of the
  // same covered types line up too, since their RDATA is compared whole).
  let o = old?.firstSet;
  let n = next?.firstSet;
  while (o !== undefined && n !== undefined && o.type === n.type && o.ttl === n.ttl && sameRdata(o.rdata, n.rdata)) {
    o = o.next;
    n = n.next;
  }
  if (o === undefined && n === undefined) return;
  const oldSets = old?.rrsets ?? [];
  const nextSets = next?.rrsets ?? [];
  // The apex SOA is the journal entry's own (oldSoa/newSoa), never part of the differences.
  const skip = (s: RRset) => isApex && s.type === RRType.SOA;
  // Nodes hold a handful of RRsets: a linear match is cheaper than building maps.
  const matched = new Set<RRset>();
  for (const n of nextSets) {
    if (skip(n)) continue;
    const key = setKey(n);
    let o: RRset | undefined;
    for (const s of oldSets) if (!matched.has(s) && !skip(s) && setKey(s) === key) { o = s; break; }
    if (o !== undefined) matched.add(o);
    diffRRset(o, n, deleted, added);
  }
  for (const o of oldSets) if (!matched.has(o) && !skip(o)) diffRRset(o, undefined, deleted, added);
}

/**
 * A snapshot's nodes, and one by name, without making for good the nodes of a zone that came
 * packed (NodeTable.peek): a diff touches every node once, and most are never asked for again.
 */
function walk(nodes: ReadonlyMap<Name, ZoneNode>): Iterator<ZoneNode> {
  return nodes instanceof NodeTable ? (nodes as NodeTable<ZoneNode>).peekValues() : nodes.values();
}

function find(nodes: ReadonlyMap<Name, ZoneNode>, key: Name): ZoneNode | undefined {
  return nodes instanceof NodeTable ? (nodes as NodeTable<ZoneNode>).find(key) : nodes.get(key);
}

/** What changed from `old` to `next` (same zone), apex SOA excepted. */
export function diffSnapshots(old: ZoneSnapshot, next: ZoneSnapshot): ZoneDiff {
  const diff = new SnapshotDiff(old, next);
  diff.step(Infinity);
  return diff.result();
}

/**
 * diffSnapshots in steps, for the thread that answers: two separately loaded versions of the
 * 1M-record bench zone take ~400 ms to compare, far too long to hold queries. `step(deadline)`
 * compares until `deadline` (performance.now() ms); true when done.
 */
export class SnapshotDiff {
  private readonly deleted: RRset[] = [];
  private readonly added: RRset[] = [];
  private found = 0;
  /** First pass: every new node against its old one; second: old nodes that are gone. */
  private pass: 1 | 2 | 3 = 1;
  private iterator: Iterator<ZoneNode>;

  constructor(private readonly old: ZoneSnapshot, private readonly next: ZoneSnapshot) {
    this.iterator = walk(next.nodes);
  }

  step(deadline: number): boolean {
    const { old, next, deleted, added } = this;
    const apexKey = next.originKey;
    let untilClock = 256;
    while (this.pass !== 3) {
      const r = this.iterator.next();
      if (r.done === true) {
        // Nodes that are gone: only worth a second pass when some old node was not matched.
        if (this.pass === 1 && this.found !== old.nodes.size) {
          this.pass = 2;
          this.iterator = walk(old.nodes);
        } else {
          this.pass = 3;
        }
        continue;
      }
      const node = r.value;
      const key = nameKey(node.name);
      if (this.pass === 1) {
        const before = find(old.nodes, key);
        if (before !== undefined) this.found++;
        diffNode(before, node, key === apexKey, deleted, added);
      } else if (find(next.nodes, key) === undefined) {
        diffNode(node, undefined, key === apexKey, deleted, added);
      }
      if (--untilClock === 0) {
        untilClock = 256;
        if (performance.now() >= deadline) return false;
      }
    }
    return true;
  }

  result(): ZoneDiff {
    return { deleted: this.deleted, added: this.added };
  }
}

function setsSize(sets: readonly RRset[]): number {
  let n = 0;
  for (const s of sets) for (const r of s.rdata) n += s.owner.length + 10 + r.length;
  return n;
}

export function makeEntry(oldSoa: RRset, newSoa: RRset, from: number, to: number, diff: ZoneDiff): JournalEntry {
  const soaSize = oldSoa.owner.length * 2 + 20 + oldSoa.rdata[0]!.length + newSoa.rdata[0]!.length;
  return { from: from >>> 0, to: to >>> 0, oldSoa, newSoa, deleted: diff.deleted, added: diff.added, size: soaSize + setsSize(diff.deleted) + setsSize(diff.added) };
}

/** The journal entry for a reload from `old` to `next`. */
export function entryBetween(old: ZoneSnapshot, next: ZoneSnapshot): JournalEntry {
  return makeEntry(old.soa, next.soa, old.serial, next.serial, diffSnapshots(old, next));
}

// ------------------------------------------------------------------------------------ journal

export class Journal {
  private list: JournalEntry[] = [];
  private octets = 0;
  private clears = 0;

  /**
   * @param file where the journal is persisted; undefined keeps it in memory only
   */
  constructor(
    readonly origin: Name,
    readonly limits: JournalLimits = DEFAULT_JOURNAL_LIMITS,
    readonly file: string | undefined = undefined,
  ) {}

  /** Oldest first. The array is replaced, never changed in place: a caller may keep it. */
  get entries(): readonly JournalEntry[] {
    return this.list;
  }

  get bytes(): number {
    return this.octets;
  }

  /** Serial of the newest version the journal leads to, if any. */
  get lastSerial(): number | undefined {
    return this.list.length === 0 ? undefined : this.list[this.list.length - 1]!.to;
  }

  /**
   * Adds one step. If it does not continue the chain (its `from` is not the last `to`), the older
   * entries are useless and go. Trims to the limits, then persists. Returns entries dropped.
   */
  append(entry: JournalEntry): number {
    let dropped = 0;
    let list = this.list;
    if (list.length > 0 && list[list.length - 1]!.to !== entry.from) {
      dropped = list.length;
      list = [];
      this.octets = 0;
    } else {
      list = list.slice();
    }
    list.push(entry);
    this.octets += entry.size;
    while (list.length > 0 && (list.length > this.limits.maxEntries || this.octets > this.limits.maxBytes)) {
      this.octets -= list.shift()!.size;
      dropped++;
    }
    this.list = list;
    this.save();
    return dropped;
  }

  /**
   * Counts clear()s: an entry computed before one (the service computes entries in steps) no
   * longer leads to what is served, and is dropped rather than appended.
   */
  get generation(): number {
    return this.clears;
  }

  /** Empties the journal (and its file). */
  clear(): void {
    this.clears++;
    if (this.list.length === 0 && this.octets === 0) return;
    this.list = [];
    this.octets = 0;
    this.save();
  }

  /**
   * The entries that take a client at `serial` to the newest version, oldest first; undefined when
   * `serial` is not where any entry starts (too old, never ours, or already current).
   */
  since(serial: number): readonly JournalEntry[] | undefined {
    const list = this.list;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.from === serial >>> 0) return list.slice(i);
    return undefined;
  }

  /** Writes the journal to its file (no-op without one). Throws on I/O errors. */
  save(): void {
    if (this.file === undefined) return;
    writeFileAtomic(this.file, encodeJournal(this.origin, this.list));
  }

  /**
   * Reads a journal file. A missing file is an empty journal; an unreadable, corrupt or foreign one
   * is reported through `problem` and treated as empty (IXFR falls back to AXFR, nothing breaks).
   */
  static open(origin: Name, file: string | undefined, limits: JournalLimits = DEFAULT_JOURNAL_LIMITS, problem?: (why: string) => void): Journal {
    const j = new Journal(origin, limits, file);
    if (file === undefined) return j;
    removeStaleTemps(file);
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problem?.(`cannot read journal: ${(e as Error).message}`);
      return j;
    }
    try {
      const decoded = decodeJournal(data);
      if (nameKey(decoded.origin) !== nameKey(origin)) {
        problem?.(`journal is for ${nameToText(decoded.origin)}, not ${nameToText(origin)}`);
        return j;
      }
      // Only an unbroken chain ending at the newest entry is of use.
      let start = 0;
      for (let i = 1; i < decoded.entries.length; i++) if (decoded.entries[i - 1]!.to !== decoded.entries[i]!.from) start = i;
      const entries = decoded.entries.slice(start);
      j.list = [];
      for (const e of entries) {
        j.list.push(e);
        j.octets += e.size;
      }
      while (j.list.length > 0 && (j.list.length > limits.maxEntries || j.octets > limits.maxBytes)) j.octets -= j.list.shift()!.size;
    } catch (e) {
      problem?.(`journal file is damaged, starting empty: ${(e as Error).message}`);
    }
    return j;
  }
}

/** `<stateDir>/<zone>.journal`, beside the zone's state file (state/zone-state.ts). */
export function journalPath(stateDir: string, origin: Name): string {
  return join(stateDir, `${zoneFileStem(origin)}.journal`);
}

// ------------------------------------------------------------------------------------ codec

const MAGIC = 'ZDNSJRN1';

class Out {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  u8(v: number): void { this.room(1); this.buf[this.pos++] = v; }
  u16(v: number): void { this.room(2); this.buf.writeUInt16BE(v, this.pos); this.pos += 2; }
  u32(v: number): void { this.room(4); this.buf.writeUInt32BE(v >>> 0, this.pos); this.pos += 4; }
  bytes(s: string): void { this.room(s.length); this.pos += this.buf.write(s, this.pos, 'latin1'); }
}

class In {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly end: number) {}
  private need(n: number): void { if (this.pos + n > this.end) throw new Error('journal file ends early'); }
  u8(): number { this.need(1); return this.buf[this.pos++]!; }
  u16(): number { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  bytes(n: number): string { this.need(n); const s = this.buf.toString('latin1', this.pos, this.pos + n); this.pos += n; return s; }
}

function writeSets(out: Out, sets: readonly RRset[]): void {
  out.u32(sets.length);
  for (const s of sets) {
    out.u8(s.owner.length);
    out.bytes(s.owner);
    out.u16(s.type);
    out.u32(s.ttl);
    out.u16(s.rdata.length);
    for (const r of s.rdata) {
      out.u16(r.length);
      out.bytes(r);
    }
  }
}

function readSets(inp: In): RRset[] {
  const n = inp.u32();
  const sets: RRset[] = [];
  for (let i = 0; i < n; i++) {
    const owner = inp.bytes(inp.u8()) as Name;
    const type = inp.u16();
    const ttl = inp.u32();
    const count = inp.u16();
    const rdata: string[] = new Array(count);
    for (let k = 0; k < count; k++) rdata[k] = inp.bytes(inp.u16());
    sets.push({ owner, type, ttl, rdata });
  }
  return sets;
}

export function encodeJournal(origin: Name, entries: readonly JournalEntry[]): Buffer {
  const out = new Out();
  out.bytes(MAGIC);
  out.u8(origin.length);
  out.bytes(origin);
  out.u32(entries.length);
  for (const e of entries) {
    out.u32(e.from);
    out.u32(e.to);
    for (const soa of [e.oldSoa, e.newSoa]) {
      out.u32(soa.ttl);
      out.u16(soa.rdata[0]!.length);
      out.bytes(soa.rdata[0]!);
    }
    writeSets(out, e.deleted);
    writeSets(out, e.added);
  }
  const body = out.buf.subarray(0, out.pos);
  out.u32(crc32(body));
  return out.buf.subarray(0, out.pos);
}

export function decodeJournal(data: Buffer): { origin: Name; entries: JournalEntry[] } {
  if (data.length < MAGIC.length + 4 || data.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a zonedns journal');
  const end = data.length - 4;
  if (crc32(data.subarray(0, end)) !== data.readUInt32BE(end)) throw new Error('checksum mismatch');
  const inp = new In(data, end);
  inp.bytes(MAGIC.length);
  const origin = inp.bytes(inp.u8()) as Name;
  const count = inp.u32();
  const entries: JournalEntry[] = [];
  for (let i = 0; i < count; i++) {
    const from = inp.u32();
    const to = inp.u32();
    const soas: RRset[] = [];
    for (let k = 0; k < 2; k++) {
      const ttl = inp.u32();
      soas.push({ owner: origin, type: RRType.SOA, ttl, rdata: [inp.bytes(inp.u16())] });
    }
    const deleted = readSets(inp);
    const added = readSets(inp);
    entries.push(makeEntry(soas[0]!, soas[1]!, from, to, { deleted, added }));
  }
  if (inp.pos !== end) throw new Error('trailing data');
  return { origin, entries };
}
