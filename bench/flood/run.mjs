#!/usr/bin/env node
// A spoofed-source flood on loopback, against zonedns and NSD with their default response rate
// limiting: what a victim whose address the queries carry receives, next to what was sent in its
// name, and whether a real client on another prefix still gets its answers.
//
//   npm run bench:flood
//   FLOODS=20000/2 npm run bench:flood
//
// Each flood is COUNT queries over SECONDS (FLOODS, default "2000/1.6,20000/2": the issue's, and
// one ten times denser), "from" 250 addresses of 127.1.0.0/24: on loopback any 127/8 address can
// be bound, so the replies come back here and are counted. The query (37 octets with EDNS) asks
// for a TXT RRset of ~1,100 octets: 30x amplification without RRL. Meanwhile a client on
// 127.0.2.1 asks every 50 ms. What a victim gets depends on how the flood compares with the
// limit: the first second's worth of full answers (the burst a new key is allowed) weighs more
// in a short, thin flood. Environment: FLOODS, SERVERS (zonedns,nsd), OUT. Loopback only, ports
// 5321-5322; each server is stopped by its PID. Needs Debian's nsd for the comparison (skipped
// if missing).

import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { portBusy, startServer, stopServer } from '../qps/lifecycle.mjs';
import { which } from '../qps/servers.mjs';
import { nsdConf } from '../peers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const env = (k, d) => (process.env[k] ? process.env[k] : d);
const FLOODS = env('FLOODS', '2000/1.6,20000/2').split(',').map((f) => f.split('/').map(Number));
const SERVERS = env('SERVERS', 'zonedns,nsd').split(',');
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const OUT = resolve(env('OUT', join(ROOT, 'bench/out', `flood-${stamp}`)));
mkdirSync(OUT, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the zone and the queries --------------------------------------------------------------------

const ZONE = 'f.test';
const txt = Array.from({ length: 5 }, (_, i) => `b TXT "${String(i).repeat(200)}"`).join('\n');
writeFileSync(join(OUT, `${ZONE}.zone`), `$ORIGIN ${ZONE}.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.80\n${txt}\n`);

function encodeName(name) {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}
function query(id, name, type, edns) {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(1, 4);
  if (edns) h.writeUInt16BE(1, 10);
  const q = Buffer.concat([encodeName(name), Buffer.from([0, type, 0, 1])]);
  const opt = edns ? Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]) : Buffer.alloc(0); // OPT, 1232
  return Buffer.concat([h, q, opt]);
}

// ---- the servers -----------------------------------------------------------------------------------

const DEFS = {
  zonedns: {
    port: 5321,
    label: 'zonedns (defaults: RRL 200/s, slip 2)',
    missing: () => undefined,
    argv: (dir) => [process.execPath, join(ROOT, 'bin/zonedns'), 'serve', '--zones', OUT, '--listen', `127.0.0.1:5321`, '--log-level', 'warn'],
  },
  nsd: {
    port: 5322,
    label: 'NSD (defaults: rrl-ratelimit 200, slip 2)',
    missing: () => (which('nsd') ? undefined : 'nsd not found (Debian: apt-get install nsd)'),
    argv: (dir) => {
      writeFileSync(join(dir, 'nsd.conf'), nsdConf({ dir, listen: '127.0.0.1', zonesDir: OUT, zones: [{ name: ZONE, file: `${ZONE}.zone` }], server: ['port: 5322'] }));
      return [which('nsd'), '-d', '-c', join(dir, 'nsd.conf')];
    },
  },
};

function bind(address) {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  return new Promise((res, rej) => {
    s.once('error', rej);
    s.bind(0, address, () => res(s));
  });
}

async function flood(port, COUNT, SECONDS) {
  const victims = await Promise.all(Array.from({ length: 250 }, (_, i) => bind(`127.1.0.${1 + i}`)));
  const legit = await bind('127.0.2.1');
  const r = { sent: 0, bytesIn: 0, bytesOut: 0, full: 0, truncated: 0, other: 0, legitAsked: 0, legitAnswered: 0 };
  for (const s of victims) {
    s.on('message', (m) => {
      r.bytesOut += m.length;
      const tc = (m[2] & 0x02) !== 0;
      if (tc) r.truncated++;
      else if (m.readUInt16BE(6) > 0) r.full++;
      else r.other++;
    });
  }
  legit.on('message', (m) => {
    if ((m[2] & 0x02) === 0 && m.readUInt16BE(6) === 1) r.legitAnswered++;
  });
  const q = query(0x1234, `b.${ZONE}`, 16, true);
  const rounds = Math.ceil(COUNT / victims.length);
  const gap = (SECONDS * 1000) / rounds;
  const t0 = performance.now();
  let legitId = 0;
  const legitLoop = setInterval(() => {
    legit.send(query(++legitId, `www.${ZONE}`, 1, false), port, '127.0.0.1');
    r.legitAsked++;
  }, 50);
  for (let round = 0; round < rounds; round++) {
    for (const s of victims) {
      if (r.sent >= COUNT) break;
      s.send(q, port, '127.0.0.1');
      r.sent++;
      r.bytesIn += q.length;
    }
    const due = t0 + (round + 1) * gap;
    await sleep(Math.max(0, due - performance.now()));
  }
  clearInterval(legitLoop);
  await sleep(500);
  for (const s of [...victims, legit]) s.close();
  return r;
}

const rows = [];
for (const name of SERVERS) {
  const def = DEFS[name];
  if (!def) throw new Error(`unknown server ${name} (zonedns, nsd)`);
  const why = def.missing();
  if (why) {
    console.error(`skipping ${name}: ${why}`);
    continue;
  }
  if (await portBusy(def.port)) throw new Error(`port ${def.port} is in use`);
  const dir = join(OUT, name);
  mkdirSync(dir, { recursive: true });
  for (const [count, seconds] of FLOODS) {
    const srv = await startServer({
      argv: def.argv(dir), logFile: join(dir, 'server.log'), port: def.port, probe: { name: `www.${ZONE}`, type: 'A', address: '192.0.2.80' },
    });
    try {
      await sleep(1500); // the readiness probe's key has nothing to do with the flood's, but let it settle
      const r = await flood(def.port, count, seconds);
      rows.push({ name, label: def.label, count, seconds, ...r });
      console.error(`${def.label}, ${count} in ${seconds} s: ${JSON.stringify(r)}`);
    } finally {
      await stopServer(srv);
    }
  }
}

const lines = [
  'Spoofed flood: queries for a ~1,100-octet TXT answer from 250 addresses of 127.1.0.0/24; a client on 127.0.2.1 every 50 ms.',
  '',
  '| server | flood | octets in | octets out | out ÷ in | full answers | TC=1 | dropped | real client answered |',
  '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...rows.map((r) => `| ${r.label} | ${r.sent} in ${r.seconds} s | ${r.bytesIn} | ${r.bytesOut} | ${(r.bytesOut / r.bytesIn).toFixed(2)} | ${r.full} | ${r.truncated} | ${r.sent - r.full - r.truncated - r.other} | ${r.legitAnswered}/${r.legitAsked} |`),
];
writeFileSync(join(OUT, 'table.md'), lines.join('\n') + '\n');
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ FLOODS, rows }, null, 2));
console.log(lines.join('\n'));
