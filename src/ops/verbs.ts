// What each `zonedns ctl` verb does in the server (control-protocol.ts lists them). Each returns
// plain JSON; `zonedns ctl` prints it for people (cli/ctl.ts) or as is (--json). A verb that
// cannot do what it was asked throws ControlError with a sentence for the operator.

import { nameFromText, nameToText, type Name } from '../dns/name.js';
import type { Listening } from '../server/server.js';
import type { Notifier, NotifyTarget } from '../xfr/notify.js';
import type { ZoneRegistry } from '../zone/registry.js';
import { ControlError, type ControlRequest } from './control-protocol.js';
import type { ControlHandler } from './control-socket.js';
import { PACKAGE_VERSION } from './version.js';
import type { ZoneBook } from './zone-book.js';
import type { CounterSource } from './metrics.js';
import { zoneViews, type SecondariesView, type ZoneView } from './zone-view.js';

/** The running server as the verbs see it (serve.ts provides it). */
export interface ServerParts {
  readonly registry: ZoneRegistry;
  readonly secondaries?: SecondariesView;
  readonly notifier: Pick<Notifier, 'notify'>;
  /** NOTIFY targets of zones that configure none. */
  defaultNotify(): readonly NotifyTarget[] | undefined;
  readonly listening: readonly Listening[];
  readonly configFile?: string;
  /** The start-up load of the zone files is over. */
  filesLoaded(): boolean;
  /** Writes to disk that failed, by what was written: journal, zone_state (state/zone-state.ts). */
  stateWriteFailures(): Readonly<Record<string, number>>;
  /**
   * Loads every zone file again (as SIGHUP without a configuration), or only zone `origin`'s:
   * false when no zone file is that zone. Resolves once the loads are over (they run off the
   * thread that answers).
   */
  reload(origin?: Name): Promise<boolean>;
  /** The secondary zone `origin`: a check now, or a whole AXFR whatever the serials (xfr/secondary.ts checkNow). */
  checkSecondary(origin: Name, kind: 'refresh' | 'retransfer'): Promise<{ outcome: string; error?: string }> | undefined;
  /** Reads the configuration file again and applies it (as SIGHUP); throws with the reason when it is refused whole. */
  reconfig(): Promise<unknown>;
  /** Counters of other rooms to export with the metrics (ops/metrics.ts CounterSource). */
  readonly counterSources?: readonly CounterSource[];
  /** Shuts the server down, as SIGTERM does. */
  stop(): void;
}

/** What the verbs read of the ops room itself (ops.ts Ops). */
export interface OpsView {
  readonly book: ZoneBook;
  readonly startedAt: number;
  readonly controlPath: string | undefined;
  readonly metricsAddress: string | undefined;
  readiness(): { ready: boolean };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** One zone as `ctl zones` reports it. */
export interface ZoneReport {
  zone: string;
  kind: 'primary' | 'secondary';
  /** loaded / failed (a zone file); the secondary's state otherwise. */
  state: string;
  serial?: number;
  /** The zone file, or the secondary's primaries. */
  source: string;
  loadedAt?: string;
  lastLoad?: { at: string; ok: boolean; error?: string };
  secondary?: {
    primaries: readonly string[];
    file?: string;
    lastCheck?: { at: string; outcome: string; error?: string };
    nextCheckAt?: string;
    nextCheckInSeconds?: number;
    expiresAt?: string;
    expiresInSeconds?: number;
  };
}

export function zoneReport(v: ZoneView, now: number): ZoneReport {
  const e = v.entry;
  const out: ZoneReport = {
    zone: v.zone, kind: v.kind, state: v.serial === undefined ? (e?.lastLoad?.ok === false ? 'failed' : 'not loaded') : 'loaded',
    serial: v.serial, source: v.file ?? '', loadedAt: v.serial === undefined ? undefined : iso(e?.loadedAt),
    lastLoad: e?.lastLoad === undefined ? undefined : { at: iso(e.lastLoad.at)!, ok: e.lastLoad.ok, error: e.lastLoad.error },
  };
  if (v.secondary !== undefined) {
    const s = v.secondary.status();
    const inSeconds = (at: number | undefined) => (at === undefined ? undefined : Math.max(0, Math.round((at - now) / 1000)));
    out.state = s.state;
    out.source = `primaries ${s.primaries.join(', ')}`;
    out.lastLoad = undefined;
    out.secondary = {
      primaries: s.primaries, file: v.file,
      lastCheck: s.lastCheck === undefined ? undefined : { at: iso(s.lastCheck.at)!, outcome: s.lastCheck.outcome, error: s.lastCheck.error },
      nextCheckAt: iso(s.nextCheckAt), nextCheckInSeconds: inSeconds(s.nextCheckAt),
      expiresAt: iso(s.expiresAt), expiresInSeconds: inSeconds(s.expiresAt),
    };
  }
  return out;
}

/** `example.com` or `example.com.` as a Name; ControlError when it is not a domain name. */
function zoneName(text: string): Name {
  try {
    return nameFromText(text.endsWith('.') ? text : `${text}.`);
  } catch (e) {
    throw new ControlError(`"${text}" is not a domain name: ${(e as Error).message}`);
  }
}

export function controlHandler(parts: ServerParts, ops: OpsView): ControlHandler {
  const views = () => zoneViews(parts.registry, parts.secondaries, ops.book);
  const served = (origin: Name) => {
    const handle = parts.registry.get(origin);
    const e = ops.book.find(origin);
    return { zone: nameToText(origin).toLowerCase(), serial: handle?.snapshot?.serial, ...(e?.lastLoad?.ok === false ? { error: e.lastLoad.error } : {}) };
  };
  const secondaryCheck = async (zone: string, kind: 'refresh' | 'retransfer') => {
    const origin = zoneName(zone);
    const check = parts.checkSecondary(origin, kind);
    if (check === undefined) throw new ControlError(`no secondary zone ${nameToText(origin)}${parts.registry.get(origin) === undefined ? '' : ' (it is loaded from a file: use reload)'}`);
    let outcome;
    try {
      outcome = await check;
    } catch (e) {
      throw new ControlError(`${kind} of ${nameToText(origin)}: ${(e as Error).message}`);
    }
    if (outcome.outcome === 'failed') throw new ControlError(`${kind} of ${nameToText(origin)} failed: ${outcome.error ?? 'no primary answered'}`);
    return { ...served(origin), outcome: outcome.outcome };
  };
  const verbs: Record<ControlRequest['verb'], (zone: string | undefined) => unknown> = {
    status: () => {
      const all = views();
      const now = Date.now();
      const count = (f: (v: ZoneView) => boolean) => all.filter(f).length;
      return {
        version: PACKAGE_VERSION, pid: process.pid, startedAt: iso(ops.startedAt), uptimeSeconds: Math.round((now - ops.startedAt) / 1000),
        configFile: parts.configFile, listening: parts.listening.map((l) => `${l.transport} ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`),
        controlSocket: ops.controlPath, metrics: ops.metricsAddress, ready: ops.readiness().ready,
        zones: {
          total: all.length, loaded: count((v) => v.serial !== undefined), failed: count((v) => v.serial === undefined && v.entry?.lastLoad?.ok === false),
          secondaries: count((v) => v.kind === 'secondary'), expired: count((v) => v.secondary?.status().state === 'expired'),
        },
        zoneLoads: { ...ops.book.loads },
        rssBytes: process.memoryUsage.rss(),
      };
    },
    zones: (zone) => {
      const now = Date.now();
      if (zone === undefined) return views().map((v) => zoneReport(v, now));
      const key = nameToText(zoneName(zone)).toLowerCase();
      const v = views().find((z) => z.zone === key);
      if (v === undefined) throw new ControlError(`no zone ${key}`);
      return [zoneReport(v, now)];
    },
    notify: (zone) => {
      const origin = zoneName(zone!);
      const handle = parts.registry.get(origin);
      const snap = handle?.snapshot;
      if (handle === undefined) throw new ControlError(`no zone ${nameToText(origin)}`);
      if (snap === undefined) throw new ControlError(`zone ${nameToText(origin)} has no data to announce (not loaded, or expired)`);
      const targets = handle.options?.notify ?? parts.defaultNotify();
      if (targets === undefined || targets.length === 0) throw new ControlError(`zone ${nameToText(origin)} has no NOTIFY targets (set "notify" in the configuration)`);
      parts.notifier.notify(snap.origin, snap.soa, snap.serial, targets);
      return { zone: nameToText(snap.origin), serial: snap.serial, targets: targets.map((t) => t.text) };
    },
    stop: () => {
      parts.stop();
      return { stopping: true };
    },
    reload: async (zone) => {
      if (zone === undefined) {
        const before = { ...ops.book.loads };
        await parts.reload();
        return { loaded: ops.book.loads.ok - before.ok, failed: ops.book.loads.failed - before.failed };
      }
      const origin = zoneName(zone);
      if (!(await parts.reload(origin))) {
        throw new ControlError(`no zone file for ${nameToText(origin)}${parts.secondaries?.get(origin) === undefined ? '' : ' (a secondary: use refresh or retransfer)'}`);
      }
      const result = served(origin);
      if (result.error !== undefined) throw new ControlError(`reload of ${result.zone} failed${result.serial === undefined ? '' : ` (still serving serial ${result.serial})`}: ${result.error}`);
      return result;
    },
    refresh: (zone) => secondaryCheck(zone!, 'refresh'),
    retransfer: (zone) => secondaryCheck(zone!, 'retransfer'),
    reconfig: async () => {
      try {
        return await parts.reconfig();
      } catch (e) {
        throw new ControlError(`configuration refused, the running one stays: ${(e as Error).message}`);
      }
    },
  };
  return (request) => verbs[request.verb](request.zone);
}
