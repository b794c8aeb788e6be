// The defences' counters (limits/: RRL and cookies; server/tcp.ts: the TCP limits) as metrics
// families. They live in the server as plain numbers (RunningServer.counters) and are read here
// at scrape time, as they are: nothing is added to the query path.

import type { Listening, ServerCounters } from '../server/server.js';
import type { CounterSource } from './metrics.js';

/** Prometheus label values for each counter field, in snake case. */
const RRL_OUTCOMES = { checked: 'checked', limited: 'limited', slipped: 'slipped', dropped: 'dropped' } as const;
const COOKIE_STATUSES = { valid: 'valid', clientOnly: 'client_only', invalid: 'invalid' } as const;
const TCP_EVENTS = {
  accepted: 'accepted', refusedPerClient: 'refused_per_client', evicted: 'evicted',
  idleClosed: 'idle_closed', slowClosed: 'slow_closed', backpressured: 'backpressured',
} as const;

function* fields<T extends object>(counters: T, names: Readonly<Partial<Record<keyof T & string, string>>>, label: string, base: Readonly<Record<string, string>> = {}) {
  for (const [field, value] of Object.entries(names) as Array<[keyof T & string, string]>) {
    yield [{ ...base, [label]: value }, counters[field] as number] as const;
  }
}

/** The families for `counters` of a running server (absent defences export no samples). */
export function defenceCounterSources(counters: ServerCounters, listening: readonly Listening[]): CounterSource[] {
  const tcpListeners = listening.filter((l) => l.transport === 'tcp');
  return [
    {
      name: 'zonedns_rrl_responses_total',
      help: 'UDP responses checked by response rate limiting, by outcome: checked, limited (over the rate), slipped (sent as TC=1 or BADCOOKIE), dropped.',
      labelNames: ['outcome'],
      read: () => (counters.rrl === undefined ? [] : fields(counters.rrl, RRL_OUTCOMES, 'outcome')),
    },
    {
      name: 'zonedns_rrl_limit_starts_total',
      help: 'Times a client prefix started being rate limited.',
      read: () => (counters.rrl === undefined ? [] : [[{}, counters.rrl.limitStarts] as const]),
    },
    {
      name: 'zonedns_cookies_total',
      help: 'Queries with a DNS COOKIE option (RFC 7873), by status: valid server cookie, client cookie only, invalid server cookie.',
      labelNames: ['status'],
      read: () => (counters.cookies === undefined ? [] : fields(counters.cookies, COOKIE_STATUSES, 'status')),
    },
    {
      name: 'zonedns_tcp_connection_events_total',
      help: 'TCP connection events per listener: accepted, refused (per-client cap), evicted (global cap), closed idle, closed slow (query timeout), reads paused for backpressure.',
      labelNames: ['listener', 'event'],
      read: function* () {
        for (let i = 0; i < counters.tcp.length; i++) {
          const l = tcpListeners[i];
          const listener = l === undefined ? String(i) : `${l.address}:${l.port}`;
          yield* fields(counters.tcp[i]!, TCP_EVENTS, 'event', { listener });
        }
      },
    },
  ];
}
