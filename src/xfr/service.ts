// The primary side's bookkeeping around reloads: each zone's journal (opened from the state
// directory on first load, appended to when a reload moves the serial) and NOTIFY to the zone's
// secondaries when the serial changes. ZoneManager calls it right after each swap; the entry is
// found then, or for a big zone in slices soon after (record), and an IXFR asked meanwhile gets
// the whole zone: it never gets an entry that does not lead to what is served.
//
// After a restart the journal on disk is used only if it ends at the serial now served, with the
// content now served: ZoneManager has it emptied (historyBroken) before recording a version whose
// content differs from the recorded one under the same serial, and `loaded` empties one that ends
// at another serial (reload/zones.ts, commitServed, has the order of writes).

import { serialGreater } from '../dns/serial.js';
import { existsSync } from 'node:fs';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import type { ZoneEvents } from '../reload/zones.js';
import type { ZoneHandle } from '../zone/registry.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import { DEFAULT_JOURNAL_LIMITS, Journal, journalPath, makeEntry, SnapshotDiff, type JournalLimits } from './journal.js';
import type { Notifier, NotifyTarget } from './notify.js';

/** The longest a journal entry's comparison holds the thread that answers at a time. */
const DIFF_SLICE_MS = 2;

/** Runs `diff` to its end a slice per turn of the event loop. */
function inSlices(diff: SnapshotDiff): Promise<void> {
  return new Promise((resolve, reject) => {
    const turn = () => {
      try {
        if (diff.step(performance.now() + DIFF_SLICE_MS)) resolve();
        else setImmediate(turn);
      } catch (e) {
        reject(e);
      }
    };
    setImmediate(turn);
  });
}

export interface XfrServiceOptions {
  log: Logger;
  /** Where journals are kept across restarts; undefined: in memory only. */
  stateDir?: string;
  journal?: JournalLimits;
  /** Sends NOTIFY; undefined: no NOTIFY at all. */
  notifier?: Notifier;
  /** Targets for zones that configure none. */
  defaultNotify?: readonly NotifyTarget[];
}

export class XfrService implements ZoneEvents {
  /** Journal writes that failed (the zone kept serving; IXFR may fall back to AXFR). */
  journalWriteFailures = 0;
  private started = false;
  private readonly handles = new Set<ZoneHandle>();
  /** Journal entries being computed, the last per zone (see record). */
  private readonly recording = new Map<ZoneHandle, Promise<void>>();

  private defaultNotify: readonly NotifyTarget[] | undefined;

  constructor(private readonly opts: XfrServiceOptions) {
    this.defaultNotify = opts.defaultNotify;
  }

  /** First load of a zone: its journal comes from disk if it still leads to this serial. */
  loaded(handle: ZoneHandle): void {
    const snap = handle.snapshot;
    if (snap === undefined) return;
    this.handles.add(handle);
    const zone = nameToText(snap.origin);
    const file = this.opts.stateDir === undefined ? undefined : journalPath(this.opts.stateDir, snap.origin);
    const journal = Journal.open(snap.origin, file, this.opts.journal ?? DEFAULT_JOURNAL_LIMITS, (why) => this.opts.log.warn(why, { zone, file }));
    const last = journal.lastSerial;
    if (last !== undefined && last !== snap.serial) {
      // Edited while we were down: we cannot tell what changed since the journal's last version.
      this.opts.log.info('journal does not end at the loaded serial; starting a new one (IXFR falls back to AXFR until the next change)', { zone, journal: last, serial: snap.serial });
      this.safely(zone, () => journal.clear());
    } else if (last !== undefined) {
      this.opts.log.info('journal loaded', { zone, entries: journal.entries.length, from: journal.entries[0]!.from, to: last });
    }
    handle.journal = journal;
    if (this.started) this.notify(handle, snap);
  }

  /** A reload swapped `old` for the handle's current snapshot. */
  swapped(handle: ZoneHandle, old: ZoneSnapshot, contentChanged: boolean): void {
    const next = handle.snapshot;
    if (next === undefined) return;
    this.handles.add(handle);
    const zone = nameToText(next.origin);
    const journal = (handle.journal ??= new Journal(next.origin, this.opts.journal ?? DEFAULT_JOURNAL_LIMITS,
      this.opts.stateDir === undefined ? undefined : journalPath(this.opts.stateDir, next.origin)));
    if (next.serial === old.serial) {
      // Same serial, other content: clients at this serial cannot be told apart from current ones.
      if (contentChanged) this.safely(zone, () => journal.clear());
      return;
    }
    if (serialGreater(next.serial, old.serial)) {
      this.record(handle, journal, old, next, zone);
      return;
    }
    this.opts.log.warn('serial went backwards; journal emptied (secondaries will not follow until it passes theirs)', { zone, serial: next.serial, previous: old.serial });
    this.safely(zone, () => journal.clear());
    this.notify(handle, next);
  }

  /**
   * Records the journal entry from `old` to `next`, then sends NOTIFY. A small zone's difference
   * is found at once, in this turn; a big one's in slices of the event loop (SnapshotDiff: ~400
   * ms for two loads of a 1M-record zone), one zone's entries in order. Meanwhile an IXFR gets
   * the whole zone (the journal does not reach the served serial yet: planIxfr), and secondaries
   * are told only once the entry is there. An entry whose journal was emptied meanwhile (a version
   * that broke the history came) is dropped: it would lead to content no longer served.
   */
  private record(handle: ZoneHandle, journal: Journal, old: ZoneSnapshot, next: ZoneSnapshot, zone: string): void {
    const started = performance.now();
    const generation = journal.generation;
    const diff = new SnapshotDiff(old, next);
    const finish = () => {
      if (journal.generation !== generation || handle.journal !== journal || !this.handles.has(handle)) return;
      const entry = makeEntry(old.soa, next.soa, old.serial, next.serial, diff.result());
      this.safely(zone, () => {
        const dropped = journal.append(entry);
        this.opts.log.info('journal entry recorded', {
          zone, from: entry.from, to: entry.to, deleted: entry.deleted.reduce((n, s) => n + s.rdata.length, 0),
          added: entry.added.reduce((n, s) => n + s.rdata.length, 0), entries: journal.entries.length, dropped, ms: Math.round(performance.now() - started),
        });
      });
      if (handle.snapshot === next) this.notify(handle, next);
    };
    const before = this.recording.get(handle);
    if (before === undefined && diff.step(performance.now() + DIFF_SLICE_MS)) {
      finish();
      return;
    }
    const done = (before ?? Promise.resolve()).then(() => inSlices(diff)).then(finish, (e: unknown) => {
      this.opts.log.error('journal entry not recorded', { zone, error: (e as Error).message });
    });
    this.recording.set(handle, done);
    void done.finally(() => {
      if (this.recording.get(handle) === done) this.recording.delete(handle);
    });
  }

  removed(handle: ZoneHandle): void {
    this.handles.delete(handle);
  }

  /**
   * The next version of the zone does not continue what the journal describes (reload/zones.ts
   * calls this before recording and serving it): the journal is emptied now, on disk too, so a
   * crash before the swap cannot leave a journal ending at the new serial with other content.
   */
  historyBroken(origin: Name): void {
    const zone = nameToText(origin);
    for (const h of this.handles) {
      if (nameKey(h.origin) === nameKey(origin) && h.journal !== undefined) {
        const journal = h.journal;
        this.safely(zone, () => journal.clear());
        return;
      }
    }
    // Not loaded yet (a start): empty the file the first load would otherwise open.
    const file = this.opts.stateDir === undefined ? undefined : journalPath(this.opts.stateDir, origin);
    if (file !== undefined && existsSync(file)) {
      this.opts.log.info('journal does not lead to the content now loaded; starting a new one (IXFR falls back to AXFR until the next change)', { zone });
      this.safely(zone, () => new Journal(origin, this.opts.journal ?? DEFAULT_JOURNAL_LIMITS, file).save());
    }
  }

  /** From now on, loads and changes send NOTIFY; also notifies every zone loaded so far (as BIND does at start-up). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const h of this.handles) if (h.snapshot !== undefined) this.notify(h, h.snapshot);
  }

  /** NOTIFY targets of zones without their own, from now on (a reconfiguration). */
  setDefaultNotify(targets: readonly NotifyTarget[] | undefined): void {
    this.defaultNotify = targets;
  }

  private notify(handle: ZoneHandle, snap: ZoneSnapshot): void {
    const targets = handle.options?.notify ?? this.defaultNotify;
    if (this.opts.notifier === undefined || targets === undefined || targets.length === 0) return;
    this.opts.notifier.notify(snap.origin, snap.soa, snap.serial, targets);
  }

  /** Journal I/O errors are logged; the zone keeps serving (IXFR may fall back to AXFR). */
  private safely(zone: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      this.journalWriteFailures++;
      this.opts.log.error('cannot write journal', { zone, error: (e as Error).message });
    }
  }
}
