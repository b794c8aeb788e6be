// Runs a private knotd on loopback for a test: a fresh temporary directory with its own
// knot.conf, rundir and storage, a free high port (never 53), and only the zones given.
// `startKnot` resolves once every zone answers its SOA authoritatively (Knot binds its sockets
// before the zones are loaded, so "listening" is not "ready"). `stop` ends exactly the process
// this module started, by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeQuery, FLAG, nameText, parseResponse, T, udpAsk, type WireName } from './wire.js';

export interface KnotZone {
  /** Wire-format origin. */
  origin: WireName;
  /** Zone file path (made absolute). */
  file: string;
}

export interface RunningKnot {
  host: string;
  port: number;
  pid: number;
  dir: string;
  /** What knotd wrote to stdout/stderr so far (for failure messages). */
  log(): string;
  /** SIGTERM to our PID, SIGKILL after a grace period; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP on `host`: bind port 0 for UDP, then check TCP on the same one. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((res, rej) => {
      udp.once('error', rej);
      udp.bind(0, host, () => res(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((res) => {
      const srv = net.createServer();
      srv.once('error', () => res(false));
      srv.listen(port, host, () => srv.close(() => res(true)));
    });
    await new Promise<void>((res) => udp.close(() => res()));
    if (tcpFree && port !== 53) return port;
  }
  throw new Error('no free UDP+TCP port found on ' + host);
}

function knotConf(dir: string, host: string, port: number, zones: readonly KnotZone[]): string {
  const lines = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: ${host}@${port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    // Serve the files as they are: never write back, no journal, no differences kept.
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    // Optional checks off: these zones are deliberately odd (our own loader validates them). Knot
    // still applies its mandatory checks (CNAME beside other data, ...), which these zones pass.
    '    semantic-checks: off',
    'zone:',
  ];
  for (const z of zones) lines.push(`  - domain: "${nameText(z.origin)}"`, `    file: "${resolve(z.file)}"`);
  return lines.join('\n') + '\n';
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function startKnot(opts: {
  zones: readonly KnotZone[];
  knotd?: string;
  host?: string;
  readyTimeoutMs?: number;
}): Promise<RunningKnot> {
  const host = opts.host ?? '127.0.0.1';
  const knotd = opts.knotd ?? '/usr/sbin/knotd';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-knot-'));
  mkdirSync(join(dir, 'db'));
  const port = await freePort(host);
  const conf = join(dir, 'knot.conf');
  writeFileSync(conf, knotConf(dir, host, port, opts.zones));

  let output = '';
  const child = spawn(knotd, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const spawnError = new Promise<Error>((res) => child.once('error', res));
  const pid = child.pid;
  // Should jest exit without running afterAll, do not leave our knotd behind.
  const onExit = () => { if (pid !== undefined && !exited(child)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', onExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (pid !== undefined && !exited(child)) {
      const gone = new Promise<void>((res) => child.once('exit', () => res()));
      process.kill(pid, 'SIGTERM');
      const t = setTimeout(() => { if (!exited(child)) process.kill(pid, 'SIGKILL'); }, 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const fail = async (why: string): Promise<never> => {
    const confText = readConfSafe(conf);
    await stop();
    throw new Error(`knotd not ready: ${why}\n--- knot.conf ---\n${confText}--- knotd output ---\n${output}`);
  };
  if (pid === undefined) return fail(`could not start ${knotd}: ${(await spawnError).message}`);

  // Ready = every zone answers its SOA with AA (a real query, not just an open socket).
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15000);
  const pending = [...opts.zones];
  let id = 1;
  while (pending.length > 0) {
    if (exited(child)) return fail(`exited with ${child.exitCode ?? child.signalCode}`);
    if (Date.now() > deadline) return fail(`zones not answering: ${pending.map((z) => nameText(z.origin)).join(', ')}`);
    const z = pending[0]!;
    const reply = await udpAsk({ host, port }, encodeQuery({ id: id++, name: z.origin, type: T.SOA }), 300);
    if (reply) {
      try {
        const p = parseResponse(reply);
        if ((p.flags & FLAG.AA) && p.rcode === 0 && p.answer.some((rr) => rr.type === T.SOA)) {
          pending.shift();
          continue;
        }
      } catch { /* not ready yet */ }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, port, pid, dir, log: () => output, stop };
}

function readConfSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(gone)\n';
  }
}
