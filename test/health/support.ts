// Health tests' doubles: a clock that moves only when told (the NOTIFY tests' FakeClock, with a
// now() for check timestamps) and targets whose probe results the test decides, counting probes
// in flight so a pile-up of checks would show.

import type { CheckResult } from '../../src/health/check-state.js';
import type { HealthClock, Probe } from '../../src/health/check.js';
import { FakeClock } from '../xfr/support/fake-clock.js';

export class FakeHealthClock extends FakeClock {
  /** Advances `ms` in small steps, letting settled probes' promise callbacks run between them. */
  async run(ms: number, step = 5): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.advance(Math.min(step, ms - t));
      await new Promise((r) => setImmediate(r));
    }
  }
}

// FakeClock's `now` is a field; HealthClock wants a method reading it.
export function healthClock(clock: FakeHealthClock): HealthClock {
  return { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h), now: () => clock.now };
}

/** How a fake target answers a probe. */
export type Behaviour =
  | 'up'
  | 'down'
  /** No answer; settles as failed when the check aborts it (its timeout). */
  | 'hang'
  /** No answer, and ignores the abort too: a probe that never settles. */
  | 'stuck';

export class FakeTargets {
  private readonly behaviour = new Map<string, Behaviour>();
  /** Probes started, per address. */
  readonly probes = new Map<string, number>();
  /** Probes started and not settled, per address; `maxInFlight` the most ever at once. */
  readonly inFlight = new Map<string, number>();
  maxInFlight = 0;
  readonly aborted: string[] = [];

  set(address: string, b: Behaviour): void {
    this.behaviour.set(address, b);
  }

  count(address: string): number {
    return this.probes.get(address) ?? 0;
  }

  readonly probe: Probe = (_spec, address, signal) => {
    this.probes.set(address, this.count(address) + 1);
    const now = (this.inFlight.get(address) ?? 0) + 1;
    this.inFlight.set(address, now);
    this.maxInFlight = Math.max(this.maxInFlight, now);
    const b = this.behaviour.get(address) ?? 'up';
    const done = (r: CheckResult): CheckResult => {
      this.inFlight.set(address, this.inFlight.get(address)! - 1);
      return r;
    };
    if (b === 'up') return Promise.resolve(done({ ok: true }));
    if (b === 'down') return Promise.resolve(done({ ok: false, reason: 'connection refused' }));
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.aborted.push(address);
        if (b === 'hang') resolve(done({ ok: false, reason: 'aborted' }));
      });
    });
  };
}
