// Helpers of buildSnapshot (build.ts): the mutable shapes it builds (the snapshot's own, so
// nothing is copied at the end), exact-size appends, and where diagnostics point.

import { readU16, type Bytes } from '../dns/bytes.js';
import { MAX_LABEL, MAX_NAME, RRType } from '../dns/constants.js';
import { nameKey, type Name } from '../dns/name.js';
import { ErrorCode } from '../errors.js';
import type { Diagnostic, DroppedRecord, Severity, ZoneRecord } from './record.js';
import type { PackedRRset, SnapshotNode } from './snapshot.js';

/** A ZoneNode while it is built: the snapshot's own class, written through its fields. */
export type BuildNode = SnapshotNode;

/** An RRset while it is built: the snapshot's own class, written through `r`. */
export type BuildSet = PackedRRset;

/**
 * RRsets smaller than this grow by exact-size copies and find duplicates by a linear scan; from
 * this size on they grow by push (trimmed once at the end) and keep a Set of canonical RDATA.
 */
export const BIG_RRSET = 16;

/** `arr` plus `x` as a new array of exactly `n + 1` elements (`n` is arr.length). */
export function appendExact<T>(arr: readonly T[], x: T, n: number): T[] {
  switch (n) {
    case 0: return [x];
    case 1: return [arr[0], x];
    case 2: return [arr[0], arr[1], x];
    case 3: return [arr[0], arr[1], arr[2], x];
    default: return arr.concat([x]);
  }
}

/** The type an RRSIG covers (its RRset is per covered type, RFC 4034 §3); 0 when too short. */
export function coveredType(rdata: Bytes): number {
  return rdata.length >= 2 ? readU16(rdata, 0) : 0;
}

/**
 * `isSubdomain(name, origin)` for a case-folded `key`, without allocating: true if `name` is
 * `key` or below it, on label boundaries, ASCII case-insensitively.
 */
export function isAtOrBelow(name: Name, key: Name): boolean {
  const skip = name.length - key.length;
  if (skip < 0) return false;
  let i = 0;
  while (i < skip) i += name.charCodeAt(i) + 1;
  return i === skip && isAtOrBelowAt(name, skip, key);
}

/** True if s[at, at + key.length) is `key` (a case-folded name), ASCII case-insensitively. */
export function isAtOrBelowAt(s: string, at: number, key: Name): boolean {
  if (at < 0 || at + key.length > s.length) return false;
  for (let j = 0; j < key.length; j++) {
    let c = s.charCodeAt(at + j);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c !== key.charCodeAt(j)) return false;
  }
  return true;
}

/**
 * Where the uncompressed name at `offset` in `data` ends (the index after its root label), or -1
 * where readName would throw (past the end, a label over 63 octets, a name over 255).
 */
export function nameEnd(data: Bytes, offset: number): number {
  let i = offset;
  for (;;) {
    if (i >= data.length) return -1;
    const len = data.charCodeAt(i);
    if (len === 0) break;
    if (len > MAX_LABEL) return -1;
    i += len + 1;
  }
  i += 1;
  return i - offset > MAX_NAME ? -1 : i;
}

/** The RRset a record of `type` with `rdata` belongs to, in the chain from `set` (see PackedRRset.next). */
export function findSet(set: BuildSet | undefined, type: number, rdata: Bytes): BuildSet | undefined {
  if (type === RRType.RRSIG) {
    // Each covered type's signatures are their own RRset (RFC 4034 §3).
    const covered = coveredType(rdata);
    for (let s = set; s !== undefined; s = s.next) if (s.type === type && coveredType(s.first) === covered) return s;
    return undefined;
  }
  for (let s = set; s !== undefined; s = s.next) if (s.type === type) return s;
  return undefined;
}

/** findSet among sets[0, n). */
export function findSetIn(sets: readonly BuildSet[], n: number, type: number, rdata: Bytes): BuildSet | undefined {
  if (type === RRType.RRSIG) {
    const covered = coveredType(rdata);
    for (let k = 0; k < n; k++) {
      const s = sets[k];
      if (s.type === type && coveredType(s.first) === covered) return s;
    }
    return undefined;
  }
  for (let k = 0; k < n; k++) if (sets[k].type === type) return sets[k];
  return undefined;
}

/** Where a record is. */
export interface Place {
  file: string;
  line: number;
}

/** Visits every record of the zone again, in the order the builder saw them. */
export type Replay = (visit: (rec: ZoneRecord) => void) => void;

interface Pending {
  diagnostic: Diagnostic;
  set: BuildSet;
  /** The record the diagnostic points at; undefined: the first record of `set`. */
  at: Place | undefined;
  /** When set, the message is `message + <line of the set's first record> + after`. */
  after: string | undefined;
  /** When set, the diagnostic points at this record of `set` (its RDATA), not the first. */
  record?: Bytes;
}

/**
 * Diagnostics about RRsets, which point at a record of the set (its first, unless told). RRsets
 * do not carry their position (it would cost a field in each of a million snapshot objects), and
 * the records are not kept (they stream from the parser), so each diagnostic is added in its place
 * with the position left blank, and `resolve` fills them in by replaying the records once (for a
 * file: parsing it again), only when there is something to report.
 */
export class PositionResolver {
  private pending: Pending[] = [];

  constructor(
    private readonly replay: Replay,
    private readonly originKey: Name,
    private readonly diagnostics: Diagnostic[],
  ) {}

  /**
   * Adds a ZONE_SEMANTIC diagnostic about `set` at `at` (undefined: the set's first record). With
   * `after`, the message is `message`, the line of the set's first record, then `after`.
   */
  report(severity: Severity, set: BuildSet, at: Place | undefined, message: string, after?: string): void {
    const diagnostic: Diagnostic = { severity, code: ErrorCode.ZONE_SEMANTIC, file: '', line: 0, message };
    this.diagnostics.push(diagnostic);
    this.pending.push({ diagnostic, set, at, after });
  }

  /** Adds a ZONE_SEMANTIC diagnostic about the record of `set` whose RDATA is `record`. */
  reportRecord(severity: Severity, set: BuildSet, record: Bytes, message: string): void {
    const diagnostic: Diagnostic = { severity, code: ErrorCode.ZONE_SEMANTIC, file: '', line: 0, message };
    this.diagnostics.push(diagnostic);
    this.pending.push({ diagnostic, set, at: undefined, after: undefined, record });
  }

  /** Fills in file, line (and messages) of the diagnostics reported so far. */
  resolve(nodes: ReadonlyMap<Name, BuildNode>): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    const first = new Map<BuildSet, Place | undefined>();
    /** Per RRset, the records diagnostics point at, and where each is once found. */
    const records = new Map<BuildSet, Map<Bytes, Place | undefined>>();
    const owners = new Set<Name>();
    let remaining = 0;
    for (const p of pending) {
      if (p.record !== undefined) {
        let wanted = records.get(p.set);
        if (wanted === undefined) records.set(p.set, (wanted = new Map()));
        if (!wanted.has(p.record)) remaining++;
        wanted.set(p.record, undefined);
      } else if (p.at === undefined || p.after !== undefined) {
        if (!first.has(p.set)) remaining++;
        first.set(p.set, undefined);
      } else {
        continue;
      }
      owners.add(nameKey(p.set.owner));
    }
    if (remaining > 0) {
      let lastOwner: Name | undefined;
      let node: BuildNode | undefined;
      this.replay((rec) => {
        if (remaining === 0) return;
        if (rec.owner !== lastOwner) {
          lastOwner = rec.owner;
          node = undefined;
          if (isAtOrBelow(rec.owner, this.originKey)) {
            const key = nameKey(rec.owner);
            if (owners.has(key)) node = nodes.get(key);
          }
        }
        if (node === undefined) return;
        const set = findSet(node.firstSet, rec.type, rec.rdata);
        if (set === undefined) return;
        if (first.has(set) && first.get(set) === undefined) {
          first.set(set, { file: rec.file, line: rec.line });
          remaining--;
        }
        const wanted = records.get(set);
        if (wanted !== undefined && wanted.has(rec.rdata) && wanted.get(rec.rdata) === undefined) {
          wanted.set(rec.rdata, { file: rec.file, line: rec.line });
          remaining--;
        }
      });
    }
    for (const p of pending) {
      // A replay that no longer matches (the file changed on disk meanwhile) leaves line 0.
      const f = (p.record !== undefined ? records.get(p.set)?.get(p.record) : first.get(p.set)) ?? { file: p.at?.file ?? '', line: 0 };
      const at = p.at ?? f;
      p.diagnostic.file = at.file;
      p.diagnostic.line = at.line;
      if (p.after !== undefined) p.diagnostic.message += f.line + p.after;
    }
    this.pending = [];
  }
}

/** Whether one of the refused records could have been of one of `types` at `name`. */
export function mayBeDropped(dropped: readonly DroppedRecord[] | undefined, name: Name, ...types: number[]): boolean {
  if (dropped === undefined) return false;
  for (const d of dropped) {
    if (d.owner !== undefined && nameKey(d.owner) !== nameKey(name)) continue;
    if (d.type === undefined || types.includes(d.type)) return true;
  }
  return false;
}
