// The Prometheus metrics (prom-client): every series is filled at scrape time, in a collect
// callback, from counters and state the server keeps anyway (query-counters.ts, the zone book,
// the secondaries' status). Nothing here runs per query. Names follow Prometheus's conventions:
// `zonedns_` prefix, `_total` for counters, base units (seconds, bytes).
//
// This module is only loaded when `metrics` is configured (prom-client stays out of a plain
// `serve`'s memory).

import { Counter, Gauge, Registry } from 'prom-client';
import { nameKey, nameToText } from '../dns/name.js';
import type { SecondaryState } from '../xfr/secondary.js';
import type { ZoneRegistry } from '../zone/registry.js';
import { NO_ZONE, QTYPE_LABELS, RCODE_LABELS, TRANSPORTS, type QueryCounters } from './query-counters.js';
import type { ZoneBook } from './zone-book.js';
import { zoneViews, type SecondariesView } from './zone-view.js';

export interface MetricsSources {
  readonly registry: ZoneRegistry;
  readonly book: ZoneBook;
  readonly counters: QueryCounters;
  readonly secondaries?: SecondariesView;
  /** Writes to disk that failed, by kind (journal, zone_state); secondary copies are counted here. */
  stateWriteFailures(): Readonly<Record<string, number>>;
  /** Seconds since the epoch when the process started. */
  readonly startTime: number;
  readonly version: string;
  readonly now?: () => number;
  /** Counters other rooms keep (rate limits, cookies, TCP limits), read at each scrape as they are. */
  readonly extra?: readonly CounterSource[];
}

/**
 * A family of counters kept outside ops/ (e.g. RunningServer.counters of the limits): exported as
 * `name` (which should end in `_total`), one sample per label set that read() gives.
 */
export interface CounterSource {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  read(): Iterable<readonly [labels: Readonly<Record<string, string>>, value: number]>;
}

const SECONDARY_STATES: readonly SecondaryState[] = ['loading', 'serving', 'retrying', 'expired'];

/** A registry whose metrics are read from `s` at each scrape. */
export function createMetrics(s: MetricsSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const now = s.now ?? Date.now;
  const views = () => zoneViews(s.registry, s.secondaries, s.book);
  const seconds = (ms: number) => ms / 1000;

  new Counter({
    name: 'zonedns_queries_total', help: 'DNS messages received, by the zone they fell in ("none": no zone of ours), transport and query type.',
    labelNames: ['zone', 'transport', 'qtype'], registers,
    collect() {
      this.reset();
      for (const z of s.counters.zones(s.registry.handles())) {
        TRANSPORTS.forEach((transport, t) => QTYPE_LABELS.forEach((qtype, q) => {
          const v = z.queries(q, t);
          if (v > 0) this.inc({ zone: z.zone, transport, qtype }, v);
        }));
      }
    },
  });
  new Counter({
    name: 'zonedns_responses_total', help: 'Responses sent, by zone, transport and response code.',
    labelNames: ['zone', 'transport', 'rcode'], registers,
    collect() {
      this.reset();
      for (const z of s.counters.zones()) {
        TRANSPORTS.forEach((transport, t) => RCODE_LABELS.forEach((rcode, r) => {
          const v = z.responses(r, t);
          if (v > 0) this.inc({ zone: z.zone, transport, rcode }, v);
        }));
      }
    },
  });
  new Counter({
    name: 'zonedns_responses_truncated_total', help: 'Responses sent with TC=1 (the answer did not fit; the client retries over TCP).',
    labelNames: ['zone', 'transport'], registers,
    collect() {
      this.reset();
      for (const z of s.counters.zones()) TRANSPORTS.forEach((transport, t) => { if (z.truncated(t) > 0) this.inc({ zone: z.zone, transport }, z.truncated(t)); });
    },
  });
  new Counter({
    name: 'zonedns_queries_dropped_total', help: 'Messages not answered: no readable header, a response (QR=1), or dropped by a limit.',
    labelNames: ['zone', 'transport'], registers,
    collect() {
      this.reset();
      for (const z of s.counters.zones()) TRANSPORTS.forEach((transport, t) => { if (z.dropped(t) > 0) this.inc({ zone: z.zone, transport }, z.dropped(t)); });
    },
  });
  new Counter({
    name: 'zonedns_answer_cache_hits_total', help: 'Answers copied from the answer cache instead of being built.',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const z of s.counters.zones()) if (z.cacheHits > 0) this.inc({ zone: z.zone }, z.cacheHits);
    },
  });

  new Gauge({
    name: 'zonedns_zone_serial', help: 'SOA serial of the zone data being served.',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const v of views()) if (v.serial !== undefined) this.set({ zone: v.zone }, v.serial);
    },
  });
  new Gauge({
    name: 'zonedns_zone_loaded', help: '1 when the zone has data to answer from, 0 when not (its file failed to load, not transferred yet, expired).',
    labelNames: ['zone', 'kind'], registers,
    collect() {
      this.reset();
      for (const v of views()) this.set({ zone: v.zone, kind: v.kind }, v.serial === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'zonedns_zone_last_load_success', help: '1 when the last load of the zone file succeeded, 0 when it failed (the previous version, if any, is still served).',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const v of views()) if (v.entry?.lastLoad !== undefined) this.set({ zone: v.zone }, v.entry.lastLoad.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'zonedns_zone_last_load_timestamp_seconds', help: 'When the zone file was last loaded, successfully or not.',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const v of views()) if (v.entry?.lastLoad !== undefined) this.set({ zone: v.zone }, seconds(v.entry.lastLoad.at));
    },
  });
  new Counter({
    name: 'zonedns_zone_loads_total', help: 'Loads of zone files (start-up, file changes, reloads), by result.',
    labelNames: ['result'], registers,
    collect() {
      this.reset();
      this.inc({ result: 'ok' }, s.book.loads.ok);
      this.inc({ result: 'failed' }, s.book.loads.failed);
    },
  });

  new Counter({
    name: 'zonedns_transfers_out_total', help: 'AXFR/IXFR requests from secondaries, by result: done, refused (ACL, TSIG, malformed), aborted (cut short mid-stream).',
    labelNames: ['zone', 'type', 'result'], registers,
    collect() {
      this.reset();
      for (const e of s.book.entries()) {
        for (const type of ['AXFR', 'IXFR'] as const) {
          for (const [result, n] of Object.entries(e.transfersOut[type])) if (n > 0) this.inc({ zone: e.zone, type, result }, n);
        }
      }
      for (const [result, n] of Object.entries(s.book.strayTransfers)) if (n > 0) this.inc({ zone: NO_ZONE, type: 'any', result }, n);
    },
  });
  new Counter({
    name: 'zonedns_notify_out_total', help: 'NOTIFYs sent to secondaries, by how each ended: acknowledged, error (an error rcode), unanswered (gave up after the retries).',
    labelNames: ['zone', 'result'], registers,
    collect() {
      this.reset();
      for (const e of s.book.entries()) for (const [result, n] of Object.entries(e.notifyOut)) if (n > 0) this.inc({ zone: e.zone, result }, n);
    },
  });
  new Counter({
    name: 'zonedns_notify_in_total', help: 'NOTIFYs received for our secondary zones, by result: accepted (a check runs) or refused.',
    labelNames: ['zone', 'result'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const zone = nameToText(nameKey(z.handle.origin));
        if (z.counts.notifiesAccepted > 0) this.inc({ zone, result: 'accepted' }, z.counts.notifiesAccepted);
        if (z.counts.notifiesRefused > 0) this.inc({ zone, result: 'refused' }, z.counts.notifiesRefused);
      }
      if ((s.secondaries?.strayNotifies ?? 0) > 0) this.inc({ zone: NO_ZONE, result: 'refused' }, s.secondaries!.strayNotifies);
    },
  });
  new Counter({
    name: 'zonedns_secondary_checks_total', help: 'Checks of a secondary zone\'s primaries, by result: current (nothing newer), transferred (a newer version), failed (every primary).',
    labelNames: ['zone', 'result'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const zone = nameToText(nameKey(z.handle.origin));
        for (const result of ['current', 'transferred', 'failed'] as const) this.inc({ zone, result }, z.counts[result]);
      }
    },
  });
  new Gauge({
    name: 'zonedns_secondary_state', help: 'The state of each secondary zone: 1 for the state it is in (loading, serving, retrying, expired), 0 for the others.',
    labelNames: ['zone', 'state'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const zone = nameToText(nameKey(z.handle.origin));
        const state = z.status().state;
        for (const st of SECONDARY_STATES) this.set({ zone, state: st }, st === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'zonedns_secondary_expire_seconds', help: 'Seconds until a secondary zone expires without a successful check of its primaries (SOA EXPIRE).',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const at = z.status().expiresAt;
        if (at !== undefined) this.set({ zone: nameToText(nameKey(z.handle.origin)) }, Math.max(0, seconds(at - now())));
      }
    },
  });
  new Gauge({
    name: 'zonedns_secondary_next_check_seconds', help: 'Seconds until the next check of a secondary zone\'s primaries (SOA REFRESH, or RETRY after a failure).',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const at = z.status().nextCheckAt;
        if (at !== undefined) this.set({ zone: nameToText(nameKey(z.handle.origin)) }, Math.max(0, seconds(at - now())));
      }
    },
  });
  new Gauge({
    name: 'zonedns_secondary_last_check_timestamp_seconds', help: 'When the primaries of a secondary zone were last checked, successfully or not.',
    labelNames: ['zone'], registers,
    collect() {
      this.reset();
      for (const z of s.secondaries?.zones() ?? []) {
        const last = z.status().lastCheck;
        if (last !== undefined) this.set({ zone: nameToText(nameKey(z.handle.origin)) }, seconds(last.at));
      }
    },
  });
  new Counter({
    name: 'zonedns_state_write_failures_total', help: 'Writes to disk that failed: IXFR journals, zone state (served serials, secondary timers), secondary zone copies (that version is then not served).',
    labelNames: ['kind'], registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(s.stateWriteFailures())) this.inc({ kind }, n);
      let copies = 0;
      for (const z of s.secondaries?.zones() ?? []) copies += z.counts.writeFailures;
      this.inc({ kind: 'zone_copy' }, copies);
    },
  });

  new Gauge({
    name: 'zonedns_build_info', help: 'Always 1; the version of zonedns in its label.',
    labelNames: ['version'], registers,
    collect() {
      this.set({ version: s.version }, 1);
    },
  });
  new Gauge({
    name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers,
    collect() {
      this.set(s.startTime);
    },
  });
  new Gauge({
    name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Counter({
    name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers,
    collect() {
      this.reset();
      const u = process.cpuUsage();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  for (const source of s.extra ?? []) {
    new Counter({
      name: source.name, help: source.help, labelNames: source.labelNames ?? [], registers,
      collect() {
        this.reset();
        for (const [labels, value] of source.read()) if (value > 0) this.inc(labels, value);
      },
    });
  }
  return registry;
}
