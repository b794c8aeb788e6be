// The check state machine over a fake clock: an address is up until `fall` failures in a row,
// down until `rise` successes in a row; flapping below those thresholds changes nothing; a
// target that does not answer fails at `timeout`; a target whose probe never settles is never
// probed twice at once (each round it holds up counts as a failure); stop() ends it all.

import { describe, expect, test } from '@jest/globals';
import { CheckState } from '../../src/health/check-state.js';
import { HealthCheck, type CheckTiming } from '../../src/health/check.js';
import { Scheduler } from '../../src/health/scheduler.js';
import { FakeHealthClock, FakeTargets, healthClock } from './support.js';

const ADDRESS = '192.0.2.1';
const TIMING: CheckTiming = { probe: { kind: 'tcp', port: 443 }, intervalMs: 1000, timeoutMs: 300, fall: 3, rise: 2 };

function setup(timing: Partial<CheckTiming> = {}) {
  const clock = new FakeHealthClock();
  const targets = new FakeTargets();
  const transitions: Array<[number, string]> = [];
  const check = new HealthCheck('\xc0\x00\x02\x01', { ...TIMING, ...timing }, {
    clock: healthClock(clock),
    scheduler: new Scheduler(healthClock(clock)),
    probe: targets.probe,
    onTransition: (_c, t) => transitions.push([clock.now, t]),
  });
  return { clock, targets, transitions, check };
}

describe('CheckState', () => {
  test('up until fall failures in a row, down until rise successes in a row', () => {
    const s = new CheckState(3, 2);
    expect([s.up, s.known]).toEqual([true, false]);
    const ok = { ok: true };
    const bad = { ok: false, reason: 'connection refused' };
    expect([bad, bad].map((r, i) => s.record(r, i))).toEqual([undefined, undefined]);
    expect(s.record(ok, 2)).toBeUndefined(); // the run of failures is broken
    expect([bad, bad, bad].map((r, i) => s.record(r, 3 + i))).toEqual([undefined, undefined, 'down']);
    expect([s.up, s.known, s.changedAt, s.reason]).toEqual([false, true, 5, 'connection refused']);
    expect([ok, bad, ok, ok].map((r, i) => s.record(r, 6 + i))).toEqual([undefined, undefined, undefined, 'up']);
    expect([s.up, s.changedAt, s.count]).toEqual([true, 9, 10]);
  });

  test('flapping faster than fall and rise never changes the state', () => {
    const s = new CheckState(2, 2);
    for (let i = 0; i < 50; i++) expect(s.record({ ok: i % 2 === 0 }, i)).toBeUndefined();
    expect(s.up).toBe(true);
  });

  test('fall 1, rise 1: every change of result is a transition', () => {
    const s = new CheckState(1, 1);
    const got = [false, false, true, false, true, true].map((ok, i) => s.record({ ok }, i));
    expect(got).toEqual(['down', undefined, 'up', 'down', 'up', undefined]);
  });
});

describe('HealthCheck on a fake clock', () => {
  test('rounds every interval from the staggered start; a dead target is down after fall rounds, back after rise', async () => {
    const { clock, targets, transitions, check } = setup();
    check.start(250);
    await clock.run(249);
    expect(targets.count(ADDRESS)).toBe(0);
    await clock.run(1);
    expect(targets.count(ADDRESS)).toBe(1); // t=250
    expect(check.known).toBe(true);
    targets.set(ADDRESS, 'down');
    await clock.run(3000); // rounds at 1250, 2250, 3250
    expect(transitions).toEqual([[3250, 'down']]);
    targets.set(ADDRESS, 'up');
    await clock.run(2000); // 4250, 5250
    expect(transitions).toEqual([[3250, 'down'], [5250, 'up']]);
    expect(targets.count(ADDRESS)).toBe(6);
  });

  test('flapping target (fall 3, rise 2): up, down, up, ... results never take it out', async () => {
    const { clock, targets, transitions, check } = setup();
    check.start(500); // rounds at 500, 1500, ...: one per clock.run(1000) below
    for (let i = 0; i < 20; i++) {
      targets.set(ADDRESS, i % 3 === 2 ? 'up' : 'down'); // two failures, one success, repeated
      await clock.run(1000);
    }
    expect(transitions).toEqual([]);
    expect(check.up).toBe(true);
  });

  test('a target that does not answer fails at the timeout, and its probe is aborted', async () => {
    const { clock, targets, transitions, check } = setup();
    targets.set(ADDRESS, 'hang');
    check.start(0);
    await clock.run(299);
    expect([check.count, targets.aborted.length]).toEqual([0, 0]);
    await clock.run(1);
    expect([check.count, check.reason, targets.aborted]).toEqual([1, 'no answer within 300 ms', [ADDRESS]]);
    await clock.run(2000);
    expect(transitions).toEqual([[2300, 'down']]); // rounds at 0, 1000, 2000; each fails 300 ms in
    expect(targets.maxInFlight).toBe(1);
  });

  test('a probe that never settles is not started again: each round it holds up is a failure', async () => {
    const { clock, targets, transitions, check } = setup();
    targets.set(ADDRESS, 'stuck');
    check.start(0);
    await clock.run(10_000);
    expect(targets.count(ADDRESS)).toBe(1);
    expect(targets.maxInFlight).toBe(1);
    // 300: timeout; 1000 and 2000: "still running" -> down at the third failure.
    expect(transitions).toEqual([[2000, 'down']]);
    expect(check.reason).toBe('previous check still running');
    expect(check.count).toBe(11); // one result per round, no more
  });

  test('stop() clears its timers, aborts its probe and ignores what comes later', async () => {
    const { clock, targets, transitions, check } = setup();
    targets.set(ADDRESS, 'stuck');
    check.start(0);
    await clock.run(10);
    check.stop();
    expect(targets.aborted).toEqual([ADDRESS]);
    expect(clock.pending).toBe(0);
    await clock.run(10_000);
    expect([targets.count(ADDRESS), transitions.length, check.running]).toEqual([1, 0, false]);
  });

  test('a probe that throws counts as a failed check', async () => {
    const clock = new FakeHealthClock();
    const transitions: string[] = [];
    const check = new HealthCheck('\x7f\x00\x00\x01', { ...TIMING, fall: 1 }, {
      clock: healthClock(clock),
      scheduler: new Scheduler(healthClock(clock)),
      probe: () => { throw new Error('boom'); },
      onTransition: (_c, t) => transitions.push(t),
    });
    check.start(0);
    await clock.run(10);
    expect([transitions, check.reason]).toEqual([['down'], 'boom']);
    check.stop();
  });
});
