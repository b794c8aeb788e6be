// The health service between resolve and rotation, through handleMessage with the answer cache
// on: down addresses leave the answer and rotation goes on over the rest, all down gives all
// (or SERVFAIL when asked), `ttl` caps governed TTLs, weights decide who leads, one check per
// address whatever lists it, reloads keep the state of addresses that stay and stop the checks
// of those that leave, and a cached answer never outlives a transition. Every check runs on a
// fake clock against fake targets.

import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../src/cli/config.js';
import { HealthService } from '../../src/health/service.js';
import type { HealthRule } from '../../src/health/rule.js';
import { leaderWheel } from '../../src/health/weights.js';
import { createLogger } from '../../src/log.js';
import { AnswerCache } from '../../src/server/answer-cache.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator, type RotateMode } from '../../src/server/rotate.js';
import { ZoneRegistry, type ZoneHandle } from '../../src/zone/registry.js';
import { buildQuery, decode, rcodeOf } from '../support/server.js';
import { zoneFromText } from '../support/zones.js';
import { FakeHealthClock, FakeTargets, healthClock } from './support.js';

const SHOP = (addresses = ['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']) => `$TTL 3600
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
ns1 A 192.0.2.53
${addresses.map((a) => `@ ${a.includes(':') ? 'AAAA' : 'A'} ${a}`).join('\n')}
www CNAME @
api 300 A 192.0.2.13
api 300 A 192.0.2.99
@ MX 10 mail
mail A 192.0.2.25
mail A 192.0.2.26
*.wild A 192.0.2.77
`;

const INTERVAL = 1000;

/** Rules as the config file gives them (`health` entries, with the test's timing). */
function rules(entries: object[]): HealthRule[] {
  return parseConfig(JSON.stringify({ health: entries.map((e) => ({ interval: '1s', timeout: '300ms', fall: 2, rise: 2, ...e })) }), '/').health;
}

function world(entries: object[], opts: { rotate?: RotateMode; zone?: string } = {}) {
  const clock = new FakeHealthClock();
  const targets = new FakeTargets();
  const registry = new ZoneRegistry();
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const health = new HealthService({ rules: rules(entries), registry, log, clock: healthClock(clock), probe: targets.probe });
  const handle: ZoneHandle = { origin: zoneFromText('shop.test', SHOP()).origin, snapshot: undefined };
  const load = (text: string) => {
    handle.snapshot = zoneFromText('shop.test', text);
    registry.set(handle);
    health.zoneChanged(handle);
  };
  load(opts.zone ?? SHOP());
  const cache = new AnswerCache();
  const ctx: HandlerContext = { registry, rotator: new Rotator(opts.rotate ?? 'cyclic'), maxUdp: 1232, cache, health };
  health.onChange((zone) => cache.forget(zone));
  let id = 1;
  const ask = (name: string, type = 'A') => {
    const reply = handleMessage(buildQuery(name, type, { id: id++ }), 'udp', ctx)!;
    const p = decode(reply);
    const answers = (p.answers ?? []) as RR[];
    return {
      rcode: RCODES[rcodeOf(reply)],
      answer: answers.filter((r) => r.type === type).map((r) => r.data as string),
      ttl: answers.find((r) => r.type === type)?.ttl,
      additional: ((p.additionals ?? []) as RR[]).filter((r) => r.type === 'A').map((r) => r.data as string),
    };
  };
  return { clock, targets, registry, health, lines, load, ask, problems: () => health.finishStartup() };
}

const sorted = (xs: string[]) => [...xs].sort();
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'];
type RR = { type: string; ttl?: number; data: unknown };

describe('health filter in answers', () => {
  test('before any result every address is in; a down one leaves, the rest keep rotating; it comes back after rise', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    expect(w.problems()).toEqual([]);
    expect(sorted(w.ask('shop.test').answer)).toEqual(['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']);
    w.targets.set('192.0.2.12', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(w.lines.filter((l) => l.includes('address down'))).toEqual([
      expect.stringMatching(/ warn address down name=shop\.test\. address=192\.0\.2\.12 check="tcp 443" reason="connection refused"$/),
    ]);
    // Every rotation of the three that are up, each leading once per cycle.
    const firsts = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const a = w.ask('shop.test').answer;
      expect(sorted(a)).toEqual(['192.0.2.11', '192.0.2.13', '192.0.2.14']);
      firsts.add(a[0]!);
    }
    expect(sorted([...firsts])).toEqual(['192.0.2.11', '192.0.2.13', '192.0.2.14']);
    // Through a CNAME too (same zone: that answer is cached as well).
    expect(sorted(w.ask('www.shop.test').answer)).toEqual(['192.0.2.11', '192.0.2.13', '192.0.2.14']);
    w.targets.set('192.0.2.12', 'up');
    await w.clock.run(INTERVAL);
    expect(w.ask('shop.test').answer).toHaveLength(3); // rise 2: one success is not enough
    await w.clock.run(INTERVAL);
    expect(w.ask('shop.test').answer).toHaveLength(4);
    expect(w.lines.filter((l) => l.includes('address up'))).toEqual([expect.stringMatching(/ info address up name=shop\.test\. address=192\.0\.2\.12 check="tcp 443"$/)]);
  });

  test('the answer cache never serves a down address after the transition, and keeps caching governed names', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }], { rotate: 'none' });
    for (let i = 0; i < 3; i++) expect(w.ask('shop.test').answer).toContain('192.0.2.14');
    w.targets.set('192.0.2.14', 'down');
    await w.clock.run(2 * INTERVAL);
    for (let i = 0; i < 3; i++) expect(w.ask('shop.test').answer).toEqual(['192.0.2.11', '192.0.2.12', '192.0.2.13']);
  });

  test('all down: all of them (fail open); with allDown "servfail": SERVFAIL', async () => {
    for (const [allDown, rcode, count] of [['all', 'NOERROR', 4], ['servfail', 'SERVFAIL', 0]] as const) {
      const w = world([{ names: ['shop.test'], tcp: 443, allDown }]);
      w.ask('shop.test');
      for (const a of ['11', '12', '13', '14']) w.targets.set(`192.0.2.${a}`, 'down');
      await w.clock.run(2 * INTERVAL);
      const r = w.ask('shop.test');
      expect([r.rcode, r.answer.length]).toEqual([rcode, count]);
      expect(w.lines.filter((l) => l.includes('address down'))).toHaveLength(4);
    }
  });

  test('ttl caps the TTL of governed RRsets only, in the answer and additional sections', () => {
    const w = world([{ names: ['shop.test', 'mail.shop.test'], tcp: 25, ttl: 30 }]);
    expect(w.ask('shop.test').ttl).toBe(30);
    expect(w.ask('api.shop.test').ttl).toBe(300);
    expect(w.ask('ns1.shop.test').ttl).toBe(3600);
    const mx = decode(handleMessage(buildQuery('shop.test', 'MX'), 'udp', { registry: w.registry, rotator: new Rotator('none'), maxUdp: 1232, health: w.health })!);
    expect(((mx.additionals ?? []) as RR[]).filter((r) => r.type === 'A').map((r) => [r.data, r.ttl])).toEqual([['192.0.2.25', 30], ['192.0.2.26', 30]]);
  });

  test('a down MX target leaves the additional section; all down there keeps all, even with allDown "servfail"', async () => {
    const w = world([{ names: ['mail.shop.test'], tcp: 25, allDown: 'servfail' }]);
    w.targets.set('192.0.2.26', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(w.ask('shop.test', 'MX').additional).toEqual(['192.0.2.25']);
    w.targets.set('192.0.2.25', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(sorted(w.ask('shop.test', 'MX').additional)).toEqual(['192.0.2.25', '192.0.2.26']);
    expect(w.ask('shop.test', 'MX').rcode).toBe('NOERROR');
    expect(w.ask('mail.shop.test').rcode).toBe('SERVFAIL');
  });

  test('weights: each up address leads in proportion to its weight, all stay in every answer; 0 never leads', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443, weights: { '192.0.2.11': 3, '192.0.2.12': 1, '192.0.2.14': 0 } }]);
    expect(w.problems()).toEqual([]);
    const lead = (n: number, size: number) => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const a = w.ask('shop.test').answer;
        expect(a).toHaveLength(size);
        counts[a[0]!] = (counts[a[0]!] ?? 0) + 1;
      }
      return counts;
    };
    // Weights 3, 1, 1 (unlisted), 0: a cycle of 5 answers, twice.
    expect(lead(10, 4)).toEqual({ '192.0.2.11': 6, '192.0.2.12': 2, '192.0.2.13': 2 });
    w.targets.set('192.0.2.11', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(lead(4, 3)).toEqual({ '192.0.2.12': 2, '192.0.2.13': 2 });
  });

  test('leaderWheel: smooth weighted round-robin, reduced by the common divisor', () => {
    expect(leaderWheel([1, 1, 1])).toBeUndefined();
    expect(leaderWheel([0, 0])).toBeUndefined();
    expect(leaderWheel([3, 1])).toEqual([0, 0, 1, 0]);
    expect(leaderWheel([50, 25, 25])).toEqual([0, 1, 2, 0]);
    expect(leaderWheel([2, 0, 1])).toEqual([0, 2, 0]);
  });
});

describe('checks', () => {
  test('one check per address, shared by every name and rule that lists it', async () => {
    const w = world([{ names: ['shop.test', 'api.shop.test'], tcp: 443 }]);
    await w.clock.run(INTERVAL);
    expect(w.targets.count('192.0.2.13')).toBe(1);
    expect(w.health.status().filter((s) => s.address === '192.0.2.13')).toEqual([
      expect.objectContaining({ names: ['shop.test.', 'api.shop.test.'], check: 'tcp 443', up: true, known: true, checks: 1 }),
    ]);
    w.targets.set('192.0.2.13', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(w.ask('api.shop.test').answer).toEqual(['192.0.2.99']);
    expect(w.ask('shop.test').answer).not.toContain('192.0.2.13');
    expect(w.lines.filter((l) => l.includes('address down'))).toEqual([expect.stringContaining('name=shop.test.,api.shop.test. address=192.0.2.13')]);
  });

  test('first rounds are staggered over the interval', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    const seen: number[] = [];
    for (let t = 0; t < INTERVAL; t += 10) {
      await w.clock.run(10);
      const n = ['11', '12', '13', '14'].reduce((s, a) => s + w.targets.count(`192.0.2.${a}`), 0);
      if (n > seen.length) seen.push(t);
    }
    expect(new Set(seen).size).toBe(4);
  });

  test('a reload keeps the state of addresses still there, stops checks of removed ones, starts new ones as up', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    w.targets.set('192.0.2.12', 'down');
    w.targets.set('192.0.2.14', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(sorted(w.ask('shop.test').answer)).toEqual(['192.0.2.11', '192.0.2.13']);
    const before14 = w.targets.count('192.0.2.14');
    w.load(SHOP(['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.15']));
    // 12 is still down (kept), 14 is gone, 15 is new and up until checked.
    expect(sorted(w.ask('shop.test').answer)).toEqual(['192.0.2.11', '192.0.2.13', '192.0.2.15']);
    w.targets.set('192.0.2.15', 'down');
    await w.clock.run(3 * INTERVAL);
    expect(w.targets.count('192.0.2.14')).toBe(before14);
    expect(w.health.status().map((s) => s.address).sort()).toEqual(['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.15']);
    expect(sorted(w.ask('shop.test').answer)).toEqual(['192.0.2.11', '192.0.2.13']);
    // The zone gone: every check stops.
    w.health.zoneRemoved({ origin: w.registry.handles().next().value!.origin, snapshot: undefined });
    const counts = w.health.status().length;
    expect(counts).toBe(0);
    expect(w.clock.pending).toBe(0);
  });

  test('flapping target under fall/rise thresholds never leaves the answer', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    for (let i = 0; i < 10; i++) {
      w.targets.set('192.0.2.11', i % 2 === 0 ? 'down' : 'up');
      await w.clock.run(INTERVAL);
      expect(w.ask('shop.test').answer).toContain('192.0.2.11');
    }
    expect(w.health.transitions).toBe(0);
  });

  test('a target that hangs is taken out after fall timeouts; only one probe of it is ever in flight', async () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    w.targets.set('192.0.2.11', 'stuck');
    await w.clock.run(5 * INTERVAL);
    expect(w.ask('shop.test').answer).not.toContain('192.0.2.11');
    expect(w.targets.maxInFlight).toBe(1);
    expect(w.targets.count('192.0.2.11')).toBe(1);
  });
});

describe('rules that govern nothing are problems with their path', () => {
  test.each([
    [{ names: ['nothing.shop.test'] }, 'health[0].names[0]: nothing.shop.test. has no A or AAAA records in zone shop.test.'],
    [{ names: ['shop.test', 'www.shop.test'] }, 'health[0].names[1]: www.shop.test. has no A or AAAA records in zone shop.test.'],
    [{ names: ['*.wild.shop.test'] }, 'health[0].names[0]: *.wild.shop.test. is a wildcard: name the addresses\' own owners instead (answers synthesized from a wildcard are not health-checked)'],
    [{ names: ['www.elsewhere.test'] }, 'health[0].names[0]: www.elsewhere.test. is in no zone we serve'],
    [{ names: ['shop.test'], weights: { '192.0.2.99': 2 } }, 'health[0].weights.192.0.2.99: not an address of health[0].names'],
  ])('%j', (entry, problem) => {
    const w = world([{ tcp: 443, ...entry }]);
    expect(w.problems()).toEqual([problem]);
  });

  test('a zone\'s own rules: names outside the zone are problems; the others are governed', async () => {
    const w = world([]);
    const handle = w.registry.handles().next().value!;
    const own = rules([{ names: ['shop.test', 'www.elsewhere.test'], tcp: 443 }]).map((r) => ({ ...r, path: 'zones[0].health[0]' }));
    const zoned: ZoneHandle = { origin: handle.origin, snapshot: zoneFromText('shop.test', SHOP()), options: { health: own } };
    w.registry.set(zoned);
    w.health.zoneChanged(zoned);
    expect(w.problems()).toEqual(['zones[0].health[0].names[1]: www.elsewhere.test. is not in zone shop.test.']);
    w.targets.set('192.0.2.11', 'down');
    await w.clock.run(2 * INTERVAL);
    expect(w.ask('shop.test').answer).not.toContain('192.0.2.11');
  });

  test('a name governed by two rules', () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }, { names: ['shop.test'], tcp: 80 }]);
    expect(w.problems()).toEqual(['health[1].names[0]: shop.test. is already governed by health[0]']);
  });

  test('a signed zone is refused (DNSKEY at the apex), and answers keep the whole RRset', async () => {
    const signed = `${SHOP()}@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n`;
    const w = world([{ names: ['shop.test'], tcp: 443 }], { zone: signed });
    expect(w.problems()).toEqual([expect.stringMatching(/^health\[0\]: zone shop\.test\. is signed \(DNSKEY at its apex\): health checks are refused for signed zones, because an answer that leaves a down address out is a subset of the signed RRset and fails DNSSEC validation/)]);
    w.targets.set('192.0.2.11', 'down');
    await w.clock.run(3 * INTERVAL);
    expect(w.ask('shop.test').answer).toHaveLength(4);
    expect(w.targets.count('192.0.2.11')).toBe(0);
  });

  test('after start-up a problem is logged, not returned', () => {
    const w = world([{ names: ['shop.test'], tcp: 443 }]);
    expect(w.problems()).toEqual([]);
    w.load(SHOP(['2001:db8::1']).replace('@ AAAA 2001:db8::1', 'www2 AAAA 2001:db8::1'));
    expect(w.lines.filter((l) => / error health: /.test(l))).toEqual([expect.stringContaining('health[0].names[0]: shop.test. has no A or AAAA records in zone shop.test.')]);
    expect(w.health.status()).toEqual([]);
  });
});
