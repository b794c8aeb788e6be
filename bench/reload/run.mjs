#!/usr/bin/env node
// Reload benchmark: how long from a zone file write to the new answer on the wire, and whether
// any query fails or gets a wrong answer while zones reload under load.
//
//   npm run bench:reload                     # everything (needs dnsperf for the load phase)
//   node bench/reload/run.mjs --edits 20 --big 1000000 --reloads 100
//
// Phases (each starts its own `zonedns serve` on a loopback port and stops it by PID):
//  1. small: the bundled example.com zone; N edits, each bumps the serial and changes one
//     address; time from writeFileSync to the first UDP answer with the new address (5 ms polls).
//  2. big:   a generated zone of --big records (bench/gen-zone.mjs); time from the write of one
//     changed record to the new answer (the whole zone is re-parsed and swapped).
//  3. load:  dnsperf sends queries for names that exist in every version while 100 reloads
//     happen; a verifying client beside it checks every answer is one of the valid versions.
//     Reports dnsperf's lost queries and rcodes, and the verifier's wrong answers.
// Targets (issue): small < 300 ms, 1M-record zone < 5 s, 0 failed or wrong answers.

import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { generateZone } from '../gen-zone.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'zonedns');
const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : null)).filter(Boolean));
const EDITS = Number(args.edits ?? 20);
const BIG = Number(args.big ?? 1_000_000);
const RELOADS = Number(args.reloads ?? 100);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function freePort() {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  s.close();
  return p;
}

async function startServer(dir) {
  const port = await freePort();
  // The bench polls from one address: RRL (on by default, 200/s) would slip its answers to TC.
  const config = join(mkdtempSync(join(tmpdir(), 'zonedns-reload-config-')), 'zonedns.json');
  writeFileSync(config, JSON.stringify({ rrl: { enabled: false } }));
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--zones', dir, '--listen', `127.0.0.1:${port}`, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  return { child, port, log: () => log };
}

function ask(port, name, type = 'A', timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); resolve(undefined); }, timeoutMs);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(dnsPacket.decode(m)); });
    sock.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type }] }), port, '127.0.0.1');
  });
}

async function waitAnswer(port, name, predicate, timeoutMs) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const r = await ask(port, name, 'A', 200);
    if (r && predicate(r)) return performance.now() - start;
    await sleep(5);
  }
  return undefined;
}

const addrs = (r) => (r.answers ?? []).filter((a) => a.type === 'A').map((a) => a.data);

async function phaseSmall() {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-reload-'));
  const file = join(dir, 'example.com.zone');
  copyFileSync(join(ROOT, 'zones', 'example.com.zone'), file);
  const base = readFileSync(file, 'utf8');
  const srv = await startServer(dir);
  try {
    if ((await waitAnswer(srv.port, 'ns1.example.com', (r) => addrs(r).includes('192.0.2.53'), 10_000)) === undefined) throw new Error(`server did not start:\n${srv.log()}`);
    const times = [];
    for (let i = 1; i <= EDITS; i++) {
      const addr = `192.0.2.${100 + (i % 100)}`;
      const text = base.replace('2026112401 ; serial', `${2026112401 + i} ; serial`).replace('ns1     IN A    192.0.2.53', `ns1     IN A    ${addr}`);
      const t0 = performance.now();
      writeFileSync(file, text);
      const waited = await waitAnswer(srv.port, 'ns1.example.com', (r) => addrs(r).includes(addr), 5000);
      times.push(waited === undefined ? Infinity : performance.now() - t0);
      await sleep(50);
    }
    return times;
  } finally {
    srv.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function phaseBig() {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-reload-big-'));
  const source = generateZone({ records: BIG });
  const file = join(dir, 'bench.example.zone');
  const base = readFileSync(source.file, "latin1");
  writeFileSync(file, base, 'latin1');
  const started = performance.now();
  const srv = await startServer(dir);
  try {
    if ((await waitAnswer(srv.port, 'bench.example', (r) => r.rcode === 'NOERROR' || (r.answers ?? []).length > 0, 120_000)) === undefined) throw new Error(`big zone did not load:\n${srv.log()}`);
    const loadS = (performance.now() - started) / 1000;
    const times = [];
    for (let i = 1; i <= 3; i++) {
      const addr = `198.51.100.${i}`;
      const t0 = performance.now();
      writeFileSync(file, `${base}\nreload-probe A ${addr}\n`, 'latin1');
      const waited = await waitAnswer(srv.port, 'reload-probe.bench.example', (r) => addrs(r).includes(addr), 60_000);
      times.push(waited === undefined ? Infinity : performance.now() - t0);
    }
    return { loadS, times };
  } finally {
    srv.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function phaseLoad() {
  if (spawnSync('which', ['dnsperf']).status !== 0) return { skipped: 'dnsperf not installed (apt-get install dnsperf)' };
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-reload-load-'));
  const file = join(dir, 'example.com.zone');
  copyFileSync(join(ROOT, 'zones', 'example.com.zone'), file);
  const base = readFileSync(file, 'utf8');
  const srv = await startServer(dir);
  const queries = join(dir, 'queries.txt');
  writeFileSync(queries, ['example.com A', 'www.example.com A', 'mail1.example.com A', 'example.com MX', 'ns1.example.com A', 'example.com AAAA', 'nothing.example.com A'].join('\n') + '\n');
  try {
    await waitAnswer(srv.port, 'ns1.example.com', (r) => addrs(r).length > 0, 10_000);
    const seconds = Math.ceil((RELOADS * 250) / 1000) + 3;
    const perf = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(srv.port), '-d', queries, '-l', String(seconds), '-c', '2', '-q', '50', '-t', '2', '-Q', '5000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let perfOut = '';
    perf.stdout.on('data', (d) => { perfOut += d; });
    // The verifier: ns1 must always be one of the two addresses the versions alternate between.
    let verified = 0;
    let wrong = 0;
    let lost = 0;
    let stop = false;
    const verifier = (async () => {
      while (!stop) {
        const r = await ask(srv.port, 'ns1.example.com', 'A', 1000);
        if (!r) lost++;
        else if (r.rcode !== 'NOERROR' || !['192.0.2.53', '192.0.2.54'].includes(addrs(r)[0]) || addrs(r).length !== 1) wrong++;
        else verified++;
      }
    })();
    for (let i = 1; i <= RELOADS; i++) {
      const addr = i % 2 ? '192.0.2.54' : '192.0.2.53';
      writeFileSync(file, base.replace('2026112401 ; serial', `${2026112401 + i} ; serial`).replace('ns1     IN A    192.0.2.53', `ns1     IN A    ${addr}`));
      await sleep(250);
    }
    const perfExit = new Promise((r) => perf.on('exit', r));
    await perfExit;
    stop = true;
    await verifier;
    const reloads = (srv.log().match(/zone reloaded/g) ?? []).length;
    const num = (re) => Number((re.exec(perfOut) ?? [])[1] ?? NaN);
    return {
      dnsperf: {
        sent: num(/Queries sent:\s+(\d+)/), completed: num(/Queries completed:\s+(\d+)/), lost: num(/Queries lost:\s+(\d+)/),
        noerror: num(/NOERROR (\d+)/), nxdomain: num(/NXDOMAIN (\d+)/), servfail: num(/SERVFAIL (\d+)/) || 0, refused: num(/REFUSED (\d+)/) || 0,
        qps: num(/Queries per second:\s+([\d.]+)/),
      },
      verifier: { verified, wrong, lost },
      edits: RELOADS,
      reloadsLogged: reloads,
    };
  } finally {
    srv.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = await phaseSmall();
console.log(`small zone (example.com), ${EDITS} edits: write -> new answer min ${Math.min(...small).toFixed(0)} ms, median ${median(small).toFixed(0)} ms, max ${Math.max(...small).toFixed(0)} ms (target < 300 ms)`);
if (BIG > 0) {
  const big = await phaseBig();
  console.log(`big zone (${BIG} records): first load ${big.loadS.toFixed(1)} s; write -> new answer ${big.times.map((t) => (t / 1000).toFixed(2)).join(', ')} s (target < 5 s)`);
}
if (RELOADS > 0) {
  const load = await phaseLoad();
  console.log(`under load, ${RELOADS} reloads: ${JSON.stringify(load)}`);
}
