// Durable per-zone state under `stateDir`: what must survive a restart or a crash so that nothing
// served goes backwards (ARCHITECTURE.md, room state/).
//
// One small JSON file per zone, `<stateDir>/<zone>.state` (the zone's name made safe for any file
// system, as the journal's `<zone>.journal` beside it), written whole and atomically
// (atomic-write.ts) on every change. One file per zone rather than one for all: a reload of one
// zone rewrites a few hundred octets, not every zone's state, and zones never wait on each other.
// JSON because an operator can read it (`cat /var/lib/zonedns/example.com.state`), and it is
// small enough that its cost does not matter:
//
//   {
//     "format": "zonedns-state/1",
//     "zone": "example.com.",
//     "served": { "serial": 2026112403, "fingerprint": "9c1f…", "at": "2026-11-24T06:40:00.000Z" },
//     "secondary": { "serial": 7, "refreshedAt": "…", "expiresAt": "…", "expired": false }
//   }
//
// `served` (zones loaded from files): the highest serial this server may have answered with, and
// the fingerprint (SHA-256 over the zone's files, reload/zones.ts) of the content it stands for.
// A restart continues from it: `serial: auto`/`unixtime` give changed content a serial above it
// and unchanged content the same serial again; `keep` refuses a file whose serial is below it.
// It is written BEFORE the new version is swapped in, in the same turn of the event loop, so no
// answer can carry a serial that is not on disk yet (see reload/zones.ts for the whole order).
//
// `secondary` (zones transferred from primaries): the serial of the copy, the last successful
// refresh (RFC 1034 §4.3.5) and when the data expires without one; `expired` once it has. A
// restart arms the expiry timer at `expiresAt` instead of starting the clock anew, and an expired
// zone stays expired (SERVFAIL) until a transfer succeeds, as BIND, Knot and NSD keep their timers.

import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import { removeStaleTemps, writeFileAtomic } from './atomic-write.js';

const FORMAT = 'zonedns-state/1';

/** What was last served of a zone loaded from files. */
export interface ServedState {
  readonly serial: number;
  /** SHA-256 over the zone's files (reload/zones.ts): recognises the same content after a restart. */
  readonly fingerprint: string;
}

/** A secondary zone's timers (RFC 1034 §4.3.5), as milliseconds since the epoch. */
export interface SecondaryState {
  /** Serial of the copy the timers belong to. */
  readonly serial: number;
  /** Last successful check of the primary (SOA query answered, transfer done or not needed). */
  readonly refreshedAt: number;
  /** refreshedAt + SOA EXPIRE: the data is no longer authoritative after this. */
  readonly expiresAt: number;
  /** The zone expired (and no transfer succeeded since). */
  readonly expired: boolean;
}

export interface ZoneState {
  readonly served?: ServedState;
  readonly secondary?: SecondaryState;
}

/** The part of the store the zone manager uses (tests give it a map). */
export interface ServedSerials {
  served(origin: Name): ServedState | undefined;
  /** Records `serial` as served with this content, durably. False (and an error logged) if it could not be. */
  recordServed(origin: Name, state: ServedState): boolean;
}

/** The part of the store a secondary zone uses. */
export interface SecondaryTimersStore {
  secondary(origin: Name): SecondaryState | undefined;
  /** Records the timers durably. False (and an error logged) if they could not be. */
  recordSecondary(origin: Name, state: SecondaryState): boolean;
}

/** `<zone>` for file names: the lower-cased name without its final dot (`root` for the root), other than `a-z0-9._-` escaped as %XX. */
export function zoneFileStem(origin: Name): string {
  const text = nameToText(nameKey(origin));
  return text === '.' ? 'root' : text.slice(0, -1).replace(/[^a-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Makes sure `dir` exists and this process may write in it. Throws an Error naming the directory
 * and the reason (a read-only file system under systemd's ProtectSystem=strict: EROFS), so
 * `serve` can refuse to start rather than find out at the first write.
 */
export function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new Error(`${dir}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

interface StateFile {
  format: string;
  zone: string;
  served?: { serial: number; fingerprint: string; at?: string };
  secondary?: { serial: number; refreshedAt: string; expiresAt: string; expired: boolean };
}

const isSerial = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** Reads a state file's content; throws an Error saying what is wrong with it. */
export function decodeZoneState(text: string, origin: Name): ZoneState {
  const raw = JSON.parse(text) as Partial<StateFile>;
  if (raw === null || typeof raw !== 'object' || raw.format !== FORMAT) throw new Error(`not a ${FORMAT} file`);
  if (typeof raw.zone !== 'string' || raw.zone.toLowerCase() !== nameToText(nameKey(origin))) throw new Error(`state of zone ${String(raw.zone)}, not ${nameToText(origin)}`);
  const out: { served?: ServedState; secondary?: SecondaryState } = {};
  if (raw.served !== undefined) {
    const s = raw.served;
    if (!isSerial(s.serial) || typeof s.fingerprint !== 'string') throw new Error('"served" needs a serial (0..2^32-1) and a fingerprint');
    out.served = { serial: s.serial, fingerprint: s.fingerprint };
  }
  if (raw.secondary !== undefined) {
    const s = raw.secondary;
    if (!isSerial(s.serial) || !isTime(s.refreshedAt) || !isTime(s.expiresAt) || typeof s.expired !== 'boolean') {
      throw new Error('"secondary" needs serial, refreshedAt, expiresAt (ISO 8601) and expired');
    }
    out.secondary = { serial: s.serial, refreshedAt: Date.parse(s.refreshedAt), expiresAt: Date.parse(s.expiresAt), expired: s.expired };
  }
  return out;
}

export function encodeZoneState(origin: Name, state: ZoneState, now = new Date()): string {
  const file: StateFile = { format: FORMAT, zone: nameToText(nameKey(origin)) };
  if (state.served !== undefined) file.served = { serial: state.served.serial, fingerprint: state.served.fingerprint, at: now.toISOString() };
  if (state.secondary !== undefined) {
    const s = state.secondary;
    file.secondary = { serial: s.serial, refreshedAt: new Date(s.refreshedAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString(), expired: s.expired };
  }
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The per-zone state files of one state directory. Each zone's state is read once (on first
 * use) and then kept in memory; every change is written through before the call returns.
 */
export class StateStore implements ServedSerials, SecondaryTimersStore {
  private readonly cache = new Map<Name, ZoneState>();
  /** Writes that failed (each logged; the metrics count them). */
  writeFailures = 0;

  constructor(readonly dir: string, private readonly log: Logger) {}

  /** `<stateDir>/<zone>.state`. */
  path(origin: Name): string {
    return join(this.dir, `${zoneFileStem(origin)}.state`);
  }

  /** The zone's stored state ({} when none). A damaged file is logged and treated as none. */
  get(origin: Name): ZoneState {
    const key = nameKey(origin);
    let state = this.cache.get(key);
    if (state !== undefined) return state;
    const file = this.path(origin);
    removeStaleTemps(file);
    state = {};
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error(`cannot read the zone's state: ${(e as Error).message}`, { zone: nameToText(origin), file });
    }
    if (text !== undefined) {
      try {
        state = decodeZoneState(text, origin);
      } catch (e) {
        this.log.error(`the zone's state file is damaged; ignoring it: ${(e as Error).message}`, { zone: nameToText(origin), file });
      }
    }
    this.cache.set(key, state);
    return state;
  }

  served(origin: Name): ServedState | undefined {
    return this.get(origin).served;
  }

  secondary(origin: Name): SecondaryState | undefined {
    return this.get(origin).secondary;
  }

  recordServed(origin: Name, served: ServedState): boolean {
    const now = this.get(origin);
    if (now.served?.serial === served.serial && now.served.fingerprint === served.fingerprint) return true;
    return this.write(origin, { ...now, served });
  }

  recordSecondary(origin: Name, secondary: SecondaryState): boolean {
    return this.write(origin, { ...this.get(origin), secondary });
  }

  /** Writes the whole state; memory follows only once the disk does. */
  private write(origin: Name, state: ZoneState): boolean {
    const file = this.path(origin);
    try {
      writeFileAtomic(file, encodeZoneState(origin, state));
    } catch (e) {
      this.writeFailures++;
      this.log.error(`cannot write the zone's state: ${(e as Error).message}`, { zone: nameToText(origin), file });
      return false;
    }
    this.cache.set(nameKey(origin), state);
    return true;
  }
}
