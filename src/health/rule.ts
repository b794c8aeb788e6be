// Health checks as configured (`"health": [...]`, server-wide or per zone), once read and checked
// by cli/config-health.ts: the names whose A/AAAA RRsets a rule governs, how each address is
// probed, and what answers do with the addresses found down. Plain data; the zone layer may
// carry it (ZoneOptions.health) without importing anything else of this room.

import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';

/** How an address is probed: a TCP connect, or an HTTP(S) GET whose status (and body) must match. */
export type ProbeSpec =
  | { readonly kind: 'tcp'; readonly port: number }
  | {
    readonly kind: 'http' | 'https';
    readonly port: number;
    /** Request path, starting with `/`. */
    readonly path: string;
    /** Host header (and TLS server name); undefined: the address itself. */
    readonly host?: string;
    /** Status code that means up. */
    readonly expect: number;
    /** Text the body must contain (within its first 64 KiB) to mean up. */
    readonly contains?: string;
    /** https: verify the certificate (against `host`, else the address); off by default. */
    readonly verify: boolean;
  };

/** What an answer holds when every address of a governed RRset is down. */
export type AllDownPolicy = 'all' | 'servfail';

export interface HealthRule {
  /** Where it was configured (`health[0]`, `zones[1].health[0]`): every problem names it. */
  readonly path: string;
  /** Owner names whose A and AAAA RRsets the rule governs (absolute, case as written). */
  readonly names: readonly Name[];
  readonly probe: ProbeSpec;
  /** Milliseconds between two checks of one address. */
  readonly intervalMs: number;
  /** A check without a result after this long is a failure (less than intervalMs). */
  readonly timeoutMs: number;
  /** Consecutive failures that take an up address down. */
  readonly fall: number;
  /** Consecutive successes that bring a down address back up. */
  readonly rise: number;
  /** Cap on the TTL of governed RRsets in answers, so resolvers ask again soon; undefined: no cap. */
  readonly ttl?: number;
  readonly allDown: AllDownPolicy;
  /** Relative weight (0-100) per address, keyed by its RDATA (4 or 16 octets); others weigh 1. */
  readonly weights: ReadonlyMap<Bytes, number>;
  /** The text of each weighted address as configured, for problems (same keys as `weights`). */
  readonly weightPaths: ReadonlyMap<Bytes, string>;
}

/** `tcp 443`, `http://www.example.com:80/healthz`: how a check is shown in logs and status. */
export function probeText(p: ProbeSpec): string {
  return p.kind === 'tcp' ? `tcp ${p.port}` : `${p.kind}://${p.host ?? '(address)'}:${p.port}${p.path}`;
}
