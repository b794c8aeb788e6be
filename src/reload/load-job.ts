// One zone load as the load worker runs it (load-worker.ts), off the thread that answers:
//
//   [unchanged?] -> read + parse + validate (zone/load.ts, within the zone's limits; a signed
//                   zone's DNSSEC checks, dnssec/verify-zone.ts, as warnings at file:line)
//                -> served serial (asked of the main thread: its serial policy and state)
//                -> packed snapshot to the main thread, in segments (zone/packed.ts)
//                -> after it, its canonical order (zone/canonical-nodes.ts), for AXFR
//
// Signing ("dnssec" zones) comes after, on the main thread's side: the ZoneStage of zones.ts
// (dnssec/zone-signer.ts, whose signatures are made in its own worker pool).
//
// Written against a JobChannel rather than a MessagePort so that it runs the same in a worker
// and in a test.

import type { Name } from '../dns/name.js';
import { dnssecChecks } from '../dnssec/verify-zone.js';
import { withServedSerial } from '../zone/build.js';
import { canonicalIndexOrder } from '../zone/canonical-nodes.js';
import type { ZoneLimits } from '../zone/limits.js';
import { loadZoneFile } from '../zone/load.js';
import { packHead, packNodes, transferables, type PackedHead, type PackedSegment } from '../zone/packed.js';
import type { Diagnostic } from '../zone/record.js';
import { FingerprintCollector, fingerprintOf } from './fingerprint.js';

export interface LoadRequest {
  /** The zone file. */
  file: string;
  /** The zone's origin when configured (else found from the file, see zone/load.ts). */
  origin?: Name;
  limits: ZoneLimits;
  /**
   * When these files still have this fingerprint (the last attempt's), the load is skipped and
   * the answer is `unchanged` (a rescan of the zones directory after an unrelated change).
   */
  unlessUnchanged?: { files: readonly string[]; fingerprint: string };
  /**
   * Find the snapshot's canonical order too (after it is sent), for AXFR: only for a zone that
   * some client may transfer. Sorting the 1M-record zone keeps the worker busy ~1 s after the swap
   * with a heap twice as big, and the thread that answers paid for it in GC pauses of 80-130 ms.
   */
  canonicalOrder?: boolean;
}

/** What a load found, whether or not it made a snapshot. */
export interface LoadOutcome {
  /** Parse, validation and DNSSEC check diagnostics; at most MAX_SENT_DIAGNOSTICS of them. */
  diagnostics: Diagnostic[];
  /** How many more there were (not sent: logging 100,000 warnings would stall the server too). */
  omitted: number;
  /** The origin the zone was built with, when one could be found. */
  origin: Name | undefined;
  /** Every file read, in order (the zone file and its includes). */
  files: string[];
  /** Fingerprint of everything read (fingerprint.ts). */
  fingerprint: string;
}

/** Messages from a job to the thread that asked for it, in this order. */
export type JobMessage =
  | { kind: 'unchanged' }
  /** Asks for the serial to serve (answered through JobChannel.servedSerial). */
  | { kind: 'serial?'; fileSerial: number; origin: Name; fingerprint: string }
  /** The outcome; `head` when there is a snapshot, whose nodes follow in segments. */
  | { kind: 'loaded'; outcome: LoadOutcome; head?: PackedHead }
  | { kind: 'segment'; segment: PackedSegment }
  /** Every segment was sent. */
  | { kind: 'end' }
  /** After `end`: the snapshot's canonical order (zone/canonical-nodes.ts canonicalIndexOrder). */
  | { kind: 'order'; order: Int32Array<ArrayBuffer> };

export interface JobChannel {
  send(message: JobMessage, transfer?: ArrayBuffer[]): void;
  /** The serial to serve for the file's (sends `serial?` and waits for the answer). */
  servedSerial(fileSerial: number, origin: Name, fingerprint: string): Promise<number>;
  /** True once the load is no longer wanted: the job then stops where it is and sends nothing more. */
  cancelled(): boolean;
}

export const MAX_SENT_DIAGNOSTICS = 200;

export async function runLoadJob(req: LoadRequest, channel: JobChannel): Promise<void> {
  if (req.unlessUnchanged !== undefined && fingerprintOf(req.unlessUnchanged.files, req.limits.maxZoneBytes) === req.unlessUnchanged.fingerprint) {
    channel.send({ kind: 'unchanged' });
    return;
  }
  const read = new FingerprintCollector();
  const loaded = loadZoneFile(req.file, { origin: req.origin, onRead: read.onRead, limits: req.limits, cancelled: channel.cancelled, inspect: dnssecChecks() });
  if (channel.cancelled()) return;
  const fingerprint = read.fingerprint();
  const { diagnostics } = loaded;
  let snapshot = loaded.snapshot;
  if (snapshot !== undefined) {
    const serial = await channel.servedSerial(snapshot.serial, snapshot.origin, fingerprint);
    if (channel.cancelled()) return;
    if (serial >>> 0 !== snapshot.serial) snapshot = withServedSerial(snapshot, serial);
  }
  const outcome: LoadOutcome = {
    diagnostics: diagnostics.slice(0, MAX_SENT_DIAGNOSTICS),
    omitted: Math.max(0, diagnostics.length - MAX_SENT_DIAGNOSTICS),
    origin: loaded.origin,
    files: snapshot === undefined ? read.files() : [...snapshot.files],
    fingerprint,
  };
  if (snapshot === undefined) {
    channel.send({ kind: 'loaded', outcome });
    return;
  }
  // The table's index goes first, moved rather than copied: packing the nodes needs only the
  // nodes array, not the index.
  const head = packHead(snapshot);
  channel.send({ kind: 'loaded', outcome, head }, transferables(head));
  for (const segment of packNodes(snapshot)) {
    if (channel.cancelled()) return;
    channel.send({ kind: 'segment', segment }, transferables(segment));
  }
  channel.send({ kind: 'end' });
  // Sorted here, after the swap, rather than on the thread that answers at the first AXFR.
  if (req.canonicalOrder !== true || channel.cancelled()) return;
  const order = canonicalIndexOrder(snapshot);
  channel.send({ kind: 'order', order }, [order.buffer]);
}
