// Starting a server (pinned), waiting until it answers the last big.test name correctly, and
// stopping it by its own PID. Nothing here is ever stopped by name.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { ask } from './dns-client.mjs';
import { setSessionNice, startTime, treePids } from './proc.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves to undefined if 127.0.0.1:port is free for UDP (and TCP), else to the error code. */
export async function portBusy(port, tcp = true) {
  const udp = await new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (e) => resolve(e.code ?? e.message));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(undefined)));
  });
  if (udp || !tcp) return udp && `UDP ${udp}`;
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', (e) => resolve(`TCP ${e.code ?? e.message}`));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(undefined)));
  });
}

/**
 * Starts argv (with `prefix`, e.g. taskset/nice, which exec the server so the PID is the server's;
 * with `nice`, in its own session with that niceness),
 * output to logFile. Then asks probe.name/A every 10 ms until the answer holds probe.address (or,
 * with anyAnswer, until anything answers). Resolves to { child, pid, loadS } or throws.
 */
export async function startServer({ argv, prefix = [], nice = 0, logFile, probe, port, anyAnswer = false, timeoutS = 60, log = () => {} }) {
  const full = [...prefix, ...argv];
  const fd = openSync(logFile, 'a');
  const t0 = performance.now();
  // With a niceness, in a session of its own, so it can be given to the session (see setSessionNice).
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', fd, fd], detached: nice !== 0 });
  closeSync(fd);
  if (nice) {
    const note = setSessionNice(child.pid, nice);
    if (note) log(note);
  }
  let exited;
  child.on('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  child.on('error', (e) => (exited = e.message));
  const server = { child, pid: child.pid, pids: [child.pid] };
  for (;;) {
    if (exited) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n  ');
      throw new Error(`exited (${exited}) before answering; ${logFile}:\n  ${tail}`);
    }
    const res = await ask(port, probe.name, probe.type, 200);
    if (res && (anyAnswer || (res.rcode === 'NOERROR' && res.answers.some((a) => a.type === 'A' && a.data === probe.address)))) break;
    if ((performance.now() - t0) / 1000 > timeoutS) {
      await stopServer(server);
      throw new Error(`no correct answer for ${probe.name} within ${timeoutS} s (see ${logFile})`);
    }
    await sleep(10);
  }
  server.loadS = (performance.now() - t0) / 1000;
  server.pids = treePids(server.pid);
  return server;
}

/** SIGTERM to the server's PID, SIGKILL after 5 s; then SIGKILL to any of its own children left. */
export async function stopServer(server) {
  if (!server || server.stopped) return;
  server.stopped = true;
  const kids = treePids(server.pid).slice(1).map((pid) => [pid, startTime(pid)]);
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    try {
      process.kill(server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const late = await Promise.race([gone.then(() => false), sleep(5000).then(() => true)]);
    if (late) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await gone;
    }
  }
  for (const [pid, started] of kids) {
    if (startTime(pid) !== started) continue; // exited with its parent (the PID may be someone else's now)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // just exited
    }
  }
}
