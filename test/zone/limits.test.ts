// Bounds on a zone's input (src/zone/limits.ts), as `zonedns check` and the load worker meet them:
// each hostile input of issue #17 ends, quickly and within bounded memory, in one `file:line`
// error that names the limit. The same inputs against a running server: test/daemon/hostile.test.ts.

import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import { DEFAULT_ZONE_LIMITS, zoneLimits, type ZoneLimits } from '../../src/zone/limits.js';
import { loadZoneFile, type LoadResult } from '../../src/zone/load.js';
import { formatDiagnostic } from '../../src/zone/record.js';
import { runCheck } from '../../src/cli/check.js';
import { generateFlood, generateSmallFile, includeDevZero, includeFanOut, includeFifo, longLine, zoneHead } from '../../bench/stall/hostile.mjs';

const root = mkdtempSync(join(tmpdir(), 'zonedns-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => {
  const d = join(root, `d${dirs++}`);
  mkdirSync(d);
  return d;
};

/** Loads `file`, timing it; the heap it grew by is reported with the result. */
function timedLoad(file: string, limits?: Partial<ZoneLimits>): LoadResult & { ms: number; lines: string[] } {
  const t0 = performance.now();
  const r = loadZoneFile(file, { limits });
  return { ...r, ms: performance.now() - t0, lines: r.diagnostics.map(formatDiagnostic) };
}

describe('each hostile input of the issue ends in one error naming its limit', () => {
  test('$INCLUDE fan-out: 16 files each including the next 10 times (10^16 reads unbounded)', () => {
    const dir = freshDir();
    const h = includeFanOut(dir, 'fan.test');
    h.drop();
    const r = timedLoad(join(dir, h.file));
    expect(r.snapshot).toBeUndefined();
    expect(r.lines).toEqual([expect.stringMatching(h.expect)]);
    expect(r.lines[0]).toMatch(/fan\d+\.inc:\d+: \$INCLUDE "fan\d+\.inc": the zone includes files more than 1024 times \(the maxIncludes limit\)$/);
    expect(r.ms).toBeLessThan(5000);
  });

  test('$INCLUDE of a FIFO: refused without opening it (nothing writes to it: opening would block)', () => {
    const dir = freshDir();
    const h = includeFifo(dir, 'fifo.test');
    h.drop();
    const r = timedLoad(join(dir, h.file));
    expect(r.lines).toEqual([expect.stringMatching(h.expect)]);
    expect(r.ms).toBeLessThan(1000);
  });

  test('$INCLUDE /dev/zero: a device is refused, none of it read', () => {
    const dir = freshDir();
    const h = includeDevZero(dir, 'zero.test');
    h.drop();
    const r = timedLoad(join(dir, h.file));
    expect(r.lines).toEqual([expect.stringMatching(h.expect)]);
    expect(r.ms).toBeLessThan(1000);
  });

  test('a directory, as the zone or as an include, is refused', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'sub.d'));
    writeFileSync(join(dir, 'dir.test.zone'), `${zoneHead('dir.test')}$INCLUDE sub.d\n`);
    expect(timedLoad(join(dir, 'dir.test.zone')).lines).toEqual([expect.stringMatching(/dir\.test\.zone:6:\d+: cannot read ".*sub\.d": is a directory/)]);
    expect(timedLoad(join(dir, 'sub.d')).lines).toContainEqual(expect.stringMatching(/sub\.d:1: cannot read ".*sub\.d": is a directory/));
  });

  test('a 64 MiB line: stopped at the entry limit, at the line where the entry starts, having read about the limit', () => {
    const dir = freshDir();
    const h = longLine(dir, 'long.test', 64 << 20);
    h.drop();
    const heap0 = process.memoryUsage().heapUsed;
    const r = timedLoad(join(dir, h.file));
    expect(r.lines).toEqual([expect.stringMatching(h.expect)]);
    expect(r.lines[0]).toMatch(/long\.test\.zone:6: entry is longer than 1048576 octets/);
    // Never more than the limit buffered: the heap did not grow by the line (64 MiB as a string).
    expect(process.memoryUsage().heapUsed - heap0).toBeLessThan(16 << 20);
    expect(r.ms).toBeLessThan(2000);
  });

  test('forty `$GENERATE 1-65536`: refused at the directive that would pass the limit, before its records are made', () => {
    const dir = freshDir();
    const h = generateFlood(dir, 'gen.test');
    h.drop();
    // A small limit keeps the test quick; the default (262,144) stops the same file at line 10.
    const r = timedLoad(join(dir, h.file), { maxGenerateRecords: 100_000 });
    expect(r.lines).toEqual([expect.stringMatching(h.expect)]);
    expect(r.lines[0]).toMatch(/gen\.test\.zone:7:11: .* would bring the zone's generated records to 131072; the limit is 100000/);
    expect(DEFAULT_ZONE_LIMITS.maxGenerateRecords).toBe(262_144);
  });

  test('400 of them in a 16 KB file: the same one error', () => {
    const dir = freshDir();
    const h = generateSmallFile(dir, 'gen16.test');
    h.drop();
    const r = timedLoad(join(dir, h.file), { maxGenerateRecords: 65_536 });
    expect(r.lines).toEqual([expect.stringMatching(/gen16\.test\.zone:7:11: .*generated records to 131072; the limit is 65536 \(the maxGenerateRecords limit\)/)]);
  });
});

describe('the other bounds', () => {
  test('records per zone', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'r.test.zone'), `${zoneHead('r.test')}a A 192.0.2.2\nb A 192.0.2.3\nc A 192.0.2.4\n`);
    expect(timedLoad(join(dir, 'r.test.zone'), { maxRecords: 5 }).lines).toEqual([
      expect.stringMatching(/r\.test\.zone:8: the zone has more than 5 records \(the maxRecords limit\)$/),
    ]);
    expect(timedLoad(join(dir, 'r.test.zone'), { maxRecords: 6 }).snapshot).toBeDefined();
  });

  test('bytes per zone, all files together: an include that would pass it is refused before it is read', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'part.inc'), 'x A 192.0.2.9\n'.repeat(100)); // 1,400 octets
    writeFileSync(join(dir, 'b.test.zone'), `${zoneHead('b.test')}$INCLUDE part.inc\n$INCLUDE part.inc y\n`);
    const size = zoneHead('b.test').length + '$INCLUDE part.inc\n$INCLUDE part.inc y\n'.length;
    expect(timedLoad(join(dir, 'b.test.zone'), { maxZoneBytes: size + 2800 }).snapshot).toBeDefined();
    expect(timedLoad(join(dir, 'b.test.zone'), { maxZoneBytes: size + 2000 }).lines).toEqual([
      expect.stringMatching(/b\.test\.zone:7:\d+: the zone's files are larger than \d+ octets together \(the maxZoneBytes limit\)$/),
    ]);
  });

  test('entry length is a setting too', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'e.test.zone'), `${zoneHead('e.test')}t TXT ${`"${'a'.repeat(250)}" `.repeat(12)}\n`);
    expect(timedLoad(join(dir, 'e.test.zone'), { maxEntryBytes: 2048 }).lines).toEqual([
      expect.stringMatching(/e\.test\.zone:6: entry is longer than 2048 octets \(the maxEntryBytes limit/),
    ]);
    expect(timedLoad(join(dir, 'e.test.zone')).snapshot).toBeDefined();
  });

  test('includeWithin: anywhere by default; zone-directory refuses ../ and a symlink out; a list allows its directories', () => {
    const dir = freshDir();
    const zones = join(dir, 'zones');
    const shared = join(dir, 'shared');
    mkdirSync(join(zones, 'sub'), { recursive: true });
    mkdirSync(shared);
    writeFileSync(join(shared, 'common.inc'), 'c A 192.0.2.7\n');
    writeFileSync(join(zones, 'sub', 'ok.inc'), 'o A 192.0.2.8\n');
    symlinkSync(join(shared, 'common.inc'), join(zones, 'link.inc'));
    const zone = (include: string) => {
      writeFileSync(join(zones, 'i.test.zone'), `${zoneHead('i.test')}$INCLUDE ${include}\n`);
      return join(zones, 'i.test.zone');
    };
    const outside = /i\.test\.zone:6: \$INCLUDE ".*" is outside the directories zone files may include from \(includeWithin\)$/;
    expect(timedLoad(zone('../shared/common.inc')).snapshot).toBeDefined();
    expect(timedLoad(zone('../shared/common.inc'), { includeWithin: 'zone-directory' }).lines).toEqual([expect.stringMatching(outside)]);
    expect(timedLoad(zone('link.inc'), { includeWithin: 'zone-directory' }).lines).toEqual([expect.stringMatching(outside)]);
    expect(timedLoad(zone(join(shared, 'common.inc')), { includeWithin: 'zone-directory' }).lines).toEqual([expect.stringMatching(outside)]);
    expect(timedLoad(zone('sub/ok.inc'), { includeWithin: 'zone-directory' }).snapshot).toBeDefined();
    expect(timedLoad(zone('link.inc'), { includeWithin: [shared] }).snapshot).toBeDefined();
    expect(timedLoad(zone('sub/ok.inc'), { includeWithin: [shared] }).lines).toEqual([expect.stringMatching(outside)]);
  });

  test('limits layer field by field: defaults, then the server, then the zone', () => {
    expect(zoneLimits({ maxRecords: 10, maxIncludes: 3 }, { maxIncludes: 5, maxRecords: undefined })).toEqual({ ...DEFAULT_ZONE_LIMITS, maxRecords: 10, maxIncludes: 5 });
  });
});

test('a file that is not zone text (a secret included by mistake) is echoed back only in short excerpts', () => {
  const dir = freshDir();
  const secret = Array.from({ length: 30 }, (_, i) => `user${i}:$6$${'S'.repeat(16)}$${'h'.repeat(86)}:19000:0:99999:7:::`).join('\n') + '\n';
  writeFileSync(join(dir, 'shadow'), secret);
  writeFileSync(join(dir, 's.test.zone'), `${zoneHead('s.test')}$INCLUDE shadow\n`);
  const r = timedLoad(join(dir, 's.test.zone'));
  expect(r.snapshot).toBeUndefined();
  expect(r.lines.length).toBeGreaterThan(0);
  for (const line of r.lines) {
    expect(line.length).toBeLessThan(400);
    // The longest run of the secret's hash characters any message repeats.
    expect(Math.max(0, ...(line.match(/h+/g) ?? []).map((m) => m.length))).toBeLessThanOrEqual(60);
  }
});

test('zonedns check meets the same bounds: the fan-out ends with the error and exit 1', () => {
  const dir = freshDir();
  const h = includeFanOut(dir, 'fan.test');
  h.drop();
  const t0 = performance.now();
  const out = runCheck({ paths: [join(dir, h.file)] });
  expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(h.expect) });
  expect(performance.now() - t0).toBeLessThan(5000);
});

test('check --config: the server-wide and per-zone zoneLimits apply', () => {
  const dir = freshDir();
  writeFileSync(join(dir, 'a.test.zone'), `${zoneHead('a.test')}x A 192.0.2.2\n`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ zoneLimits: { maxRecords: 100 }, zones: [{ file: 'a.test.zone', origin: 'a.test', zoneLimits: { maxRecords: 3 } }] }));
  expect(runCheck({ paths: [], config: join(dir, 'config.json') }).stderr).toMatch(/a\.test\.zone:6: the zone has more than 3 records \(the maxRecords limit\)/);
  expect(loadZoneFile(join(dir, 'a.test.zone'), { origin: nameFromText('a.test.') }).snapshot).toBeDefined();
});
