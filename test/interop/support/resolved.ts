// A private systemd-resolved for a test: its own network namespace (loopback and a veth pair,
// so resolved sees a network that is up) and mount namespace (the test's resolved.conf.d over
// /etc/systemd, a systemd-resolve user for it to drop privileges to, a fresh /run), all held by
// one `sleep` process. Nothing of it touches the machine's own network, resolver or files; it
// needs root (CAP_SYS_ADMIN for the namespaces). Processes go in with nsenter and are stopped by
// their own PIDs.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../support/peers.js';

/** Why a private systemd-resolved cannot run here, or undefined when it can. */
export function resolvedSandboxUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a private network and mount namespace';
  const r = spawnSync('unshare', ['--net', '--mount', 'true'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : 'cannot create network and mount namespaces here (unshare --net --mount failed)';
}

export interface ResolvedSandbox {
  /** argv prefix that runs a command inside the namespaces. */
  readonly enter: readonly string[];
  /** Starts systemd-resolved with these resolved.conf.d files (name -> content); returns once its stub answers. */
  startResolved(dropIns: Record<string, string>): Promise<void>;
  /** `dig` run inside, at resolved's stub listener 127.0.0.53. */
  dig(name: string, type: string): string;
  log(): string;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  return done.then(() => clearTimeout(t));
}

export async function startResolvedSandbox(): Promise<ResolvedSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-resolved-'));
  const holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
  const enter = ['nsenter', '--target', String(holder.pid), '--net', '--mount', '--'];
  const inside = (script: string) => {
    const r = spawnSync(enter[0], [...enter.slice(1), 'sh', '-ec', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`in the sandbox: ${script}\n${r.stderr}`);
  };
  // unshare has made the namespaces once `sleep` runs in them: until then nsenter sees the host's.
  for (let i = 0; ; i++) {
    const own = spawnSync('readlink', [`/proc/${holder.pid}/ns/net`], { encoding: 'utf8' }).stdout;
    if (own !== '' && own !== spawnSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).stdout) break;
    if (i > 200) throw new Error('the sandbox namespaces did not appear');
    await new Promise((r) => setTimeout(r, 10));
  }
  // The user resolved drops to when started as root, as its package's sysusers.d adds it.
  copyFileSync('/etc/passwd', join(dir, 'passwd'));
  appendFileSync(join(dir, 'passwd'), 'systemd-resolve:x:991:991:systemd Resolver:/:/usr/sbin/nologin\n');
  copyFileSync('/etc/group', join(dir, 'group'));
  appendFileSync(join(dir, 'group'), 'systemd-resolve:x:991:\n');
  mkdirSync(join(dir, 'etc-systemd', 'resolved.conf.d'), { recursive: true });
  inside([
    'ip link set lo up',
    // A link that is up with an address and a default route: without one, resolved calls the
    // network down and sends no query at all.
    'ip link add zdns0 type veth peer name zdns1',
    'ip addr add 192.0.2.2/24 dev zdns0',
    'ip link set zdns0 up',
    'ip link set zdns1 up',
    'ip route add default via 192.0.2.1',
    `mount --bind ${dir}/etc-systemd /etc/systemd`,
    `mount --bind ${dir}/passwd /etc/passwd`,
    `mount --bind ${dir}/group /etc/group`,
    'mount -t tmpfs zonedns-run /run',
    'mkdir -p /run/systemd',
  ].join('\n'));

  let resolved: ChildProcess | undefined;
  let output = '';
  return {
    enter,
    async startResolved(dropIns) {
      for (const [name, content] of Object.entries(dropIns)) writeFileSync(join(dir, 'etc-systemd', 'resolved.conf.d', name), content);
      const program = findProgram('systemd-resolved')!;
      resolved = spawn(enter[0], [...enter.slice(1), 'env', 'SYSTEMD_LOG_LEVEL=debug', 'SYSTEMD_LOG_TARGET=console', program], { stdio: ['ignore', 'pipe', 'pipe'] });
      resolved.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
      resolved.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
      const deadline = Date.now() + 15_000;
      while (!/Creating stub listener/.test(output)) {
        if (resolved.exitCode !== null || Date.now() > deadline) throw new Error(`systemd-resolved did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    dig(name, type) {
      const r = spawnSync(enter[0], [...enter.slice(1), findProgram('dig')!, '+time=2', '+tries=1', '@127.0.0.53', name, type], { encoding: 'utf8' });
      return r.stdout + r.stderr;
    },
    log: () => output,
    async stop() {
      if (resolved !== undefined) await stopChild(resolved);
      await stopChild(holder);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
