// One running check: an address, how to probe it, and its CheckState, driven by a clock.
//
// Every `interval` a round starts; the next round's timer is set before the probe runs, so the
// cadence does not drift with slow targets. A round counts exactly one result:
// - the probe's, when it settles within `timeout`;
// - a failure at `timeout` (< interval; the probe is aborted: its socket is destroyed);
// - a failure when the previous probe has still not settled (one that ignores the abort): no
//   second probe of the same target is ever started, so checks of a slow target cannot pile up.
// The first round of each check starts at a staggered point of its first interval, so the checks
// of many addresses spread out instead of firing together; rounds are run by the service's one
// Scheduler. stop() ends it for good: it leaves the schedule, its probe is aborted, and late
// results are ignored (PowerDNS kept checking addresses that had left the zone: pdns#7988).

import type { Bytes } from '../dns/bytes.js';
import { ipv4ToText, ipv6ToText } from '../dns/rdata/address.js';
import { CheckState, type CheckResult, type Transition } from './check-state.js';
import { Scheduler, type Scheduled, type SchedulerClock } from './scheduler.js';
import type { HealthRule, ProbeSpec } from './rule.js';

export type HealthClock = SchedulerClock;

export const realHealthClock: HealthClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // checks never keep a stopping process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

/** Probes `address` (text) as `spec` says; settles soon after `signal` aborts. */
export type Probe = (spec: ProbeSpec, address: string, signal: AbortSignal) => Promise<CheckResult>;

/** What the checks of one service share. */
export interface CheckEnv {
  readonly clock: HealthClock;
  /** Runs every check's rounds (one timer for all). */
  readonly scheduler: Scheduler;
  readonly probe: Probe;
  /** Called when a check's address goes down or comes back up. */
  onTransition(check: HealthCheck, transition: Exclude<Transition, undefined>): void;
}

/** The settings of a rule a check depends on (checks are shared by rules that agree on them). */
export type CheckTiming = Pick<HealthRule, 'probe' | 'intervalMs' | 'timeoutMs' | 'fall' | 'rise'>;

interface Attempt {
  readonly abort: AbortController;
  timeout: unknown;
  /** Its round's result is recorded (the probe's own, or a timeout). */
  counted: boolean;
}

/** A check is its own CheckState (one object per address: there may be 100,000s of them). */
export class HealthCheck extends CheckState implements Scheduled {
  due = Infinity;
  slot = -1;
  /** How many governed records hold it (the service's reference count). */
  refs = 0;
  private attempt: Attempt | undefined;
  private stopped = false;

  constructor(
    /** The address as RDATA (4 or 16 octets: the zone's own string, not a copy). */
    readonly address: Bytes,
    readonly timing: CheckTiming,
    private readonly env: CheckEnv,
  ) {
    super(timing.fall, timing.rise);
  }

  /** The address as text (made when needed: there may be 100,000s of checks). */
  get addressText(): string {
    return addressText(this.address);
  }

  get running(): boolean {
    return !this.stopped && this.slot >= 0;
  }

  /** Starts the rounds; the first after `firstDelayMs` (0 <= it < interval: the stagger). */
  start(firstDelayMs: number): void {
    if (this.stopped || this.slot >= 0) return;
    this.env.scheduler.schedule(this, this.env.clock.now() + firstDelayMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.env.scheduler.remove(this);
    const a = this.attempt;
    if (a !== undefined) {
      this.env.clock.clearTimeout(a.timeout);
      a.abort.abort();
    }
    this.attempt = undefined;
  }

  round(): void {
    if (this.stopped) return;
    const { clock, scheduler } = this.env;
    scheduler.schedule(this, clock.now() + this.timing.intervalMs);
    const previous = this.attempt;
    if (previous !== undefined) {
      // Still in flight after its timeout: it ignored the abort. (Not yet counted cannot happen
      // with timeout < interval, but would be this round's timeout.)
      const reason = previous.counted ? 'previous check still running' : `no answer within ${this.timing.timeoutMs} ms`;
      previous.counted = true;
      this.tally({ ok: false, reason });
      return;
    }
    const attempt: Attempt = { abort: new AbortController(), timeout: undefined, counted: false };
    this.attempt = attempt;
    attempt.timeout = clock.setTimeout(() => {
      if (!attempt.counted) {
        attempt.counted = true;
        this.tally({ ok: false, reason: `no answer within ${this.timing.timeoutMs} ms` });
      }
      attempt.abort.abort();
    }, this.timing.timeoutMs);
    let probing: Promise<CheckResult>;
    try {
      probing = this.env.probe(this.timing.probe, this.addressText, attempt.abort.signal);
    } catch (e) {
      probing = Promise.reject(e);
    }
    probing.then(
      (result) => this.settle(attempt, result),
      (e: unknown) => this.settle(attempt, { ok: false, reason: e instanceof Error ? e.message : String(e) }),
    );
  }

  private settle(attempt: Attempt, result: CheckResult): void {
    if (this.attempt !== attempt) return; // stopped meanwhile
    this.attempt = undefined;
    this.env.clock.clearTimeout(attempt.timeout);
    if (attempt.counted) return;
    attempt.counted = true;
    this.tally(result);
  }

  /** A round's one result into the state; a transition goes to the service. */
  private tally(result: CheckResult): void {
    if (this.stopped) return;
    const transition = this.record(result, this.env.clock.now());
    if (transition !== undefined) this.env.onTransition(this, transition);
  }
}

/**
 * The checks by identity: a check is shared by every rule and name that probe one address the
 * same way. Keyed by a small number per distinct timing, then by the address octets (no key
 * string per check: that would be ~100 bytes times every address).
 */
export class CheckTable {
  private readonly byTiming = new Map<number, Map<Bytes, HealthCheck>>();
  private readonly ids = new Map<string, number>();
  private readonly idOf = new WeakMap<CheckTiming, number>();

  get(address: Bytes, t: CheckTiming): HealthCheck | undefined {
    return this.byTiming.get(this.id(t))?.get(address);
  }

  add(check: HealthCheck): void {
    const id = this.id(check.timing);
    let checks = this.byTiming.get(id);
    if (checks === undefined) this.byTiming.set(id, (checks = new Map()));
    checks.set(check.address, check);
  }

  delete(check: HealthCheck): void {
    this.byTiming.get(this.id(check.timing))?.delete(check.address);
  }

  *values(): IterableIterator<HealthCheck> {
    for (const checks of this.byTiming.values()) yield* checks.values();
  }

  clear(): void {
    this.byTiming.clear();
  }

  private id(t: CheckTiming): number {
    let id = this.idOf.get(t);
    if (id === undefined) {
      const text = JSON.stringify([t.probe, t.intervalMs, t.timeoutMs, t.fall, t.rise]);
      id = this.ids.get(text);
      if (id === undefined) this.ids.set(text, (id = this.ids.size));
      this.idOf.set(t, id);
    }
    return id;
  }
}

/** A or AAAA RDATA as text. */
export function addressText(rdata: Bytes): string {
  return rdata.length === 4 ? ipv4ToText(rdata) : ipv6ToText(rdata);
}
