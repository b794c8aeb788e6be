// A signed zone as the server keeps it, with a fake clock: ZoneManager loads the file, the
// ZoneSigner stage signs it on the side and the signed snapshot is served; walking the clock past
// the refresh time makes the signer ask for a re-sign by itself (no file change) and fresh
// signatures are served, every time, with the serial up by one and a journal-worthy swap; at no
// moment of the walk is anything served expired. Also: what makes a signed zone refuse to load.

import { afterEach, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readU32 } from '../../src/dns/bytes.js';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import type { Logger } from '../../src/log.js';
import { SigningService } from '../../src/dnssec/signing-service.js';
import { DEFAULT_SIGN_POLICY } from '../../src/dnssec/sign-zone.js';
import { readStatus, signedCopyPath } from '../../src/dnssec/zone-signer.js';
import { ZoneManager } from '../../src/reload/zones.js';
import { StateStore } from '../../src/state/zone-state.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { FakeClock } from '../xfr/support/fake-clock.js';
import { DAY, findings, NOW, pool, tempDir, ZONE } from './support/signing.js';

const ORIGIN = nameFromText('example.test.');

interface Setup {
  registry: ZoneRegistry;
  manager: ZoneManager;
  service: SigningService;
  clock: FakeClock;
  logs: string[];
  swaps: Array<{ from: number; to: number }>;
  dir: string;
  file: string;
  served(): ZoneSnapshot;
}

const running: SigningService[] = [];
/** Every manager started, closed after each test (their load workers end with them). */
const managers: ZoneManager[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

async function setup(opts: { dir?: string; zone?: string; nsec?: 'nsec' | 'nsec3'; now?: number } = {}): Promise<Setup> {
  const dir = opts.dir ?? tempDir();
  const file = join(dir, 'example.test.zone');
  if (opts.dir === undefined || opts.zone !== undefined) writeFileSync(file, opts.zone ?? ZONE);
  const clock = new FakeClock();
  clock.now = (opts.now ?? NOW) * 1000;
  const logs: string[] = [];
  const rec = (level: string): Logger['info'] => (msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const registry = new ZoneRegistry();
  const swaps: Array<{ from: number; to: number }> = [];
  const service = new SigningService({
    stateDir: join(dir, 'state'), log, serial: 'keep', signer: pool,
    clock: { now: () => clock.now, setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h) },
  });
  running.push(service);
  const stage = service.stage({ ...DEFAULT_SIGN_POLICY, nsec: opts.nsec ?? 'nsec' });
  // The served serials are kept in the state directory, as `serve` keeps them.
  const manager = new ZoneManager(registry, log, undefined, [{ file, origin: ORIGIN, stage }], {}, {
    swapped: (_h, old) => swaps.push({ from: old.serial, to: registry.get(ORIGIN)!.snapshot!.serial }),
  }, new StateStore(join(dir, 'state'), log));
  managers.push(manager);
  await manager.loadAll();
  await manager.settled();
  return { registry, manager, service, clock, logs, swaps, dir, file, served: () => registry.get(ORIGIN)!.snapshot! };
}

function signatures(zone: ZoneSnapshot): number[][] {
  const out: number[][] = [];
  for (const n of zone.nodes.values()) for (const s of n.rrsets) if (s.type === RRType.RRSIG) for (const r of s.rdata) out.push([readU32(r, 12), readU32(r, 8)]);
  return out;
}

describe('a signed zone over time (fake clock)', () => {
  test.each(['nsec', 'nsec3'] as const)('%s: past the refresh time the signer re-signs by itself, and nothing served is ever expired', async (nsec) => {
    const s = await setup({ nsec });
    const first = s.served();
    expect(findings(first)).toEqual([]);
    const status = readStatus(join(s.dir, 'state'), ORIGIN)!;
    const nextRefresh = Date.parse(status.nextRefresh);
    expect(nextRefresh).toBeGreaterThan(NOW * 1000 + 3 * DAY * 1000);

    // Up to just before the refresh time: nothing happens.
    s.clock.advance(nextRefresh - 1000 - s.clock.now);
    await s.manager.settled();
    expect(s.served()).toBe(first);

    // Walk 45 days in 6-hour steps, the file untouched.
    const end = NOW + 45 * DAY;
    while (s.clock.now / 1000 < end) {
      s.clock.advance(6 * 3600 * 1000);
      await s.manager.settled();
      // Never expired; and never more than one step past a refresh (the re-sign a timer asks for
      // runs once the step that fired it is over: here, up to 6 hours of fake time later).
      const now = s.clock.now / 1000;
      for (const [inception, expiration] of signatures(s.served())) {
        expect(inception).toBeLessThanOrEqual(now);
        expect(expiration).toBeGreaterThan(now + 7 * DAY - 6 * 3600);
      }
    }
    // What is served, as of its signing, is what dnssec-verify would pass without a warning.
    const signedAt = Date.parse(readStatus(join(s.dir, 'state'), ORIGIN)!.signedAt) / 1000;
    expect(signedAt).toBeGreaterThan(NOW + 35 * DAY);
    expect(findings(s.served(), signedAt)).toEqual([]);
    // Each re-sign was a swap with the serial one up (what secondaries follow by IXFR).
    expect(s.swaps.length).toBeGreaterThan(5);
    s.swaps.forEach((w, i) => expect(w).toEqual({ from: first.serial + i, to: first.serial + i + 1 }));
    expect(s.logs.filter((l) => l.startsWith('info zone re-signed'))).toHaveLength(s.swaps.length);
  });

  test('a restart serves the signed copy it left: same signatures, same serial, same key', async () => {
    const s = await setup();
    const before = s.served();
    await s.service.close();
    expect(existsSync(signedCopyPath(join(s.dir, 'state'), ORIGIN))).toBe(true);
    const again = await setup({ dir: s.dir, now: NOW + DAY });
    const after = again.served();
    expect(after.serial).toBe(before.serial);
    expect(signatures(after).sort()).toEqual(signatures(before).sort());
    expect(again.logs.some((l) => l.startsWith('info signed copy read'))).toBe(true);
    expect(again.logs.some((l) => l.startsWith('info DNSSEC key created'))).toBe(false);
  });

  test('after a crash before the signed copy was written, the serial still goes past the one served last', async () => {
    const s = await setup();
    const first = s.served().serial;
    writeFileSync(s.file, ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4'));
    await s.manager.pathChanged(s.file);
    await s.manager.settled();
    expect(s.served().serial).toBe(first + 1);
    // Crash: the copy (written at most every 30 s) holds the first version, or nothing.
    s.service.close = async () => {};
    const again = await setup({ dir: s.dir, now: NOW + DAY });
    expect(again.served().serial).toBe(first + 2);
    expect(findings(again.served(), NOW + DAY)).toEqual([]);
  });

  test('an edit made while the server was down is signed against the copy: only what changed', async () => {
    const s = await setup();
    const before = s.served();
    await s.service.close();
    const again = await setup({ dir: s.dir, zone: ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4'), now: NOW + DAY });
    expect(again.served().serial).toBe(before.serial + 1);
    expect(again.logs.find((l) => l.startsWith('info zone signed'))).toMatch(/"signed":2,/);
  });
});

describe('what a signed zone will not load with', () => {
  test('a zone file that has DNSSEC records of its own: error, the signed version keeps being served', async () => {
    const s = await setup();
    const served = s.served();
    writeFileSync(s.file, `${ZONE}www RRSIG A 13 3 3600 20270101000000 20261201000000 1 example.test. AAAA\n`);
    await s.manager.pathChanged(s.file);
    await s.manager.settled();
    expect(s.served()).toBe(served);
    expect(s.logs.find((l) => l.startsWith('error'))).toMatch(/the zone file has DNSSEC records \(RRSIG at www\.example\.test\.\); with "dnssec" on, zonedns makes them itself.*still serving the previous version/);
  });

  test('an unreadable key: error naming the file, the zone is not served (SERVFAIL), no new key', async () => {
    const first = await setup();
    await first.service.close();
    const keys = join(first.dir, 'state', 'keys');
    const privateFile = readdirPrivate(keys);
    writeFileSync(privateFile, 'garbage\n');
    const s = await setup({ dir: first.dir });
    expect(s.registry.get(ORIGIN)?.snapshot).toBeUndefined(); // its place held: SERVFAIL, as for a zone that does not load
    expect(s.logs.find((l) => l.startsWith('error'))).toContain(`${privateFile}:1: not a "Name: value" line; zone not served`);
    expect(readdirPrivate(keys)).toBe(privateFile);
    expect(readFileSync(privateFile, 'utf8')).toBe('garbage\n');
  });
});

function readdirPrivate(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.private'));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}
