#!/usr/bin/env node
// Zone transfer benchmark (issue #5): a 100,000-record zone transferred out of and into zonedns,
// next to Knot, NSD and BIND on the same zone. Target: zonedns serves the AXFR as fast as Knot.
//
//   npm run bench:xfr                          # build, then 100,000 records, 3 runs: ~1-2 minutes
//   npm run bench:xfr -- --records 2000 --runs 1 --servers zonedns,knot      # the smoke run
//   node bench/xfr/run.mjs [--records N] [--runs N] [--axfrs K] [--servers zonedns,knot,nsd,bind]
//                          [--client node|kdig] [--deadline S] [--budget S] [--json FILE] [--dist DIR] [--keep]
//
// --axfrs: AXFRs to the bench client per primary and run (5: each takes ~0.1 s, so more samples
// cost little and steady the median on a noisy machine); --deadline: seconds one run (a transfer,
// or a secondary's start to serving) may take (60); --budget: seconds after which no further run
// starts (300); --client kdig: time kdig instead of the bench's own AXFR client; --keep: leave the
// temp directories (configs, logs); --dist: a compiled copy other than dist/. Needs a built dist/
// and the peers (Debian: knot, nsd, bind9; a missing one is skipped with a message). Loopback
// only, free ports; every process it starts is stopped by its PID. See bench/README.md.

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateZone } from '../gen-zone.mjs';
import { stopServer } from '../qps/lifecycle.mjs';
import { HZ, cpuTicks, treePids } from '../qps/proc.mjs';
import { which } from '../qps/servers.mjs';
import { axfr, kdigAxfr, waitSerial } from './axfr-client.mjs';
import { CAN_BE_SECONDARY, INSTALL, LABELS, NAMES, PROGRAMS, primaryCommand, primaryLogSeconds, secondaryCommand, secondaryLogSeconds } from './servers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

// ---- arguments -----------------------------------------------------------------------------------

function usage() {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  return lines.slice(1, lines.indexOf('', 1)).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
}

function parseArgs(argv) {
  const o = { records: 100_000, runs: 3, axfrs: 5, servers: [...NAMES], client: 'node', deadline: 60, budget: 300, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--records' || a === '-n') o.records = Number(val().replace(/_/g, ''));
    else if (a === '--runs' || a === '-r') o.runs = Number(val());
    else if (a === '--axfrs') o.axfrs = Number(val());
    else if (a === '--servers') o.servers = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--client') o.client = val();
    else if (a === '--deadline') o.deadline = Number(val());
    else if (a === '--budget') o.budget = Number(val());
    else if (a === '--json') o.json = resolve(val());
    else if (a === '--dist') o.dist = resolve(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(Number.isInteger(o.records) && o.records >= 20)) throw new Error('--records must be an integer >= 20');
  if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs must be an integer >= 1');
  if (!(Number.isInteger(o.axfrs) && o.axfrs >= 1)) throw new Error('--axfrs must be an integer >= 1');
  if (!(o.deadline > 0)) throw new Error('--deadline must be a positive number of seconds');
  if (!(o.budget > 0)) throw new Error('--budget must be a positive number of seconds');
  if (!['node', 'kdig'].includes(o.client)) throw new Error('--client must be node or kdig');
  for (const s of o.servers) if (!NAMES.includes(s)) throw new Error(`unknown server ${s} (known: ${NAMES.join(', ')})`);
  return o;
}

let o;
try {
  o = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

// ---- small helpers -----------------------------------------------------------------------------

const t0 = Date.now();
const log = (msg) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const best = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return s.length ? Math.min(...s) : undefined;
};
const fmt = (x, d = 3) => (x === undefined ? '-' : x.toFixed(d));
const ratio = (x, ref) => (x === undefined || ref === undefined || ref === 0 ? '-' : `${(x / ref).toFixed(2)}×`);
const version = (cmd, args, re) => {
  if (!cmd) return '-';
  const r = spawnSync(cmd, args, { encoding: 'utf8' }); // some print it on stderr, some exit 1
  return re.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
};

/** A port free for both UDP and TCP on 127.0.0.1 (never 53). */
async function freePort() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise((res, rej) => {
      udp.once('error', rej);
      udp.bind(0, '127.0.0.1', () => res(udp.address().port));
    });
    const tcpFree = await new Promise((res) => {
      const srv = net.createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
    await new Promise((res) => udp.close(res));
    if (tcpFree && port !== 53) return port;
  }
  throw new Error('no free UDP+TCP port on 127.0.0.1');
}

/** Sum of VmHWM (peak resident set) over the processes, KiB. */
function peakRssKiB(pids) {
  let kib = 0;
  for (const p of pids) {
    try {
      kib += Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/status`, 'latin1'))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kib || undefined;
}

// ---- processes: started here, stopped by PID -----------------------------------------------------

const running = new Set();

/** Spawns argv in `dir` with stdout+stderr to dir/output.log; `logFile` is the server's own, if any. */
function startProcess(argv, dir, logFile) {
  const outFile = join(dir, 'output.log');
  const fd = openSync(outFile, 'a');
  const child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const proc = { child, pid: child.pid, pids: [child.pid], exitReason: undefined };
  child.on('exit', (code, signal) => (proc.exitReason = signal ?? `exit code ${code}`));
  child.on('error', (e) => (proc.exitReason = e.message));
  const read = (f) => {
    try {
      return readFileSync(f, 'latin1');
    } catch {
      return '';
    }
  };
  proc.log = () => read(outFile) + (logFile ? read(logFile) : '');
  proc.tail = (n = 6) => proc.log().trim().split('\n').slice(-n).join('\n    ');
  proc.stop = async () => {
    await stopServer(proc);
    running.delete(proc);
  };
  running.add(proc);
  return proc;
}

process.on('exit', () => {
  for (const p of running) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    log(`${sig}: stopping ${running.size ? `PID ${[...running].map((p) => p.pid).join(', ')}` : 'nothing'}`);
    for (const p of [...running]) await p.stop();
    process.exit(130);
  });
}

// ---- what is there -------------------------------------------------------------------------------

const DIST = o.dist ?? join(ROOT, 'dist');
const zonednsArgv = o.dist ? [process.execPath, join(DIST, 'cli/main.js')] : [process.execPath, join(ROOT, 'bin/zonedns')];
const available = [];
for (const s of o.servers) {
  if (s === 'zonedns') {
    if (existsSync(join(DIST, 'cli/main.js'))) available.push(s);
    else log(`skipping zonedns: ${join(DIST, 'cli/main.js')} is missing; run \`npm run build\` (npm run bench:xfr does)`);
  } else if (which(PROGRAMS[s])) available.push(s);
  else log(`skipping ${LABELS[s]}: ${PROGRAMS[s]} not found (Debian: ${INSTALL[s]})`);
}
const kdig = which('kdig');
if (o.client === 'kdig' && !kdig) {
  console.error('--client kdig: kdig not found (Debian: apt-get install knot-dnsutils)');
  process.exit(1);
}
if (available.length === 0) {
  console.error('no server to measure');
  process.exit(1);
}
// The reference everything is compared with: Knot, else NSD, else BIND (as primary); Knot, else BIND (as secondary).
const refPrimary = ['knot', 'nsd', 'bind'].find((s) => available.includes(s));
const refSecondary = ['knot', 'bind'].find((s) => available.includes(s));

// ---- the zone ------------------------------------------------------------------------------------

const gen = generateZone({ records: o.records });
const zoneFile = gen.file;
const origin = gen.origin;
const zoneText = readFileSync(zoneFile, 'latin1');
const serial = Number(/^\s*(\d+)\s*; serial/m.exec(zoneText)?.[1]);
if (!Number.isInteger(serial)) throw new Error(`${zoneFile}: no "; serial" line found`);
const expectedRRs = o.records + 1; // every record once, the SOA twice

const cores = availableParallelism();
const versions = {
  node: process.version,
  knot: version(which('knotd'), ['-V'], /(\d+\.\d+\.\d+)/),
  nsd: version(which('nsd'), ['-v'], /version (\S+)/i),
  bind: version(which('named'), ['-v'], /BIND (\S+)/),
  kdig: version(kdig, ['-V'], /(\d+\.\d+\.\d+)/),
};
const git = (...a) => spawnSync('git', ['-C', ROOT, ...a], { encoding: 'utf8' }).stdout?.trim() ?? '';
let built = '?';
try {
  built = statSync(join(DIST, 'cli/main.js')).mtime.toISOString();
} catch {
  // reported above
}
const header = [
  `zone transfer benchmark ${new Date().toISOString()} on ${cores} cores (${(readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? '?'})`,
  `versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}; zonedns commit ${git('rev-parse', '--short', 'HEAD') || '?'}${git('status', '--porcelain', '--', 'src') ? ' (src/ has uncommitted changes)' : ''}, dist/ built ${built}`,
  `zone: ${zoneFile} (${o.records} records, ${(zoneText.length / 1048576).toFixed(1)} MiB, origin ${origin}, serial ${serial})`,
  `${o.runs} run(s) per measurement (${o.axfrs} AXFRs per run to the client), round-robin, median; client: ${o.client === 'kdig' ? `kdig ${versions.kdig}` : 'bench AXFR client (Node, counts records)'}; deadline ${o.deadline} s per run`,
  `load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
];
for (const l of header) log(l);
if (loadavg()[0] > cores / 2) log(`the machine is busy (load average ${loadavg()[0].toFixed(2)} on ${cores} cores): expect noisy numbers`);

const TMP = mkdtempSync(join(tmpdir(), 'zonedns-bench-xfr-'));
const deadlineMs = o.deadline * 1000;
const budgetEnd = t0 + o.budget * 1000;

// ---- checking a transfer -------------------------------------------------------------------------

let refTypes; // record counts by type of the reference AXFR

/** Problems with an AXFR result: incomplete, wrong count, wrong serial, types unlike the reference. */
function problems(r) {
  const p = [];
  if (!r.ok) p.push(r.error ?? 'failed');
  if (r.rrs !== expectedRRs) p.push(`${r.rrs} records, expected ${expectedRRs}`);
  if (r.serials.length !== 2 || r.serials.some((s) => s !== serial)) p.push(`SOA serials ${r.serials.join(', ') || 'none'}, expected ${serial} twice`);
  if (refTypes) {
    const diff = [...new Set([...Object.keys(refTypes), ...Object.keys(r.types)])].filter((t) => refTypes[t] !== r.types[t]);
    if (diff.length) p.push(`record counts differ from the reference: ${diff.map((t) => `${t} ${r.types[t] ?? 0} vs ${refTypes[t] ?? 0}`).join(', ')}`);
  }
  return p;
}

const clientAxfr = (port) => (o.client === 'kdig' ? kdigAxfr({ kdig, port, zone: origin, timeoutMs: deadlineMs }) : axfr({ port, zone: origin, timeoutMs: deadlineMs }));

/** Polls (bounded) until `read()` returns a value other than undefined. */
async function eventually(read, ms = 2000) {
  const until = performance.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined || performance.now() > until) return v;
    await sleep(20);
  }
}

// ---- primaries -----------------------------------------------------------------------------------

const primaries = new Map(); // name -> { proc, port, loadS }

async function startPrimary(name) {
  for (let attempt = 0; ; attempt++) {
    const dir = join(TMP, `primary-${name}${attempt ? `-${attempt}` : ''}`);
    const port = await freePort();
    const cmd = primaryCommand(name, { dir, port, origin, zoneFile, zonedns: zonednsArgv, which });
    const start = performance.now();
    const proc = startProcess(cmd.argv, dir, cmd.logFile);
    try {
      const loadS = await waitSerial({ port, zone: origin, serial, since: start, timeoutMs: deadlineMs, failed: () => proc.exitReason && `exited (${proc.exitReason})` });
      return { proc, port, loadS, dir };
    } catch (e) {
      const tail = proc.tail();
      await proc.stop();
      if (attempt === 0 && /address already in use|EADDRINUSE/i.test(tail)) continue; // the free port was taken meanwhile
      throw new Error(`${e.message}; its output:\n    ${tail}`);
    }
  }
}

// ---- one measurement of each kind ----------------------------------------------------------------

/** AXFR from a running primary to the bench client: time, the primary's CPU and its own log. */
async function clientRun(name) {
  const p = primaries.get(name);
  const pids = treePids(p.proc.pid);
  const before = primaryLogSeconds(name, p.proc.log())?.length;
  const c0 = cpuTicks(pids);
  const r = await clientAxfr(p.port);
  const cpuS = (cpuTicks(pids) - c0) / HZ;
  const logS = before === undefined ? undefined : await eventually(() => {
    const all = primaryLogSeconds(name, p.proc.log());
    return all.length > before ? all[all.length - 1] : undefined;
  });
  return { seconds: r.seconds, logS, cpuS, rssKiB: peakRssKiB(treePids(p.proc.pid)), rrs: r.rrs, messages: r.messages, bytes: r.bytes, problems: problems(r) };
}

/** A fresh secondary `sec` of primary `prim`: start -> serving the serial, its CPU and peak RSS then, its log. */
async function secondaryRun(prim, sec, run) {
  const primaryPort = primaries.get(prim).port;
  for (let attempt = 0; ; attempt++) {
    const dir = join(TMP, `${sec}-of-${prim}-${run}${attempt ? `-${attempt}` : ''}`);
    const port = await freePort();
    const cmd = secondaryCommand(sec, { dir, port, origin, primaryPort, zonedns: zonednsArgv, which });
    const start = performance.now();
    const proc = startProcess(cmd.argv, dir, cmd.logFile);
    try {
      const seconds = await waitSerial({ port, zone: origin, serial, since: start, timeoutMs: deadlineMs, failed: () => proc.exitReason && `exited (${proc.exitReason})` });
      const pids = treePids(proc.pid);
      const cpuS = cpuTicks(pids) / HZ;
      const rssKiB = peakRssKiB(pids);
      const logS = await eventually(() => secondaryLogSeconds(sec, proc.log()));
      // What it serves now, read back in full: the transfer was complete.
      const r = await axfr({ port, zone: origin, timeoutMs: deadlineMs });
      return { seconds, logS, cpuS, rssKiB, rrs: r.rrs, messages: r.messages, bytes: r.bytes, problems: problems(r) };
    } catch (e) {
      const tail = proc.tail();
      if (attempt === 0 && /address already in use|EADDRINUSE/i.test(tail)) continue;
      return { problems: [`${e.message}; its output: ${tail}`] };
    } finally {
      await proc.stop();
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
    }
  }
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  // 1. Every primary up, serving the zone.
  for (const name of available) {
    log(`${LABELS[name]}: starting as primary`);
    try {
      const p = await startPrimary(name);
      primaries.set(name, p);
      log(`  serves serial ${serial} on 127.0.0.1:${p.port} after ${p.loadS.toFixed(2)} s (PID ${p.proc.pid})`);
    } catch (e) {
      log(`  ${LABELS[name]} failed to start as primary: ${e.message}`);
    }
  }
  const ref = primaries.has(refPrimary) ? refPrimary : undefined;

  // 2. One untimed AXFR from each (warms caches and JIT; checks the answer), the reference's first:
  //    every later transfer must have its record counts by type.
  const warm = {};
  for (const name of [...primaries.keys()].sort((a, b) => (a === ref ? -1 : b === ref ? 1 : 0))) {
    const r = await clientAxfr(primaries.get(name).port);
    const pr = problems(r);
    if (name === ref && r.ok) refTypes = r.types;
    warm[name] = { seconds: r.seconds, rrs: r.rrs, messages: r.messages, bytes: r.bytes, types: r.types, problems: pr };
    log(`  first AXFR from ${LABELS[name]}: ${fmt(r.seconds)} s, ${r.rrs} records in ${r.messages} messages (${r.bytes} bytes)${pr.length ? `; PROBLEM: ${pr.join('; ')}` : ''}`);
  }
  if (!refTypes) {
    const first = Object.values(warm).find((w) => w.problems.length === 0);
    refTypes = first?.types;
  }

  // 3. The measurements. OUT: each primary to the bench client; zonedns and the reference primary
  //    to a BIND and a Knot secondary. IN: every secondary (zonedns, BIND, Knot) of the reference.
  const jobs = new Map();
  const addJob = (key, job) => {
    if (!jobs.has(key)) jobs.set(key, { key, ...job, runs: [] });
  };
  for (const name of primaries.keys()) addJob(`client:${name}`, { kind: 'client', primary: name, label: `${LABELS[name]} → client` });
  const secondaries = available.filter((s) => CAN_BE_SECONDARY[s]);
  for (const sec of ['bind', 'knot'].filter((s) => secondaries.includes(s))) {
    for (const prim of ['zonedns', ref].filter((p) => p && primaries.has(p))) addJob(`${prim}>${sec}`, { kind: 'secondary', primary: prim, secondary: sec, label: `${LABELS[prim]} → ${LABELS[sec]} secondary` });
  }
  if (ref) for (const sec of ['zonedns', 'bind', 'knot'].filter((s) => secondaries.includes(s))) addJob(`${ref}>${sec}`, { kind: 'secondary', primary: ref, secondary: sec, label: `${LABELS[ref]} → ${LABELS[sec]} secondary` });

  let budgetHit = false;
  for (let run = 1; run <= o.runs && !budgetHit; run++) {
    log(`run ${run}/${o.runs}`);
    for (const job of jobs.values()) {
      if (Date.now() > budgetEnd) {
        log(`budget of ${o.budget} s used up: no more runs (see --budget)`);
        budgetHit = true;
        break;
      }
      if (job.kind === 'client') {
        const rs = [];
        for (let k = 0; k < o.axfrs; k++) rs.push({ run, ...(await clientRun(job.primary)) });
        job.runs.push(...rs);
        const bad = rs.flatMap((r) => r.problems);
        log(`  ${job.label.padEnd(30)} ${rs.map((r) => fmt(r.seconds)).join(' ')} s (server log ${rs.map((r) => fmt(r.logS)).join(' ')} s)${bad.length ? `  PROBLEM: ${[...new Set(bad)].join('; ')}` : ''}`);
        continue;
      }
      const res = { run, ...(await secondaryRun(job.primary, job.secondary, run)) };
      job.runs.push(res);
      const what = `serving after ${fmt(res.seconds)} s (own log ${fmt(res.logS)} s, CPU ${fmt(res.cpuS, 2)} s, peak RSS ${res.rssKiB ? (res.rssKiB / 1024).toFixed(0) : '-'} MiB)`;
      log(`  ${job.label.padEnd(30)} ${what}${res.problems.length ? `  PROBLEM: ${res.problems.join('; ')}` : ''}`);
    }
  }

  for (const [name, p] of primaries) {
    p.rssKiB = peakRssKiB(treePids(p.proc.pid));
    await p.proc.stop();
    log(`${LABELS[name]} primary stopped (PID ${p.proc.pid})`);
  }
  if (!o.keep) rmSync(TMP, { recursive: true, force: true });
  else log(`configurations and logs kept in ${TMP}`);

  // 4. Summary and the table.
  for (const job of jobs.values()) {
    const ok = job.runs.filter((r) => r.problems.length === 0);
    job.summary = {
      seconds: median(ok.map((r) => r.seconds)),
      best: best(ok.map((r) => r.seconds)),
      logS: median(ok.map((r) => r.logS)),
      cpuS: median(ok.map((r) => r.cpuS)),
      rssKiB: median(ok.map((r) => r.rssKiB)),
      rrs: ok.length ? ok[ok.length - 1].rrs : job.runs.find((r) => r.rrs !== undefined)?.rrs,
      messages: median(ok.map((r) => r.messages)),
      complete: ok.length,
      runs: job.runs.length,
    };
  }
  const groups = [
    { title: 'OUT: AXFR to the bench client', keys: [...primaries.keys()].map((n) => `client:${n}`), ref: ref && `client:${ref}` },
    { title: 'OUT: a BIND secondary pulls', keys: ['zonedns', ref].map((p) => `${p}>bind`), ref: `${ref}>bind` },
    { title: 'OUT: a Knot secondary pulls', keys: ['zonedns', ref].map((p) => `${p}>knot`), ref: `${ref}>knot` },
    { title: `IN: secondaries of ${LABELS[ref] ?? '-'}`, keys: ['zonedns', 'bind', 'knot'].map((s) => `${ref}>${s}`), ref: `${ref}>${refSecondary}` },
  ].map((g) => ({ ...g, rows: [...new Set(g.keys)].map((k) => jobs.get(k)).filter(Boolean) })).filter((g) => g.rows.length);

  const refName = LABELS[ref] ?? 'ref';
  const lines = [
    `| transfer | median s | best s | × ${refName} | own log s | × ${refName} | CPU s | peak RSS MiB | RRs | complete |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const g of groups) {
    const r = jobs.get(g.ref)?.summary;
    lines.push(`| **${g.title}** | | | | | | | | | |`);
    for (const job of g.rows) {
      const s = job.summary;
      const mark = s.complete < s.runs || s.runs === 0 ? ' ✗' : '';
      lines.push(`| ${job.label} | ${fmt(s.seconds)} | ${fmt(s.best)} | ${ratio(s.seconds, r?.seconds)} | ${fmt(s.logS)} | ${ratio(s.logS, r?.logS)} | ${fmt(s.cpuS, 2)} | ${s.rssKiB ? (s.rssKiB / 1024).toFixed(0) : '-'} | ${s.rrs?.toLocaleString('en-US') ?? '-'} | ${s.complete}/${s.runs}${mark} |`);
    }
  }
  const notes = [
    `Medians of the complete runs. "→ client": AXFR from the primary to ${o.client === 'kdig' ? 'kdig, its start → its exit (it prints every record)' : 'the bench\'s own client, request written → closing SOA received'}; own log s = the primary's logged duration`,
    '(zonedns "AXFR finished ms", Knot "finished, S seconds", BIND "AXFR ended ... secs"; NSD logs none); CPU s = the primary\'s CPU time during the AXFR (/proc, 10 ms ticks);',
    'peak RSS = the primary\'s VmHWM over its life (zone load included). "→ X secondary": a fresh X with an empty directory, started → first UDP SOA answer with the serial',
    '(polled every 20 ms; includes X\'s own start-up, for zonedns Node\'s); own log s = X\'s logged transfer time (BIND "Transfer completed ... secs", Knot "AXFR, incoming ... finished",',
    'zonedns: its first log line to "secondary zone transferred", validation and swap included); CPU s and peak RSS (VmHWM) of X when it first serves the serial.',
    `complete = runs whose AXFR (from the primary, or read back from the secondary) had ${expectedRRs.toLocaleString('en-US')} records, the serial twice, and the reference's count of every type.`,
  ];
  // The issue's target: zonedns serving the AXFR as fast as Knot.
  const verdicts = [];
  const zc = jobs.get('client:zonedns')?.summary;
  const kc = ref && jobs.get(`client:${ref}`)?.summary;
  if (zc?.seconds !== undefined && kc?.seconds !== undefined) {
    verdicts.push([`zonedns serves the AXFR as fast as ${refName} (bench client): ${fmt(zc.seconds)} s vs ${fmt(kc.seconds)} s = ${ratio(zc.seconds, kc.seconds)}`, zc.seconds <= kc.seconds]);
  }
  for (const sec of ['bind', 'knot']) {
    const z = jobs.get(`zonedns>${sec}`)?.summary;
    const k = jobs.get(`${ref}>${sec}`)?.summary;
    if (z?.logS !== undefined && k?.logS !== undefined) verdicts.push([`a ${LABELS[sec]} secondary pulls from zonedns as fast as from ${refName} (its own log): ${fmt(z.logS)} s vs ${fmt(k.logS)} s = ${ratio(z.logS, k.logS)}`, z.logS <= k.logS]);
  }
  const md = [
    '```',
    ...header,
    `load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; took ${((Date.now() - t0) / 1000).toFixed(0)} s; the machine may be shared: timings are noisy, compare ratios within one run`,
    '```',
    '',
    ...lines,
    '',
    ...notes,
    '',
    ...(verdicts.length ? ['**Target** (issue #5)', '', ...verdicts.map(([what, ok]) => `- ${ok ? 'MET' : 'MISSED'}: ${what}`), ''] : []),
  ].join('\n');
  console.log('\n' + md);

  const report = {
    date: new Date().toISOString(),
    settings: o,
    versions,
    zone: { file: zoneFile, origin, serial, records: o.records, bytes: zoneText.length, expectedRRs, types: refTypes },
    loadavg: loadavg(),
    reference: { primary: ref, secondary: refSecondary },
    primaries: Object.fromEntries([...primaries].map(([n, p]) => [n, { port: p.port, loadS: p.loadS, rssKiB: p.rssKiB }])),
    firstAxfr: warm,
    jobs: [...jobs.values()].map(({ key, kind, primary, secondary, label, runs, summary }) => ({ key, kind, primary, secondary, label, summary, runs })),
    verdicts: verdicts.map(([what, met]) => ({ what, met })),
  };
  const jsonFile = o.json ?? join(ROOT, 'bench', 'out', `xfr-${o.records}.json`);
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
  log(`results: ${jsonFile}`);
  const failed = [...jobs.values()].some((j) => j.summary.complete < j.summary.runs) || Object.values(warm).some((w) => w.problems.length);
  if (failed) log('some transfers were incomplete or wrong: see PROBLEM lines above');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    console.error(e instanceof Error ? e.stack : e);
    for (const p of [...running]) await p.stop();
    process.exit(1);
  },
);
