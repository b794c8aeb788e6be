// The attacking client of test/daemon/tcp-attacks.test.ts, in a process of its own so that its
// hundreds of connections do not starve the test's legitimate client of its event loop.
//
//   node tcp-attacker.mjs '{"mode":"slowloris","host":"127.0.0.1","port":5300,"from":"127.10.0","addresses":13,"perAddress":40,"ms":3000}'
//
// Modes: slowloris (each connection trickles a query an octet every 150 ms, and reconnects when
// cut off), idle (connections that send nothing), pipeline (each connection writes `queries`
// queries for `name` at once and never reads). Runs for `ms`, closes everything, and prints one
// line of JSON: { opened, cut } (cut: connections the server closed before the attacker did).

import net from 'node:net';

const o = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = Date.now() + o.ms;
const stats = { opened: 0, cut: 0 };
const sockets = new Set();

function encodeName(name) {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function framedQuery(id, name, type) {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4);
  const msg = Buffer.concat([header, encodeName(name), Buffer.from([type >> 8, type & 0xff, 0, 1])]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

function open(localAddress) {
  return new Promise((resolve) => {
    const s = net.connect({ host: o.host, port: o.port, localAddress });
    s.on('error', () => undefined);
    s.once('connect', () => {
      stats.opened++;
      sockets.add(s);
      s.once('close', () => {
        sockets.delete(s);
        if (Date.now() < until) stats.cut++;
      });
      resolve(s);
    });
    s.once('close', () => resolve(undefined));
  });
}

async function slowloris(from) {
  const message = framedQuery(1, o.name, 1);
  while (Date.now() < until) {
    const s = await open(from);
    if (s === undefined) {
      await sleep(100);
      continue;
    }
    const closed = new Promise((r) => s.once('close', r));
    for (let i = 0; i < message.length - 1 && !s.destroyed && Date.now() < until; i++) {
      s.write(message.subarray(i, i + 1));
      await Promise.race([sleep(150), closed]);
    }
    s.destroy();
  }
}

async function idle(from) {
  await open(from);
}

const burst = o.mode === 'pipeline' ? Buffer.concat(Array.from({ length: o.queries }, (_, i) => framedQuery(i, o.name, 16))) : undefined;

async function pipeline(from) {
  const s = await open(from);
  if (s === undefined) return;
  s.pause(); // never reads an answer
  s.write(burst);
}

const run = { slowloris, idle, pipeline }[o.mode];
const addresses = Array.from({ length: o.addresses }, (_, i) => `${o.from}.${1 + i}`);
await Promise.all(addresses.flatMap((from) => Array.from({ length: o.perAddress }, () => run(from))));
await sleep(Math.max(0, until - Date.now()));
for (const s of sockets) s.destroy();
process.stdout.write(`${JSON.stringify(stats)}\n`);
