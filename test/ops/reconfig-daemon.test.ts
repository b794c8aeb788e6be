// `zonedns ctl reload [ZONE]`, `ctl reconfig` and SIGHUP with a configuration file, against a real
// `zonedns serve` process: a zone reloaded on request (and a broken edit refused with the old data
// still answered), zones added to and removed from the configuration and the transfer ACL changed while dnsperf keeps asking
// for another zone (no query lost), a bad configuration refused whole, and the applied
// configuration still in force after a restart (SIGTERM, then kill -9).

import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupDaemons, makeTempDir, RCODE, runZonedns, soaSerialOf, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { nameFromText } from '../../src/dns/name.js';
import { networkTransport, parsePrimary } from '../../src/xfr/xfr-client.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { ctl, ctlJson, opsConfig } from './support/ops.js';

afterEach(cleanupDaemons);

const zoneText = (origin: string, serial: number, a = '192.0.2.1') => `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns h ${serial} 3600 900 604800 300\n@ NS ns\nns A 192.0.2.53\nwww A ${a}\n`;

/** A directory with zone files a.test, b.test, c.test and a config listing `listed` of them. */
function setup(listed: string[]): { dir: string; config: string; write(zones: string[], extra?: Record<string, unknown>): void } {
  const dir = makeTempDir('zonedns-reconfig-');
  for (const z of ['a.test', 'b.test', 'c.test']) writeFileSync(join(dir, `${z}.zone`), zoneText(z, 1));
  const write = (zones: string[], extra: Record<string, unknown> = {}) => {
    opsConfig(dir, { zones: zones.map((z) => ({ origin: z, file: `${z}.zone` })), ...extra });
  };
  write(listed);
  return { dir, config: join(dir, 'zonedns.json'), write };
}

/** --no-watch: a zone file changes only when ctl or SIGHUP says so. */
async function start(dir: string, config: string): Promise<Daemon> {
  return startDaemon({ dir, zonesDir: false, args: ['--config', config, '--no-watch'] });
}

const rcode = async (d: Daemon, name: string) => (await d.query(name, 'A')).rcode;

describe('ctl reload', () => {
  test('one zone or all; a broken edit is refused and the old data answers; unknown zones exit 1', async () => {
    const { dir, config } = setup(['a.test', 'b.test']);
    const d = await start(dir, config);
    writeFileSync(join(dir, 'a.test.zone'), zoneText('a.test', 2, '192.0.2.2'));
    expect(soaSerialOf(await d.query('a.test', 'SOA'))).toBe(1);
    const r = await ctl(config, 'reload', 'a.test');
    expect(r).toMatchObject({ code: 0, stdout: 'a.test. loaded, serial 2\n' });
    expect(soaSerialOf(await d.query('a.test', 'SOA'))).toBe(2);

    writeFileSync(join(dir, 'a.test.zone'), '$ORIGIN a.test.\n@ SOA ns h 3 3600 900 604800 300\nwww A 192.0.2.300\n');
    const broken = await ctl(config, 'reload', 'a.test');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^zonedns ctl: reload of a\.test\. failed \(still serving serial 2\): .*a\.test\.zone:\d+:/);
    expect(soaSerialOf(await d.query('a.test', 'SOA'))).toBe(2);

    const all = await ctlJson<{ loaded: number; failed: number }>(config, 'reload');
    expect(all).toEqual({ loaded: 1, failed: 1 });
    expect(await ctl(config, 'reload', 'nope.test')).toMatchObject({ code: 1, stderr: 'zonedns ctl: no zone file for nope.test.\n' });
    expect(await ctl(config, 'refresh', 'b.test')).toMatchObject({ code: 1, stderr: 'zonedns ctl: no secondary zone b.test. (it is loaded from a file: use reload)\n' });
  }, 30_000);
});

describe('ctl reconfig and SIGHUP', () => {
  test('zones added and removed, options changed; a bad configuration is refused whole; it holds across restarts', async () => {
    const { dir, config, write } = setup(['a.test', 'b.test']);
    const d = await start(dir, config);
    expect(await rcode(d, 'www.c.test')).toBe(RCODE.REFUSED);

    // The server-wide transfer ACL: nobody at first, 127.0.0.1 after a reconfig (a zone that stays).
    const axfr = (port: number) => networkTransport().transfer(parsePrimary(`127.0.0.1:${port}`)!, nameFromText('a.test.'), 'axfr');
    await expect(axfr(d.port)).rejects.toThrow(/rcode 5/);

    write(['a.test', 'c.test'], { transfer: { allow: ['127.0.0.1'] } });
    const r = await ctlJson<{ zonesBefore: number; zonesAfter: number; needRestart: string[] }>(config, 'reconfig');
    expect(r).toMatchObject({ zonesBefore: 2, zonesAfter: 2, needRestart: [] });
    expect(await rcode(d, 'www.c.test')).toBe(RCODE.NOERROR);
    expect(await rcode(d, 'www.b.test')).toBe(RCODE.REFUSED);
    expect(await rcode(d, 'www.a.test')).toBe(RCODE.NOERROR);
    expect((await axfr(d.port)).kind).toBe('full');

    // A syntax error, then a valid file naming a key that does not exist: both refused whole.
    writeFileSync(config, '{ "stateDir": "state", "zones": [ { "file": "b.test.zone" }, ] }');
    // (--socket: ctl itself cannot read those files to find the socket.)
    const reconfigBySocket = () => runZonedns(['ctl', '--socket', join(dir, 'state', 'zonedns.sock'), 'reconfig']);
    const bad = await reconfigBySocket();
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^zonedns ctl: configuration refused, the running one stays: .*zonedns\.json:1:\d+: not valid JSON/);
    write(['a.test', 'b.test'], { zones: [{ origin: 'b.test', file: 'b.test.zone', notifyKey: 'no-such-key' }] });
    expect(await reconfigBySocket()).toMatchObject({ code: 1, stderr: expect.stringContaining('no-such-key') });
    expect(await rcode(d, 'www.c.test')).toBe(RCODE.NOERROR);
    expect(await rcode(d, 'www.b.test')).toBe(RCODE.REFUSED);

    // SIGHUP reads the configuration too (here the transfer ACL goes again); a change to a key read
    // once at start-up is reported.
    write(['a.test', 'b.test', 'c.test'], { identity: 'ns9.test' });
    const since = d.mark();
    d.signal('SIGHUP');
    await d.waitForLog(/ warn configuration changes that need a restart .*keys=identity/, { since });
    await d.waitForLog(/ info configuration applied /, { since });
    for (const z of ['a', 'b', 'c']) expect(await rcode(d, `www.${z}.test`)).toBe(RCODE.NOERROR);
    await expect(axfr(d.port)).rejects.toThrow(/rcode 5/);

    // A restart serves what the file says; so does one after kill -9 with a new zone list.
    expect((await d.stop()).code).toBe(0);
    write(['c.test']);
    const d2 = await start(dir, config);
    expect(await rcode(d2, 'www.c.test')).toBe(RCODE.NOERROR);
    expect(await rcode(d2, 'www.a.test')).toBe(RCODE.REFUSED);
    write(['a.test']);
    expect((await ctl(config, 'reconfig')).code).toBe(0);
    expect((await d2.stop('SIGKILL')).signal).toBe('SIGKILL');
    const d3 = await start(dir, config);
    expect(await rcode(d3, 'www.a.test')).toBe(RCODE.NOERROR);
    expect(await rcode(d3, 'www.c.test')).toBe(RCODE.REFUSED);
  }, 60_000);
});

describeWithPeers('reconfig under dnsperf load', ['dnsperf'], () => {
  test('adding and removing zones loses no query for a zone that stays', async () => {
    const { dir, config, write } = setup(['a.test', 'b.test']);
    // dnsperf asks 1,500 QPS from one address: RRL (on by default, 200/s) would rightly limit it.
    const rrlOff = { rrl: { enabled: false } };
    write(['a.test', 'b.test'], rrlOff);
    const d = await start(dir, config);
    const queries = join(dir, 'queries.txt');
    writeFileSync(queries, 'www.a.test A\na.test SOA\nns.a.test A\n');
    const perf = spawn(findProgram('dnsperf')!, ['-s', '127.0.0.1', '-p', String(d.port), '-d', queries, '-l', '6', '-Q', '1500', '-t', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    perf.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
    const done = new Promise<number | null>((resolve) => perf.on('exit', (code) => resolve(code)));
    const lists = [['a.test', 'c.test'], ['a.test'], ['a.test', 'b.test', 'c.test'], ['a.test', 'b.test']];
    let applied = 0;
    while (perf.exitCode === null && applied < 12) {
      write(lists[applied % lists.length]!, rrlOff);
      expect((await ctl(config, 'reconfig')).code).toBe(0);
      applied++;
    }
    expect(await done).toBe(0);
    // Each ctl is a process start (about a second on a busy machine): at least one add and one removal.
    expect(applied).toBeGreaterThanOrEqual(3);
    const sent = Number(/Queries sent:\s+(\d+)/.exec(out)?.[1]);
    expect(sent).toBeGreaterThan(1000);
    expect(out).toMatch(/Queries lost:\s+0 \(/);
    expect(out).toMatch(/NOERROR \d+ \(100\.00%\)/);
  }, 40_000);
});
