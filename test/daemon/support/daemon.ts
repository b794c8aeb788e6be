// Daemon harness: runs `node bin/zonedns serve` as a real child process against a fresh temp
// copy of a zones directory, collects its stderr log lines, and talks DNS to it over UDP/TCP.
//
// Synchronization is always by polling an observable (an answer on the wire, a log line, the
// process exit), with a bounded deadline; never by fixed sleeps.
//
// Every daemon started here is registered; call `cleanupDaemons()` from afterEach/afterAll so a
// failed test never leaks a child process or a temp directory.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as dnsPacket from 'dns-packet';
import { buildQuery, decode, tcpExchange, udpExchange } from '../../support/server.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'zonedns');
export const BUNDLED_ZONES = join(REPO_ROOT, 'zones');
export const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A decoded reply, with the rdata of each section flattened to comparable strings. */
export interface Answer {
  raw: Buffer;
  packet: dnsPacket.Packet;
  rcode: number;
  answers: dnsPacket.Answer[];
  additionals: dnsPacket.Answer[];
}

/** `A 192.0.2.10`, `MX 10 mail1.example.com`, `CNAME example.com`, ... */
export function rdataText(rr: dnsPacket.Answer): string {
  const d = (rr as { data?: unknown }).data;
  if (rr.type === 'MX') {
    const mx = d as { preference: number; exchange: string };
    return `${mx.preference} ${mx.exchange}`;
  }
  if (rr.type === 'TXT') return (d as Buffer[]).map((b) => b.toString()).join('');
  if (typeof d === 'string') return d;
  return JSON.stringify(d);
}

/** Sorted rdata strings of the records of `type` in a section (default: the answer section). */
export function values(a: Answer, type: string, section: 'answers' | 'additionals' = 'answers'): string[] {
  return a[section].filter((rr) => rr.type === type).map(rdataText).sort();
}

/** One-line summary for error messages. */
export function describe(a: Answer | undefined): string {
  if (!a) return '(no answer yet)';
  return `rcode=${a.rcode} answers=[${a.answers.map((rr) => `${rr.name} ${rr.type} ${rdataText(rr)}`).join(', ')}]`;
}

/** Binds UDP port 0 on host and closes it again: the port was free a moment ago. */
export function pickPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temp dir, removed by cleanupDaemons(). */
export function makeTempDir(prefix = 'zonedns-daemon-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `node bin/zonedns ARGS` to completion (bounded) and returns its output. */
export async function runZonedns(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const status = await withDeadline(exitOf(child), opts.timeoutMs ?? 10_000, () => {
    child.kill('SIGKILL');
    return `zonedns ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 10_000} ms; stderr:\n${stderr}`;
  });
  children.delete(child);
  return { ...status, stdout, stderr, ms: performance.now() - started };
}

export interface DaemonOptions {
  /** Copy the bundled zones/*.zone into the temp dir (default true). */
  bundled?: boolean;
  /** Extra files to write into the zones dir (relative path -> content), after the copy. */
  files?: Record<string, string>;
  /** Prepare the directory yourself (symlinks, ...), after `bundled` and `files`. */
  setup?: (dir: string) => void;
  /** Extra arguments after `serve --zones DIR --listen 127.0.0.1:PORT`. */
  args?: string[];
  /** Deadline for the `ready` log line (default 10 s). */
  readyTimeoutMs?: number;
  /** How the `ready` line looks (default: the text log format's ` info ready `). */
  readyPattern?: RegExp;
  /** false: no `--zones DIR` (the process runs in the temp dir, which has no ./zones). */
  zonesDir?: false;
  /** Use this directory instead of a fresh temp copy (a restart over the same files). */
  dir?: string;
  /** Listen on this port instead of a free one (a restart that peers must find again). */
  port?: number;
}

export interface QueryOpts {
  transport?: 'udp' | 'tcp';
  timeoutMs?: number;
}

export class Daemon {
  readonly lines: string[] = [];
  stdout = '';
  private partial = '';
  private listeners = new Set<() => void>();
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | undefined;

  constructor(readonly child: ChildProcess, readonly dir: string, readonly host: string, readonly port: number) {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => this.onStderr(s));
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    this.exited = exitOf(child).then((st) => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
      this.exitStatus = st;
      this.notify();
      return st;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  private onStderr(s: string): void {
    const parts = (this.partial + s).split('\n');
    this.partial = parts.pop()!;
    if (parts.length) {
      this.lines.push(...parts);
      this.notify();
    }
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Index of the next log line: pass as `since` to only match lines logged after this point. */
  mark(): number {
    return this.lines.length;
  }

  /** The log so far (for failure messages). */
  log(last = 40): string {
    return this.lines.slice(-last).join('\n');
  }

  /** Path of a file in the zones directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  /** writeFileSync in place: same inode, truncate then write. */
  write(name: string, text: string): void {
    writeFileSync(this.path(name), text);
  }

  /** Resolves with the first log line (at index >= since) matching re. */
  waitForLog(re: RegExp, opts: { since?: number; timeoutMs?: number } = {}): Promise<string> {
    const since = opts.since ?? 0;
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = since; i < this.lines.length; i++) {
          if (re.test(this.lines[i])) {
            done();
            resolve(this.lines[i]);
            return true;
          }
        }
        if (!this.running) {
          done();
          reject(new Error(`zonedns exited (${JSON.stringify(this.exitStatus)}) before logging ${re}; log:\n${this.log()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no log line matching ${re} within ${timeoutMs} ms; log:\n${this.log()}`));
      }, timeoutMs);
      const listener = () => { check(); };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      check();
    });
  }

  /** Every log line (at index >= since) matching re. */
  logLines(re: RegExp, since = 0): string[] {
    return this.lines.slice(since).filter((l) => re.test(l));
  }

  async query(name: string, type: string, opts: QueryOpts = {}): Promise<Answer> {
    const msg = buildQuery(name, type, { rd: false });
    const raw = opts.transport === 'tcp'
      ? (await tcpExchange(this.host, this.port, [msg], 1, opts.timeoutMs ?? 3000))[0]
      : await udpExchange(this.host, this.port, msg, opts.timeoutMs ?? 2000);
    const packet = decode(raw);
    return { raw, packet, rcode: raw.readUInt16BE(2) & 0xf, answers: packet.answers ?? [], additionals: packet.additionals ?? [] };
  }

  /**
   * Polls `query(name, type)` every `intervalMs` until `predicate(answer)` holds; returns that
   * answer, or throws after `timeoutMs` with the last answer and the log.
   */
  async waitFor(
    name: string,
    type: string,
    predicate: (a: Answer) => boolean,
    timeoutMs = 5000,
    opts: QueryOpts & { intervalMs?: number } = {},
  ): Promise<Answer> {
    const deadline = performance.now() + timeoutMs;
    let last: Answer | undefined;
    let lastError: unknown;
    for (;;) {
      try {
        last = await this.query(name, type, { ...opts, timeoutMs: opts.timeoutMs ?? 1000 });
        if (predicate(last)) return last;
      } catch (e) {
        lastError = e;
      }
      if (!this.running) throw new Error(`zonedns exited (${JSON.stringify(this.exitStatus)}) while waiting for ${name} ${type}; log:\n${this.log()}`);
      if (performance.now() >= deadline) {
        throw new Error(`${name} ${type}: no matching answer within ${timeoutMs} ms; last: ${describe(last)}`
          + `${lastError ? `; last error: ${(lastError as Error).message}` : ''}; log:\n${this.log()}`);
      }
      await sleep(opts.intervalMs ?? 25);
    }
  }

  /** Sends `signal` and returns the exit status (bounded; SIGKILL and throw past the deadline). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<ExitStatus> {
    if (this.running) this.child.kill(signal);
    return withDeadline(this.exited, timeoutMs, () => {
      this.child.kill('SIGKILL');
      return `zonedns did not exit within ${timeoutMs} ms of ${signal}; log:\n${this.log()}`;
    });
  }

  /** Sends a signal without waiting (SIGHUP). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/**
 * Copies the zones into a fresh temp dir, picks a free port, spawns `zonedns serve` and waits
 * for its `ready` line. A port taken between pick and bind (EADDRINUSE) is retried.
 */
export async function startDaemon(opts: DaemonOptions = {}): Promise<Daemon> {
  const dir = opts.dir ?? makeTempDir();
  if (opts.bundled !== false && opts.dir === undefined) {
    for (const f of readdirSync(BUNDLED_ZONES).filter((f) => f.endsWith('.zone'))) copyFileSync(join(BUNDLED_ZONES, f), join(dir, f));
  }
  for (const [name, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  opts.setup?.(dir);

  const host = '127.0.0.1';
  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? await pickPort(host);
    const zonesArgs = opts.zonesDir === false ? [] : ['--zones', dir];
    const child = spawn(process.execPath, [BIN, 'serve', ...zonesArgs, '--listen', `${host}:${port}`, ...(opts.args ?? [])], {
      cwd: opts.zonesDir === false ? dir : REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const d = new Daemon(child, dir, host, port);
    daemons.add(d);
    try {
      await d.waitForLog(opts.readyPattern ?? / info ready /, { timeoutMs: opts.readyTimeoutMs ?? 10_000 });
      return d;
    } catch (e) {
      if (d.running) {
        child.kill('SIGKILL');
        await d.exited;
      }
      children.delete(child);
      if (attempt < 5 && opts.port === undefined && d.lines.some((l) => l.includes('EADDRINUSE'))) continue;
      throw e;
    }
  }
}

const children = new Set<ChildProcess>();
const daemons = new Set<Daemon>();
const tempDirs = new Set<string>();

/**
 * Kills every child still running (SIGKILL) and removes every temp dir. With ZONEDNS_DAEMON_LOG=1
 * in the environment, prints each daemon's full log first (for debugging a test).
 */
export async function cleanupDaemons(): Promise<void> {
  if (process.env.ZONEDNS_DAEMON_LOG) {
    for (const d of daemons) console.log(`zonedns pid ${d.pid} port ${d.port} dir ${d.dir}:\n${d.lines.join('\n')}`);
  }
  daemons.clear();
  const waits: Promise<unknown>[] = [];
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      waits.push(exitOf(c));
      c.kill('SIGKILL');
    }
  }
  children.clear();
  await Promise.all(waits);
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode as NodeJS.Signals | null });
  }
  // 'close' (not 'exit'): stdio is drained, so the last log lines are in.
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

async function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(onTimeout())), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The zones the `ready` line reports, as a count: the line has said both `zones=3` and
 * `zones=a.,b.,c.` over time, so accept either.
 */
export function readyZoneCount(d: Daemon): number {
  const line = d.logLines(/ info ready /)[0];
  const m = line && / zones=(\S+)/.exec(line);
  if (!m) throw new Error(`no ready line with zones=; log:\n${d.log()}`);
  if (/^\d+$/.test(m[1])) return Number(m[1]);
  return m[1] === 'none' ? 0 : m[1].split(',').length;
}

// --- zone text helpers ---------------------------------------------------------------------

export const BUNDLED_EXAMPLE = readFileSync(join(BUNDLED_ZONES, 'example.com.zone'), 'utf8');
export const BUNDLED_SERIAL = 2026112401;
export const BUNDLED_EXAMPLE_A = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];

/**
 * The bundled example.com zone with another serial and, optionally, its first A record
 * (192.0.2.10) replaced: `exampleZone(2026112402, '192.0.2.99')`.
 */
export function exampleZone(serial: number, firstA = '192.0.2.10', extra = ''): string {
  const text = BUNDLED_EXAMPLE
    .replace(String(BUNDLED_SERIAL), String(serial))
    .replace(/^@(\s+)IN A(\s+)192\.0\.2\.10$/m, `@$1IN A$2${firstA}`);
  if (!text.includes(String(serial)) || !text.includes(firstA)) throw new Error('exampleZone: bundled zone changed shape');
  return extra ? `${text.replace(/\n*$/, '\n')}${extra}` : text;
}

/** The serial of the first answer record, an SOA. */
export function soaSerialOf(a: Answer): number {
  return (a.answers[0] as unknown as { data: { serial: number } }).data.serial;
}

/** Predicate: the A RRset is exactly `addrs`. */
export function hasA(...addrs: string[]): (a: Answer) => boolean {
  const want = [...addrs].sort().join(',');
  return (a) => a.rcode === RCODE.NOERROR && values(a, 'A').join(',') === want;
}

/** The example.com A set after exampleZone(_, firstA). */
export function exampleA(firstA: string): string[] {
  return [firstA, ...BUNDLED_EXAMPLE_A.slice(1)];
}
