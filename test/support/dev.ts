// `zonedns dev` as a user runs it: a real process (bin/zonedns over dist/), its banner read
// from stdout, the resolver files taken out of that banner exactly as printed, and stopped by
// its own PID. Shared by test/dev/, test/interop/dev-resolvers.test.ts and the README test.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildQuery, decode, udpExchange } from './server.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${REPO_ROOT}bin/zonedns`;

/** The last line of the banner of a `zonedns dev` that serves. */
const SERVING = 'Serving until Ctrl-C.\n';

export interface DevProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** The port the banner names. */
  readonly port: number;
  exited(): boolean;
  /** SIGTERM (or the signal given) and the exit code; SIGKILL after 5 s. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `zonedns dev ARGS` (optionally wrapped: `nsenter ... node bin/zonedns dev`) and waits for its banner. */
export async function startDev(args: readonly string[], opts: { wrap?: readonly string[]; timeoutMs?: number } = {}): Promise<DevProcess> {
  const argv = [...(opts.wrap ?? []), process.execPath, BIN, 'dev', ...args];
  const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { out += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const onExit = () => { if (!exited()) child.kill('SIGKILL'); };
  process.once('exit', onExit);
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!out.endsWith(SERVING)) {
    if (exited() || Date.now() > deadline) {
      if (!exited()) child.kill('SIGKILL');
      throw new Error(`zonedns dev ${args.join(' ')} did not start serving:\nstdout:\n${out}\nstderr:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(/ port (\d+) \(UDP and TCP\)$/m.exec(out)![1]);
  return {
    child,
    pid: child.pid!,
    port,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      process.removeListener('exit', onExit);
      if (exited()) return child.exitCode;
      const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill(signal);
      const t = setTimeout(() => { if (!exited()) child.kill('SIGKILL'); }, 5000);
      const code = await done;
      clearTimeout(t);
      return code;
    },
  };
}

/**
 * A recipe as the banner prints it: its heading (`unbound:`, `dnsmasq (on its own):`), the file's
 * path, then the file's lines indented by four spaces, then `then: ...`.
 */
export function printedRecipe(banner: string, kind: string): { path: string; content: string; then: string } {
  const lines = banner.split('\n');
  const at = lines.findIndex((l) => l === `${kind}:` || l.startsWith(`${kind} (`));
  if (at < 0) throw new Error(`no ${kind} recipe in:\n${banner}`);
  const path = lines[at + 1].trim();
  const body: string[] = [];
  let i = at + 2;
  for (; lines[i]?.startsWith('    '); i++) body.push(lines[i].slice(4));
  return { path, content: body.join('\n') + '\n', then: lines[i].replace(/^ {2}then: /, '') };
}

/** The addresses a server gives for NAME TYPE (rcode, and the answer's data as text). */
export async function lookup(host: string, port: number, name: string, type: 'A' | 'AAAA'): Promise<{ rcode: number; data: string[] }> {
  const raw = await udpExchange(host, port, buildQuery(name, type), 3000);
  const packet = decode(raw);
  return { rcode: raw.readUInt16BE(2) & 0xf, data: (packet.answers ?? []).filter((a) => a.type === type).map((a) => String((a as { data: unknown }).data)) };
}
