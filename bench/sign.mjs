#!/usr/bin/env node
// Signing benchmark: zonedns signing a generated zone next to BIND's dnssec-signzone (same zone,
// same algorithm, NSEC, one key signing everything), then a one-record edit of a signed zone
// served by `zonedns serve`, timed from the write until the new, signed version is served.
//
//   npm run bench:sign                               # builds, then 1,000,000 records, 1 run each
//   npm run bench:sign -- --records 100000 --runs 3  # smaller and repeated
//   node bench/sign.mjs [--records N] [--runs R] [--algorithm ecdsap256sha256|ed25519] [--nsec nsec|nsec3]
//                       [--threads T] [--edit-records N] [--edits E] [--tools zonedns,bind,edit]
//                       [--json FILE] [--dist DIR] [--keep-output]
//
// Each measurement runs in its own process, so its peak RSS is its own:
// - zonedns: a Node child loads the zone file (loadZoneFile) and signs it (signZone, with a
//   signing pool of T worker threads, default: one per core). It reports the load and signing
//   times separately and its peak RSS (getrusage ru_maxrss, all threads); a second child only
//   loads the zone: "unsigned load" peak RSS, what the 2x target is measured against.
// - dnssec-signzone -S -z -n T (T threads), wall time and peak RSS from GNU time (/usr/bin/time).
//   It parses, signs and writes the signed zone; zonedns's time is load + sign (it writes nothing:
//   its signed zone is served from memory), both shown.
// - edit: `zonedns serve` with "dnssec" on, the --edit-records zone (default 100,000); after the
//   first signing, E edits of one record each (the file rewritten, as an editor does); each is
//   timed from the end of the write to the first UDP answer carrying the new SOA serial, which
//   the server only serves once the edit is signed and swapped in.
// The machine may be shared: the load average is printed beside the numbers.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateZone } from './gen-zone.mjs';
import { axfr, waitSerial } from './xfr/axfr-client.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

function parseArgs(argv) {
  const o = { records: 1_000_000, runs: 1, algorithm: 'ecdsap256sha256', nsec: 'nsec', threads: availableParallelism(), editRecords: 100_000, edits: 5, tools: ['zonedns', 'bind', 'edit'], dist: join(ROOT, 'dist'), keepOutput: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--records') o.records = Number(val().replace(/_/g, ''));
    else if (a === '--runs') o.runs = Number(val());
    else if (a === '--algorithm') o.algorithm = val();
    else if (a === '--nsec') o.nsec = val();
    else if (a === '--threads') o.threads = Number(val());
    else if (a === '--edit-records') o.editRecords = Number(val().replace(/_/g, ''));
    else if (a === '--edits') o.edits = Number(val());
    else if (a === '--tools') o.tools = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--json') o.json = resolve(val());
    else if (a === '--dist') o.dist = resolve(val());
    else if (a === '--keep-output') o.keepOutput = true;
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 10).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!['ecdsap256sha256', 'ed25519'].includes(o.algorithm)) throw new Error('--algorithm: ecdsap256sha256 or ed25519');
  if (!['nsec', 'nsec3'].includes(o.nsec)) throw new Error('--nsec: nsec or nsec3');
  return o;
}

function which(cmd) {
  for (const d of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin']) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

function run(cmd, args, { env, cwd } = {}) {
  return new Promise((res) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-64 * 1024); });
    child.on('close', (code) => res({ code, stdout, stderr, wall: (performance.now() - t) / 1000 }));
  });
}

// ---- zonedns: load, or load and sign, in a child of its own --------------------------------------

const CHILD = `
const cfg = JSON.parse(process.env.ZONEDNS_BENCH_SIGN);
const { loadZoneFile } = await import(cfg.dist + '/zone/load.js');
const { nameFromText } = await import(cfg.dist + '/dns/name.js');
const origin = nameFromText(cfg.origin + '.');
const out = {};
let t = performance.now();
const loaded = loadZoneFile(cfg.file, { origin });
out.loadSeconds = (performance.now() - t) / 1000;
out.records = loaded.snapshot?.recordCount;
if (cfg.mode === 'sign') {
  const { signZone, DEFAULT_SIGN_POLICY } = await import(cfg.dist + '/dnssec/sign-zone.js');
  const { generateKey } = await import(cfg.dist + '/dnssec/keys.js');
  const { SigningPool } = await import(cfg.dist + '/dnssec/sign-pool.js');
  const key = generateKey(origin, cfg.algorithm, cfg.dir);
  const pool = new SigningPool(cfg.threads);
  const cpu0 = process.cpuUsage();
  t = performance.now();
  const res = await signZone({ source: loaded.snapshot, sourceIsPrivate: true, key, policy: { ...DEFAULT_SIGN_POLICY, algorithm: cfg.algorithm, nsec: cfg.nsec }, now: Date.now() / 1000, signer: pool, serial: (f) => f });
  out.signSeconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  out.signCpu = (cpu.user + cpu.system) / 1e6;
  out.signatures = res.signed;
  out.signedRecords = res.snapshot.recordCount;
  if (cfg.output) {
    const { printZone } = await import(cfg.dist + '/zone/print.js');
    (await import('node:fs')).writeFileSync(cfg.output, printZone(res.snapshot));
  }
  globalThis.keep = res;
  await pool.close();
}
out.maxRSSKiB = process.resourceUsage().maxRSS;
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(out) + '\\n');
`;

async function zonedns(o, file, origin, mode, dir, output) {
  const env = { ...process.env, ZONEDNS_BENCH_SIGN: JSON.stringify({ mode, file, origin, dist: pathToFileURL(o.dist).href, algorithm: o.algorithm, nsec: o.nsec, threads: o.threads, dir, output }) };
  const r = await run(process.execPath, ['--input-type=module', '-e', CHILD], { env });
  const i = r.stdout.lastIndexOf('@@RESULT@@');
  if (r.code !== 0 || i < 0) return { ok: false, output: r.stdout.slice(-4000) + r.stderr };
  return { ok: true, wall: r.wall, ...JSON.parse(r.stdout.slice(i + 10).split('\n')[0]) };
}

// ---- dnssec-signzone ----------------------------------------------------------------------------

async function bind(o, file, origin, dir) {
  const keygen = which('dnssec-keygen');
  const signzone = which('dnssec-signzone');
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  if (!keygen || !signzone || !time) return { ok: false, skipped: 'needs dnssec-keygen, dnssec-signzone (bind9-utils) and GNU time (time)' };
  const keys = join(dir, 'bind-keys');
  mkdirSync(keys, { recursive: true });
  const alg = o.algorithm === 'ed25519' ? 'ED25519' : 'ECDSAP256SHA256';
  const k = await run(keygen, ['-q', '-K', keys, '-a', alg, '-f', 'KSK', origin]);
  if (k.code !== 0) return { ok: false, output: k.stderr };
  const out = join(dir, 'bind.signed');
  const args = ['-f', '%e %M %U %S', signzone, '-q', '-S', '-z', '-n', String(o.threads), '-K', keys, '-o', origin, '-f', out, ...(o.nsec === 'nsec3' ? ['-3', '-'] : []), file];
  const r = await run(time, args, { cwd: dir }); // (it writes dsset-<zone>. where it runs)
  const m = /(\d+\.\d+) (\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
  if (r.code !== 0 || m === null) return { ok: false, output: r.stderr };
  if (!o.keepOutput) rmSync(out, { force: true });
  return { ok: true, wall: Number(m[1]), maxRSSKiB: Number(m[2]), cpu: Number(m[3]) + Number(m[4]), output: o.keepOutput ? out : undefined };
}

// ---- one-record edits of a signed zone served by zonedns ----------------------------------------

async function freePort() {
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  s.close();
  return p;
}

async function edits(o) {
  const source = generateZone({ records: o.editRecords });
  const origin = source.origin.replace(/\.$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-bench-sign-edit-'));
  const file = join(dir, `${origin}.zone`);
  const base = readFileSync(source.file, 'latin1');
  writeFileSync(file, `${base}\nsign-probe A 198.51.100.0\n`, 'latin1');
  writeFileSync(join(dir, 'zonedns.json'), JSON.stringify({ zones: [{ file, origin, dnssec: { algorithm: o.algorithm, nsec: o.nsec } }], stateDir: join(dir, 'state'), transfer: { allow: ['127.0.0.1'] }, rrl: { enabled: false } }));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [join(o.dist, 'cli', 'main.js'), 'serve', '--config', join(dir, 'zonedns.json'), '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-256 * 1024); });
  const failed = () => (child.exitCode !== null ? `zonedns exited (${child.exitCode}):\n${log.slice(-4000)}` : undefined);
  try {
    // Ready once the first signing is done (the server logs "ready" after it).
    while (!/ info ready /.test(log)) {
      const why = failed();
      if (why) throw new Error(why);
      if (performance.now() - started > 30 * 60_000) throw new Error('no "ready" after 30 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    const firstSign = (performance.now() - started) / 1000;
    const serial0 = Number(/zone signed .*serial=(\d+)/.exec(log)?.[1]);
    const times = [];
    for (let i = 1; i <= o.edits; i++) {
      writeFileSync(file, `${base}\nsign-probe A 198.51.100.${i}\n`, 'latin1');
      const t0 = performance.now();
      times.push(await waitSerial({ port, zone: origin, serial: serial0 + i, since: t0, everyMs: 5, timeoutMs: 120_000, failed }));
    }
    // What is served is signed: count the RRSIGs in an AXFR.
    const zone = await axfr({ port, zone: origin });
    return { ok: true, firstSign, times, records: zone.rrs, rrsigs: zone.types?.RRSIG ?? 0 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ----------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (kib) => (kib / 1024).toFixed(0);
const fmt = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const report = { options: o, machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavgBefore: loadavg() }, runs: { zonedns: [], zonednsLoad: [], bind: [] } };
  const zone = generateZone({ records: o.records });
  const origin = zone.origin.replace(/\.$/, '');
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-bench-sign-'));
  const lines = [];
  const say = (s) => { lines.push(s); console.log(s); };
  try {
    say(`# Signing ${o.records.toLocaleString('en')} records (${o.algorithm}, ${o.nsec}), ${o.threads} signing thread(s), ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (let r = 0; r < o.runs; r++) {
      if (o.tools.includes('zonedns')) {
        const load = await zonedns(o, zone.file, origin, 'load', dir);
        if (!load.ok) throw new Error(`zonedns load failed:\n${load.output}`);
        report.runs.zonednsLoad.push(load);
        const sign = await zonedns(o, zone.file, origin, 'sign', dir, o.keepOutput ? join(dir, 'zonedns.signed') : undefined);
        if (!sign.ok) throw new Error(`zonedns sign failed:\n${sign.output}`);
        report.runs.zonedns.push(sign);
      }
      if (o.tools.includes('bind')) {
        const b = await bind(o, zone.file, origin, dir);
        if (b.skipped) { say(`dnssec-signzone skipped: ${b.skipped}`); o.tools = o.tools.filter((t) => t !== 'bind'); }
        else if (!b.ok) throw new Error(`dnssec-signzone failed:\n${b.output}`);
        else report.runs.bind.push(b);
      }
    }
    say('');
    say('| signer | wall s (median) | load s | sign s | CPU s | peak RSS MiB | signatures |');
    say('|---|--:|--:|--:|--:|--:|--:|');
    const z = report.runs.zonedns;
    const zl = report.runs.zonednsLoad;
    const b = report.runs.bind;
    if (z.length > 0) {
      const wall = median(z.map((x) => x.loadSeconds + x.signSeconds));
      say(`| zonedns (load + sign) | ${fmt(wall)} | ${fmt(median(z.map((x) => x.loadSeconds)))} | ${fmt(median(z.map((x) => x.signSeconds)))} | ${fmt(median(z.map((x) => x.signCpu)))} | ${mib(median(z.map((x) => x.maxRSSKiB)))} | ${z[0].signatures.toLocaleString('en')} |`);
      say(`| zonedns unsigned load (reference) | ${fmt(median(zl.map((x) => x.loadSeconds)))} | ${fmt(median(zl.map((x) => x.loadSeconds)))} | — | — | ${mib(median(zl.map((x) => x.maxRSSKiB)))} | — |`);
      report.summary = { zonednsSeconds: wall, zonednsPeakKiB: median(z.map((x) => x.maxRSSKiB)), unsignedPeakKiB: median(zl.map((x) => x.maxRSSKiB)) };
    }
    if (b.length > 0) {
      say(`| dnssec-signzone -n ${o.threads} (parse + sign + write) | ${fmt(median(b.map((x) => x.wall)))} | — | — | ${fmt(median(b.map((x) => x.cpu)))} | ${mib(median(b.map((x) => x.maxRSSKiB)))} | — |`);
      report.summary = { ...report.summary, bindSeconds: median(b.map((x) => x.wall)), bindPeakKiB: median(b.map((x) => x.maxRSSKiB)) };
    }
    say('');
    if (report.summary?.zonednsSeconds !== undefined && report.summary.bindSeconds !== undefined) {
      const s = report.summary;
      say(`- ${s.zonednsSeconds <= s.bindSeconds ? 'MET' : 'MISSED'}: zonedns signs in ≤ dnssec-signzone's wall time (${fmt(s.zonednsSeconds)} s vs ${fmt(s.bindSeconds)} s, ${fmt(s.bindSeconds / s.zonednsSeconds)}×)`);
    }
    if (report.summary?.zonednsPeakKiB !== undefined) {
      const s = report.summary;
      const ratio = s.zonednsPeakKiB / s.unsignedPeakKiB;
      say(`- ${ratio <= 2 ? 'MET' : 'MISSED'}: peak RSS signing ≤ 2× the unsigned load (${mib(s.zonednsPeakKiB)} MiB vs ${mib(s.unsignedPeakKiB)} MiB, ${fmt(ratio)}×)`);
    }
    if (o.tools.includes('edit')) {
      const e = await edits(o);
      report.edit = e;
      const ms = e.times.map((t) => t * 1000);
      say(`- ${Math.max(...ms) <= 1000 ? 'MET' : 'MISSED'}: a one-record edit of the ${o.editRecords.toLocaleString('en')}-record zone is served signed within 1 s of the write: median ${fmt(median(ms), 0)} ms, max ${fmt(Math.max(...ms), 0)} ms over ${ms.length} edits (first signing ${fmt(e.firstSign, 1)} s; ${e.rrsigs.toLocaleString('en')} RRSIGs served)`);
    }
    report.machine.loadavgAfter = loadavg();
    say(`(load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
    const json = o.json ?? join(HERE, 'out', `sign-${o.records}.json`);
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify(report, null, 2));
    if (o.keepOutput) say(`signed zones kept in ${dir}`);
  } finally {
    if (!o.keepOutput) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
