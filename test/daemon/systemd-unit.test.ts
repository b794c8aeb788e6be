// The shipped systemd unit (contrib/zonedns.service) and example configuration
// (contrib/zonedns.json): `systemd-analyze verify` finds nothing to say; every path the example
// configuration writes is writable inside the unit's sandbox (ProtectSystem=strict leaves only
// StateDirectory=, RuntimeDirectory= and ReadWritePaths=: issue #12, a read-only state directory
// lost the journal and the secondaries' copies); and the unit's ExecStart line, flags and all,
// run against the example configuration, serves. Paths are moved under a temp dir (/opt/zonedns
// is this checkout, /etc/zonedns and /var/lib/zonedns are temp directories) and the listen
// address is a loopback port instead of port 53: nothing else changes.

import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { BUNDLED_ZONES, cleanupDaemons, Daemon, makeTempDir, pickPort, RCODE, REPO_ROOT, soaSerialOf } from './support/daemon.js';

const UNIT_FILE = join(REPO_ROOT, 'contrib', 'zonedns.service');
const CONFIG_FILE = join(REPO_ROOT, 'contrib', 'zonedns.json');

afterEach(cleanupDaemons);

/** `Key=value` lines of the [Service] section (repeated keys in order). */
function serviceSection(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) section = line;
    else if (section === '[Service]') {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

const unit = serviceSection(readFileSync(UNIT_FILE, 'utf8'));
const get = (key: string) => unit.filter(([k]) => k === key).map(([, v]) => v);

describe('the systemd unit', () => {
  test('a sandbox with a state directory: StateDirectory=zonedns, RuntimeDirectory=zonedns, everything else read-only', () => {
    expect(get('StateDirectory')).toEqual(['zonedns']);
    expect(get('RuntimeDirectory')).toEqual(['zonedns']);
    expect(get('ProtectSystem')).toEqual(['strict']);
    expect(get('KillSignal')).toEqual(['SIGTERM']);
  });

  test('every path the example configuration writes is writable in the sandbox', () => {
    const writable = [
      ...get('StateDirectory').map((d) => `/var/lib/${d}`),
      ...get('RuntimeDirectory').map((d) => `/run/${d}`),
      ...get('ReadWritePaths').flatMap((v) => v.split(/\s+/)),
    ];
    const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as { stateDir?: string; control?: { socket?: string }; zones?: Array<{ file: string; primaries?: string[] }> };
    const written = [config.stateDir, config.control?.socket, ...(config.zones ?? []).filter((z) => z.primaries !== undefined).map((z) => z.file)];
    // `zonedns ctl` without flags finds the socket there.
    expect(config.control?.socket).toBe('/run/zonedns/zonedns.sock');
    expect(config.stateDir).toBe('/var/lib/zonedns');
    for (const path of written) expect({ path, writable: writable.some((w) => path === w || path!.startsWith(`${w}/`)) }).toEqual({ path, writable: true });
    // The install steps build the udp_batch addon.
    expect(readFileSync(UNIT_FILE, 'utf8')).toMatch(/^#.*npm run build:native/m);
  });
});

describeWithPeers('systemd-analyze verify', ['systemd-analyze'], () => {
  test('finds nothing to say about the unit', () => {
    // Exit 0 and no output: no unknown keys, no bad values, the ExecStart program exists.
    const r = spawnSync(findProgram('systemd-analyze')!, ['verify', UNIT_FILE], { encoding: 'utf8' });
    expect({ status: r.status, output: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, output: '' });
  });
});

test('the unit\'s ExecStart line, run against the shipped example configuration, serves', async () => {
  const [exec, ...args] = get('ExecStart')[0]!.split(/\s+/);
  expect(exec).toBe('/usr/bin/node');
  const root = makeTempDir('zonedns-unit-');
  const moved: Array<[string, string]> = [
    ['/opt/zonedns', REPO_ROOT.replace(/\/$/, '')], ['/etc/zonedns', join(root, 'etc/zonedns')], ['/var/lib/zonedns', join(root, 'var/lib/zonedns')], ['/run/zonedns', join(root, 'run/zonedns')],
  ];
  const move = (s: string) => moved.reduce((acc, [from, to]) => (acc.startsWith(from) ? to + acc.slice(from.length) : acc), s);
  // What the install steps and systemd (StateDirectory=, WorkingDirectory=) make.
  mkdirSync(join(root, 'etc/zonedns/zones'), { recursive: true });
  mkdirSync(join(root, 'var/lib/zonedns'), { recursive: true });
  mkdirSync(join(root, 'run/zonedns'), { recursive: true });
  for (const f of readdirSync(BUNDLED_ZONES).filter((f) => f.endsWith('.zone'))) copyFileSync(join(BUNDLED_ZONES, f), join(root, 'etc/zonedns/zones', f));
  const port = await pickPort();
  const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Record<string, unknown>;
  config.listen = [`127.0.0.1:${port}`];
  for (const key of ['zonesDir', 'stateDir']) config[key] = move(config[key] as string);
  const control = config.control as { socket: string };
  config.control = { ...control, socket: move(control.socket) };
  writeFileSync(join(root, 'etc/zonedns/zonedns.json'), JSON.stringify(config));

  const child = spawn(process.execPath, args.map(move), { cwd: join(root, 'var/lib/zonedns'), stdio: ['ignore', 'pipe', 'pipe'] });
  const d = new Daemon(child, root, '127.0.0.1', port);
  try {
    await d.waitForLog(/ info ready /, { timeoutMs: 10_000 });
    const soa = await d.query('example.com', 'SOA');
    expect(soa.rcode).toBe(RCODE.NOERROR);
    expect(soaSerialOf(soa)).toBe(2026112401);
    expect(d.logLines(/ (warn|error) /)).toEqual([]);
    // Its state went where the unit lets it write.
    expect(readdirSync(join(root, 'var/lib/zonedns')).sort()).toEqual(['2.0.192.in-addr.arpa.state', 'dev.test.state', 'example.com.state']);
    expect(readdirSync(join(root, 'run/zonedns'))).toEqual(['zonedns.sock']);
  } finally {
    const st = await d.stop('SIGTERM');
    expect(st).toEqual({ code: 0, signal: null });
  }
});
