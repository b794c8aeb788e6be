// Robustness: seeded random and mutated messages (test/e2e/support/fuzz.ts) thrown at the query
// handler in process and at a real server over UDP and TCP. Every reply must be a well-formed
// response to the message that caused it (strict parse, QR=1, ID/opcode/RD echoed, RA=0, the
// question echoed byte for byte, within the size limit); messages without a header or with QR=1
// must get nothing, every other message exactly one reply; and the server must still answer
// correctly afterwards, without having logged a handler failure. DNS cookies are on (the corpus
// carries COOKIE options), and the in-process run is repeated with response rate limiting on.
//
// In `npm test` this is a smoke: 100,000 packets over UDP, 5,000 over TCP, against a server in
// this process. `npm run fuzz` (ZONEDNS_FUZZ=full) throws 10,000,000 over UDP and 1,000,000 over
// TCP at a `zonedns serve` process: a crash is its exit, a hang a sentinel left unanswered.
//
// Reproduce a failure with ZONEDNS_FUZZ_SEED=<seed printed in the failure>.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RRL } from '../../src/limits/rrl.js';
import { startLimits } from '../../src/limits/setup.js';
import { silentLogger } from '../../src/log.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { cleanupDaemons, makeTempDir, startDaemon } from '../daemon/support/daemon.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { TRICKY_ZONE, startE2eServer } from './support/server.js';
import { TcpClient, UdpClient, deadline, framed } from './support/net.js';
import { Prng, corpus, mustDrop, mutate } from './support/fuzz.js';
import { lines, parseResponse, query } from './support/wire.js';

const SEED = Number(process.env.ZONEDNS_FUZZ_SEED ?? 0x5eed2026);
const FULL = process.env.ZONEDNS_FUZZ === 'full';
const IN_PROCESS = 100_000;
/** The rerun with limits on: the same paths plus cookies and RRL, fewer of them. */
const IN_PROCESS_LIMITS = FULL ? 1_000_000 : 30_000;
const UDP_PACKETS = FULL ? 10_000_000 : 100_000;
/**
 * Packets sent before waiting for the server to catch up (a sentinel query's answer). The server
 * cannot read while this test sends (one event loop), so a batch must fit in its socket buffer:
 * with the default 208 KiB (rmem_default) a loopback socket holds ~256 small datagrams, ~166 of
 * 600 octets (measured); 100 leaves room.
 */
const UDP_BATCH = 100;
const TCP_CONNECTIONS = FULL ? 100 : 10;
const TCP_PER_CONNECTION = FULL ? 10_000 : 500;
/** Connections fuzzed at once (the full run's 100 go in waves, so replies need not all be held). */
const TCP_CONCURRENCY = 10;
const GARBAGE_CONNECTIONS = 4;
/** Per test: the smoke fits jest's default; the full run takes minutes. */
const TIMEOUT = FULL ? 4 * 3600_000 : 60_000;
/** IDs at or above this are sentinels; fuzz messages get their index in the batch as ID. */
const SENTINEL_BASE = 0xf000;

const CORPUS = corpus();

/** The server under fuzz: in this process (smoke), or a `zonedns serve` process (full). */
interface Target {
  host: string;
  port: number;
  /** Lines the server logged that mean something went wrong in it (a handler failure is one). */
  logged(): string[];
  /** False once the server process has exited (a crash). */
  running(): boolean;
  close(): Promise<void>;
}
let srv: Target;

beforeAll(async () => {
  if (!FULL) {
    const e2e = await startE2eServer([{ origin: 'tricky.test', text: TRICKY_ZONE }], { cookies: {} });
    srv = { host: e2e.host, port: e2e.port, logged: () => e2e.logged, running: () => true, close: () => e2e.close() };
    return;
  }
  // Rate limiting off: every message must get its reply. Cookies on, as by default.
  const config = join(makeTempDir(), 'zonedns.json');
  writeFileSync(config, JSON.stringify({ rrl: { enabled: false } }));
  const d = await startDaemon({ bundled: false, files: { 'tricky.test.zone': TRICKY_ZONE }, args: ['--config', config] });
  // Errors only: the corpus sends NOTIFYs from a stranger and broken TSIGs on purpose, and the
  // daemon rightly warns about those (a few lines, rate-limited: limits/log-limit.ts); a handler
  // failure is an error line.
  srv = { host: d.host, port: d.port, logged: () => d.lines.filter((l) => / error /.test(l)), running: () => d.running, close: () => cleanupDaemons() };
}, 30_000);
afterAll(async () => {
  await srv.close();
});

const hex = (b: Buffer) => b.toString('hex');

/** Linux's count of UDP datagrams dropped for a full receive buffer (all sockets), if readable. */
function udpRcvbufErrors(): number | undefined {
  try {
    const rows = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp: '));
    const names = rows[0]!.split(/\s+/);
    const values = rows[1]!.split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')]);
  } catch {
    return undefined;
  }
}

/**
 * Why `reply` is not an acceptable answer to `msg`, or undefined when it is. `transport` 'udp'
 * adds the size limits: 512 without an OPT in the reply, our 1232 with one.
 */
function problemWith(msg: Buffer, reply: Buffer | undefined, transport: 'udp' | 'tcp'): string | undefined {
  if (mustDrop(msg)) return reply === undefined ? undefined : 'answered a message that has no header or QR=1';
  if (reply === undefined) return 'no reply to a message with a header and QR=0';
  if (reply.length < 12) return `reply of ${reply.length} octets`;
  let r;
  try {
    r = parseResponse(reply);
  } catch (err) {
    return `malformed reply (${(err as Error).message}): ${hex(reply)}`;
  }
  const qf = msg.readUInt16BE(2);
  if (!r.qr) return 'QR=0 in the reply';
  if (r.id !== msg.readUInt16BE(0)) return `ID ${r.id} for ${msg.readUInt16BE(0)}`;
  if (r.opcode !== ((qf >> 11) & 0xf)) return `opcode ${r.opcode} for ${(qf >> 11) & 0xf}`;
  if (r.rd !== ((qf & 0x100) !== 0)) return 'RD not copied';
  if (r.ra || r.z) return 'RA or Z set';
  if (r.question && !reply.subarray(12, 12 + r.question.bytes.length).equals(msg.subarray(12, 12 + r.question.bytes.length))) {
    return 'question not echoed byte for byte';
  }
  if (transport === 'udp') {
    const limit = r.opt ? 1232 : 512;
    if (reply.length > limit) return `UDP reply of ${reply.length} octets over ${limit}`;
  }
  if (r.opt && r.opt.udpSize !== 1232) return `OPT advertises ${r.opt.udpSize}`;
  return undefined;
}

function report(problems: string[], label: string): void {
  // One readable failure listing the first problems, with the seed to reproduce.
  expect({ label, seed: SEED, problems: problems.slice(0, 10), total: problems.length }).toEqual({ label, seed: SEED, problems: [], total: 0 });
}

const inProcess = (limits: boolean) => () => {
  const count = limits ? IN_PROCESS_LIMITS : IN_PROCESS;
  const running = limits ? startLimits({ rrl: { ...DEFAULT_RRL, responsesPerSecond: 1000 }, cookies: {}, log: silentLogger, maxUdp: 1232 }) : undefined;
  const ctx: HandlerContext = { registry: registryOf(zoneFromText('tricky.test', TRICKY_ZONE)), rotator: new Rotator('cyclic'), maxUdp: 1232, limits: running?.limits };
  const r = new Prng(SEED);
  const problems: string[] = [];
  let answered = 0;
  try {
    for (let i = 0; i < count; i++) {
      const msg = mutate(r, CORPUS);
      const transport = i & 1 ? 'udp' : 'tcp';
      let reply: Buffer | undefined;
      try {
        reply = handleMessage(msg, transport, ctx, `192.0.2.${i & 7}`);
      } catch (err) {
        problems.push(`#${i} threw ${(err as Error).stack}: ${hex(msg)}`);
        continue;
      }
      if (reply !== undefined) {
        answered++;
        if (!Buffer.isBuffer(reply)) {
          problems.push(`#${i} returned a ${typeof reply}`);
          continue;
        }
      }
      // Rate limiting may drop a reply; whatever goes out must still be right.
      if (limits && reply === undefined) continue;
      const p = problemWith(msg, reply, transport);
      if (p) problems.push(`#${i} ${transport}: ${p}; query ${hex(msg)}`);
    }
  } finally {
    running?.close();
  }
  report(problems, limits ? 'in process, with RRL and cookies' : 'in process');
  // The mix must exercise both paths, not just drops.
  expect(answered).toBeGreaterThan(count / 4);
  expect(answered).toBeLessThan(count);
  if (limits) expect(running!.limits.rrl!.counters.limited).toBeGreaterThan(0);
};

test(`in process: handleMessage on ${IN_PROCESS} mutations never throws and always returns a proper reply or nothing`, inProcess(false), TIMEOUT);
test(`in process, with RRL and cookies: ${IN_PROCESS_LIMITS} mutations, every reply proper`, inProcess(true), TIMEOUT);

test(`UDP: ${UDP_PACKETS} random and mutated packets, every reply well-formed, then correct answers`, async () => {
  const r = new Prng(SEED + 1);
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const problems: string[] = [];
  let batch: Buffer[] = [];
  let answeredInBatch = new Set<number>();
  let received = 0;
  let expected = 0;
  let sentinelWaiter: ((id: number) => void) | undefined;
  sock.on('message', (m) => {
    const id = m.length >= 2 ? m.readUInt16BE(0) : -1;
    if (id >= SENTINEL_BASE) {
      const p = parseResponse(m);
      if (lines(p.answer).length !== 2) problems.push(`sentinel answer ${lines(p.answer).join(', ')}`);
      sentinelWaiter?.(id);
      return;
    }
    received++;
    const msg = batch[id];
    if (msg === undefined) {
      problems.push(`reply with ID ${id}, not one of this batch: ${hex(m)}`);
      return;
    }
    if (answeredInBatch.has(id)) problems.push(`two replies to ${hex(msg)}`);
    answeredInBatch.add(id);
    const p = problemWith(msg, m, 'udp');
    if (p) problems.push(`${p}; query ${hex(msg)}`);
  });
  const send = (m: Buffer) => sock.send(m, srv.port, srv.host);
  let sentinel = SENTINEL_BASE;
  let resent = 0;
  const t0 = performance.now();
  const dropsBefore = udpRcvbufErrors();
  try {
    for (let sent = 0; sent < UDP_PACKETS; ) {
      batch = [];
      answeredInBatch = new Set();
      for (let i = 0; i < UDP_BATCH && sent < UDP_PACKETS; i++, sent++) {
        const m = mutate(r, CORPUS);
        if (m.length >= 2) m.writeUInt16BE(i, 0);
        batch.push(m);
        if (!mustDrop(m)) expected++;
        send(m);
      }
      // The server reads its socket in order: once the sentinel is answered, the batch is done.
      // A sentinel lost to a full socket buffer is sent again (a fresh ID each time).
      for (let attempt = 0; ; attempt++) {
        const id = sentinel;
        sentinel = sentinel === 0xffff ? SENTINEL_BASE : sentinel + 1;
        const answered = new Promise<void>((resolve) => {
          sentinelWaiter = (got) => got === id && resolve();
        });
        send(query('web.tricky.test', 'A', { id }));
        try {
          await deadline(answered, 1000, 'sentinel');
          break;
        } catch (err) {
          if (attempt >= 4) throw err;
          resent++;
        }
      }
    }
  } finally {
    sentinelWaiter = undefined;
    await new Promise<void>((resolve) => sock.close(() => resolve()));
  }
  if (process.env.ZONEDNS_FUZZ_VERBOSE) process.stderr.write(`UDP fuzz: ${UDP_PACKETS} sent, ${received} answered, ${resent} sentinels resent, ${Math.round(performance.now() - t0)} ms\n`);
  report(problems, 'UDP');
  // Every message with a header and QR=0 was answered, exactly once. A batch is sized to fit the
  // server's socket buffer, so none should be lost; any that were must show in the kernel's count
  // of receive-buffer drops (system-wide, so other processes' drops count too).
  const dropsAfter = udpRcvbufErrors();
  expect(received).toBeLessThanOrEqual(expected);
  if (dropsBefore !== undefined && dropsAfter !== undefined) {
    expect({ unanswered: expected - received, withinKernelDrops: expected - received <= dropsAfter - dropsBefore }).toEqual({ unanswered: expected - received, withinKernelDrops: true });
  } else {
    expect(received).toBeGreaterThanOrEqual(expected * 0.99);
  }

  // Still serving, with the right data.
  const u = await UdpClient.open(srv.host, srv.port);
  try {
    const a = parseResponse(await u.exchange(query('web.tricky.test', 'A', { edns: {} })));
    expect({ rcode: a.rcode, aa: a.aa, answer: lines(a.answer).sort() }).toEqual({
      rcode: 0, aa: true, answer: ['web.tricky.test. A 192.0.2.80', 'web.tricky.test. A 192.0.2.81'],
    });
  } finally {
    await u.close();
  }
  expect(srv.logged()).toEqual([]);
  expect(srv.running()).toBe(true);
}, TIMEOUT);

test(`TCP: ${TCP_CONNECTIONS * TCP_PER_CONNECTION} mutated messages on ${TCP_CONNECTIONS} connections, plus garbage streams, then correct answers`, async () => {
  const r = new Prng(SEED + 2);
  const problems: string[] = [];

  // Framed mutations, written in random-sized chunks; a sentinel query closes each stream.
  const framedRun = async (c: number): Promise<void> => {
    const msgs: Buffer[] = [];
    for (let i = 0; i < TCP_PER_CONNECTION; i++) {
      const m = mutate(r, CORPUS);
      if (m.length >= 2) m.writeUInt16BE(i, 0);
      msgs.push(m);
    }
    const sentinelId = SENTINEL_BASE + c;
    const stream = Buffer.concat([...msgs.map(framed), framed(query('web.tricky.test', 'A', { id: sentinelId }))]);
    const conn = await TcpClient.connect(srv.host, srv.port);
    try {
      for (let at = 0; at < stream.length; ) {
        const n = 1 + r.int(4096);
        conn.write(stream.subarray(at, at + n)).catch(() => undefined);
        at += n;
      }
      const expected = msgs.filter((m) => !mustDrop(m)).length;
      // Replies come in order on one connection (the handler is synchronous): the sentinel's is last.
      const replies = await conn.waitReplies(expected + 1, FULL ? 600_000 : 20_000);
      const last = replies[expected]!;
      if (last.readUInt16BE(0) !== sentinelId) problems.push(`conn ${c}: reply ${expected + 1} is not the sentinel's`);
      const answered = msgs.filter((m) => !mustDrop(m));
      replies.slice(0, expected).forEach((reply, k) => {
        const p = problemWith(answered[k]!, reply, 'tcp');
        if (p) problems.push(`conn ${c}: ${p}; query ${hex(answered[k]!)}`);
      });
      expect(conn.closed).toBe(false);
    } finally {
      conn.destroy();
    }
  };
  // In waves of TCP_CONCURRENCY connections.
  const framedRuns = (async () => {
    for (let c = 0; c < TCP_CONNECTIONS; c += TCP_CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(TCP_CONCURRENCY, TCP_CONNECTIONS - c) }, (_, k) => framedRun(c + k)));
    }
  })();

  // Garbage streams: random length prefixes and contents, then FIN. Whatever comes back must be
  // whole, well-formed response frames, and the server must hang up once we do.
  const garbageRuns = Array.from({ length: GARBAGE_CONNECTIONS }, async (_, c) => {
    const conn = await TcpClient.connect(srv.host, srv.port);
    try {
      const parts: Buffer[] = [];
      for (let size = 0; size < 16_384; ) {
        const p = r.next() < 0.5
          ? framed(mutate(r, CORPUS)).subarray(0, r.next() < 0.8 ? undefined : r.int(40)) // maybe a short frame
          : Buffer.concat([Buffer.from([r.int(256), r.int(256)]), r.bytes(r.int(300))]); // a random prefix
        parts.push(p);
        size += p.length;
      }
      await conn.write(Buffer.concat(parts));
      conn.end();
      await conn.waitClosed(10_000);
      for (const reply of conn.replies) {
        try {
          const p = parseResponse(reply);
          if (!p.qr || p.ra) problems.push(`garbage conn ${c}: QR=0 or RA=1 in ${hex(reply)}`);
        } catch (err) {
          problems.push(`garbage conn ${c}: malformed reply (${(err as Error).message}) ${hex(reply)}`);
        }
      }
      if (conn.partial !== 0) problems.push(`garbage conn ${c}: ${conn.partial} octets of an unfinished reply frame`);
    } finally {
      conn.destroy();
    }
  });

  await Promise.all([framedRuns, ...garbageRuns]);
  report(problems, 'TCP');

  // Still serving, with the right data, over TCP and UDP.
  const conn = await TcpClient.connect(srv.host, srv.port);
  try {
    const big = parseResponse(await conn.exchange(query('big.tricky.test', 'TXT')));
    expect({ tc: big.tc, n: big.answer.length }).toEqual({ tc: false, n: 6 });
    const web = parseResponse(await conn.exchange(query('WwW.tricky.test', 'A')));
    expect(lines(web.answer)[0]).toBe('www.tricky.test. CNAME web.tricky.test.');
    expect(lines(web.answer).slice(1).sort()).toEqual(['web.tricky.test. A 192.0.2.80', 'web.tricky.test. A 192.0.2.81']);
  } finally {
    conn.destroy();
  }
  const u = await UdpClient.open(srv.host, srv.port);
  try {
    const mx = parseResponse(await u.exchange(query('tricky.test', 'MX')));
    expect(lines(mx.answer)).toEqual(['tricky.test. MX 10 mail.tricky.test.', 'tricky.test. MX 20 mail2.elsewhere.example.']);
  } finally {
    await u.close();
  }
  expect(srv.logged()).toEqual([]);
  expect(srv.running()).toBe(true);
}, TIMEOUT);
