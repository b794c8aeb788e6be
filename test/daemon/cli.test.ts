// The `zonedns` executable's command line, run as a real process: start-up failures, usage
// errors, --help, --version.

import { afterEach, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import net from 'node:net';
import { BUNDLED_ZONES, cleanupDaemons, makeTempDir, PACKAGE_VERSION, runZonedns } from './support/daemon.js';

afterEach(cleanupDaemons);

describe('serve: --listen on a port already taken', () => {
  test.each([
    ['UDP', 'udp'],
    ['TCP', 'tcp'],
  ] as const)('taken for %s: non-zero exit and an error line saying the port is taken', async (_what, proto) => {
    // Port 0: the kernel picks one free for this protocol (a port picked free for UDP could be
    // taken for TCP by another test, which once failed this test in CI).
    const holder = await occupy(proto, '127.0.0.1', 0);
    const port = holder.port;
    try {
      const r = await runZonedns(['serve', '--zones', BUNDLED_ZONES, '--listen', `127.0.0.1:${port}`], { timeoutMs: 8000 });
      expect(r.code).not.toBe(0);
      expect(r.code).not.toBeNull(); // it exited by itself, not by a signal
      const err = r.stderr.split('\n').filter((l) => / error /.test(l));
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/cannot listen: .*EADDRINUSE/);
      expect(err[0]).toContain(`127.0.0.1:${port}`);
      // Who holds it (this test's own process), and the flag that picks another port.
      expect(err[0]).toMatch(/is in use/);
      expect(err[0]).toContain(`(pid ${process.pid}) on 127.0.0.1:${port}/${proto}`);
      expect(err[0]).toMatch(/Pick another port with --listen/);
      expect(r.stderr).not.toMatch(/ info ready /);
      expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
    } finally {
      await holder.close();
    }
  });
});

describe('serve: a malformed --listen', () => {
  test.each([
    // [value, message, whether the message shows an example of a good value]
    ['nonsense', /--listen "nonsense": expected ADDR:PORT/, true],
    ['127.0.0.1', /--listen "127\.0\.0\.1": expected ADDR:PORT/, true],
    ['127.0.0.1:99999', /--listen "127\.0\.0\.1:99999": port 99999 is not 0-65535/, false],
  ])('--listen %s: exit code 2 with a clear message, nothing started', async (listen, message, example) => {
    const dir = makeTempDir();
    const r = await runZonedns(['serve', '--zones', dir, '--listen', listen]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    if (example) expect(r.stderr).toContain('127.0.0.1:5353'); // shows what a good value looks like
    expect(r.stderr).not.toMatch(/ info (listening|ready) /);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
  });
});

test('--help lists the serve and check commands (exit 0)', async () => {
  const r = await runZonedns(['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^\s*zonedns serve\b.*Serve the zones/m);
  expect(r.stdout).toMatch(/^\s*zonedns check\b.*validate zone files/m);
  expect(r.stdout).toMatch(/--version/);
});

test('serve --help documents --zones and --listen', async () => {
  const r = await runZonedns(['serve', '--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/--zones/);
  expect(r.stdout).toMatch(/--listen/);
});

test('--version prints the package version, from any working directory', async () => {
  const r = await runZonedns(['--version'], { cwd: makeTempDir() });
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(PACKAGE_VERSION);
});

test.each([
  [[], /Give a command: serve, check, dev or ctl, or dnssec ds \| status/],
  [['serve', '--no-such-flag'], /Unknown argument/i],
  [['frobnicate'], /Unknown argument|Unknown command/i],
])('usage error %j: exit code 2 and a pointer to --help', async (args, message) => {
  const r = await runZonedns(args as string[]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toContain('zonedns --help');
});

/** Holds a UDP or TCP port on host until close(). */
async function occupy(proto: 'udp' | 'tcp', host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  if (proto === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, host, () => resolve());
    });
    return { port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) };
  }
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => resolve());
  });
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}
