// Runs dnsperf once and reads its report. With `latency: true` it adds -v (one line per answer,
// with its latency) and computes p50/p99 from those lines; dnsperf itself only prints the average.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setSessionNice } from './proc.mjs';

/** The dnsperf running now (run.mjs stops it on Ctrl-C: with a niceness it is in its own session). */
export let running;

/**
 * opts: { port, queries, dur, clients=4, outstanding=100, timeout=2, tcp, rate, latency, dnssecOk (-D: EDNS with DO=1),
 *         extra: more dnsperf arguments (e.g. -E for an EDNS option),
 *         prefix: argv put before dnsperf (taskset/nice), nice: niceness of its session }.
 * Resolves to { args, text (dnsperf's report, without the per-query lines), qps, sent, completed,
 * lostPct, avgLatencyMs, p50Ms, p99Ms, rcodes, responseBytes, exitCode }.
 */
export function runDnsperf(opts) {
  const { port, queries, dur, clients = 4, outstanding = 100, timeout = 2, tcp = false, rate, latency = false, dnssecOk = false, extra = [], prefix = [], nice = 0 } = opts;
  const args = ['-s', '127.0.0.1', '-p', String(port), '-d', queries, '-c', String(clients), '-q', String(outstanding), '-t', String(timeout), '-l', String(dur)];
  if (tcp) args.push('-m', 'tcp');
  if (rate) args.push('-Q', String(rate));
  if (latency) args.push('-v');
  if (dnssecOk) args.push('-D');
  args.push(...extra);
  const argv = [...prefix, 'dnsperf', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: nice !== 0 });
    running = child;
    if (nice) setSessionNice(child.pid, nice);
    const kept = [];
    const lat = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => {
      // "> NOERROR host1.big.test A 0.000123" (a timed-out query says "> T ..." and has no latency)
      if (l.startsWith('> ')) {
        const sp = l.lastIndexOf(' ');
        const v = Number(l.slice(sp + 1));
        if (!l.startsWith('> T ') && Number.isFinite(v)) lat.push(v);
      } else kept.push(l);
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    // 'close' fires after stdout's end, and after the child is reaped (its CPU is in our cutime).
    child.on('close', (code) => {
      running = undefined;
      const text = kept.join('\n') + (err ? `\n${err}` : '');
      const num = (re) => {
        const m = re.exec(text);
        return m ? Number(m[1]) : NaN;
      };
      const res = {
        command: `dnsperf ${args.join(' ')}`,
        text,
        exitCode: code,
        qps: num(/Queries per second:\s+([\d.]+)/),
        sent: num(/Queries sent:\s+(\d+)/),
        completed: num(/Queries completed:\s+(\d+)/),
        lostPct: num(/Queries lost:\s+\d+ \(([\d.]+)%\)/),
        lost: num(/Queries lost:\s+(\d+)/),
        interrupted: num(/Queries interrupted:\s+(\d+)/) || 0,
        maxLatencyMs: num(/Average Latency \(s\):.*max ([\d.]+)\)/) * 1000,
        avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
        responseBytes: num(/Average packet size:.*response (\d+)/),
        rcodes: (/Response codes:\s+(.*)/.exec(text)?.[1] ?? '').trim(),
      };
      if (lat.length) {
        lat.sort((a, b) => a - b);
        const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 1000;
        res.p50Ms = q(0.5);
        res.p99Ms = q(0.99);
        res.p999Ms = q(0.999);
        res.latencySamples = lat.length;
      }
      resolve(res);
    });
  });
}
