#!/usr/bin/env node
// Zone load benchmark: zonedns vs named-checkzone (BIND 9) and nsd-checkzone (NSD).
//
//   npm run bench:load                         # builds, then 1,000,000 records, 3 runs each
//   npm run bench:load -- --records 100000     # the small variant
//   node bench/load.mjs [--records N] [--runs R] [--zone FILE --origin NAME] [--tools zonedns,named,nsd]
//                       [--phases] [--json FILE] [--dist DIR]
//
// Needs: a built dist/ (npm run build), and for the peers Debian's bind9-utils (named-checkzone)
// and nsd (nsd-checkzone); a missing peer is skipped with a message. See bench/README.md.
//
// Every measurement runs in its own child process, so peak RSS belongs to one tool:
// - zonedns: `node --expose-gc` running loadZoneFile(file, {origin}) from dist/zone/load.js.
//   Seconds are measured inside the child from just before the call until the snapshot exists
//   (read + parse + validate + snapshot); peak RSS is the child's own getrusage ru_maxrss
//   (process.resourceUsage().maxRSS); heap is heapUsed after two full GCs with the result kept.
// - peers: wall time and peak RSS of the whole process, from GNU time (`/usr/bin/time -f`),
//   else from a python3 wrapper reading getrusage(RUSAGE_CHILDREN), else by polling the child's
//   /proc/PID/status VmHWM every 5 ms (a lower bound: growth after the last poll is missed).
// named-checkzone runs with `-i local`: its default `-i full` resolves NS/MX/SRV targets through
// the system resolver (getaddrinfo) to compare glue, which sends DNS queries off this machine and
// times the network. `local` keeps every in-zone integrity check, which is what zonedns does.
// The tools run round-robin (zonedns, named, nsd, zonedns, ...) so a load spike hits all alike.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, accessSync, constants as fsc } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateZone } from './gen-zone.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
let DIST = join(ROOT, 'dist');

// ---- arguments ---------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { records: 1_000_000, runs: 3, tools: ['zonedns', 'named', 'nsd'], phases: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--records' || a === '-n') o.records = Number(val().replace(/_/g, ''));
    else if (a === '--runs' || a === '-r') o.runs = Number(val());
    else if (a === '--zone') o.zone = resolve(val());
    else if (a === '--origin') o.origin = val();
    else if (a === '--tools') o.tools = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--phases') o.phases = true;
    else if (a === '--json') o.json = resolve(val());
    else if (a === '--dist') o.dist = resolve(val());
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!(Number.isInteger(o.records) && o.records >= 20)) throw new Error('--records must be an integer >= 20');
  if (!(Number.isInteger(o.runs) && o.runs >= 1)) throw new Error('--runs must be an integer >= 1');
  for (const t of o.tools) if (!['zonedns', 'named', 'nsd'].includes(t)) throw new Error(`unknown tool ${t} (zonedns, named, nsd)`);
  if (o.zone && !o.origin) throw new Error('--zone needs --origin');
  return o;
}

// ---- small helpers -----------------------------------------------------------------------------

function which(cmd, extra = []) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin', ...extra];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, fsc.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 2) => (x === undefined ? '-' : x.toFixed(d));
const mib = (kib) => (kib === undefined ? undefined : kib / 1024);

/** Keeps the last `max` characters of a stream (tools can print a warning per record). */
function tail(max = 64 * 1024) {
  let s = '';
  return {
    push(chunk) {
      s += chunk;
      if (s.length > 2 * max) s = s.slice(-max);
    },
    get text() {
      return s.length > max ? s.slice(-max) : s;
    },
  };
}

function run(cmd, args, { env, pollPid = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const out = tail();
    const err = tail();
    child.stdout.setEncoding('latin1').on('data', (d) => out.push(d));
    child.stderr.setEncoding('latin1').on('data', (d) => err.push(d));
    let hwm;
    let timer;
    if (pollPid) {
      const poll = () => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'));
          if (m) hwm = Math.max(hwm ?? 0, Number(m[1]));
        } catch {
          /* exited */
        }
      };
      timer = setInterval(poll, 5);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearInterval(timer);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      resolvePromise({ code, signal, wall, stdout: out.text, stderr: err.text, hwm });
    });
  });
}

// ---- peak RSS of another program ---------------------------------------------------------------

/** How peers are measured: GNU time, a python3 getrusage wrapper, or /proc polling. */
function rssMethod() {
  // ZONEDNS_BENCH_RSS=python|poll forces a fallback (to check it against GNU time).
  const force = process.env.ZONEDNS_BENCH_RSS;
  const gnuTime = which('time', ['/usr/bin']);
  if (gnuTime && (!force || force === 'gnu-time')) {
    const r = spawnSync(gnuTime, ['-f', '%e %M', 'true'], { encoding: 'utf8' });
    if (r.status === 0 && /^\d+(\.\d+)? \d+\s*$/m.test(r.stderr)) return { kind: 'gnu-time', path: gnuTime, label: `${gnuTime} -f "%e %U %S %M"` };
  }
  const py = which('python3');
  if (py && force !== 'poll' && spawnSync(py, ['-c', 'import resource'], { stdio: 'ignore' }).status === 0) {
    return { kind: 'python', path: py, label: 'python3 wrapper: getrusage(RUSAGE_CHILDREN).ru_maxrss' };
  }
  return { kind: 'poll', label: '/proc/PID/status VmHWM polled every 5 ms (lower bound)' };
}

const PY_WRAPPER = `
import json, os, resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL if sys.argv[1] == 'q' else None)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(3, json.dumps({"rc": rc, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrss": ru.ru_maxrss}).encode())
`;

/** Runs a peer once: { ok, code, seconds, cpu, rssKiB, output }. */
async function measurePeer(method, cmd, args) {
  if (method.kind === 'gnu-time') {
    const dir = join(tmpdir(), `zonedns-bench-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const outFile = join(dir, 'time.txt');
    rmSync(outFile, { force: true });
    const r = await run(method.path, ['-f', '%e %U %S %M', '-o', outFile, cmd, ...args]);
    const m = /(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)\s*$/.exec(existsSync(outFile) ? readFileSync(outFile, 'utf8') : '');
    return {
      ok: r.code === 0,
      code: r.code,
      seconds: m ? Number(m[1]) : r.wall,
      cpu: m ? Number(m[2]) + Number(m[3]) : undefined,
      rssKiB: m ? Number(m[4]) : undefined,
      output: r.stdout + r.stderr,
    };
  }
  if (method.kind === 'python') {
    // fd 3 carries the result, so the tool's own output cannot be mistaken for it.
    return new Promise((res, rej) => {
      const child = spawn(method.path, ['-c', PY_WRAPPER, 'v', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      const out = tail();
      let result = '';
      child.stdout.setEncoding('latin1').on('data', (d) => out.push(d));
      child.stderr.setEncoding('latin1').on('data', (d) => out.push(d));
      child.stdio[3].setEncoding('utf8').on('data', (d) => (result += d));
      child.on('error', rej);
      child.on('close', (code) => {
        try {
          const j = JSON.parse(result);
          res({ ok: j.rc === 0, code: j.rc, seconds: j.wall, cpu: j.user + j.sys, rssKiB: j.maxrss, output: out.text });
        } catch {
          res({ ok: false, code, output: out.text + '\n(python wrapper failed)' });
        }
      });
    });
  }
  const r = await run(cmd, args, { pollPid: true });
  return { ok: r.code === 0, code: r.code, seconds: r.wall, cpu: undefined, rssKiB: r.hwm, output: r.stdout + r.stderr };
}

// ---- zonedns in a child ------------------------------------------------------------------------

// Runs in `node --expose-gc --input-type=module -e`; its settings come in ZONEDNS_BENCH (JSON).
// mode "load": loadZoneFile as a server or `zonedns check` calls it.
// mode "phases": parseZoneFile then buildSnapshot, timed apart, heap measured after each.
const CHILD = `
const cfg = JSON.parse(process.env.ZONEDNS_BENCH);
const { nameFromText } = await import(cfg.nameUrl);
const origin = nameFromText(cfg.origin);
const heap = () => { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }; };
const baseline = heap();
const out = { mode: cfg.mode, baseline };
if (cfg.mode === 'phases') {
  const { parseZoneFile } = await import(cfg.parseUrl);
  const { buildSnapshot } = await import(cfg.buildUrl);
  let t = performance.now();
  const parsed = parseZoneFile(cfg.file, { origin });
  out.parseSeconds = (performance.now() - t) / 1000;
  out.rssAfterParseKiB = process.resourceUsage().maxRSS;
  out.afterParse = heap();
  out.records = parsed.records.length;
  t = performance.now();
  const built = buildSnapshot({ origin, records: parsed.records, diagnostics: parsed.diagnostics, files: parsed.files, file: cfg.file });
  out.buildSeconds = (performance.now() - t) / 1000;
  out.maxRSSKiB = process.resourceUsage().maxRSS;
  out.afterBuildWithRecords = heap();
  parsed.records.length = 0;
  globalThis.keep = built;
  out.afterBuild = heap();
  out.snapshot = built.snapshot !== undefined;
  out.recordCount = built.snapshot?.recordCount;
  out.nodes = built.snapshot?.nodes.size;
  out.errors = built.diagnostics.filter((d) => d.severity === 'error').length;
  out.warnings = built.diagnostics.length - out.errors;
} else {
  const { loadZoneFile } = await import(cfg.loadUrl);
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const res = loadZoneFile(cfg.file, { origin });
  out.seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  out.cpu = (cpu.user + cpu.system) / 1e6;
  out.maxRSSKiB = process.resourceUsage().maxRSS;
  globalThis.keep = res;
  out.retained = heap();
  out.snapshot = res.snapshot !== undefined;
  out.recordCount = res.snapshot?.recordCount;
  out.nodes = res.snapshot?.nodes.size;
  const errs = res.diagnostics.filter((d) => d.severity === 'error');
  out.errors = errs.length;
  out.warnings = res.diagnostics.length - errs.length;
  out.firstDiagnostics = res.diagnostics.slice(0, 5).map((d) => d.file + ':' + d.line + ': ' + d.severity + ': ' + d.message);
}
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(out) + '\\n');
`;

async function measureZonedns(file, origin, mode = 'load') {
  const env = {
    ...process.env,
    ZONEDNS_BENCH: JSON.stringify({
      mode,
      file,
      origin,
      loadUrl: pathToFileURL(join(DIST, 'zone', 'load.js')).href,
      parseUrl: pathToFileURL(join(DIST, 'zone', 'parse.js')).href,
      buildUrl: pathToFileURL(join(DIST, 'zone', 'build.js')).href,
      nameUrl: pathToFileURL(join(DIST, 'dns', 'name.js')).href,
    }),
  };
  const r = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], { env });
  const i = r.stdout.lastIndexOf('@@RESULT@@');
  if (r.code !== 0 || i < 0) {
    return { ok: false, code: r.code, processSeconds: r.wall, output: r.stdout + r.stderr };
  }
  const j = JSON.parse(r.stdout.slice(i + 10).split('\n')[0]);
  const ok = mode === 'phases' ? j.snapshot : j.snapshot && j.errors === 0;
  return { ok, code: r.code, processSeconds: r.wall, seconds: j.seconds, cpu: j.cpu, rssKiB: j.maxRSSKiB, detail: j, output: (j.firstDiagnostics ?? []).join('\n') };
}

// ---- main --------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.dist) DIST = o.dist;

  let file;
  let origin;
  if (o.zone) {
    file = o.zone;
    origin = o.origin.endsWith('.') ? o.origin : o.origin + '.';
    if (!existsSync(file)) throw new Error(`${file}: no such file`);
  } else {
    const t = performance.now();
    const g = generateZone({ records: o.records, origin: o.origin });
    file = g.file;
    origin = g.origin;
    console.log(g.reused ? `zone: ${file} (reused; ${o.records} records)` : `zone: ${file} (generated in ${((performance.now() - t) / 1000).toFixed(1)} s; ${g.records} records)`);
  }
  const size = readFileSync(file).length; // also warms the page cache for every tool alike

  const tools = [];
  if (o.tools.includes('zonedns')) {
    if (!existsSync(join(DIST, 'zone', 'load.js'))) {
      console.error('zonedns: dist/zone/load.js is missing: run `npm run build` first (npm run bench:load does)');
      process.exit(2);
    }
    tools.push({ id: 'zonedns', label: 'zonedns', measure: () => measureZonedns(file, origin) });
  }
  const method = rssMethod();
  const named = which('named-checkzone');
  const nsd = which('nsd-checkzone');
  if (o.tools.includes('named')) {
    if (named) tools.push({ id: 'named', label: 'named-checkzone', cmd: named, args: ['-i', 'local', origin, file] });
    else console.log('skipping named-checkzone: not installed (Debian: apt-get install bind9-utils)');
  }
  if (o.tools.includes('nsd')) {
    if (nsd) tools.push({ id: 'nsd', label: 'nsd-checkzone', cmd: nsd, args: [origin, file] });
    else console.log('skipping nsd-checkzone: not installed (Debian: apt-get install nsd)');
  }
  for (const t of tools) if (t.cmd) t.measure = () => measurePeer(method, t.cmd, t.args);

  const versions = {};
  if (named) versions.named = (spawnSync(named, ['-v'], { encoding: 'utf8' }).stdout ?? '').trim();
  if (nsd) versions.nsd = ((spawnSync(which('nsd') ?? nsd, ['-v'], { encoding: 'utf8' }).stderr ?? '').split('\n')[0] ?? '').trim();
  console.log(`file: ${(size / 1048576).toFixed(1)} MiB, origin ${origin}; node ${process.version}${versions.named ? `; BIND ${versions.named}` : ''}${versions.nsd ? `; ${versions.nsd}` : ''}`);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; peer RSS via ${method.label}`);
  if (loadavg()[0] > cpus().length * 0.75) console.log('warning: the machine is busy; wall times will be noisy (CPU seconds are the steadier number)');

  // 1. Every tool must accept the zone before anything is timed (this run also warms caches).
  let allOk = true;
  for (const t of tools) {
    const r = await t.measure();
    if (!r.ok) {
      allOk = false;
      console.log(`\n${t.label} REJECTED the zone (exit ${r.code}):\n${r.output.trim().split('\n').slice(-15).join('\n')}`);
    } else {
      const warn = t.id === 'zonedns' ? `${r.detail.warnings} warnings, ${r.detail.recordCount} records, ${r.detail.nodes} nodes` : `${r.output.split('\n').filter((l) => /warning/i.test(l)).length} warning lines`;
      console.log(`${t.label}: accepts the zone (${warn})`);
    }
  }
  if (!allOk) {
    console.log('\nnot timing: every tool must accept the zone first');
    process.exit(1);
  }

  // 2. Timed runs, round-robin.
  const results = Object.fromEntries(tools.map((t) => [t.id, []]));
  for (let i = 0; i < o.runs; i++) {
    for (const t of tools) {
      const r = await t.measure();
      if (!r.ok) throw new Error(`${t.label} failed on run ${i + 1} (exit ${r.code}): ${r.output.slice(-500)}`);
      results[t.id].push(r);
      process.stdout.write(`run ${i + 1}/${o.runs} ${t.label}: ${fmt(r.seconds)} s, ${fmt(mib(r.rssKiB), 0)} MiB\n`);
    }
  }

  // 3. Table.
  const summary = tools.map((t) => {
    const rs = results[t.id];
    return {
      id: t.id,
      label: t.label,
      seconds: median(rs.map((r) => r.seconds)),
      best: Math.min(...rs.map((r) => r.seconds)),
      cpu: median(rs.map((r) => r.cpu)),
      processSeconds: median(rs.map((r) => r.processSeconds)),
      rssMiB: mib(median(rs.map((r) => r.rssKiB))),
      heapMiB: t.id === 'zonedns' ? median(rs.map((r) => r.detail.retained.heapUsed / 1048576)) : undefined,
      runs: rs.map((r) => ({ seconds: r.seconds, cpu: r.cpu, rssKiB: r.rssKiB, processSeconds: r.processSeconds })),
    };
  });
  const ref = summary.find((s) => s.id === 'named');
  const head = ['tool', 'seconds', 'best s', 'cpu s', 'peak RSS MiB', 'time/named', 'RSS/named', 'heap after GC MiB'];
  const rows = summary.map((s) => [
    s.label,
    fmt(s.seconds),
    fmt(s.best),
    fmt(s.cpu),
    fmt(s.rssMiB, 0),
    ref && s.seconds !== undefined ? fmt(s.seconds / ref.seconds) + 'x' : '-',
    ref && s.rssMiB !== undefined ? fmt(s.rssMiB / ref.rssMiB) + 'x' : '-',
    s.heapMiB === undefined ? '' : fmt(s.heapMiB, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(`\n${o.zone ? file : `${o.records.toLocaleString('en-US')} records`}, median of ${o.runs} run${o.runs > 1 ? 's' : ''}:`);
  console.log(line(head));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows) console.log(line(r));
  const z = summary.find((s) => s.id === 'zonedns');
  if (z) {
    console.log(`zonedns seconds = loadZoneFile() in the child (read+parse+validate+snapshot); whole process incl. Node start-up: ${fmt(z.processSeconds)} s`);
  }

  // 4. Targets (the load-speed issue): faster than both peers, peak RSS <= 1.5x named-checkzone's.
  const nsdS = summary.find((s) => s.id === 'nsd');
  const verdicts = [];
  if (z && ref) verdicts.push([`faster than named-checkzone (${fmt(z.seconds)} s vs ${fmt(ref.seconds)} s)`, z.seconds < ref.seconds]);
  if (z && nsdS) verdicts.push([`faster than nsd-checkzone (${fmt(z.seconds)} s vs ${fmt(nsdS.seconds)} s)`, z.seconds < nsdS.seconds]);
  if (z && ref) verdicts.push([`peak RSS <= 1.5x named-checkzone (${fmt(z.rssMiB, 0)} MiB vs limit ${fmt(ref.rssMiB * 1.5, 0)} MiB)`, z.rssMiB <= ref.rssMiB * 1.5]);
  if (verdicts.length) {
    console.log('\ntargets:');
    for (const [what, ok] of verdicts) console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${what}`);
  }

  // 5. Optional: where zonedns spends it (parse vs build), one extra run.
  let phases;
  if (o.phases && z) {
    const r = await measureZonedns(file, origin, 'phases');
    if (r.detail) {
      phases = r.detail;
      const h = (m) => fmt(m.heapUsed / 1048576, 0);
      console.log(`\nzonedns phases: parse ${fmt(phases.parseSeconds)} s (${phases.records} records, heap ${h(phases.afterParse)} MiB, peak RSS so far ${fmt(mib(phases.rssAfterParseKiB), 0)} MiB)` +
        `; build ${fmt(phases.buildSeconds)} s (heap ${h(phases.afterBuildWithRecords)} MiB with the record list, ${h(phases.afterBuild)} MiB without; peak RSS ${fmt(mib(phases.maxRSSKiB), 0)} MiB); baseline heap ${h(phases.baseline)} MiB`);
    } else console.log(`\nzonedns phases run failed: ${r.output.slice(-500)}`);
  }

  rmSync(join(tmpdir(), `zonedns-bench-${process.pid}`), { recursive: true, force: true });
  const report = { date: new Date().toISOString(), file, bytes: size, origin, records: o.zone ? undefined : o.records, runs: o.runs, node: process.version, versions, loadavg: loadavg(), rssMethod: method.label, summary, phases };
  const jsonFile = o.json ?? join(HERE, 'out', `load-${o.zone ? 'custom' : o.records}.json`);
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nresults: ${jsonFile}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
