// The set of zones a server answers for, and the longest-suffix match that picks the zone for a
// query name (RFC 1034 §4.3.2 step 2: the nearest ancestor zone we are authoritative for).

import { RRType } from '../dns/constants.js';
import { nameKey, type Name } from '../dns/name.js';
import type { ZoneSnapshot } from './snapshot.js';
import type { TransferPolicy } from '../xfr/acl.js';
import type { Journal } from '../xfr/journal.js';
import type { NotifyTarget } from '../xfr/notify.js';
import type { HealthRule } from '../health/rule.js';

/**
 * A configured zone. Lives as long as the configuration does; `snapshot` is swapped on reload
 * (one assignment: a query holds the snapshot it read, never half of two).
 */
export interface ZoneHandle {
  readonly origin: Name;
  snapshot: ZoneSnapshot | undefined;
  /**
   * Per-zone serving options from the configuration; unset fields use the server's. Replaced
   * whole (one assignment) when the configuration is read again: a query reads it once.
   */
  options?: ZoneOptions;
  /** Differences between recent versions, for IXFR (set by the xfr service; absent: AXFR only). */
  journal?: Journal;
}

export interface ZoneOptions {
  /** Order of A/AAAA records in answers (see server/rotate.ts). */
  readonly rotate?: 'cyclic' | 'random' | 'none';
  /** Who may AXFR/IXFR the zone; unset: the server's default (itself unset: nobody). */
  readonly transfer?: TransferPolicy;
  /** Secondaries to NOTIFY when the serial changes (RFC 1996); unset: the server's default. */
  readonly notify?: readonly NotifyTarget[];
  /** Health checks of this zone's names, besides the server-wide ones (see health/service.ts). */
  readonly health?: readonly HealthRule[];
}

export class ZoneRegistry {
  private readonly zones = new Map<Name, ZoneHandle>();

  /** Adds or replaces the handle for an origin. */
  set(handle: ZoneHandle): void {
    this.zones.set(nameKey(handle.origin), handle);
  }

  delete(origin: Name): boolean {
    return this.zones.delete(nameKey(origin));
  }

  get(origin: Name): ZoneHandle | undefined {
    return this.zones.get(nameKey(origin));
  }

  handles(): IterableIterator<ZoneHandle> {
    return this.zones.values();
  }

  get size(): number {
    return this.zones.size;
  }

  /**
   * The zone that answers a question about a case-folded name: the longest suffix, except that DS
   * at a zone's apex is data of the parent side of the cut (RFC 4035 §3.1.4.1), so when we serve
   * the parent zone too, the parent answers (as Knot, NSD and BIND do).
   */
  findForQuestion(qkey: Name, qtype: number): ZoneHandle | undefined {
    const handle = this.find(qkey);
    if (qtype !== RRType.DS || handle === undefined || qkey.length <= 1 || nameKey(handle.origin) !== qkey) return handle;
    return this.find(qkey.slice(qkey.charCodeAt(0) + 1) as Name) ?? handle;
  }

  /** Longest-suffix match on a case-folded name. */
  find(qkey: Name): ZoneHandle | undefined {
    const zones = this.zones;
    for (let off = 0; off < qkey.length; off += qkey.charCodeAt(off) + 1) {
      const h = zones.get((off === 0 ? qkey : qkey.slice(off)) as Name);
      if (h !== undefined) return h;
    }
    return undefined;
  }
}
