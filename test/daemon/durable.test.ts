// Durable state on a real `zonedns serve` process: what is checked at start-up (a zones directory
// that does not exist, a state directory or a secondary's copy directory that cannot be written:
// exit 2 with the path and the reason), the warning naming what a configuration without
// `stateDir` loses at a restart, and restarts (SIGTERM and kill -9) right after an auto-serial
// edit: the serial is never served lower, never reused for other content.

import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupDaemons, makeTempDir, RCODE, runZonedns, soaSerialOf, startDaemon, values, type Daemon } from './support/daemon.js';

afterEach(cleanupDaemons);

const ZONE = (extra: string) => `$ORIGIN d.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n${extra}`;

async function soa(d: Daemon): Promise<number> {
  const a = await d.query('d.test', 'SOA');
  expect(a.rcode).toBe(RCODE.NOERROR);
  return soaSerialOf(a);
}

describe('start-up checks', () => {
  test('a zones directory that does not exist: exit 2, named', async () => {
    const dir = makeTempDir();
    const r = await runZonedns(['serve', '--zones', join(dir, 'nope'), '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`zones directory ${join(dir, 'nope')} does not exist or is not a directory`);
    expect(r.stderr).not.toMatch(/ info (listening|ready) /);
  });

  test('a stateDir that cannot be written, or a secondary copy directory that cannot: exit 2 with the path and the reason', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'a-file'), '');
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ stateDir: 'a-file/state', zones: [] }));
    const r = await runZonedns(['serve', '--config', join(dir, 'state.json'), '--zones', dir, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`stateDir: ${join(dir, 'a-file', 'state')}: cannot write there (ENOTDIR)`);

    writeFileSync(join(dir, 'copy.json'), JSON.stringify({ zones: [{ file: 'a-file/s.test.zone', origin: 's.test', primaries: ['127.0.0.1:9'] }] }));
    const r2 = await runZonedns(['serve', '--config', join(dir, 'copy.json'), '--listen', '127.0.0.1:0']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`zones[0].file: the copy of a secondary zone is written there: ${join(dir, 'a-file')}: cannot write there (EEXIST)`);
  });

  test('without stateDir, the warning says what this configuration loses at a restart; with it, none', async () => {
    const d = await startDaemon({ bundled: false, files: { 'd.test.zone': ZONE('') }, args: ['--serial', 'auto'] });
    const warn = d.logLines(/ warn no stateDir configured/);
    expect(warn).toHaveLength(1);
    expect(warn[0]).toContain('the serials `serial: auto`/`unixtime` served');
    expect(warn[0]).not.toContain('IXFR');
    await d.stop();

    const plain = await startDaemon({ bundled: false, files: { 'd.test.zone': ZONE('') } });
    expect(plain.logLines(/ warn /)).toEqual([]);
    await plain.stop();

    const cfgDir = makeTempDir();
    writeFileSync(join(cfgDir, 'c.json'), JSON.stringify({ stateDir: 'state', serial: 'auto', transfer: { allow: ['127.0.0.1'] } }));
    const durable = await startDaemon({ bundled: false, files: { 'd.test.zone': ZONE('') }, args: ['--config', join(cfgDir, 'c.json')] });
    expect(durable.logLines(/ warn /)).toEqual([]);
  });
});

describe('restarts after an auto-serial edit', () => {
  test.each(['SIGTERM', 'SIGKILL'] as const)('%s: the same content keeps its serial; the next edit gets a serial never served before', async (signal) => {
    const dir = makeTempDir();
    const cfg = join(dir, 'zonedns.json');
    writeFileSync(cfg, JSON.stringify({ zonesDir: 'zones', stateDir: 'state', serial: 'auto' }));
    const zones = join(dir, 'zones');
    const start = () => startDaemon({ dir: zones, zonesDir: false, args: ['--config', cfg] });
    const file = join(zones, 'd.test.zone');
    makeZonesDir(zones, ZONE('v TXT "1"\n'));

    const a = await start();
    const first = await soa(a);
    writeFileSync(file, ZONE('v TXT "2"\n'));
    a.signal('SIGHUP');
    await a.waitFor('v.d.test', 'TXT', (r) => values(r, 'TXT')[0] === '2');
    const second = await soa(a);
    expect(second).toBe(first + 1);
    await a.stop(signal);

    const b = await start();
    expect(await soa(b)).toBe(second);
    expect(values(await b.query('v.d.test', 'TXT'), 'TXT')).toEqual(['2']);
    writeFileSync(file, ZONE('v TXT "3"\n'));
    b.signal('SIGHUP');
    await b.waitFor('v.d.test', 'TXT', (r) => values(r, 'TXT')[0] === '3');
    expect(await soa(b)).toBe(second + 1);
    const state = JSON.parse(readFileSync(join(dir, 'state', 'd.test.state'), 'utf8'));
    expect(state.served.serial).toBe(second + 1);
  }, 30_000);
});

function makeZonesDir(dir: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'd.test.zone'), text);
}
