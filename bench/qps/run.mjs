#!/usr/bin/env node
// QPS and CPU per query: zonedns vs Knot, NSD, BIND, dns2 and a bare Node dgram responder.
//
//   npm run bench                      # build, then every server: ~5 minutes on a quiet 2-core machine
//   npm run bench -- --smoke           # 2 s, one run, zonedns + dgram only
//   DUR=10 RUNS=5 SERVERS=zonedns,knot npm run bench
//
// Needs dnsperf, and for the peers Debian's knot, nsd and bind9 (a missing one is skipped with a
// message) and the dns2 devDependency; the DO=1 rows (zonedns-do, knot-do: signed copies of the
// zones, dnsperf -D) need bind9-utils to sign them. Installs nothing. Loopback only, ports 5311-5321, 5323-5325.
// Environment: DUR (s per dnsperf run, default 5, at most 10), RUNS (3), SERVERS (a subset of
// zonedns,zonedns-metrics,zonedns-cookie-queries,zonedns-limits,zonedns-health,zonedns-node,zonedns-do,knot,knot-do,nsd,bind,dns2,dgram), N (big.test names, 100000), QUERIES (query-file lines,
// 100000), RATE (QPS of the latency run, 10000), SAMPLE (queries checked, 300), SERVER_CPU (1),
// CLIENT_CPU (0), NICE (0; e.g. -20 as root to run ahead of other work), BUDGET (s, 600: after
// it no more waiting for a quiet machine and no redone runs), ORDER (interleaved: all servers up,
// runs round-robin; sequential: one server at a time), OUT (output directory), PORT_OFFSET (added
// to every port, 0), and QUIET_PCT, QUIET_WAIT, FOREIGN_MAX (see bench/qps/README.md).

import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerKey, askAll } from './dns-client.mjs';
import * as dnsperf from './dnsperf.mjs';
import { writeQueries } from './gen-queries.mjs';
import { probe, writeZones } from './gen-zones.mjs';
import { signerMissing, signZones } from './signed.mjs';
import { portBusy, startServer, stopServer } from './lifecycle.mjs';
import { HZ, busyTicks, cpuTicks, loadAverage, memoryKiB, reapedChildTicks, topProcesses, treePids } from './proc.mjs';
import { REFERENCE_QPS_PER_CORE, detailTable, mainTable, summarizeRuns, targets } from './report.mjs';
import { SERVERS, SERVER_NAMES, which } from './servers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

// ---- settings ------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const unknown = argv.filter((a) => a !== '--smoke');
if (unknown.length) {
  console.error(`unknown argument ${unknown[0]} (try --help)`);
  process.exit(2);
}
const smoke = argv.includes('--smoke');
const env = (name, dflt) => (process.env[name] !== undefined && process.env[name] !== '' ? process.env[name] : dflt);
const num = (name, dflt) => {
  const v = Number(env(name, dflt));
  if (!Number.isFinite(v)) {
    console.error(`${name} must be a number`);
    process.exit(2);
  }
  return v;
};
const S = {
  dur: num('DUR', smoke ? 2 : 5),
  runs: num('RUNS', smoke ? 1 : 3),
  n: num('N', 100_000),
  queries: num('QUERIES', 100_000),
  rate: num('RATE', 10_000),
  sample: num('SAMPLE', 300),
  serverCpu: num('SERVER_CPU', 1),
  clientCpu: num('CLIENT_CPU', 0),
  nice: num('NICE', 0), // e.g. -20 (as root) to run the server and dnsperf ahead of other work
  budget: num('BUDGET', 600),
  quietPct: num('QUIET_PCT', 20), // wait before a run while other processes use more than this % of a core...
  quietWait: num('QUIET_WAIT', 5), // ...for at most this many seconds
  foreignMax: num('FOREIGN_MAX', 25), // a run during which they used more is redone once
  order: env('ORDER', 'interleaved'),
  portOffset: num('PORT_OFFSET', 0), // added to every server's port: two runs side by side
  servers: env('SERVERS', smoke ? 'zonedns,zonedns-metrics,zonedns-health,zonedns-do,dgram' : SERVER_NAMES.join(',')).split(/[\s,]+/).filter(Boolean),
};
if (S.dur < 1 || S.dur > 10) {
  console.error('DUR must be between 1 and 10 seconds');
  process.exit(2);
}
if (!['interleaved', 'sequential'].includes(S.order)) {
  console.error('ORDER must be interleaved or sequential');
  process.exit(2);
}
if (S.runs < 1 || !Number.isInteger(S.runs)) {
  console.error('RUNS must be a positive integer');
  process.exit(2);
}
for (const s of S.servers) {
  if (!SERVERS[s]) {
    console.error(`unknown server ${s} in SERVERS (known: ${SERVER_NAMES.join(', ')})`);
    process.exit(2);
  }
}
for (const def of Object.values(SERVERS)) def.port += S.portOffset;
if (!which('dnsperf')) {
  console.error('dnsperf not found: it sends the queries (Debian: apt-get install dnsperf). Nothing measured.');
  process.exit(1);
}
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const OUT = resolve(env('OUT', join(ROOT, 'bench/out', `qps-${stamp}`)));
for (const d of ['raw', 'logs', 'run']) mkdirSync(join(OUT, d), { recursive: true });
const t0 = Date.now();
const deadline = t0 + S.budget * 1000;

const log = (msg) => {
  const line = `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`;
  console.error(line);
  appendFileSync(join(OUT, 'run.log'), line + '\n');
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const version = (cmd, args, re) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' }); // some print it on stderr, some exit 1
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
};

// ---- what is needed ----------------------------------------------------------------------------

const cores = availableParallelism();
const pin = cores >= 2 && which('taskset') !== undefined;
if (!pin) log(cores < 2 ? 'one CPU only: server and dnsperf are not pinned' : 'taskset not found (util-linux): server and dnsperf are not pinned');
const nicePrefix = S.nice !== 0 ? ['nice', '-n', String(S.nice)] : [];
const serverPrefix = [...(pin ? ['taskset', '-c', String(S.serverCpu)] : []), ...nicePrefix];
const clientPrefix = [...(pin ? ['taskset', '-c', String(S.clientCpu)] : []), ...nicePrefix];

const ctx = { root: ROOT, here: HERE, signerMissing: signerMissing() };
const skipped = new Map();
for (const s of S.servers) {
  const why = SERVERS[s].missing(ctx);
  if (why) {
    skipped.set(s, why);
    log(`skipping ${s}: ${why}`);
  }
}
// The correctness reference: Knot's answers (else NSD's, else BIND's). Started for the check alone
// when it is not in SERVERS.
const refName = ['knot', 'nsd', 'bind'].find((s) => !SERVERS[s].missing(ctx));
if (!refName) log('no reference server (knot, nsd or bind): answers are not checked');

// ---- data ------------------------------------------------------------------------------------------

const zones = writeZones(join(OUT, 'zones'), S.n);
// Signed copies for the DO=1 rows, when any of them is to run.
let signed;
const signedServers = S.servers.filter((s) => SERVERS[s].signed && !skipped.has(s));
if (signedServers.length) {
  log(`signing the zones for ${signedServers.join(', ')} (dnssec-signzone, NSEC3)`);
  try {
    signed = signZones(zones.dir, join(OUT, 'zones-signed'));
    log(`  signed in ${signed.seconds.toFixed(1)} s`);
  } catch (e) {
    for (const s of signedServers) skipped.set(s, `signing failed: ${e.message.split('\n')[0]}`);
    log(`  signing failed: ${e.message}`);
  }
}
const qfile = join(OUT, 'queries.txt');
const q = writeQueries(qfile, S.n, S.queries, 42);
const sample = readFileSync(qfile, 'utf8').split('\n').slice(0, S.sample).map((l) => l.split(' '));
const PROBE = probe(S.n);

const versions = {
  node: process.version,
  dnsperf: version('dnsperf', ['-h'], /Version (\S+)/),
  knot: which('knotd') ? version('knotd', ['-V'], /(\d+\.\d+\.\d+)/) : '-',
  nsd: which('nsd') ? version('nsd', ['-v'], /version (\S+)/i) : '-',
  bind: which('named') ? version('named', ['-v'], /BIND (\S+)/) : '-',
  dns2: (() => {
    try {
      return JSON.parse(readFileSync(join(ROOT, 'node_modules/dns2/package.json'), 'utf8')).version;
    } catch {
      return '-';
    }
  })(),
};
const git = (...a) => spawnSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).stdout?.trim() ?? '';
const dirty = git('status', '--porcelain', '--', 'src') ? ', src/ has uncommitted changes' : '';
let built = '?';
try {
  built = statSync(join(ROOT, 'dist/cli/main.js')).mtime.toISOString();
} catch {
  // reported as missing above
}
const header = [
  `QPS benchmark ${new Date().toISOString()} on ${cores} cores (${(readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? '?'})`,
  `versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  `zonedns: commit ${git('rev-parse', '--short', 'HEAD') || '?'}${dirty}, dist/ built ${built}, UDP backend ${process.env.UDP_BACKEND ?? 'auto'} (${existsSync(join(ROOT, 'native/udp_batch/build/Release/udp_batch.node')) ? 'udp_batch addon built: native' : 'no udp_batch addon: node:dgram'})`,
  `big.test ${S.n} names; ${q.count} queries ${JSON.stringify(q.counts)}`,
  `dnsperf -c 4 -q 100 -t 2 -l ${S.dur}, ${S.runs} run(s) each (${S.order}), median; server ${pin ? `on CPU ${S.serverCpu}` : 'unpinned'}, dnsperf ${pin ? `on CPU ${S.clientCpu}` : 'unpinned'}, nice ${S.nice}`,
  `load average at start: ${loadAverage()}`,
];
for (const l of header) log(l);
const load1 = Number(loadAverage().split(' ')[0]);
if (load1 > cores / 2) log(`the machine is busy (load average ${load1} on ${cores} cores): expect noisy numbers and redone runs; see README "A busy machine"`);
const perServer = 4 + S.dur * (2 * S.runs + 1) + 2 + (S.runs * 2 + 1) * 0.5;
log(`output: ${OUT}; about ${Math.round((perServer * S.servers.length) / 60 * 10) / 10} min for ${S.servers.length} server(s) on a quiet machine (no waiting for quiet and no redone runs after ${S.budget} s)`);

// ---- measuring -------------------------------------------------------------------------------

const running = new Set(); // servers started and not yet stopped (stopped on Ctrl-C too)
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`${sig}: stopping ${running.size ? `PID ${[...running].map((r) => r.pid).join(', ')}` : 'nothing'}`);
    if (dnsperf.running) dnsperf.running.kill('SIGTERM');
    for (const srv of running) await stopServer(srv);
    process.exit(130);
  });
}

async function launch(name) {
  const def = SERVERS[name];
  const busy = await portBusy(def.port, !def.noTcp);
  if (busy) throw new Error(`port ${def.port} is in use (${busy}): is another run going?`);
  const dir = join(OUT, 'run', name);
  mkdirSync(dir, { recursive: true });
  const z = def.signed ? { dir: signed.dir, small: join(signed.dir, 'example.test.zone'), big: join(signed.dir, 'big.test.zone') } : zones;
  const c = { ...ctx, dir, zonesDir: z.dir, small: z.small, big: z.big, port: def.port };
  const srv = await startServer({
    argv: def.command(c),
    prefix: serverPrefix,
    nice: S.nice,
    log: (m) => log(`  ${m}`),
    logFile: join(OUT, 'logs', `${name}.log`),
    probe: PROBE,
    port: def.port,
    anyAnswer: def.noZones,
  });
  running.add(srv);
  return srv;
}
async function stop(srv) {
  await stopServer(srv);
  running.delete(srv);
}

/** CPU ticks of all our running servers (idle ones included: they are not "other processes"). */
const oursTicks = () => [...running].reduce((t, srv) => t + cpuTicks(srv.pids), 0);

/** Wait (bounded) until processes other than ours use less than quietPct % of one core. */
async function waitQuiet() {
  const until = Math.min(Date.now() + S.quietWait * 1000, deadline);
  for (;;) {
    const b0 = busyTicks();
    const s0 = oursTicks();
    await sleep(500);
    const foreign = ((busyTicks() - b0 - (oursTicks() - s0)) / HZ / 0.5) * 100;
    if (foreign < S.quietPct) return;
    if (Date.now() >= until) {
      log(`  machine busy: other processes use ${foreign.toFixed(0)}% of a core (${topProcesses()}); going on`);
      return;
    }
  }
}

let rawSeq = 0;
/** One timed dnsperf run against `srv`, with its CPU, dnsperf's and everyone else's. */
async function timed(name, srv, kind, opts) {
  await waitQuiet();
  const c0 = cpuTicks(srv.pids);
  const o0 = oursTicks();
  const b0 = busyTicks();
  const r0 = reapedChildTicks();
  const res = await dnsperf.runDnsperf({ port: SERVERS[name].port, queries: qfile, dur: S.dur, prefix: clientPrefix, nice: S.nice, extra: SERVERS[name].dnsperfArgs, dnssecOk: SERVERS[name].dnssecOk, ...opts });
  const dServer = cpuTicks(srv.pids) - c0;
  const dOurs = oursTicks() - o0;
  const dClient = reapedChildTicks() - r0;
  const dBusy = busyTicks() - b0;
  const runTime = Number(/Run time \(s\):\s+([\d.]+)/.exec(res.text)?.[1]) || S.dur;
  const pct = (ticks) => (ticks / HZ / runTime) * 100;
  const run = {
    kind,
    ...res,
    runTime,
    serverCpuPct: pct(dServer),
    dnsperfCpuPct: pct(dClient),
    foreignCpuPct: Math.max(0, pct(dBusy - dOurs - dClient)),
  };
  run.clean = run.foreignCpuPct <= S.foreignMax;
  delete run.text;
  const file = join(OUT, 'raw', `${String(++rawSeq).padStart(3, '0')}-${name}-${kind}.txt`);
  writeFileSync(file, `# ${res.command}\n${res.text}\n`);
  log(`  ${name.padEnd(7)} ${kind.padEnd(7)} ${Math.round(run.qps).toLocaleString('en-US').padStart(9)} QPS, lost ${run.lostPct}%, server CPU ${run.serverCpuPct.toFixed(0)}%, dnsperf CPU ${run.dnsperfCpuPct.toFixed(0)}%, others ${run.foreignCpuPct.toFixed(0)}%` +
    (run.p50Ms !== undefined ? `, p50 ${run.p50Ms.toFixed(3)} ms, p99 ${run.p99Ms.toFixed(3)} ms` : '') +
    (run.exitCode ? `, dnsperf exit ${run.exitCode}` : '') + (run.clean ? '' : '  (contaminated)'));
  return run;
}

/** One run, redone once (within the budget) if other processes took CPU during it. */
async function cleanRun(name, srv, kind, opts) {
  const run = await timed(name, srv, kind, opts);
  if (run.clean || Date.now() >= deadline) return run;
  log('  redoing the run: other processes took CPU during it');
  return timed(name, srv, kind, opts);
}

let reference; // index -> answerKey
let referenceRaw; // index -> decoded answer (for servers whose TTLs are capped: ttlCap)
async function referenceAnswers() {
  if (reference || !refName) return;
  const answers = await askAll(SERVERS[refName].port, sample);
  reference = answers.map(answerKey);
  referenceRaw = answers;
  const none = answers.filter((a) => !a).length;
  writeFileSync(join(OUT, `check-${refName}-reference.txt`), sample.map((s, i) => `${s.join(' ')}\t${reference[i]}`).join('\n') + '\n');
  log(`  reference answers from ${refName}: ${answers.length - none}/${answers.length} answered`);
}

async function check(name) {
  const def = SERVERS[name];
  if (def.exempt) return { exempt: true };
  if (!reference) return { skipped: true };
  const answers = await askAll(def.port, sample);
  const res = { n: sample.length, wrong: 0, noAnswer: 0, examples: [] };
  const lines = [];
  // A server that caps TTLs (zonedns-health) is compared with the reference's TTLs capped alike.
  const cap = def.ttlCap;
  const capped = (a) => (a && cap !== undefined ? { ...a, answers: (a.answers ?? []).map((r) => ({ ...r, ttl: Math.min(r.ttl, cap) })) } : a);
  answers.forEach((a, i) => {
    const key = answerKey(capped(a));
    const want = cap === undefined ? reference[i] : answerKey(capped(referenceRaw[i]));
    if (!a) res.noAnswer++;
    else if (key !== want) res.wrong++;
    else return;
    lines.push(`${sample[i].join(' ')}\n  ${refName}: ${want}\n  ${name}: ${key}`);
  });
  if (lines.length) writeFileSync(join(OUT, `check-${name}-mismatches.txt`), lines.join('\n') + '\n');
  res.examples = lines.slice(0, 3);
  log(`  answers: ${res.wrong} wrong, ${res.noAnswer} unanswered of ${res.n} (rcode + answer section vs ${refName}, order ignored)` + (lines.length ? `; see check-${name}-mismatches.txt` : ''));
  for (const e of res.examples) log(`    ${e.replace(/\n/g, '\n    ')}`);
  return res;
}

/** Start one server: load time, memory, answers checked, warmed up. Leaves it running. */
async function bringUp(row) {
  const def = SERVERS[row.name];
  log(`${def.label}: starting on 127.0.0.1:${def.port}`);
  const srv = await launch(row.name);
  row.loadS = srv.loadS;
  log(`  answers ${PROBE.name} after ${srv.loadS.toFixed(2)} s (PID ${srv.pid})`);
  await sleep(1000);
  srv.pids = treePids(srv.pid);
  row.mem = memoryKiB(srv.pids);
  log(`  memory after load: RSS ${(row.mem.rss / 1024).toFixed(1)} MiB, PSS ${(row.mem.pss / 1024).toFixed(1)} MiB${srv.pids.length > 1 ? ` (processes ${srv.pids.join(' ')})` : ''}`);
  if (row.name === refName) await referenceAnswers();
  row.check = await check(row.name);
  await dnsperf.runDnsperf({ port: def.port, queries: qfile, dur: 2, prefix: clientPrefix, nice: S.nice, extra: def.dnsperfArgs, dnssecOk: def.dnssecOk }); // warm-up (JIT, caches)
  return srv;
}

/** Measure a group of started servers: UDP, latency and TCP runs, round-robin over the group. */
async function measureGroup(group) {
  const each = async (f) => {
    for (const g of group) {
      try {
        await f(g);
      } catch (e) {
        log(`  ${g.row.name}: ${e.stack}`);
        g.row.error = e.message;
      }
    }
  };
  for (const { row } of group) row.udpRuns = [];
  for (let i = 0; i < S.runs; i++) await each(async ({ row, srv }) => row.udpRuns.push(await cleanRun(row.name, srv, 'udp', {})));
  await each(async ({ row, srv }) => (row.latency = await timed(row.name, srv, 'latency', { rate: S.rate, latency: true })));
  const tcp = group.filter((g) => !SERVERS[g.row.name].noTcp);
  for (const { row } of tcp) {
    row.tcpRuns = [];
    await dnsperf.runDnsperf({ port: SERVERS[row.name].port, queries: qfile, dur: 1, prefix: clientPrefix, nice: S.nice, tcp: true, extra: SERVERS[row.name].dnsperfArgs, dnssecOk: SERVERS[row.name].dnssecOk }); // warm-up
  }
  for (let i = 0; i < S.runs; i++) {
    for (const g of tcp) {
      try {
        g.row.tcpRuns.push(await cleanRun(g.row.name, g.srv, 'tcp', { tcp: true }));
      } catch (e) {
        log(`  ${g.row.name}: ${e.stack}`);
      }
    }
  }
  for (const { row, srv } of group) {
    row.memAfter = memoryKiB(treePids(srv.pid)); // caches filled by the traffic included
    if (row.udpRuns.length) row.udp = summarizeRuns(row.udpRuns);
    if (row.tcpRuns?.length) row.tcp = summarizeRuns(row.tcpRuns);
    if (row.udp) log(`  ${row.label}: ${Math.round(row.udp.qps).toLocaleString('en-US')} QPS at ${row.udp.cpuPct.toFixed(0)}% CPU = ${Math.round(row.udp.qpsPerCore).toLocaleString('en-US')} QPS per core`);
  }
}

const rows = [];
const order = [...S.servers].sort((a, b) => (a === refName ? -1 : b === refName ? 1 : 0)); // reference first
if (refName && !S.servers.includes(refName)) {
  log(`starting ${refName} for the reference answers only`);
  let srv;
  try {
    srv = await launch(refName);
    await referenceAnswers();
  } catch (e) {
    log(`  ${refName} failed: ${e.message}; answers are not checked`);
  } finally {
    await stop(srv);
  }
}

for (const name of order) {
  const row = { name, label: SERVERS[name].label, noTcp: !!SERVERS[name].noTcp };
  rows.push(row);
  if (skipped.has(name)) row.skipped = skipped.get(name);
}
const live = rows.filter((r) => !r.skipped);
// interleaved: all servers up at once (idle but for the one dnsperf is sending to), runs
// round-robin, so a change in the machine's load hits every server alike. sequential: one
// server on the machine at a time.
const groups = S.order === 'sequential' ? live.map((r) => [r]) : [live];
for (const rowsOfGroup of groups) {
  const group = [];
  for (const row of rowsOfGroup) {
    try {
      group.push({ row, srv: await bringUp(row) });
    } catch (e) {
      row.skipped = e.message.split('\n')[0];
      log(`  ${row.label} failed: ${e.message}`);
    }
  }
  try {
    await measureGroup(group);
  } finally {
    for (const { srv } of group) await stop(srv);
  }
}

// ---- report --------------------------------------------------------------------------------------

const shown = [...rows].sort((a, b) => SERVER_NAMES.indexOf(a.name) - SERVER_NAMES.indexOf(b.name));
const md = [
  '```',
  ...header,
  `load average at end: ${loadAverage()}; took ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  '```',
  '',
  mainTable(shown, S),
  '',
  'QPS: dnsperf, unlimited rate, median of the runs (! = every run was contaminated by other processes). CPU %: the server\'s CPU time during the run, % of one core. ' +
    'QPS/core = QPS ÷ CPU share (fair when dnsperf, not the server, is the limit). Latency at a fixed offered rate. RSS after loading the zones (NSD: PSS over its processes). ' +
    `load s: start → first correct answer for ${PROBE.name}. answers: rcode + answer section of the first ${S.sample} queries compared with ${refName ?? 'nobody'}'s.`,
  '',
  '**Targets**',
  '',
  targets(shown),
  '',
  '<details><summary>Per run (* = contaminated: other processes used more than ' + S.foreignMax + '% of a core)</summary>',
  '',
  detailTable(shown),
  '',
  '</details>',
  '',
].join('\n');
writeFileSync(join(OUT, 'table.md'), md);
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ settings: S, versions, pinned: pin, reference: REFERENCE_QPS_PER_CORE, rows: shown }, null, 1) + '\n');
console.log('\n' + md);
log(`wrote ${join(OUT, 'table.md')}, results.json, raw/ (dnsperf reports), logs/ (server output)`);
