// Signals sent to a real `zonedns serve` process: SIGHUP reloads everything, SIGTERM/SIGINT stop
// it cleanly (exit 0, sockets released) even with a TCP client that will not hang up.

import { afterEach, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import net from 'node:net';
import { unlinkSync } from 'node:fs';
import { buildQuery } from '../support/server.js';
import {
  BUNDLED_EXAMPLE_A, BUNDLED_SERIAL, cleanupDaemons, exampleA, exampleZone, hasA, RCODE, startDaemon, values, type Daemon,
} from './support/daemon.js';

afterEach(cleanupDaemons);

const ZONES = ['example.com.', 'dev.test.', '2.0.192.in-addr.arpa.'];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function expectBundledAnswers(d: Daemon): Promise<void> {
  expect(values(await d.query('example.com', 'A'), 'A')).toEqual(BUNDLED_EXAMPLE_A);
  expect(values(await d.query('x.dev.test', 'AAAA', { transport: 'tcp' }), 'AAAA')).toEqual(['::1']);
  expect(values(await d.query('53.2.0.192.in-addr.arpa', 'PTR'), 'PTR')).toEqual(['ns1.example.com']);
}

describe('SIGHUP', () => {
  test('reloads every zone (each logged), keeps serving, and works more than once', async () => {
    const d = await startDaemon();
    for (let round = 1; round <= 2; round++) {
      const since = d.mark();
      d.signal('SIGHUP');
      await d.waitForLog(/ info SIGHUP: reloading every zone$/, { since });
      for (const zone of ZONES) {
        await d.waitForLog(new RegExp(` info zone reloaded zone=${esc(zone)} serial=${BUNDLED_SERIAL} .*previous=${BUNDLED_SERIAL}$`), { since });
      }
      // Unchanged content: no serial warning, no error.
      expect(d.logLines(/ (warn|error) /, since)).toEqual([]);
      expect(d.running).toBe(true);
      await expectBundledAnswers(d);
    }
  });

  test('with --no-watch, edits / new files / removed files take effect on SIGHUP, and only then', async () => {
    const d = await startDaemon({ args: ['--no-watch'] });
    d.write('example.com.zone', exampleZone(BUNDLED_SERIAL + 1, '192.0.2.190'));
    d.write('new.test.zone', '$ORIGIN new.test.\n@ 300 IN SOA ns1 admin 7 3600 600 86400 60\n  300 IN NS ns1\nns1 300 IN A 192.0.2.191\n');
    unlinkSync(d.path('dev.test.zone'));

    // Nothing watches the files, so the old state is what is served.
    for (let i = 0; i < 3; i++) {
      expect(values(await d.query('example.com', 'A'), 'A')).toEqual(BUNDLED_EXAMPLE_A);
      expect((await d.query('ns1.new.test', 'A')).rcode).toBe(RCODE.REFUSED);
      expect(values(await d.query('x.dev.test', 'A'), 'A')).toEqual(['127.0.0.1']);
    }

    const since = d.mark();
    d.signal('SIGHUP');
    await d.waitForLog(/ info SIGHUP: reloading every zone$/, { since });
    await d.waitForLog(new RegExp(` info zone reloaded zone=example\\.com\\. serial=${BUNDLED_SERIAL + 1} .*previous=${BUNDLED_SERIAL}$`), { since });
    await d.waitForLog(/ info zone reloaded zone=2\.0\.192\.in-addr\.arpa\. /, { since });
    await d.waitForLog(/ info zone loaded zone=new\.test\. serial=7 /, { since });
    await d.waitForLog(/ info zone removed: its file is gone zone=dev\.test\. /, { since });

    // The reload ran synchronously in the signal handler, before those lines were written:
    // no polling needed, the very next query sees the new state.
    expect(values(await d.query('example.com', 'A'), 'A')).toEqual(exampleA('192.0.2.190').sort());
    expect(values(await d.query('ns1.new.test', 'A', { transport: 'tcp' }), 'A')).toEqual(['192.0.2.191']);
    expect((await d.query('x.dev.test', 'A')).rcode).toBe(RCODE.REFUSED);
    expect(d.running).toBe(true);
    // A vanished file is a removal, not a failed reload.
    expect(d.logLines(/ error /, since)).toEqual([]);
  });

  test('with --no-watch, a broken file on SIGHUP: error with file:line, the old version keeps serving', async () => {
    const d = await startDaemon({ args: ['--no-watch'] });
    d.write('example.com.zone', exampleZone(BUNDLED_SERIAL + 1, '192.0.2.196', 'oops    IN AAAA 192.0.2.1\n'));
    const lineNo = d.read('example.com.zone').split('\n').findIndex((l) => l.startsWith('oops')) + 1;
    const since = d.mark();
    d.signal('SIGHUP');
    const err = await d.waitForLog(/ error .*example\.com\.zone:\d+/, { since });
    expect(err).toContain(` error ${d.path('example.com.zone')}:${lineNo}:`);
    await d.waitForLog(new RegExp(` error zone reload failed; still serving the previous version zone=example\\.com\\. .*serving=${BUNDLED_SERIAL}$`), { since });
    // The other zones reloaded fine; the process lives on with the old example.com.
    await d.waitForLog(/ info zone reloaded zone=dev\.test\. /, { since });
    expect(d.running).toBe(true);
    await expectBundledAnswers(d);
  });
});

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  test('exit code 0, "shutting down" then "stopped" as the last line, port released', async () => {
    const d = await startDaemon();
    await expectBundledAnswers(d);
    const status = await d.stop(signal, 5000);
    expect(status).toEqual({ code: 0, signal: null });
    expect(d.logLines(new RegExp(` info shutting down signal=${signal}$`))).toHaveLength(1);
    expect(d.lines.filter((l) => l !== '').at(-1)).toMatch(/ info stopped$/);
    expect(d.logLines(/ (warn|error) /)).toEqual([]);
    await expectPortFree(d.host, d.port);
  });
});

test('SIGTERM while a reload is pending (inside the debounce) still exits 0', async () => {
  const d = await startDaemon();
  d.write('example.com.zone', exampleZone(BUNDLED_SERIAL + 1, '192.0.2.195'));
  const status = await d.stop('SIGTERM', 5000);
  expect(status).toEqual({ code: 0, signal: null });
  expect(d.logLines(/ error /)).toEqual([]);
});

test('TCP clients that never hang up (idle after a query, or stuck mid-frame) do not keep the process alive', async () => {
  const d = await startDaemon();
  // 1. Sent a query, got the answer, keeps the connection open and ignores the server's FIN.
  const idle = await connectStubborn(d.host, d.port);
  const q = buildQuery('example.com', 'A');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(q.length);
  idle.sock.write(Buffer.concat([len, q]));
  await idle.waitForBytes(2);
  // 2. Sent half a length prefix and nothing more.
  const stuck = await connectStubborn(d.host, d.port);
  stuck.sock.write(Buffer.from([0x00]));
  // Both connections are established and accepted: the server still answers others.
  expect(hasA(...BUNDLED_EXAMPLE_A)(await d.query('example.com', 'A', { transport: 'tcp' }))).toBe(true);

  const started = performance.now();
  const status = await d.stop('SIGTERM', 8000);
  const ms = performance.now() - started;
  console.log(`SIGTERM with 2 stubborn TCP clients: exited after ${Math.round(ms)} ms`);
  expect(status).toEqual({ code: 0, signal: null });
  expect(ms).toBeLessThan(5000);
  expect(d.logLines(/ info stopped$/)).toHaveLength(1);
  // The server closed its side of both (FIN and/or reset), it did not just vanish under them.
  expect(idle.ended() || idle.closed()).toBe(true);
  expect(stuck.ended() || stuck.closed()).toBe(true);
  idle.sock.destroy();
  stuck.sock.destroy();
});

/** A TCP client with allowHalfOpen: it never closes its side on its own. */
function connectStubborn(host: string, port: number): Promise<{
  sock: net.Socket; ended: () => boolean; closed: () => boolean; waitForBytes: (n: number) => Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, allowHalfOpen: true });
    let received = 0;
    let ended = false;
    let closed = false;
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    sock.on('data', (b: Buffer) => {
      received += b.length;
      for (const w of [...waiters]) if (received >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    });
    sock.on('end', () => { ended = true; });
    sock.on('close', () => { closed = true; });
    sock.on('error', () => { closed = true; });
    sock.once('connect', () => resolve({
      sock,
      ended: () => ended,
      closed: () => closed,
      waitForBytes: (n) => (received >= n ? Promise.resolve() : new Promise((r) => waiters.push({ n, resolve: r }))),
    }));
    sock.once('error', reject);
  });
}

/** After exit, both the UDP and the TCP port can be bound again. */
async function expectPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, host, () => s.close(() => resolve()));
  });
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}
