// What the operator asks about each zone (`zonedns ctl zones`, the metrics): when its data was
// loaded, what its last load or transfer said, how its transfers out and NOTIFYs went. Kept from
// the events the zone manager, the transfer service and the notifier already emit (ZoneEvents,
// XfrContext.observe, Notifier's onDone), so none of them knows this book exists.

import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { ZoneEvents } from '../reload/zones.js';
import type { NotifyOutcome } from '../xfr/notify.js';
import type { TransferOutcome } from '../xfr/transfer.js';
import type { ZoneHandle } from '../zone/registry.js';

/** One zone's history as far as this process has seen it (times in ms since the epoch). */
export interface ZoneEntry {
  /** `example.com.` (lower case): the label of its metrics. */
  readonly zone: string;
  /** The zone file of its last load attempt. */
  file: string | undefined;
  /** When the data served now was loaded or transferred. */
  loadedAt: number | undefined;
  /** The last load (or failed load) of the zone file. */
  lastLoad: { at: number; ok: boolean; error?: string } | undefined;
  readonly transfersOut: Record<'AXFR' | 'IXFR', Record<TransferOutcome, number>>;
  readonly notifyOut: Record<NotifyResult, number>;
}

/** How one NOTIFY to one secondary ended. */
export type NotifyResult = 'acknowledged' | 'error' | 'unanswered';

/** Loads of zone files, all zones together. */
export interface LoadTotals {
  ok: number;
  failed: number;
}

const noTransfers = (): Record<TransferOutcome, number> => ({ done: 0, refused: 0, aborted: 0 });

export class ZoneBook {
  private readonly byZone = new Map<string, ZoneEntry>();
  readonly loads: LoadTotals = { ok: 0, failed: 0 };
  /** Transfer requests for names that are not a zone of ours. */
  readonly strayTransfers: Record<TransferOutcome, number> = noTransfers();

  constructor(private readonly now: () => number = Date.now) {}

  /** The entry of a zone, made on first mention. */
  entry(origin: Name): ZoneEntry {
    return this.labelled(nameToText(nameKey(origin)));
  }

  /** The entry under a label: a zone's text form, or a file's path (a zone not known by name). */
  private labelled(zone: string): ZoneEntry {
    let e = this.byZone.get(zone);
    if (e === undefined) {
      e = { zone, file: undefined, loadedAt: undefined, lastLoad: undefined, transfersOut: { AXFR: noTransfers(), IXFR: noTransfers() }, notifyOut: { acknowledged: 0, error: 0, unanswered: 0 } };
      this.byZone.set(zone, e);
    }
    return e;
  }

  /** The entry of a zone if it was ever mentioned. */
  find(origin: Name): ZoneEntry | undefined {
    return this.byZone.get(nameToText(nameKey(origin)));
  }

  entries(): IterableIterator<ZoneEntry> {
    return this.byZone.values();
  }

  /** Zone files that never loaded and whose origin is unknown (filed under their path). */
  failedFiles(): ZoneEntry[] {
    return [...this.byZone.values()].filter((e) => !e.zone.endsWith('.'));
  }

  /** What the zone manager tells about zone files. */
  readonly fileEvents: ZoneEvents = {
    loaded: (handle) => this.fileLoaded(handle),
    swapped: (handle) => this.fileLoaded(handle),
    removed: (handle) => { this.entry(handle.origin).loadedAt = undefined; },
    failed: (file, origin, error) => {
      // A file whose origin is not known yet: no zone name to file it under.
      const e = origin === undefined ? this.labelled(file) : this.entry(origin);
      e.file = file;
      e.lastLoad = { at: this.now(), ok: false, error };
      this.loads.failed++;
    },
  };

  /** What secondary zones tell: new data transferred (their checks are in their own status). */
  readonly secondaryEvents: ZoneEvents = {
    loaded: (handle) => { this.entry(handle.origin).loadedAt = this.now(); },
    swapped: (handle) => { this.entry(handle.origin).loadedAt = this.now(); },
  };

  /** `events`, then what the book hears of the same zones (`kind`: zone files, or secondaries). */
  around(events: ZoneEvents, kind: 'file' | 'secondary'): ZoneEvents {
    const mine: ZoneEvents = kind === 'file' ? this.fileEvents : this.secondaryEvents;
    // Spread first: whatever else `events` listens to passes through untouched.
    return {
      ...events,
      loaded: (h) => { events.loaded?.(h); mine.loaded?.(h); },
      swapped: (h, old, changed) => { events.swapped?.(h, old, changed); mine.swapped?.(h, old, changed); },
      removed: (h) => { events.removed?.(h); mine.removed?.(h); },
      failed: (file, origin, error) => { events.failed?.(file, origin, error); mine.failed?.(file, origin, error); },
    };
  }

  /** XfrContext.observe. */
  transfer(zone: Name | undefined, kind: 'AXFR' | 'IXFR', result: TransferOutcome): void {
    if (zone === undefined) this.strayTransfers[result]++;
    else this.entry(zone).transfersOut[kind][result]++;
  }

  /** The notifier's onDone: `zone` is its text form. */
  notified(zone: string, outcome: NotifyOutcome): void {
    if (outcome.kind === 'replaced') return; // a newer NOTIFY took its place
    const result: NotifyResult = outcome.kind === 'gave-up' ? 'unanswered' : outcome.rcode === 0 ? 'acknowledged' : 'error';
    this.labelled(zone.toLowerCase()).notifyOut[result]++;
  }

  private fileLoaded(handle: ZoneHandle): void {
    const e = this.entry(handle.origin);
    const at = this.now();
    const file = handle.snapshot?.files[0];
    e.loadedAt = at;
    e.lastLoad = { at, ok: true };
    this.loads.ok++;
    if (file !== undefined) {
      e.file = file;
      // Failures from before the origin was known were filed under the path.
      this.byZone.delete(file);
    }
  }
}
