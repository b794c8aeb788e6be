// What the kernel says about a process tree and the machine, from /proc (Linux only).

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let hz = 100;
try {
  hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux this runs on
}
export const HZ = hz;

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Fields of /proc/PID/stat after the "(comm)" field: [0] is state (field 3 of proc(5)). */
function statFields(pid) {
  const s = read(`/proc/${pid}/stat`);
  if (!s) return undefined;
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** pid and every live descendant (NSD forks its server and xfrd processes). */
export function treePids(pid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(d);
    if (!f) continue;
    const ppid = Number(f[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(d));
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** utime + stime of the tree in clock ticks (all threads of each process are included). */
export function cpuTicks(pids) {
  let t = 0;
  for (const p of pids) {
    const f = statFields(p);
    if (f) t += Number(f[11]) + Number(f[12]);
  }
  return t;
}

/** CPU ticks of this process's reaped children (cutime + cstime): dnsperf's, once it has exited. */
export function reapedChildTicks() {
  const f = statFields('self');
  return Number(f[13]) + Number(f[14]);
}

/**
 * Busy ticks of the whole machine over all CPUs: user, nice, system and steal. Interrupt and
 * softirq time is left out: on loopback it is mostly the network stack carrying the benchmark's
 * own packets, and it is charged to no process.
 */
export function busyTicks() {
  const line = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return line[0] + line[1] + line[2] + line[7];
}

/** VmRSS and Pss summed over the tree, in KiB (Pss splits pages shared between NSD's processes). */
export function memoryKiB(pids) {
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += Number(/^VmRSS:\s+(\d+)/m.exec(read(`/proc/${p}/status`) ?? '')?.[1] ?? 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(read(`/proc/${p}/smaps_rollup`) ?? '')?.[1] ?? 0);
  }
  return { rss, pss };
}

export const loadAverage = () => (read('/proc/loadavg') ?? '').split(' ').slice(0, 3).join(' ');

/** The busiest processes (by ps: CPU % over each one's lifetime), for "the machine is busy" messages. */
export function topProcesses(n = 3) {
  try {
    return execFileSync('ps', ['-eo', 'pid=,pcpu=,comm=', '--sort=-pcpu'], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 3 && f[2] !== 'ps' && Number(f[0]) !== process.pid)
      .slice(0, n).map((f) => `${f[2]} ${f[1]}%`).join(', ');
  } catch {
    return '?';
  }
}

/** Start time of a process (clock ticks since boot): with the PID, identifies it even if PIDs are reused. */
export const startTime = (pid) => statFields(pid)?.[19];

/**
 * With the kernel's autogroup scheduling (sched_autogroup_enabled=1, the default on many
 * distributions) CPU is shared fairly between sessions first, so `nice` only ranks processes
 * within one session. A process started in its own session (spawn with detached: true) has its own
 * autogroup, whose niceness is set by writing /proc/PID/autogroup. Does that, unless the process
 * is still in our own autogroup. Returns a note for the log, or undefined if nothing was done.
 */
export function setSessionNice(pid, nice) {
  if (!nice || read('/proc/sys/kernel/sched_autogroup_enabled')?.trim() !== '1') return undefined;
  const group = (p) => /^(\/autogroup-\d+)/.exec(read(`/proc/${p}/autogroup`) ?? '')?.[1];
  const g = group(pid);
  if (!g || g === group('self')) return `PID ${pid} shares our autogroup: niceness not set`;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return undefined;
  } catch (e) {
    return `cannot set the autogroup niceness of PID ${pid}: ${e.message}`;
  }
}
