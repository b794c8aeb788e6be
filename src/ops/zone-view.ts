// One view of every configured zone, for `zonedns ctl zones`, `ctl status`, the metrics and
// /readyz: the registry says what is served, the secondaries what their state machines are doing,
// the zone book what happened to loads, transfers and NOTIFYs.

import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { SecondaryCounts, SecondaryStatus } from '../xfr/secondary.js';
import type { ZoneHandle, ZoneRegistry } from '../zone/registry.js';
import type { ZoneBook, ZoneEntry } from './zone-book.js';

/** A secondary zone as ops/ reads it (xfr/secondary.ts SecondaryZone). */
export interface SecondaryView {
  readonly handle: ZoneHandle;
  readonly counts: SecondaryCounts;
  status(): SecondaryStatus;
}

/** The secondary zones as ops/ reads them (xfr/secondary.ts SecondaryManager). */
export interface SecondariesView {
  zones(): Iterable<SecondaryView>;
  get(origin: Name): SecondaryView | undefined;
  readonly strayNotifies: number;
}

export interface ZoneView {
  /** `example.com.`, lower case. */
  readonly zone: string;
  readonly kind: 'primary' | 'secondary';
  /** Serial of the data answered from now; undefined: nothing served (not loaded, failed, expired). */
  readonly serial: number | undefined;
  /** The zone file (primary), or where the secondary's copy is kept. */
  readonly file: string | undefined;
  readonly entry: ZoneEntry | undefined;
  readonly secondary: SecondaryView | undefined;
}

/** Every zone: served ones, secondaries, and zone files that failed to load; sorted by name. */
export function zoneViews(registry: ZoneRegistry, secondaries: SecondariesView | undefined, book: ZoneBook): ZoneView[] {
  const out = new Map<string, ZoneView>();
  for (const handle of registry.handles()) {
    const secondary = secondaries?.get(handle.origin);
    const entry = book.find(handle.origin);
    const zone = nameToText(nameKey(handle.origin));
    out.set(zone, { zone, kind: secondary === undefined ? 'primary' : 'secondary', serial: handle.snapshot?.serial, file: entry?.file, entry, secondary });
  }
  // Zone files that never loaded: under their origin when it was read, else under their path.
  for (const entry of [...book.failedFiles(), ...failedNamedZones(book, out)]) {
    out.set(entry.zone, { zone: entry.zone, kind: 'primary', serial: undefined, file: entry.file, entry, secondary: undefined });
  }
  return [...out.values()].sort((a, b) => a.zone.localeCompare(b.zone));
}

function failedNamedZones(book: ZoneBook, served: Map<string, ZoneView>): ZoneEntry[] {
  const out: ZoneEntry[] = [];
  for (const e of book.entries()) if (e.zone.endsWith('.') && !served.has(e.zone) && e.lastLoad?.ok === false) out.push(e);
  return out;
}

/** The view of one zone by name (`example.com` or `example.com.`, any case), or undefined. */
export function findZone(views: readonly ZoneView[], name: string): ZoneView | undefined {
  const want = (name.endsWith('.') ? name : `${name}.`).toLowerCase();
  return views.find((v) => v.zone === want);
}

/**
 * Ready (/readyz) once every zone has had its first outcome: each zone file loaded or failed
 * (`filesLoaded`: the start-up load is over), each secondary serving or done with its first check.
 */
export function allZonesSettled(filesLoaded: boolean, secondaries: SecondariesView | undefined): boolean {
  if (!filesLoaded) return false;
  for (const z of secondaries?.zones() ?? []) {
    const s = z.status();
    if (s.serial === undefined && s.lastCheck === undefined && s.state !== 'stopped') return false;
  }
  return true;
}
