// Answering never stops (issue #17): a real `zonedns serve` keeps answering, every query within a
// second, while a big zone reloads and while each hostile zone of the issue is dropped into its
// watched directory; each hostile one fails with its error, the previous version of the zone keeps
// serving, the failed load takes bounded time, and the memory it took is given back. The loads run
// in a worker thread (src/reload/loader.ts); the bench (npm run bench:stall) does the same at full
// size under dnsperf.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateFlood, generateSmallFile, includeDevZero, includeFanOut, includeFifo, longLine, symlinkedSubdirectory, zoneHead, type HostileInput,
} from '../../bench/stall/hostile.mjs';
import { keepAsking, type AnsweringReport } from './support/answering.js';
import { cleanupDaemons, hasA, makeTempDir, startDaemon, type Daemon } from './support/daemon.js';
import { expectRssBackTo, rssKiB } from './support/rss.js';

const ORIGIN = 'hostile.test';
const GOOD = `${zoneHead(ORIGIN)}www A 192.0.2.80\n`;

/** A zone of `names` names with an A and an AAAA record each. */
function bigZone(names: number, extra = ''): string {
  const lines = [zoneHead('big.test')];
  for (let i = 0; i < names; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\nh${i} AAAA 2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}\n`);
  return lines.join('') + extra;
}

const expectAnsweredThroughout = (r: AnsweringReport, what: string) => {
  expect({ what, late: r.late, under1s: r.maxMs < 1000 }).toEqual({ what, late: [], under1s: true });
  expect(r.answered).toBeGreaterThan(10);
};

describe('hostile zones dropped into the watched directory', () => {
  let d: Daemon;
  let baseline: number;
  const outside = makeTempDir('zonedns-hostile-outside-');

  beforeAll(async () => {
    // The generate limit is lowered to keep the test short; the bench runs the defaults.
    const config = join(outside, 'config.json');
    writeFileSync(config, JSON.stringify({ zoneLimits: { maxGenerateRecords: 65_536 } }));
    d = await startDaemon({ files: { [`${ORIGIN}.zone`]: GOOD }, args: ['--config', config, '--log-level', 'debug'] });
    await d.waitForLog(/ debug load worker (ended|kept warm) /, { timeoutMs: 10_000 });
    baseline = rssKiB(d.pid);
  });
  afterAll(cleanupDaemons);

  const cases: Array<[string, (dir: string) => HostileInput & { file: string; expect: RegExp }]> = [
    ['$INCLUDE fan-out (16 files, each including the next 10 times)', (dir) => includeFanOut(dir, ORIGIN)],
    ['$INCLUDE of a FIFO', (dir) => includeFifo(dir, ORIGIN)],
    ['$INCLUDE /dev/zero', (dir) => includeDevZero(dir, ORIGIN)],
    ['a 64 MiB line (the bench: 500 MB)', (dir) => longLine(dir, ORIGIN, 64 << 20)],
    ['forty $GENERATE 1-65536', (dir) => generateFlood(dir, ORIGIN)],
    ['400 $GENERATE 1-65536 in a 16 KB file', (dir) => generateSmallFile(dir, ORIGIN)],
  ];
  test.each(cases)('%s: its error, the old zone answering throughout, bounded time, memory given back', async (what, make) => {
    const h = make(d.dir);
    const since = d.mark();
    // The asking starts once the input is written (the test's thread is not free while it writes).
    const answering = keepAsking(d.host, d.port, `www.${ORIGIN}`);
    const t0 = performance.now();
    h.drop();
    try {
      const error = await d.waitForLog(h.expect, { since, timeoutMs: 20_000 });
      const ms = performance.now() - t0;
      expect(error).toContain(` error ${join(d.dir, '')}`);
      await d.waitForLog(/ error zone reload failed; still serving the previous version zone=hostile\.test\. /, { since });
      expectAnsweredThroughout(await answering.stop(), what);
      expect(hasA('192.0.2.80')(await d.query(`www.${ORIGIN}`, 'A', { transport: 'tcp' }))).toBe(true);
      expect(ms).toBeLessThan(15_000);
      console.log(`${what}: failed after ${Math.round(ms)} ms with: ${error.replace(/^\S+ error \S*\//, '')}`);
      await d.waitForLog(/ debug load worker (ended|kept warm) /, { since, timeoutMs: 10_000 });
      await expectRssBackTo(d, baseline, what);
    } finally {
      await answering.stop();
      h.cleanup();
    }
  }, 60_000);

  test('a symlinked subdirectory of 20,000 files (the bench: 100,000): no watches, no memory, nothing logged', async () => {
    const h = symlinkedSubdirectory(d.dir, outside, 20_000);
    const since = d.mark();
    h.drop();
    try {
      // Something changed in the directory: touch a zone file so there is a reload to wait for.
      d.write(`${ORIGIN}.zone`, GOOD.replace('1 3600', '2 3600'));
      await d.waitFor(`${ORIGIN}`, 'SOA', (a) => a.answers.some((rr) => ((rr as { data?: { serial?: number } }).data)?.serial === 2), 10_000);
      await expectRssBackTo(d, baseline, 'symlinked subdirectory');
      expect(d.logLines(/ (warn|error) /, since)).toEqual([]);
    } finally {
      h.cleanup();
    }
  }, 60_000);
});

describe('a big zone reloading while queries come', () => {
  afterAll(cleanupDaemons);
  const NAMES = 100_000; // 200,000 records

  test('answers within a second throughout two reloads; the new data is served after each', async () => {
    const d = await startDaemon({ bundled: true, files: { 'big.test.zone': bigZone(NAMES) }, readyTimeoutMs: 60_000 });
    for (const [i, addr] of [[1, '198.51.100.1'], [2, '198.51.100.2']] as const) {
      // Made before the asking starts: building 5 MB of text holds the test's thread.
      const text = bigZone(NAMES, `probe A ${addr}\n`);
      const answering = keepAsking(d.host, d.port, 'example.com');
      const t0 = performance.now();
      d.write('big.test.zone', text);
      await d.waitFor('probe.big.test', 'A', hasA(addr), 60_000, { intervalMs: 20 });
      const report = await answering.stop();
      console.log(`reload ${i} of ${2 * NAMES} records: new answer after ${Math.round(performance.now() - t0)} ms; meanwhile ${report.answered} answers, slowest ${report.maxMs} ms`);
      expectAnsweredThroughout(report, `reload ${i}`);
    }
    expect(hasA('10.1.134.159')(await d.query('h99999.big.test', 'A'))).toBe(true);
  }, 180_000);

  test('a reload still running when the file changes again is superseded, not queued: only the newest version is swapped in', async () => {
    const d = await startDaemon({ bundled: false, files: { 'big.test.zone': bigZone(NAMES) }, args: ['--log-level', 'debug'], readyTimeoutMs: 60_000 });
    // Both versions made before the first write (building one holds the test's thread), the first
    // twice as big, so it is still loading when the second is written (it stops once superseded).
    const first = bigZone(2 * NAMES, 'probe A 198.51.100.10\n');
    const second = bigZone(NAMES, 'probe A 198.51.100.11\n');
    // Each written whole and renamed over the zone file: a file written in place can be seen half
    // written, and that load end (in an error) before the next write, superseding nothing.
    const replace = (text: string) => {
      writeFileSync(d.path('big.test.tmp'), text);
      renameSync(d.path('big.test.tmp'), d.path('big.test.zone'));
    };
    const since = d.mark();
    replace(first);
    await d.waitForLog(/ debug zone load started file=.*big\.test\.zone$/, { since, timeoutMs: 10_000 });
    replace(second);
    await d.waitFor('probe.big.test', 'A', hasA('198.51.100.11'), 60_000, { intervalMs: 20 });
    expect(d.logLines(/ debug zone load superseded by a newer one file=.*big\.test\.zone$/, since)).toHaveLength(1);
    expect(d.logLines(/ info zone reloaded zone=big\.test\. /, since)).toHaveLength(1);
  }, 180_000);

  test('SIGKILL in the middle of a reload: the restarted server serves the file as it is, whole', async () => {
    const d = await startDaemon({ bundled: false, files: { 'big.test.zone': bigZone(NAMES) }, args: ['--log-level', 'debug'], readyTimeoutMs: 60_000 });
    const since = d.mark();
    d.write('big.test.zone', bigZone(NAMES, 'probe A 198.51.100.20\n'));
    await d.waitForLog(/ debug zone load started file=.*big\.test\.zone$/, { since, timeoutMs: 10_000 });
    expect((await d.stop('SIGKILL')).signal).toBe('SIGKILL');
    const again = await startDaemon({ dir: d.dir, bundled: false, readyTimeoutMs: 60_000 });
    expect(hasA('198.51.100.20')(await again.query('probe.big.test', 'A'))).toBe(true);
    expect(hasA('10.1.134.159')(await again.query('h99999.big.test', 'A'))).toBe(true);
    expect(again.logLines(/ info zone loaded zone=big\.test\. serial=1 records=200004 /)).toHaveLength(1);
  }, 180_000);

  test('SIGTERM in the middle of a reload stops the server at once (the load is abandoned)', async () => {
    const d = await startDaemon({ bundled: false, files: { 'big.test.zone': bigZone(NAMES) }, args: ['--log-level', 'debug'], readyTimeoutMs: 60_000 });
    const since = d.mark();
    d.write('big.test.zone', bigZone(NAMES, 'probe A 198.51.100.30\n'));
    await d.waitForLog(/ debug zone load started file=.*big\.test\.zone$/, { since, timeoutMs: 10_000 });
    const t0 = performance.now();
    expect(await d.stop('SIGTERM', 5000)).toEqual({ code: 0, signal: null });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(d.logLines(/ info zone reloaded /, since)).toEqual([]);
  }, 180_000);
});
