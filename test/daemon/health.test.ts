// Health checks in the real daemon, operator style: a restart (kill -9 or SIGTERM) starts with
// every address up, so the healthy servers are answered at once (no cold-start outage) and a dead
// one leaves again within interval x fall; a reload keeps what the checks know; zone transfers
// carry the whole RRset; a rule that governs nothing, or a signed zone, stops start-up with the
// rule's path.

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupDaemons, makeTempDir, runZonedns, startDaemon, values, type Daemon } from './support/daemon.js';
import { buildQuery, decode, tcpExchange } from '../support/server.js';
import { startWebFarm, type WebFarm } from '../support/web-farm.js';

const HOSTS = ['127.0.0.21', '127.0.0.22', '127.0.0.23'];
const INTERVAL = 200;
const FALL = 3;
const SLACK = 500;

const zone = (hosts: readonly string[]) => `$TTL 300
@ SOA ns1 hostmaster 1 3600 600 86400 60
@ NS ns1
ns1 A 127.0.0.1
${hosts.map((h) => `www A ${h}`).join('\n')}
`;

function configFile(content: object): string {
  const file = join(makeTempDir('zonedns-health-'), 'zonedns.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('health checks in the daemon', () => {
  let farm: WebFarm;

  beforeAll(async () => { farm = await startWebFarm(HOSTS); });
  afterAll(async () => { await farm?.stop(); });
  afterEach(async () => {
    for (const s of farm.servers) await s.start();
    await cleanupDaemons();
  });

  // cleanupDaemons() removes every temp dir: each daemon gets its config written anew.
  const start = () => startDaemon({
    bundled: false,
    files: { 'example.com.zone': zone(HOSTS) },
    args: ['--config', configFile({
      transfer: { allow: ['127.0.0.1'] },
      health: [{ names: ['www.example.com'], tcp: farm.port, interval: `${INTERVAL}ms`, timeout: '150ms', fall: FALL, rise: 2, ttl: 5 }],
    })],
  });

  async function until(d: Daemon, want: (a: string[]) => boolean, what: string): Promise<number> {
    const started = performance.now();
    await d.waitFor('www.example.com', 'A', (a) => want(values(a, 'A')), 5000, { intervalMs: 10 });
    const ms = performance.now() - started;
    expect({ what, withinBound: ms < INTERVAL * FALL + SLACK }).toEqual({ what, withinBound: true });
    return ms;
  }

  test.each(['SIGKILL', 'SIGTERM'] as const)('after a restart (%s) every address starts up: the live ones are answered at once, the dead one leaves again', async (signal) => {
    const first = await start();
    await farm.server('127.0.0.22').stop();
    await until(first, (a) => a.length === 2, '127.0.0.22 out');
    expect((await first.stop(signal)).signal ?? 'exit 0').toBe(signal === 'SIGKILL' ? 'SIGKILL' : 'exit 0');

    const second = await start();
    // The first answer after the restart: nothing is known yet, so nobody is left out.
    const a = await second.query('www.example.com', 'A');
    expect(values(a, 'A')).toEqual(HOSTS);
    await until(second, (x) => x.length === 2 && !x.includes('127.0.0.22'), '127.0.0.22 out after the restart');
    expect((a.answers[0] as { ttl?: number }).ttl).toBe(5);
  }, 20_000);

  test('a reload keeps what the checks know; transfers carry the whole RRset', async () => {
    const d = await start();
    await farm.server('127.0.0.22').stop();
    await until(d, (a) => a.length === 2, '127.0.0.22 out');
    const since = d.mark();
    d.write('example.com.zone', zone(HOSTS).replace(' 1 3600', ' 2 3600'));
    await d.waitForLog(/ info zone reloaded /, { since });
    expect(values(await d.query('www.example.com', 'A'), 'A')).toEqual(['127.0.0.21', '127.0.0.23']);

    const [axfr] = await tcpExchange(d.host, d.port, [buildQuery('example.com', 'AXFR')]);
    const records = (decode(axfr!).answers ?? []) as Array<{ name: string; type: string; data: unknown }>;
    expect(records.filter((r) => r.name === 'www.example.com' && r.type === 'A').map((r) => r.data).sort()).toEqual(HOSTS);
  }, 20_000);
});

describe('health rules that govern nothing stop start-up', () => {
  afterEach(cleanupDaemons);

  async function serve(zoneText: string, health: object): Promise<{ code: number | null; stderr: string }> {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'example.com.zone'), zoneText);
    const cfg = configFile({ health: [health] });
    return runZonedns(['serve', '--zones', dir, '--listen', '127.0.0.1:0', '--config', cfg]);
  }

  test('a name without A or AAAA: exit 2, the rule\'s path in the message', async () => {
    const r = await serve(zone(HOSTS), { names: ['www.example.com', 'mail.example.com'], tcp: 80 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zonedns: \S+zonedns\.json: health\[0\]\.names\[1\]: mail\.example\.com\. has no A or AAAA records in zone example\.com\.\n/);
  });

  test('a signed zone: exit 2, saying why', async () => {
    const signed = `${zone(HOSTS)}@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n`;
    const r = await serve(signed, { names: ['www.example.com'], tcp: 80 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('health[0]: zone example.com. is signed (DNSKEY at its apex): health checks are refused for signed zones');
  });
});
