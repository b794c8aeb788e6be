// One zone that zonedns signs: the stage between loading its file and serving it (ZoneStage in
// reload/zones.ts). It holds the zone's key, signs each new version on the side (sign-zone.ts,
// signatures made in worker threads), keeps the signed version in the state directory so a
// restart serves the same signatures and serial (and the DS at the parent keeps matching), and
// asks for a re-sign when the first signature is due (Knot's "next re-sign" event), so signatures
// are refreshed with no file change.
//
// State directory:
//   keys/K<zone>.+<alg>+<tag>.{key,private}   the CSK, in BIND's format (keys.ts)
//   <zone>.signed                             the signed zone as served (signed-copy.ts), written
//                                             at most every 30 s and at shutdown
//   <zone>.dnssec.json                        algorithm, key tag, serial, earliest expiry, next
//                                             refresh (`zonedns dnssec status`)
// The serial served last is the zone state's (state/zone-state.ts), which the zone manager passes
// in: a copy older than it (a crash before the copy was written) is re-signed past it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RRType } from '../dns/constants.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import { rdataToText } from '../dns/rdata/index.js';
import type { Logger } from '../log.js';
import { later, signedSerial, type SerialPolicy } from '../reload/serial-policy.js';
import type { ZoneStage } from '../reload/zones.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { zoneFileStem } from '../state/zone-state.js';
import { realSecondaryClock, type SecondaryClock } from '../xfr/secondary.js';
import { getRRset, type ZoneSnapshot } from '../zone/snapshot.js';
import { ALGORITHMS, dsRdata, zoneKey, type ZoneKey } from './keys.js';
import { readSignedCopy, writeSignedCopy } from './signed-copy.js';
import { dnssecRecordIn, signZone, type SignPolicy } from './sign-zone.js';
import type { Signer } from './sign-pool.js';

/** The clock a signer schedules refreshes by (milliseconds; injected in tests). */
export type SignerClock = SecondaryClock;

export interface ZoneSignerOptions {
  policy: SignPolicy;
  /** How the served serial moves on each re-sign (signedSerial). */
  serialPolicy: SerialPolicy;
  stateDir: string;
  signer: Signer;
  log: Logger;
  clock?: SignerClock;
  random?: () => number;
}

/** What `zonedns dnssec status` shows, written after each signing. */
export interface SigningStatus {
  zone: string;
  algorithm: string;
  keyTag: number;
  serial: number;
  /** ISO 8601 times. */
  signedAt: string;
  earliestExpiry: string;
  nextRefresh: string;
}

/** A failed re-sign is tried again this much later (the signatures served stay valid meanwhile). */
const RETRY_MS = 5 * 60_000;
/** The signed copy is written at most this often (a write walks the whole zone). */
const COPY_INTERVAL_MS = 30_000;
/** Timers are set at most this far ahead (Node's limit is ~24.8 days; a clock may also jump). */
const MAX_TIMER_MS = 86_400_000;

export function keysDir(stateDir: string): string {
  return join(stateDir, 'keys');
}

/** `<stateDir>/<zone>.signed`, beside the zone's other state files. */
export function signedCopyPath(stateDir: string, origin: Name): string {
  return join(stateDir, `${zoneFileStem(origin)}.signed`);
}

export function statusPath(stateDir: string, origin: Name): string {
  return join(stateDir, `${zoneFileStem(origin)}.dnssec.json`);
}

/** The DS record text for the parent (RFC 4034 §5.3 presentation, SHA-256). */
export function dsText(origin: Name, dnskey: string): string {
  return `${nameToText(nameKey(origin))} IN DS ${rdataToText(RRType.DS, dsRdata(origin, dnskey, 2))}`;
}

export class ZoneSigner implements ZoneStage {
  private readonly clock: SignerClock;
  private key: ZoneKey | undefined;
  private restage: (() => void) | undefined;
  private timer: unknown;
  /** Seconds since 1970: when the next re-sign is due. */
  private dueAt = Infinity;
  private copyTried = false;
  private closed = false;
  private writing = false;
  private toWrite: ZoneSnapshot | undefined;
  private copyTimer: unknown;
  private lastCopyAt = -Infinity;

  constructor(private readonly opts: ZoneSignerOptions) {
    this.clock = opts.clock ?? realSecondaryClock;
  }

  attach(restage: () => void): void {
    this.restage = restage;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  async prepare(source: ZoneSnapshot, served: ZoneSnapshot | undefined, sourceIsPrivate: boolean, lastServed: number | undefined): Promise<ZoneSnapshot> {
    const zone = nameToText(source.origin);
    try {
      return await this.sign(source, served, sourceIsPrivate, lastServed, zone);
    } catch (e) {
      // Whatever went wrong, the signatures served must not run out: try again before they do.
      if (served !== undefined) this.schedule(this.clock.now() / 1000 + RETRY_MS / 1000);
      throw e;
    }
  }

  private async sign(source: ZoneSnapshot, served: ZoneSnapshot | undefined, sourceIsPrivate: boolean, lastServed: number | undefined, zone: string): Promise<ZoneSnapshot> {
    const { opts } = this;
    if (sourceIsPrivate) {
      const found = dnssecRecordIn(source);
      if (found !== undefined) {
        throw new Error(`${zone}: the zone file has DNSSEC records (${found}); with "dnssec" on, zonedns makes them itself: remove them, or turn "dnssec" off to serve the zone as it is signed`);
      }
    }
    const nowMs = this.clock.now();
    const key = this.keyFor(source.origin, nowMs);
    let previous = served;
    if (previous === undefined && !this.copyTried) previous = this.readCopy(source.origin, key);
    this.copyTried = true;
    // No copy, or one older than what was served last (a crash before it was written: the served
    // serial is recorded at every swap, the copy at most every 30 s): what comes next must still
    // go past the serial served last.
    const floor = lastServed;
    const stale = floor !== undefined && previous?.serial !== floor;
    const started = performance.now();
    const result = await signZone({
      source, sourceIsPrivate, previous, key, policy: opts.policy, now: nowMs / 1000, signer: opts.signer, random: opts.random, forceChange: stale,
      serial: (file, prev) => signedSerial(opts.serialPolicy, file, stale ? (prev === undefined ? floor : later(prev, floor!)) : prev, new Date(nowMs)),
    });
    const snapshot = result.snapshot;
    const status: SigningStatus = {
      zone, algorithm: ALGORITHMS[opts.policy.algorithm].mnemonic, keyTag: key.tag, serial: snapshot.serial,
      signedAt: new Date(nowMs).toISOString(), earliestExpiry: iso(result.earliestExpiry), nextRefresh: iso(result.nextRefresh),
    };
    opts.log.info(result.changed ? 'zone signed' : 'zone signatures up to date', {
      zone, serial: snapshot.serial, signed: result.signed, kept: result.kept, key: key.tag, algorithm: status.algorithm, nsec: opts.policy.nsec,
      nextRefresh: status.nextRefresh, ms: Math.round(performance.now() - started),
    });
    if (!this.closed) this.schedule(result.nextRefresh);
    if (result.changed) this.persist(snapshot, status);
    return snapshot;
  }

  /** The zone's key: read (or made, the first time) in the state directory. */
  private keyFor(origin: Name, nowMs: number): ZoneKey {
    if (this.key !== undefined && this.key.origin === nameKey(origin)) return this.key;
    const { key, created } = zoneKey(keysDir(this.opts.stateDir), origin, this.opts.policy.algorithm, new Date(nowMs));
    if (created) {
      this.opts.log.info('DNSSEC key created: give the parent zone this DS record (zonedns dnssec ds prints it again)', {
        zone: nameToText(origin), key: key.tag, algorithm: ALGORITHMS[this.opts.policy.algorithm].mnemonic, file: `${key.path}.private`, ds: dsText(origin, key.dnskey),
      });
    }
    this.key = key;
    return key;
  }

  /** The signed version kept from the last run, if it is there, loads, and was signed with this key. */
  private readCopy(origin: Name, key: ZoneKey): ZoneSnapshot | undefined {
    const file = signedCopyPath(this.opts.stateDir, origin);
    if (!existsSync(file)) return undefined;
    const zone = nameToText(origin);
    let copy: ZoneSnapshot;
    try {
      copy = readSignedCopy(file, origin);
    } catch (e) {
      this.opts.log.warn(`${(e as Error).message}; signing anew`, { zone, file });
      return undefined;
    }
    if (!(getRRset(copy.apex, RRType.DNSKEY)?.rdata.includes(key.dnskey) ?? false)) {
      this.opts.log.warn('the signed copy is not signed with the zone\'s key; signing anew', { zone, file });
      return undefined;
    }
    this.opts.log.info('signed copy read', { zone, file, serial: copy.serial });
    return copy;
  }

  /** Asks for a re-sign at `dueAt` (seconds since 1970). */
  private schedule(dueAt: number): void {
    if (this.closed) return;
    this.dueAt = dueAt;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const delay = Math.min(MAX_TIMER_MS, Math.max(1000, dueAt * 1000 - this.clock.now()));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      if (this.clock.now() < this.dueAt * 1000) this.schedule(this.dueAt);
      else this.restage?.();
    }, delay);
  }

  /** Writes the status now (small) and the signed copy soon: at most one every COPY_INTERVAL_MS, the latest version. */
  private persist(snapshot: ZoneSnapshot, status: SigningStatus): void {
    try {
      writeFileAtomic(statusPath(this.opts.stateDir, snapshot.origin), Buffer.from(JSON.stringify(status, null, 2) + '\n'));
    } catch (e) {
      this.opts.log.error('cannot write the DNSSEC status file', { zone: status.zone, error: (e as Error).message });
    }
    this.toWrite = snapshot;
    this.scheduleCopy();
  }

  private scheduleCopy(): void {
    if (this.copyTimer !== undefined || this.writing || this.toWrite === undefined) return;
    const wait = Math.max(0, this.lastCopyAt + COPY_INTERVAL_MS - this.clock.now());
    this.copyTimer = this.clock.setTimeout(() => {
      this.copyTimer = undefined;
      void this.writeCopy();
    }, wait);
  }

  private async writeCopy(): Promise<void> {
    const next = this.toWrite;
    if (next === undefined || this.writing) return;
    this.toWrite = undefined;
    this.writing = true;
    const file = signedCopyPath(this.opts.stateDir, next.origin);
    const started = performance.now();
    try {
      await writeSignedCopy(file, next);
      this.opts.log.debug('signed copy written', { zone: nameToText(next.origin), file, serial: next.serial, ms: Math.round(performance.now() - started) });
    } catch (e) {
      // Still served from memory; a restart re-signs against the older copy, past the served serial.
      this.opts.log.error('cannot write the signed zone to the state directory', { zone: nameToText(next.origin), file, error: (e as Error).message });
    }
    this.lastCopyAt = this.clock.now();
    this.writing = false;
    this.scheduleCopy();
  }

  /** Writes the latest signed version now, if one is waiting (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.copyTimer !== undefined) {
      this.clock.clearTimeout(this.copyTimer);
      this.copyTimer = undefined;
    }
    while (this.writing) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.writeCopy();
  }
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** The status file of a zone, if it has been signed. */
export function readStatus(stateDir: string, origin: Name): SigningStatus | undefined {
  try {
    return JSON.parse(readFileSync(statusPath(stateDir, origin), 'utf8')) as SigningStatus;
  } catch {
    return undefined;
  }
}
