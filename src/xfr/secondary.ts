// zonedns as a secondary (RFC 1034 §4.3.5, RFC 1995, RFC 1996, RFC 5936): a zone whose data
// comes from a primary by zone transfer.
//
// One SecondaryZone per zone, a small state machine over an injected clock and transport:
//
//   start ──(copy on disk? serve it)──> check
//   check: SOA query to each primary in turn (RFC 1034 §4.3.5);
//          serial not newer (RFC 1982)       -> success
//          newer (or no data yet)            -> IXFR with our SOA (RFC 1995), else AXFR (RFC 5936);
//                                               an IXFR answered AXFR-style is used as a full zone;
//                                               an IXFR error or a difference that does not apply
//                                               -> AXFR from the same primary
//          the transferred records go into the snapshot builder as they arrive -> the copy is
//          written to disk (atomic, streamed: queries go on being answered from the old data)
//          -> the timers are recorded -> swap (one assignment)
//   success -> next check after SOA REFRESH; the expiry clock restarts
//   failure (every primary)  -> next check after SOA RETRY
//   no success for SOA EXPIRE -> the zone is expired: its handle keeps no snapshot, so queries for
//          it are answered SERVFAIL (not REFUSED: it is configured, just not usable), and checks
//          go on at RETRY; the next successful transfer brings it back.
//   NOTIFY from one of the zone's primaries (RFC 1996 §3.7, §3.11) -> check now (a check already
//          running is followed by another one). With a `primaryKey`, the NOTIFY must also be
//          signed with that key (TSIG verified by notify-in.ts): the source address alone is easy
//          to forge over UDP.
//
// A transfer that fails, is cut short, does not build a valid zone, or whose copy cannot be
// written never replaces the data being served.
//
// What a crash leaves (kill -9 at any point): the copy on disk is written before the new data is
// served, so a restart serves the newest serial ever answered, or a newer one that was about to
// be (a copy written, then the crash before the swap) — never an older one, as Knot (journal
// first) and BIND (IXFR journal first) do. With a state store (`stateDir`, state/zone-state.ts) the
// refresh and expiry times are recorded after each successful check and on expiry; a restart arms
// the expiry timer at the recorded time, and an expired zone stays expired (SERVFAIL) until a
// transfer succeeds, as BIND, Knot and NSD keep their timers. The timers are written after the
// copy, so a crash between the two leaves older timers: the zone expires earlier, never later.
// Without a state store the expiry clock of a copy read from disk starts at start-up.

import { existsSync } from 'node:fs';
import { removeStaleTemps } from '../state/atomic-write.js';
import type { SecondaryTimersStore } from '../state/zone-state.js';
import type { Bytes } from '../dns/bytes.js';
import { RRClass, RRType } from '../dns/constants.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import { serialGreater } from '../dns/serial.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import { prepareDenial } from '../dnssec/denial.js';
import type { Logger } from '../log.js';
import type { ZoneEvents } from '../reload/zones.js';
import { buildSnapshot, SnapshotBuilder, type BuildResult } from '../zone/build.js';
import { loadZoneFile } from '../zone/load.js';
import { diagnosticFields, type ZoneRecord } from '../zone/record.js';
import type { ZoneHandle, ZoneOptions, ZoneRegistry } from '../zone/registry.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import { addressBytes } from './acl.js';
import {
  soaSerialOf, soaTimers, TransferError, type IxfrDelta, type PrimaryAddress, type SecondaryTransport, type TransferReplay,
  type TransferResult, type TransferRR, type ZoneSink,
} from './xfr-client.js';
import { writeZoneFile } from './zone-writer.js';

export interface SecondaryClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realSecondaryClock: SecondaryClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

/** Bounds on the SOA timers (a zone with REFRESH 1 must not make us hammer the primary). */
export interface SecondaryTimers {
  readonly minRefreshMs: number;
  readonly maxRefreshMs: number;
  readonly minRetryMs: number;
  readonly maxRetryMs: number;
  /** Retry interval before any SOA is known (nothing loaded yet). */
  readonly initialRetryMs: number;
}

/** Knot's defaults: refresh between 2 s and 1 day; BIND's min-retry-time is 500 s, ours shorter. */
export const DEFAULT_SECONDARY_TIMERS: SecondaryTimers = {
  minRefreshMs: 2_000, maxRefreshMs: 86_400_000, minRetryMs: 1_000, maxRetryMs: 86_400_000, initialRetryMs: 10_000,
};

/** setTimeout takes at most 2^31-1 ms; longer waits are chained. */
const MAX_TIMER = 0x7fffffff;

export type SecondaryState = 'loading' | 'serving' | 'retrying' | 'expired' | 'stopped';

export interface SecondaryZoneOptions {
  origin: Name;
  primaries: readonly PrimaryAddress[];
  /** Where the transferred copy is kept; undefined: memory only. */
  file?: string;
  registry: ZoneRegistry;
  transport: SecondaryTransport;
  log: Logger;
  clock?: SecondaryClock;
  timers?: Partial<SecondaryTimers>;
  /** Told about the first snapshot and every swap (the xfr service: journal, NOTIFY downstream). */
  events?: ZoneEvents;
  /** Per-zone serving options (transfer ACL for our own secondaries, rotation, notify). */
  options?: ZoneOptions;
  /** Writes the copy (tests replace it); called before the swap, one write at a time. */
  writeZone?: (file: string, snapshot: ZoneSnapshot, source: string) => void | Promise<void>;
  /** Where the refresh/expiry timers are kept across restarts (the state directory); undefined: memory only. */
  state?: SecondaryTimersStore;
  /** TSIG key the primaries sign with: a NOTIFY must then be signed with it (RFC 8945). */
  primaryKey?: Name;
}

/**
 * What became of a NOTIFY: `accepted` (a check runs now); otherwise refused, because the sender is
 * not a primary of the zone, the zone requires `primaryKey` and the NOTIFY is unsigned, or it is
 * signed with another key; `not-secondary` when we are no secondary for the zone.
 */
export type NotifyVerdict = 'accepted' | 'not-primary' | 'unsigned' | 'wrong-key' | 'not-secondary';

/** How a check of the primaries ended: up to date, a new version transferred, or every primary failed. */
export type CheckOutcome = 'current' | 'transferred' | 'failed';

/** Checks by outcome, NOTIFYs received by verdict, copies that could not be written. */
export interface SecondaryCounts {
  current: number;
  transferred: number;
  failed: number;
  notifiesAccepted: number;
  notifiesRefused: number;
  writeFailures: number;
}

/** What a secondary zone is doing, for `zonedns ctl zones` and the metrics (times in ms since the epoch). */
export interface SecondaryStatus {
  readonly state: SecondaryState;
  /** Serial of the data served; undefined before the first transfer and once expired. */
  readonly serial: number | undefined;
  readonly primaries: readonly string[];
  /** The last finished check: when, how it ended, and why it failed. */
  readonly lastCheck: { readonly at: number; readonly outcome: CheckOutcome; readonly error?: string } | undefined;
  /** The next check (REFRESH after a success, RETRY after a failure); undefined while one runs. */
  readonly nextCheckAt: number | undefined;
  /** When the data stops being served without a successful check (SOA EXPIRE after the last one). */
  readonly expiresAt: number | undefined;
}

export class SecondaryZone {
  readonly handle: ZoneHandle;
  private readonly clock: SecondaryClock;
  private readonly timers: SecondaryTimers;
  private readonly zone: string;
  private _state: SecondaryState = 'loading';
  /** Aborted by stop(): ends an SOA query or transfer in flight. */
  private readonly stopped = new AbortController();
  private refreshTimer: unknown;
  private expireTimer: unknown;
  /** What happened so far, for the metrics. */
  readonly counts: SecondaryCounts = { current: 0, transferred: 0, failed: 0, notifiesAccepted: 0, notifiesRefused: 0, writeFailures: 0 };
  /** When refreshTimer fires (ms since the epoch), for status(). */
  private nextCheckAt: number | undefined;
  private lastCheck: SecondaryStatus['lastCheck'];
  /** The data the expiry clock protects; kept apart from the handle, which loses it on expiry. */
  private current: ZoneSnapshot | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The next check transfers the whole zone whatever the serials say (retransfer()). */
  private forceAxfr = false;
  /** The copy being written (a shutdown waits for it). */
  private writing: Promise<void> | undefined;
  /** The last successful check and the expiry it set (ms since the epoch), as recorded. */
  private refreshedAt = 0;
  private expiresAt = 0;
  /** Observes every finished check (tests). */
  onCheck?: (outcome: CheckOutcome) => void;

  constructor(private readonly opts: SecondaryZoneOptions) {
    this.clock = opts.clock ?? realSecondaryClock;
    this.timers = { ...DEFAULT_SECONDARY_TIMERS, ...opts.timers };
    this.zone = nameToText(opts.origin);
    // Configured from the start: until data arrives (or after expiry) it answers SERVFAIL.
    this.handle = { origin: opts.origin, snapshot: undefined, options: opts.options };
    opts.registry.set(this.handle);
  }

  get state(): SecondaryState {
    return this._state;
  }

  get serial(): number | undefined {
    return this.current?.serial;
  }

  status(): SecondaryStatus {
    return {
      state: this._state, serial: this.handle.snapshot?.serial, primaries: this.opts.primaries.map((p) => p.text),
      lastCheck: this.lastCheck, nextCheckAt: this.nextCheckAt, expiresAt: this.current === undefined ? undefined : this.expiresAt,
    };
  }

  /** Serves the copy on disk, if any, then checks the primary at once. */
  start(): void {
    const file = this.opts.file;
    const stored = this.opts.state?.secondary(this.opts.origin);
    if (file !== undefined) removeStaleTemps(file);
    if (stored !== undefined && (stored.expired || stored.expiresAt <= this.clock.now())) {
      // RFC 1034 §4.3.5: expired data is not served again, restart or not, until a transfer succeeds.
      this._state = 'expired';
      this.refreshedAt = stored.refreshedAt;
      this.expiresAt = stored.expiresAt;
      this.opts.log.error('secondary zone expired (no successful refresh within SOA EXPIRE before the restart); answering SERVFAIL until a transfer succeeds', {
        zone: this.zone, serial: stored.serial, expiredAt: new Date(stored.expiresAt).toISOString(),
      });
      if (!stored.expired) this.opts.state?.recordSecondary(this.opts.origin, { ...stored, expired: true });
    } else if (file !== undefined && existsSync(file)) {
      const result = loadZoneFile(file, { origin: this.opts.origin });
      if (result.snapshot !== undefined) {
        // The recorded expiry, when there is one: a restart does not make stale data fresh.
        this.install(result.snapshot, `file ${file}`, stored?.expiresAt);
        if (stored !== undefined) this.refreshedAt = stored.refreshedAt;
        this.opts.log.info('secondary zone loaded from its copy on disk; checking the primary', {
          zone: this.zone, serial: result.snapshot.serial, file, expires: new Date(this.expiresAt).toISOString(),
        });
      } else {
        for (const d of result.diagnostics) if (d.severity === 'error') this.opts.log.warn(d.message, { zone: this.zone, ...diagnosticFields(d) });
        this.opts.log.warn('copy of the secondary zone on disk is not usable; transferring it anew', { zone: this.zone, file });
      }
    }
    this.schedule(0);
  }

  /**
   * A NOTIFY for this zone from `address` (RFC 1996 §3.7), signed with `keyName` (a TSIG already
   * verified) or unsigned. Returns false when it is refused (see receiveNotify); otherwise checks now.
   */
  notify(address: string, keyName?: Name): boolean {
    return this.receiveNotify(address, keyName) === 'accepted';
  }

  /** notify(), saying why a NOTIFY is refused. */
  receiveNotify(address: string, keyName: Name | undefined): NotifyVerdict {
    if (!this.isPrimary(address)) return 'not-primary';
    const required = this.opts.primaryKey;
    if (required !== undefined) {
      if (keyName === undefined) return 'unsigned';
      if (nameKey(keyName) !== nameKey(required)) return 'wrong-key';
    }
    if (this._state === 'stopped') return 'accepted';
    const signed = keyName === undefined ? {} : { key: nameToText(keyName) };
    this.opts.log.info('NOTIFY received; checking the primary', { zone: this.zone, from: address, ...signed });
    if (this.running !== undefined) this.again = true;
    else this.schedule(0);
    return 'accepted';
  }

  isPrimary(address: string): boolean {
    const from = addressBytes(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
    if (from === undefined) return false;
    return this.opts.primaries.some((p) => {
      const b = addressBytes(p.host);
      return b !== undefined && Buffer.compare(Buffer.from(b), Buffer.from(from)) === 0;
    });
  }

  /** Runs one check now (the timer path; tests await it). */
  refresh(): Promise<void> {
    if (this._state === 'stopped') return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.nextCheckAt = undefined;
    this.running = this.check().finally(() => {
      this.running = undefined;
      if (this.again && this._state !== 'stopped') {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.running;
  }

  /**
   * A check that starts after this call (`zonedns ctl refresh`), or with `retransfer` a whole
   * AXFR from the primaries whatever the serials say (`ctl retransfer`, as `rndc retransfer`:
   * it replaces a copy at the same serial, never with an older serial); resolves with how it ended.
   */
  async checkNow(kind: 'refresh' | 'retransfer'): Promise<NonNullable<SecondaryStatus['lastCheck']>> {
    if (kind === 'retransfer') this.forceAxfr = true;
    // The check in flight started before this request: wait for it, then run ours.
    while (this.running !== undefined) await this.running;
    if (this._state === 'stopped') throw new Error('the zone is being removed');
    await this.refresh();
    return this.lastCheck!;
  }

  stop(): void {
    this._state = 'stopped';
    // An SOA query or transfer in flight would otherwise hold the process for its timeout.
    this.stopped.abort();
    this.clock.clearTimeout(this.refreshTimer);
    this.clock.clearTimeout(this.expireTimer);
    this.refreshTimer = this.expireTimer = undefined;
    this.nextCheckAt = undefined;
  }

  private schedule(ms: number): void {
    if (this._state === 'stopped') return;
    this.clock.clearTimeout(this.refreshTimer);
    this.nextCheckAt = this.clock.now() + ms;
    const wait = Math.min(ms, MAX_TIMER);
    this.refreshTimer = this.clock.setTimeout(() => {
      this.refreshTimer = undefined;
      if (wait < ms) this.schedule(ms - wait);
      else void this.refresh();
    }, wait);
  }

  private async check(): Promise<void> {
    const errors: string[] = [];
    const force = this.forceAxfr;
    this.forceAxfr = false;
    for (const primary of this.opts.primaries) {
      try {
        const outcome = await this.checkPrimary(primary, force);
        if (this._state === 'stopped') return;
        this.lastCheck = { at: this.clock.now(), outcome };
        this.counts[outcome]++;
        this.succeeded(outcome);
        this.onCheck?.(outcome);
        return;
      } catch (e) {
        errors.push(`${primary.text}: ${(e as Error).message}`);
      }
      if (this._state === 'stopped') return;
    }
    this.lastCheck = { at: this.clock.now(), outcome: 'failed', error: errors.join('; ') };
    this.counts.failed++;
    this.failed(errors);
    this.onCheck?.('failed');
  }

  /**
   * One primary: SOA query, then a transfer if it has a newer serial; `force`: an AXFR at once,
   * installed at the same serial too. Throws on failure.
   */
  private async checkPrimary(primary: PrimaryAddress, force = false): Promise<'current' | 'transferred'> {
    const ours = force ? undefined : this.current;
    const theirs = force ? undefined : soaSerialOf((await this.opts.transport.querySoa(primary, this.opts.origin, this.stopped.signal)).rdata);
    if (ours !== undefined && theirs !== undefined && !serialGreater(theirs, ours.serial)) {
      if (theirs !== ours.serial) this.opts.log.warn('primary has an older serial than ours (RFC 1982); keeping ours', { zone: this.zone, primary: primary.text, serial: ours.serial, primarySerial: theirs });
      else this.opts.log.debug('secondary zone is up to date', { zone: this.zone, primary: primary.text, serial: theirs });
      return 'current';
    }
    // The transfer's duration in the log (as BIND and Knot log theirs): from the request (IXFR
    // first, when we have data) until the new zone is served; the copy on disk comes after.
    const started = performance.now();
    let snapshot: ZoneSnapshot | undefined;
    let how = 'AXFR';
    if (ours !== undefined) {
      try {
        snapshot = await this.tryIxfr(primary, ours);
        how = 'IXFR';
      } catch (e) {
        this.opts.log.info('IXFR failed; falling back to AXFR', { zone: this.zone, primary: primary.text, error: (e as Error).message });
      }
      if (this._state === 'stopped') return 'current';
    }
    if (snapshot === undefined) {
      const sink = new BuilderSink(this.opts.origin, `AXFR from ${primary.text}`);
      const result = await this.opts.transport.transfer(primary, this.opts.origin, 'axfr', undefined, sink, this.stopped.signal);
      if (result.kind !== 'full' && result.kind !== 'streamed') throw new TransferError('AXFR did not return a full zone');
      snapshot = this.built(result, sink);
    }
    if (this._state === 'stopped') return 'current';
    if (this.current !== undefined && !serialGreater(snapshot.serial, this.current.serial)) {
      if (snapshot.serial === this.current.serial && !force) return 'current';
      if (snapshot.serial !== this.current.serial) throw new TransferError(`transferred serial ${snapshot.serial} is not newer than ours (${this.current.serial})`);
    }
    const previous = this.current?.serial;
    // On disk first (see the header): what is served is never newer than what a restart finds.
    await this.writeCopy(snapshot, primary.text);
    if (this.stopped.signal.aborted) return 'current';
    this.recordTimers(this.clock.now(), snapshot);
    // Nothing served (never, or expired): what our journal for IXFR-out leads to is unknown.
    if (this.handle.snapshot === undefined) this.opts.events?.historyBroken?.(this.opts.origin);
    this.install(snapshot, `${how} from ${primary.text}`, this.expiresAt);
    this.opts.log.info('secondary zone transferred', {
      zone: this.zone, primary: primary.text, how: force ? 'AXFR (retransfer)' : how, serial: snapshot.serial, previous, records: snapshot.recordCount, ms: Math.round(performance.now() - started),
    });
    return 'transferred';
  }

  /** IXFR from our serial; undefined result means "use AXFR". Throws on failure. */
  private async tryIxfr(primary: PrimaryAddress, ours: ZoneSnapshot): Promise<ZoneSnapshot | undefined> {
    const ourSoa: TransferRR = { owner: ours.soa.owner, type: RRType.SOA, class: RRClass.IN, ttl: ours.soa.ttl, rdata: ours.soa.rdata[0]! };
    const sink = new BuilderSink(this.opts.origin, `IXFR (AXFR-style) from ${primary.text}`);
    const result = await this.opts.transport.transfer(primary, this.opts.origin, 'ixfr', ourSoa, sink, this.stopped.signal);
    switch (result.kind) {
      case 'current':
        // The SOA query said newer, the IXFR says nothing newer: ask for the whole zone.
        throw new TransferError('IXFR answered "up to date" though the SOA is newer');
      case 'full':
      case 'streamed':
        return this.built(result, sink);
      case 'incremental': {
        // Our zone with the differences applied, straight into the builder (no list of the zone).
        const patched = patchedZone(ours, result.deltas);
        const into = new BuilderSink(this.opts.origin, `IXFR from ${primary.text}`);
        patched.forEach(into.add);
        return valid(into.finish((visit) => patched.forEach((owner, type, ttl, rdata) => visit({ owner, type, class: RRClass.IN, ttl, rdata }))));
      }
    }
  }

  /** The snapshot of a full zone: built as it arrived (streamed into `sink`), or from its list. */
  private built(result: Extract<TransferResult, { kind: 'full' | 'streamed' }>, sink: BuilderSink): ZoneSnapshot {
    return result.kind === 'streamed' ? valid(sink.finish(result.replay)) : this.build(result.records, sink.source);
  }

  private build(rrs: readonly TransferRR[], source: string): ZoneSnapshot {
    const records: ZoneRecord[] = rrs.map((rr, i) => ({ owner: rr.owner, type: rr.type, class: rr.class, ttl: rr.ttl, rdata: rr.rdata, file: source, line: i + 1 }));
    return valid(buildSnapshot({ origin: this.opts.origin, records, file: source }));
  }

  /**
   * The swap: one assignment; then the listeners (journal for our own IXFR-out, NOTIFY onward).
   * The data expires at `expiresAt` (ms since the epoch), by default SOA EXPIRE from now.
   */
  private install(snapshot: ZoneSnapshot, source: string, expiresAt?: number): void {
    // NSEC/NSEC3 lookup structures of a signed zone, built before it answers (not by its first query).
    prepareDenial(snapshot);
    const old = this.handle.snapshot;
    this.current = snapshot;
    this.handle.snapshot = snapshot;
    this._state = 'serving';
    this.armExpiry(expiresAt ?? this.clock.now() + soaTimers(snapshot.soa.rdata[0]!).expire * 1000);
    try {
      if (old === undefined) this.opts.events?.loaded?.(this.handle);
      else this.opts.events?.swapped?.(this.handle, old, true);
    } catch (e) {
      this.opts.log.error('zone change listener failed', { zone: this.zone, source, error: (e as Error).message });
    }
  }

  /**
   * Writes the copy of a transferred zone, before it is served. The writer streams and yields, so
   * queries go on being answered (from the previous data) meanwhile. A copy that cannot be written
   * fails the check (TransferError): the zone is not served newer than what a restart would find.
   */
  private async writeCopy(snapshot: ZoneSnapshot, source: string): Promise<void> {
    const file = this.opts.file;
    if (file === undefined) return;
    const started = performance.now();
    const write = (async () => (this.opts.writeZone ?? writeZoneFile)(file, snapshot, source))();
    this.writing = write.then(() => {}, () => {});
    try {
      await write;
      this.opts.log.debug('copy of the secondary zone written', { zone: this.zone, file, serial: snapshot.serial, ms: Math.round(performance.now() - started) });
    } catch (e) {
      this.counts.writeFailures++;
      this.opts.log.error('cannot write the transferred zone to disk; not serving it (a restart would serve the older copy)', { zone: this.zone, file, serial: snapshot.serial, error: (e as Error).message });
      throw new TransferError(`cannot write the copy: ${(e as Error).message}`);
    } finally {
      this.writing = undefined;
    }
  }

  /** Resolves once the copy being written is on disk (or its write failed). */
  flush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  /** A successful check at `now`: the expiry moves to now + SOA EXPIRE, recorded durably when there is a store. */
  private recordTimers(now: number, snapshot: ZoneSnapshot): void {
    this.refreshedAt = now;
    this.expiresAt = now + soaTimers(snapshot.soa.rdata[0]!).expire * 1000;
    this.opts.state?.recordSecondary(this.opts.origin, { serial: snapshot.serial, refreshedAt: now, expiresAt: this.expiresAt, expired: false });
  }

  private succeeded(outcome: 'current' | 'transferred'): void {
    if (this.current === undefined) return;
    // A transfer recorded the timers already, just before its swap.
    if (outcome === 'current') this.recordTimers(this.clock.now(), this.current);
    if (this.handle.snapshot === undefined) {
      // Expired, and the primary is reachable again with the same serial: serve it again.
      this.install(this.current, 'refresh', this.expiresAt);
    }
    this._state = 'serving';
    this.armExpiry(this.expiresAt);
    const { refresh } = soaTimers(this.current.soa.rdata[0]!);
    this.schedule(clamp(refresh * 1000, this.timers.minRefreshMs, this.timers.maxRefreshMs));
  }

  private failed(errors: readonly string[]): void {
    const current = this.current;
    const retry = current === undefined
      ? this.timers.initialRetryMs
      : clamp(soaTimers(current.soa.rdata[0]!).retry * 1000, this.timers.minRetryMs, this.timers.maxRetryMs);
    if (this._state !== 'expired') this._state = current === undefined ? 'loading' : 'retrying';
    this.opts.log.warn('secondary zone refresh failed; retrying', { zone: this.zone, serial: current?.serial, retryMs: retry, errors: errors.join('; ') });
    this.schedule(retry);
  }

  /** RFC 1034 §4.3.5: after EXPIRE without a successful refresh the data is no longer authoritative. */
  private armExpiry(deadline: number): void {
    this.clock.clearTimeout(this.expireTimer);
    this.expiresAt = deadline;
    const arm = (): void => {
      const left = deadline - this.clock.now();
      this.expireTimer = this.clock.setTimeout(() => {
        this.expireTimer = undefined;
        if (deadline - this.clock.now() > 0) arm();
        else this.expire();
      }, Math.max(0, Math.min(left, MAX_TIMER)));
    };
    arm();
  }

  private expire(): void {
    if (this._state === 'stopped') return;
    this._state = 'expired';
    this.handle.snapshot = undefined;
    // The next successful check transfers the whole zone anew.
    this.opts.log.error('secondary zone expired: no successful refresh within SOA EXPIRE; answering SERVFAIL', { zone: this.zone, serial: this.current?.serial });
    if (this.current !== undefined) {
      this.opts.state?.recordSecondary(this.opts.origin, { serial: this.current.serial, refreshedAt: this.refreshedAt, expiresAt: this.expiresAt, expired: true });
    }
    this.current = undefined;
  }
}

/** A build result's snapshot, or why the transferred zone is not valid. */
function valid(result: BuildResult): ZoneSnapshot {
  if (result.snapshot === undefined) {
    const first = result.diagnostics.find((d) => d.severity === 'error');
    throw new TransferError(`transferred zone is not valid: ${first === undefined ? 'unknown error' : first.message}`);
  }
  return result.snapshot;
}

/**
 * A full zone's records straight into the snapshot builder as the transfer reads them, so the zone
 * is validated while it arrives and no list of records is kept. Diagnostics point at `source`,
 * line = the record's position in the transfer (the replay counts the same way).
 */
class BuilderSink implements ZoneSink {
  /** Made on the first record: most IXFRs offered a sink answer with differences instead. */
  private builder: SnapshotBuilder | undefined;
  private line = 0;
  private replay: TransferReplay | undefined;

  constructor(private readonly origin: Name, readonly source: string) {}

  readonly add = (owner: Name, type: number, ttl: number, rdata: Bytes): void => {
    this.builder ??= new SnapshotBuilder(this.origin, (visit) => {
      let line = 0;
      this.replay?.((rr) => visit({ owner: rr.owner, type: rr.type, class: rr.class, ttl: rr.ttl, rdata: rr.rdata, file: this.source, line: ++line }));
    });
    this.builder.add({ owner, type, class: RRClass.IN, ttl, rdata, file: this.source, line: ++this.line });
  };

  finish(replay: TransferReplay): BuildResult {
    this.replay = replay;
    return (this.builder ?? new SnapshotBuilder(this.origin, () => {})).finish({ file: this.source });
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), max);
}

/** Identity of a record for IXFR: owner (case-folded), type, canonical RDATA (RFC 4034 §6.2). */
function recordKey(owner: Name, type: number, rdata: string): string {
  return `${nameKey(owner)}\u0001${type}\u0001${canonicalRdata(type, rdata)}`;
}

/** A record handed on without an object (BuilderSink.add's shape). */
type RecordFn = (owner: Name, type: number, ttl: number, rdata: Bytes) => void;

/**
 * A snapshot with IXFR difference sequences (RFC 1995 §4) applied, as records to visit (the new
 * SOA first, then the snapshot's records in its order with the changes in place, then the new
 * ones), without listing the zone: the differences are folded into a small overlay by record
 * identity, and only the RRsets they touch are compared record by record. A deletion of a record
 * we do not have means our copy and the primary's history disagree: throws, and the caller falls
 * back to AXFR.
 */
export function patchedZone(base: ZoneSnapshot, deltas: readonly IxfrDelta[]): { forEach(fn: RecordFn): void } {
  /** Record identity -> the record now (added or replaced), or null: deleted from `base`. */
  const overlay = new Map<string, TransferRR | null>();
  /** Owner (case-folded) -> types of the RRsets a difference touches: only those are compared record by record. */
  const touched = new Map<Name, Set<number>>();
  const touch = (rr: TransferRR) => {
    const key = nameKey(rr.owner);
    const types = touched.get(key);
    if (types === undefined) touched.set(key, new Set([rr.type]));
    else types.add(rr.type);
  };
  const inBase = (rr: TransferRR): boolean => {
    const node = base.nodes.get(nameKey(rr.owner));
    if (node === undefined) return false;
    const canonical = canonicalRdata(rr.type, rr.rdata);
    // RRSIGs form one RRset per covered type: every set of the type is looked at.
    for (let set = node.firstSet; set !== undefined; set = set.next) {
      if (set.type === rr.type && set.rdata.some((r) => r.length === canonical.length && canonicalRdata(rr.type, r) === canonical)) return true;
    }
    return false;
  };
  let soa: TransferRR | undefined;
  let serial = base.serial;
  for (const d of deltas) {
    if (d.fromSerial !== serial) throw new TransferError(`IXFR difference from serial ${d.fromSerial}, but we have ${serial}`);
    for (let i = 1; i < d.deleted.length; i++) {
      const rr = d.deleted[i]!;
      const key = recordKey(rr.owner, rr.type, rr.rdata);
      touch(rr);
      const now = overlay.get(key);
      if (now === null || (now === undefined && !inBase(rr))) {
        throw new TransferError(`IXFR deletes a record we do not have: ${nameToText(rr.owner)} type ${rr.type}`);
      }
      if (now !== undefined && !inBase(rr)) overlay.delete(key);
      else overlay.set(key, null);
    }
    for (let i = 1; i < d.added.length; i++) {
      const rr = d.added[i]!;
      overlay.set(recordKey(rr.owner, rr.type, rr.rdata), rr);
      touch(rr);
    }
    soa = d.added[0];
    serial = d.toSerial;
  }
  if (soa === undefined) throw new TransferError('no SOA after applying IXFR');
  const newSoa = soa;
  return {
    forEach(fn) {
      fn(newSoa.owner, newSoa.type, newSoa.ttl, newSoa.rdata);
      const placed = new Set<string>();
      for (const node of base.nodes.values()) {
        for (let set = node.firstSet; set !== undefined; set = set.next) {
          if (set.type === RRType.SOA) continue;
          if (touched.get(nameKey(set.owner))?.has(set.type) !== true) {
            for (const rdata of set.rdata) fn(set.owner, set.type, set.ttl, rdata);
            continue;
          }
          for (const rdata of set.rdata) {
            const key = recordKey(set.owner, set.type, rdata);
            const now = overlay.get(key);
            if (now === undefined) fn(set.owner, set.type, set.ttl, rdata);
            else if (now !== null) {
              // Added again (another TTL, or names in another case): in the old one's place.
              fn(now.owner, now.type, now.ttl, now.rdata);
              placed.add(key);
            }
          }
        }
      }
      for (const [key, rr] of overlay) if (rr !== null && !placed.has(key)) fn(rr.owner, rr.type, rr.ttl, rr.rdata);
    },
  };
}

/** patchedZone as a list of records (the new SOA first). */
export function applyDeltas(base: ZoneSnapshot, deltas: readonly IxfrDelta[]): TransferRR[] {
  const out: TransferRR[] = [];
  patchedZone(base, deltas).forEach((owner, type, ttl, rdata) => out.push({ owner, type, class: RRClass.IN, ttl, rdata }));
  return out;
}

/** Every secondary zone of the server, for NOTIFY dispatch and shutdown. */
export class SecondaryManager {
  private readonly byOrigin = new Map<string, SecondaryZone>();
  /** NOTIFYs for zones we are no secondary for (refused). */
  strayNotifies = 0;

  add(zone: SecondaryZone): void {
    this.byOrigin.set(nameKey(zone.handle.origin), zone);
  }

  get(origin: Name): SecondaryZone | undefined {
    return this.byOrigin.get(nameKey(origin));
  }

  get size(): number {
    return this.byOrigin.size;
  }

  zones(): IterableIterator<SecondaryZone> {
    return this.byOrigin.values();
  }

  /** Stops the zone and forgets it (a reconfiguration dropped or replaced it); its handle is the caller's to remove. */
  remove(origin: Name): SecondaryZone | undefined {
    const zone = this.get(origin);
    if (zone === undefined) return undefined;
    zone.stop();
    this.byOrigin.delete(nameKey(origin));
    return zone;
  }

  start(): void {
    for (const z of this.byOrigin.values()) z.start();
  }

  stop(): void {
    for (const z of this.byOrigin.values()) z.stop();
  }

  /** Resolves once every copy being written is on disk (a shutdown waits for it). */
  async flush(): Promise<void> {
    await Promise.all([...this.byOrigin.values()].map((z) => z.flush()));
  }

  /**
   * A NOTIFY for `origin` from `address`: true when we are a secondary for the zone and the sender
   * is one of its primaries (answer NOERROR and check now), false otherwise (refuse it).
   */
  notify(origin: Name, address: string, keyName?: Name): boolean {
    return this.receiveNotify(origin, address, keyName) === 'accepted';
  }

  /** notify(), saying why a NOTIFY is refused (notify-in.ts answers accordingly). */
  receiveNotify(origin: Name, address: string, keyName: Name | undefined): NotifyVerdict {
    const zone = this.get(origin);
    if (zone === undefined) {
      this.strayNotifies++;
      return 'not-secondary';
    }
    const verdict = zone.receiveNotify(address, keyName);
    zone.counts[verdict === 'accepted' ? 'notifiesAccepted' : 'notifiesRefused']++;
    return verdict;
  }
}
