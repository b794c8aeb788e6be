#!/usr/bin/env node
// Where zonedns spends its time per query: runs it under `node --cpu-prof` while dnsperf sends
// the benchmark's query mix for DUR seconds (default 5; pinned like run.mjs), stops it with SIGTERM
// (V8 writes the profile on exit), and prints the functions with the most self time, and self
// time grouped by stage (socket receive/send, decode, resolve, encode, ...).
//
//   npm run build && node bench/qps/profile.mjs          # or: node bench/qps/profile.mjs FILE.cpuprofile
//
// Environment: DUR (5), N (100000), TOP (25), SERVER_CPU (1), CLIENT_CPU (0), OUT.
// Writes OUT (bench/out/qps-profile-<timestamp>/) with the .cpuprofile (open it in Chrome
// DevTools or speedscope for a flame graph) and summary.txt.

import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDnsperf } from './dnsperf.mjs';
import { writeQueries } from './gen-queries.mjs';
import { probe, writeZones } from './gen-zones.mjs';
import { portBusy, startServer, stopServer } from './lifecycle.mjs';
import { SERVERS, which } from './servers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const env = (k, d) => Number(process.env[k] ?? d);

/** Stage of a profile node, from the file its function is in. */
function stage(url, fn) {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle (waiting for packets)';
  if (fn === '(program)') return 'native, outside JS (incl. libuv socket calls)';
  if (/node:dgram|node:internal\/dgram|udp_wrap/.test(url) || /^(send|_send|doSend|onMessage|sendto|recv)/.test(fn) && !url.includes('/dist/')) return 'socket: node:dgram';
  if (url.startsWith('node:') || url === '') return `node internals${url ? ` (${url.replace(/^node:(internal\/)?/, '')})` : ''}`;
  const m = /\/dist\/(.*)\.js$/.exec(url);
  if (!m) return 'other';
  const f = m[1];
  if (f === 'server/udp' || f === 'server/tcp' || f === 'server/server') return 'socket: zonedns transport';
  if (f.startsWith('wire/query') || f === 'dns/name' || f === 'wire/wire-name') return `decode / names (${f})`;
  if (f.startsWith('query/') || f.startsWith('zone/')) return `resolve (${f})`;
  if (f.startsWith('wire/')) return `encode (${f})`;
  if (f.startsWith('server/')) return `handle (${f})`;
  return f;
}

/**
 * Self time per function and per stage. `window` ({ from, to }, µs of CLOCK_MONOTONIC, which is
 * V8's profile clock and process.hrtime's) keeps only the samples taken within it.
 */
export function summarize(profile, top = 25, window = undefined) {
  const { nodes, samples, timeDeltas } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id -> µs
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    if (window && (t < window.from || t > window.to)) continue;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  }
  let total = 0;
  for (const v of self.values()) total += v;
  const fns = new Map();
  const stages = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const fn = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}` : '';
    const key = `${fn} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const st = stage(url, fn);
    stages.set(st, (stages.get(st) ?? 0) + us);
  }
  const busy = total - (stages.get('idle (waiting for packets)') ?? 0);
  const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
  const lines = [`sampled ${(total / 1e6).toFixed(2)} s, of which ${(busy / 1e6).toFixed(2)} s not idle; percentages are of the non-idle time`, '', 'self time by stage:'];
  for (const [k, v] of [...stages].sort((a, b) => b[1] - a[1])) if (!k.startsWith('idle')) lines.push(`  ${pct(v, busy)}  ${k}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).filter(([k]) => !k.startsWith('(idle)')).slice(0, top)) lines.push(`  ${pct(v, busy)}  ${k}`);
  return lines.join('\n');
}

async function main() {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return;
  }
  if (arg) {
    console.log(summarize(JSON.parse(readFileSync(arg, 'utf8')), env('TOP', 25)));
    return;
  }
  if (!which('dnsperf')) throw new Error('dnsperf not found (Debian: apt-get install dnsperf)');
  const missing = SERVERS.zonedns.missing({ root: ROOT });
  if (missing) throw new Error(missing);
  const dur = env('DUR', 5);
  const n = env('N', 100_000);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const out = resolve(process.env.OUT ?? join(ROOT, 'bench/out', `qps-profile-${stamp}`));
  mkdirSync(out, { recursive: true });
  const zones = writeZones(join(out, 'zones'), n);
  const qfile = join(out, 'queries.txt');
  writeQueries(qfile, n, 100_000, 42);
  const pin = availableParallelism() >= 2 && which('taskset');
  const port = SERVERS.zonedns.port;
  if (await portBusy(port)) throw new Error(`port ${port} is in use`);
  const argv = SERVERS.zonedns.command({ root: ROOT, dir: out, zonesDir: zones.dir, port, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${out}`] });
  let window;
  const srv = await startServer({ argv, prefix: pin ? ['taskset', '-c', process.env.SERVER_CPU ?? '1'] : [], logFile: join(out, 'zonedns.log'), probe: probe(n), port });
  try {
    const client = pin ? ['taskset', '-c', process.env.CLIENT_CPU ?? '0'] : [];
    await runDnsperf({ port, queries: qfile, dur: 2, prefix: client }); // warm-up, so the profile shows optimized code
    const from = Number(process.hrtime.bigint() / 1000n);
    const r = await runDnsperf({ port, queries: qfile, dur, prefix: client });
    window = { from, to: Number(process.hrtime.bigint() / 1000n) };
    console.error(`dnsperf: ${Math.round(r.qps)} QPS over ${dur} s (the profiler slows zonedns down a little)`);
  } finally {
    await stopServer(srv);
  }
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${out} (zonedns did not exit normally? see zonedns.log)`);
  const text = summarize(JSON.parse(readFileSync(join(out, file), 'utf8')), env('TOP', 25), window);
  writeFileSync(join(out, 'summary.txt'), text + '\n');
  console.log(text);
  console.error(`\nprofile: ${join(out, file)} (the summary counts only the ${dur} s of measured load; the file also has start-up and warm-up)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`profile: ${e.message}`);
    process.exit(1);
  });
}
