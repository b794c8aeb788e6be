// One running check: an address, how to probe it, and its CheckState, driven by a clock.
//
// Every `interval` a round starts; the next round's timer is set before the probe runs, so the
// cadence does not drift with slow targets. A round counts exactly one result:
// - the probe's, when it settles within `timeout`;
// - a failure at `timeout` (< interval; the probe is aborted: its socket is destroyed);
// - a failure when the previous probe has still not settled (one that ignores the abort): no
//   second probe of the same target is ever started, so checks of a slow target cannot pile up.
// The first round of each check starts at a staggered point of its first interval, so the checks
// of many addresses spread out instead of firing together. stop() ends it for good: its timers
// are cleared, its probe aborted, and late results are ignored (PowerDNS kept checking addresses
// that had left the zone: pdns#7988).

import type { Bytes } from '../dns/bytes.js';
import { CheckState, type CheckResult, type Transition } from './check-state.js';
import type { HealthRule, ProbeSpec } from './rule.js';

export interface HealthClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

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

export class HealthCheck {
  readonly state: CheckState;
  private timer: unknown;
  private attempt: Attempt | undefined;
  private stopped = false;

  constructor(
    /** Identity among checks: address and timing (see checkKey). */
    readonly key: string,
    /** The address as RDATA (4 or 16 octets) and as text. */
    readonly address: Bytes,
    readonly addressText: string,
    readonly timing: CheckTiming,
    private readonly env: CheckEnv,
  ) {
    this.state = new CheckState(timing.fall, timing.rise);
  }

  get running(): boolean {
    return !this.stopped && this.timer !== undefined;
  }

  /** Starts the rounds; the first after `firstDelayMs` (0 <= it < interval: the stagger). */
  start(firstDelayMs: number): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.env.clock.setTimeout(() => this.round(), firstDelayMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const clock = this.env.clock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    const a = this.attempt;
    if (a !== undefined) {
      clock.clearTimeout(a.timeout);
      a.abort.abort();
    }
    this.attempt = undefined;
  }

  private round(): void {
    if (this.stopped) return;
    const { clock } = this.env;
    this.timer = clock.setTimeout(() => this.round(), this.timing.intervalMs);
    const previous = this.attempt;
    if (previous !== undefined) {
      // Still in flight after its timeout: it ignored the abort. (Not yet counted cannot happen
      // with timeout < interval, but would be this round's timeout.)
      const reason = previous.counted ? 'previous check still running' : `no answer within ${this.timing.timeoutMs} ms`;
      previous.counted = true;
      this.record({ ok: false, reason });
      return;
    }
    const attempt: Attempt = { abort: new AbortController(), timeout: undefined, counted: false };
    this.attempt = attempt;
    attempt.timeout = clock.setTimeout(() => {
      if (!attempt.counted) {
        attempt.counted = true;
        this.record({ ok: false, reason: `no answer within ${this.timing.timeoutMs} ms` });
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
    this.record(result);
  }

  private record(result: CheckResult): void {
    if (this.stopped) return;
    const transition = this.state.record(result, this.env.clock.now());
    if (transition !== undefined) this.env.onTransition(this, transition);
  }
}

/** Checks are shared by every rule and name that probe one address the same way. */
export function checkKey(address: Bytes, t: CheckTiming): string {
  return JSON.stringify([address, t.probe, t.intervalMs, t.timeoutMs, t.fall, t.rise]);
}
