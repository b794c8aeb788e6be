// The state of one address: up or down, with hysteresis. Pure: results go in with the time they
// arrived, a transition comes out. An address counts as up until results say otherwise, so a
// start or restart never takes every server out of the answers before the first check is back
// (PowerDNS's first answer treats unchecked addresses as down: pdns#12557).

export interface CheckResult {
  readonly ok: boolean;
  /** Why it failed: `connection refused`, `no answer within 2000 ms`, `HTTP 503`. */
  readonly reason?: string;
}

export type Transition = 'down' | 'up' | undefined;

export class CheckState {
  /** In answers. True until `fall` consecutive failures; false until `rise` consecutive successes. */
  up = true;
  /** At least one result arrived (before that, `up` is the benefit of the doubt). */
  known = false;
  /** Consecutive successes and failures up to now (one of them is 0). */
  successes = 0;
  failures = 0;
  /** Results recorded in all. */
  count = 0;
  /** The last failure's reason (kept after recovery, for status). */
  reason: string | undefined;
  /** When the last result came, and when `up` last changed (ms since the epoch); undefined: never. */
  lastAt: number | undefined;
  changedAt: number | undefined;

  constructor(readonly fall: number, readonly rise: number) {}

  record(result: CheckResult, now: number): Transition {
    this.known = true;
    this.count++;
    this.lastAt = now;
    if (result.ok) {
      this.successes++;
      this.failures = 0;
      if (!this.up && this.successes >= this.rise) return this.flip(true, now);
    } else {
      this.failures++;
      this.successes = 0;
      this.reason = result.reason ?? 'failed';
      if (this.up && this.failures >= this.fall) return this.flip(false, now);
    }
    return undefined;
  }

  private flip(up: boolean, now: number): Transition {
    this.up = up;
    this.changedAt = now;
    return up ? 'up' : 'down';
  }
}
