// IXFR out (RFC 1995): a client that has serial N gets only what changed since N, from the journal.
//
// The answer (RFC 1995 §4), in one or more messages over TCP:
//   SOA(current)  then per difference sequence: SOA(old) deletions... SOA(new) additions...  then SOA(current)
// - client serial equal to ours (or newer, RFC 1982): the current SOA alone (§2 "up to date");
// - client serial where a journal entry starts: the differences from there (condensed into one
//   sequence, RFC 1995 §6, so a record added and removed again in between never travels);
// - anything else (older than the journal, never ours, no journal): the whole zone, "AXFR-style"
//   (§4: SOA, every record, SOA; the client tells it apart because the second RR is not an SOA).
//   The same when the differences are larger than the zone itself (Knot does this too).
// Over UDP (§2): the answer if it fits in one message, else the current SOA alone, which tells the
// client to retry over TCP (BIND and Knot answer so).

import { nameKey, type Name } from '../dns/name.js';
import { readU16, u16 } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { serialGreater } from '../dns/serial.js';
import type { DecodedQuery, RR } from '../wire/index.js';
import type { RRset, ZoneSnapshot } from '../zone/snapshot.js';
import { axfrRecords, MessagePacker, packMessages, rrsOf, type TransferStats, type TransferStreamOptions } from './axfr.js';
import { makeEntry, type Journal, type JournalEntry } from './journal.js';

export type IxfrPlan =
  | { readonly kind: 'current' }
  | { readonly kind: 'incremental'; readonly entries: readonly JournalEntry[] }
  | { readonly kind: 'full'; readonly reason: string };

/** Records a list of entries carries (deleted + added, SOAs not counted). */
export function entryRecords(entries: readonly JournalEntry[]): number {
  let n = 0;
  for (const e of entries) {
    for (const s of e.deleted) n += s.rdata.length;
    for (const s of e.added) n += s.rdata.length;
  }
  return n;
}

/** Decides how to answer an IXFR from `clientSerial`, given the served snapshot and its journal. */
export function planIxfr(snapshot: ZoneSnapshot, journal: Journal | undefined, clientSerial: number, opts: { condense?: boolean } = {}): IxfrPlan {
  const ours = snapshot.serial >>> 0;
  const theirs = clientSerial >>> 0;
  if (theirs === ours || serialGreater(theirs, ours)) return { kind: 'current' };
  const found = journal?.since(theirs);
  if (found === undefined || found.length === 0) return { kind: 'full', reason: journal === undefined || journal.entries.length === 0 ? 'no journal' : `serial ${theirs} is not in the journal` };
  // The journal must lead to exactly what we serve (ZoneManager keeps it so; be sure anyway).
  if (found[found.length - 1]!.to !== ours) return { kind: 'full', reason: 'journal does not end at the served serial' };
  const entries = opts.condense === false ? found : [condense(found)];
  if (entryRecords(entries) >= snapshot.recordCount) return { kind: 'full', reason: 'the differences are larger than the zone' };
  return { kind: 'incremental', entries };
}

// ------------------------------------------------------------------------------------ condensing

interface Rec {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  readonly rdata: string;
}

/** Regroups records into RRsets (same owner, type, TTL and, for RRSIG, covered type), keeping first-seen order. */
function group(recs: readonly Rec[]): RRset[] {
  const sets = new Map<string, { owner: Name; type: number; ttl: number; rdata: string[] }>();
  for (const r of recs) {
    const covered = r.type === RRType.RRSIG && r.rdata.length >= 2 ? readU16(r.rdata, 0) : 0;
    const key = nameKey(r.owner) + u16(r.type) + u16(covered) + String(r.ttl);
    let s = sets.get(key);
    if (s === undefined) sets.set(key, (s = { owner: r.owner, type: r.type, ttl: r.ttl, rdata: [] }));
    s.rdata.push(r.rdata);
  }
  return [...sets.values()];
}

/**
 * One entry equivalent to applying `entries` in order (RFC 1995 §6): records deleted then added
 * back unchanged cancel out, records added then deleted never appear. A record is its owner, type
 * and canonical RDATA; its TTL travels with it (a changed TTL is a deletion and an addition).
 */
export function condense(entries: readonly JournalEntry[]): JournalEntry {
  if (entries.length === 0) throw new RangeError('condense: no entries');
  if (entries.length === 1) return entries[0]!;
  // Per record: the version the client has (del) and the version it must end with (add).
  const state = new Map<string, { del?: Rec; add?: Rec }>();
  const keyOf = (owner: Name, type: number, rdata: string) => nameKey(owner) + u16(type) + canonicalRdata(type, rdata);
  for (const e of entries) {
    for (const s of e.deleted) {
      for (const rdata of s.rdata) {
        const k = keyOf(s.owner, s.type, rdata);
        const st = state.get(k);
        if (st?.add !== undefined) {
          // Added by an earlier step (or re-added): the client never had this version.
          st.add = undefined;
          if (st.del === undefined) state.delete(k);
        } else if (st === undefined) {
          state.set(k, { del: { owner: s.owner, type: s.type, ttl: s.ttl, rdata } });
        }
        // st.del set and no add: deleting twice cannot happen in a valid chain; keep the first.
      }
    }
    for (const s of e.added) {
      for (const rdata of s.rdata) {
        const k = keyOf(s.owner, s.type, rdata);
        const rec = { owner: s.owner, type: s.type, ttl: s.ttl, rdata };
        const st = state.get(k);
        if (st === undefined) state.set(k, { add: rec });
        else st.add = rec;
      }
    }
  }
  const deleted: Rec[] = [];
  const added: Rec[] = [];
  for (const st of state.values()) {
    // Deleted and added back as it was: nothing changed for the client.
    if (st.del !== undefined && st.add !== undefined && st.del.ttl === st.add.ttl && st.del.rdata === st.add.rdata) continue;
    if (st.del !== undefined) deleted.push(st.del);
    if (st.add !== undefined) added.push(st.add);
  }
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return makeEntry(first.oldSoa, last.newSoa, first.from, last.to, { deleted: group(deleted), added: group(added) });
}

// ------------------------------------------------------------------------------------ answers

/** The RRsets of an incremental answer, in order (RFC 1995 §4). */
export function* ixfrRecords(snapshot: ZoneSnapshot, entries: readonly JournalEntry[]): Generator<RR[], void, undefined> {
  const cls = snapshot.class;
  const current = rrsOf(snapshot.soa, cls);
  yield current;
  for (const e of entries) {
    yield rrsOf(e.oldSoa, cls);
    for (const s of e.deleted) yield rrsOf(s, cls);
    yield rrsOf(e.newSoa, cls);
    for (const s of e.added) yield rrsOf(s, cls);
  }
  yield current;
}

/** The messages answering an IXFR over TCP with `plan`. */
export function ixfrMessages(snapshot: ZoneSnapshot, query: DecodedQuery, plan: IxfrPlan, opts: TransferStreamOptions = {}, stats?: TransferStats): Generator<Buffer, void, undefined> {
  switch (plan.kind) {
    case 'current':
      return packMessages([rrsOf(snapshot.soa, snapshot.class)], query, opts, stats);
    case 'incremental':
      return packMessages(ixfrRecords(snapshot, plan.entries), query, opts, stats);
    case 'full':
      return packMessages(axfrRecords(snapshot), query, opts, stats);
    default: {
      const unreachable: never = plan;
      throw new Error(`unhandled IXFR plan ${(unreachable as IxfrPlan).kind}`);
    }
  }
}

/**
 * The one message answering an IXFR over UDP: the incremental answer when it fits in `maxSize`,
 * else the current SOA alone ("use TCP", RFC 1995 §2). A full transfer never goes over UDP.
 */
export function ixfrUdpMessage(snapshot: ZoneSnapshot, query: DecodedQuery, plan: IxfrPlan, maxSize: number, opts: TransferStreamOptions = {}): Buffer {
  const soaOnly = () => {
    const p = new MessagePacker(query, { ...opts, maxMessageSize: maxSize });
    p.put(rrsOf(snapshot.soa, snapshot.class));
    return p.end();
  };
  if (plan.kind !== 'incremental') return soaOnly();
  const p = new MessagePacker(query, { ...opts, maxMessageSize: maxSize, sign: undefined });
  try {
    for (const rrs of ixfrRecords(snapshot, plan.entries)) {
      const done = p.put(rrs);
      if (done !== undefined && done.length > 0) return soaOnly();
    }
  } catch (e) {
    if (e instanceof RangeError) return soaOnly(); // one record larger than the UDP limit
    throw e;
  }
  const msg = p.end();
  return opts.sign !== undefined ? opts.sign(msg, 0) : msg;
}
