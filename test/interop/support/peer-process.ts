// One real peer server (knotd, named, nsd) started by a test: its output collected, killed if
// jest exits early, and stopped by its own PID (SIGTERM, then SIGKILL after 5 s), never by name.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { findProgram } from '../../support/peers.js';

export interface PeerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it printed, plus its log file when it writes one. */
  log(): string;
  exited(): boolean;
  /** Stops the process and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export function spawnPeerProcess(program: string, args: string[], dir: string, logFile?: string): PeerProcess {
  const path = findProgram(program);
  if (path === undefined) throw new Error(`${program} is not installed`);
  let output = '';
  const child = spawn(path, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  child.on('error', (e) => { output += `\nspawn error: ${e.message}\n`; });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${path}`);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  // Should jest exit without running afterAll, do not leave the process behind.
  const onExit = () => { if (!exited()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', onExit);
  let stopped = false;
  return {
    pid,
    child,
    exited,
    log: () => output + (logFile !== undefined && existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      if (!exited()) {
        const gone = new Promise<void>((res) => child.once('exit', () => res()));
        try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
        const t = setTimeout(() => { if (!exited()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await gone;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
