// `zonedns ctl` end to end: a real `zonedns serve` process, its control socket, and the ctl
// command as an operator runs it (status, zones, notify, stop; human output and --json; errors
// and exit codes). The socket is the server's only way in: mode 0600, gone after a clean stop,
// and a socket file left by kill -9 (with a client still connected) does not stop the next start.
// A slow client and a flood of connections on the socket never stall DNS answers.

import { afterEach, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { existsSync, lstatSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { BUNDLED_EXAMPLE_A, BUNDLED_SERIAL, cleanupDaemons, hasA, makeTempDir, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import type { ZoneReport } from '../../src/ops/verbs.js';
import { ctl, ctlJson, opsConfig } from './support/ops.js';

afterEach(cleanupDaemons);

// Line 4 is the error: an A record whose address is not one.
const BROKEN = '$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.300\n';

/** A secondary's stand-in for NOTIFY: acknowledges each one (NOERROR, QR set) and keeps it. */
async function notifySink(): Promise<{ port: number; received: Buffer[]; close(): void }> {
  const sock = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  sock.on('message', (msg, rinfo) => {
    received.push(msg);
    const reply = Buffer.from(msg.subarray(0, msg.length));
    reply[2] = reply[2]! | 0x80;
    sock.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, received, close: () => sock.close() };
}

async function startWithOps(extra: Record<string, unknown> = {}): Promise<{ d: Daemon; config: string; socket: string }> {
  const cfgDir = makeTempDir('zonedns-ctl-cfg-');
  const config = opsConfig(cfgDir, extra);
  const d = await startDaemon({ args: ['--config', config], files: { 'broken.test.zone': BROKEN } });
  return { d, config, socket: join(cfgDir, 'state', 'zonedns.sock') };
}

describe('zonedns ctl against a running server', () => {
  test('status, zones (one or all, text and JSON), errors with exit 1, notify, then stop', async () => {
    const sink = notifySink();
    const { port: notifyPort, received, close } = await sink;
    try {
      const { d, config, socket } = await startWithOps({ notify: [`127.0.0.1:${notifyPort}`], identity: 'ns1.test' });
      expect(lstatSync(socket).mode & 0o777).toBe(0o600);

      const status = await ctl(config, 'status');
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^zonedns \d+\.\d+\.\d+, pid \d+, up \d+s, ready$/m);
      expect(status.stdout).toContain('zones: 4 (3 loaded, 1 failed)');
      expect(status.stdout).toContain(`listening: udp 127.0.0.1:${d.port}, tcp 127.0.0.1:${d.port}`);
      expect(status.stdout).toMatch(/^metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
      const json = await ctlJson<{ pid: number; ready: boolean; zones: Record<string, number> }>(config, 'status');
      expect(json).toMatchObject({ pid: d.pid, ready: true, zones: { total: 4, loaded: 3, failed: 1, secondaries: 0, expired: 0 } });

      const zones = await ctlJson<ZoneReport[]>(config, 'zones');
      expect(zones.map((z) => [z.zone, z.kind, z.state, z.serial])).toEqual([
        ['2.0.192.in-addr.arpa.', 'primary', 'loaded', BUNDLED_SERIAL],
        ['broken.test.', 'primary', 'failed', undefined],
        ['dev.test.', 'primary', 'loaded', BUNDLED_SERIAL],
        ['example.com.', 'primary', 'loaded', BUNDLED_SERIAL],
      ]);
      const example = zones.find((z) => z.zone === 'example.com.')!;
      expect(example.source).toBe(d.path('example.com.zone'));
      expect(Date.parse(example.loadedAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect(zones.find((z) => z.zone === 'broken.test.')!.lastLoad).toMatchObject({ ok: false, error: expect.stringContaining(`${d.path('broken.test.zone')}:4:`) });

      const one = await ctl(config, 'zones', 'EXAMPLE.COM');
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(new RegExp(`^example\\.com\\. primary loaded serial ${BUNDLED_SERIAL} loaded \\S+Z\\n  source: ${d.path('example.com.zone').replace(/\./g, '\\.')}\\n$`));
      const failed = await ctl(config, 'zones', 'broken.test');
      expect(failed.stdout).toMatch(/^broken\.test\. primary failed serial -\n {2}source: .*\n {2}last load \S+ failed: .*broken\.test\.zone:4:6: A: bad IPv4 address "192\.0\.2\.300"\n$/);

      const missing = await ctl(config, 'zones', 'nope.test');
      expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: 'zonedns ctl: no zone nope.test.\n' });
      const notSecondary = await ctl(config, 'notify', 'broken.test');
      expect(notSecondary).toMatchObject({ code: 1, stderr: expect.stringContaining('has no data to announce') });
      const usage = await ctl(config, 'refresh');
      expect(usage.code).toBe(2);

      // NOTIFY now: the start-up NOTIFYs went already; one more arrives for example.com.
      const before = received.length;
      const notify = await ctl(config, 'notify', 'example.com');
      expect(notify).toMatchObject({ code: 0, stdout: `NOTIFY for example.com. serial ${BUNDLED_SERIAL} sent to 127.0.0.1:${notifyPort}\n` });
      for (let i = 0; i < 100 && received.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      expect(received.length).toBe(before + 1);
      expect(received.at(-1)!.subarray(12, 12 + 13).toString('latin1')).toBe('\x07example\x03com\x00');

      const stop = await ctl(config, 'stop');
      expect(stop).toMatchObject({ code: 0, stdout: 'stopping\n' });
      expect(await d.exited).toEqual({ code: 0, signal: null });
      expect(d.logLines(/ info shutting down signal="zonedns ctl stop"$/)).toHaveLength(1);
      expect(existsSync(socket)).toBe(false);
      // Nothing answers now: exit 3, and a message that says so.
      const gone = await ctl(config, 'status');
      expect({ code: gone.code, stderr: gone.stderr }).toEqual({ code: 3, stderr: `zonedns ctl: ${socket}: no such socket (is zonedns running? see --socket, --config)\n` });
    } finally {
      close();
    }
  }, 60_000);

  test('kill -9 with a client on the socket: the stale socket file does not stop the next start', async () => {
    const { d, config, socket } = await startWithOps();
    const client = net.connect(socket);
    client.on('error', () => {});
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.write('{"v":1,');
    d.child.kill('SIGKILL');
    await d.exited;
    client.destroy();
    expect(lstatSync(socket).isSocket()).toBe(true);
    const unreachable = await ctl(config, 'status');
    expect(unreachable).toMatchObject({ code: 3, stderr: expect.stringContaining('nothing answers') });

    const again = await startDaemon({ args: ['--config', config], files: { 'broken.test.zone': BROKEN } });
    await again.waitForLog(/ info control socket listening /);
    expect(again.logLines(/ error /).filter((l) => !l.includes('broken.test'))).toEqual([]);
    expect(await ctlJson(config, 'status')).toMatchObject({ pid: again.pid, ready: true });
    // And SIGTERM removes it.
    expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(socket)).toBe(false);
  }, 60_000);

  test('a second server given the same socket leaves the first one\'s alone and serves DNS anyway', async () => {
    const { config } = await startWithOps();
    const second = await startDaemon({ args: ['--config', config], files: { 'broken.test.zone': BROKEN } });
    await second.waitForLog(/ error control socket not available: .* another process answers on this socket/);
    expect(hasA(...BUNDLED_EXAMPLE_A)(await second.query('example.com', 'A'))).toBe(true);
    const first = await ctlJson<{ pid: number }>(config, 'status');
    expect(first.pid).not.toBe(second.pid);
  }, 60_000);

  test('a stalled client and a connection flood on the socket: DNS is answered all along, and ctl after them', async () => {
    const { d, config, socket } = await startWithOps();
    const clients: net.Socket[] = [];
    for (let i = 0; i < 40; i++) {
      const c = net.connect(socket);
      c.on('error', () => {});
      c.write(i === 0 ? '{"v":1,"verb":' : '{');
      clients.push(c);
    }
    for (let i = 0; i < 20; i++) expect(hasA(...BUNDLED_EXAMPLE_A)(await d.query('example.com', 'A', { transport: i % 2 === 0 ? 'udp' : 'tcp' }))).toBe(true);
    for (const c of clients) c.destroy();
    let status = await ctl(config, 'status');
    for (let i = 0; i < 20 && status.code !== 0; i++) status = await ctl(config, 'status');
    expect(status.code).toBe(0);
  }, 60_000);
});
