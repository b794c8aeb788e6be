// A NotifyClock for tests: time moves only when told to (shared by the NOTIFY tests).

import type { NotifyClock } from '../../../src/xfr/notify.js';

/** A clock that runs only when told to: advance(ms) fires what falls due, in order. */
export class FakeClock implements NotifyClock {
  now = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (t === undefined || t.at > end) break;
      this.timers.shift();
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}
