// The checks' scheduler: one clock timer for all of them, rounds run in due order, an item
// removed or rescheduled is never run at its old time, and nothing is left armed when empty.

import { describe, expect, test } from '@jest/globals';
import { Scheduler, type Scheduled } from '../../src/health/scheduler.js';
import { FakeHealthClock, healthClock } from './support.js';

function item(name: string, log: string[], then?: () => void): Scheduled & { name: string } {
  return { name, due: Infinity, slot: -1, round: () => { log.push(name); then?.(); } };
}

describe('Scheduler', () => {
  test('runs items in due order with one timer armed at a time', () => {
    const clock = new FakeHealthClock();
    const s = new Scheduler(healthClock(clock));
    const log: string[] = [];
    const order = [50, 10, 30, 10, 70, 20, 60, 40];
    order.forEach((at, i) => s.schedule(item(`${at}:${i}`, log), at));
    expect(clock.pending).toBe(1);
    clock.advance(45);
    expect(log).toEqual(['10:1', '10:3', '20:5', '30:2', '40:7']);
    clock.advance(100);
    expect(log.slice(5)).toEqual(['50:0', '60:6', '70:4']);
    expect([s.size, clock.pending]).toEqual([0, 0]);
  });

  test('removed and rescheduled items run only at their new time', () => {
    const clock = new FakeHealthClock();
    const s = new Scheduler(healthClock(clock));
    const log: string[] = [];
    const a = item('a', log);
    const b = item('b', log);
    const c = item('c', log);
    s.schedule(a, 10);
    s.schedule(b, 20);
    s.schedule(c, 30);
    s.remove(b);
    s.schedule(a, 40); // later than before: the timer moves on to c
    clock.advance(35);
    expect(log).toEqual(['c']);
    s.schedule(b, 36); // earlier than the armed timer: it is re-armed
    clock.advance(10);
    expect(log).toEqual(['c', 'b', 'a']);
    s.remove(a); // not scheduled: nothing happens
    expect([a.slot, s.size, clock.pending]).toEqual([-1, 0, 0]);
  });

  test('an item that reschedules itself while running runs again later, not in the same pass', () => {
    const clock = new FakeHealthClock();
    const s = new Scheduler(healthClock(clock));
    const log: string[] = [];
    const tick: Scheduled & { name: string } = item('tick', log, () => s.schedule(tick, clock.now + 100));
    s.schedule(tick, 0);
    clock.advance(1000);
    expect(log).toHaveLength(11); // 0, 100, ..., 1000
  });

  test('a thousand random items come out sorted', () => {
    const clock = new FakeHealthClock();
    const s = new Scheduler(healthClock(clock));
    const got: number[] = [];
    let seed = 7;
    const items = Array.from({ length: 1000 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const at = seed % 10_000;
      const it: Scheduled = { due: Infinity, slot: -1, round: () => got.push(at) };
      s.schedule(it, at);
      return it;
    });
    for (const it of items.slice(0, 100)) s.remove(it);
    clock.advance(10_000);
    expect(got).toHaveLength(900);
    expect(got).toEqual([...got].sort((x, y) => x - y));
  });
});
