// `serve --config FILE`: zones listed one by one with per-zone options, the query log, and
// machine-readable (JSON) logs, all on a real process.

import { afterEach, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupDaemons, makeTempDir, runZonedns, startDaemon } from './support/daemon.js';
import { buildQuery, udpExchange } from '../support/server.js';

afterEach(cleanupDaemons);

const LISTED = `$ORIGIN listed.test.
$TTL 300
@ SOA ns.listed.test. admin.listed.test. 5 3600 600 86400 60
@ NS ns
ns A 192.0.2.1
www A 192.0.2.11
www A 192.0.2.12
www A 192.0.2.13
`;

describe('serve --config', () => {
  test('serves zones the file lists, with their own rotation, beside the --zones directory, and logs queries', async () => {
    const cfgDir = makeTempDir('zonedns-cfg-');
    writeFileSync(join(cfgDir, 'db.listed'), LISTED);
    writeFileSync(join(cfgDir, 'zonedns.json'), JSON.stringify({
      zones: [{ file: 'db.listed', origin: 'listed.test', rotate: 'none' }],
      log: { queries: true },
    }));
    const d = await startDaemon({ args: ['--config', join(cfgDir, 'zonedns.json')] });
    // Per-zone rotate none: the file's order every time.
    const orders = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const a = await d.query('www.listed.test', 'A');
      orders.add(a.answers.map((rr) => (rr as { data: string }).data).join(','));
    }
    expect([...orders]).toEqual(['192.0.2.11,192.0.2.12,192.0.2.13']);
    // The --zones directory rotates (server default cyclic).
    const first = (await d.query('example.com', 'A')).answers.map((rr) => (rr as { data: string }).data);
    const second = (await d.query('example.com', 'A')).answers.map((rr) => (rr as { data: string }).data);
    expect(second).not.toEqual(first);
    expect([...second].sort()).toEqual([...first].sort());
    // The query log has one line per query with client, name, type and rcode.
    const line = await d.waitForLog(/ info query .*qname=www\.listed\.test\./);
    expect(line).toMatch(/client=127\.0\.0\.1/);
    expect(line).toMatch(/qtype=A/);
    expect(line).toMatch(/rcode=NOERROR/);
  });

  test('a bad configuration file exits 2 with the path of the bad value', async () => {
    const cfgDir = makeTempDir('zonedns-cfg-');
    const file = join(cfgDir, 'zonedns.json');
    writeFileSync(file, JSON.stringify({ zones: [{ file: 'x.zone', rotate: 'sideways' }] }));
    const { code, stderr } = await runZonedns(['serve', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('zones[0].rotate: expected one of cyclic, random, none');
  });
});

describe('serve --log-format json', () => {
  test('every log line is one JSON object with time, level and msg', async () => {
    // startDaemon retries a port taken between pick and bind and never waits on a child that has
    // already exited: a hand-rolled spawn here once hung CI for 30 s on exactly that.
    const d = await startDaemon({ args: ['--log-format', 'json', '--query-log'], readyPattern: /"msg":"ready"/ });
    const reply = await udpExchange('127.0.0.1', d.port, buildQuery('www.example.com', 'A'));
    expect(reply.readUInt16BE(2) & 0xf).toBe(0);
    await d.waitForLog(/"msg":"query"/);
    d.signal('SIGTERM');
    await d.exited;
    const objects = d.lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objects) {
      expect(typeof o.time).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(o.level);
      expect(typeof o.msg).toBe('string');
    }
    expect(objects.find((o) => o.msg === 'zone loaded' && o.zone === 'example.com.')).toMatchObject({ serial: 2026112401 });
    expect(objects.find((o) => o.msg === 'query')).toMatchObject({ qname: 'www.example.com.', qtype: 'A', rcode: 'NOERROR', transport: 'udp' });
    expect(objects.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});
