// The native UDP backend (src/server/udp-batch.ts over native/udp_batch): real answers on
// 127.0.0.1 and ::1, thousands of datagrams in flight (batches of up to 64 each way), the same
// bytes and the same drops as the node:dgram backend for odd input, and a clean close.
// Without the addon (`npm run build:native` not run) these tests skip visibly; with
// ZONEDNS_REQUIRE_PEERS=1 (CI, which builds it) a missing addon fails instead.

import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { silentLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer, type UdpBackend } from '../../src/server/server.js';
import { listenUdpBatch, nativeUdpUnavailable } from '../../src/server/udp-batch.js';
import { parseConfig } from '../../src/cli/config.js';
import { cleanupDaemons, runZonedns, startDaemon } from '../daemon/support/daemon.js';
import { UdpClient } from '../e2e/support/net.js';
import { encodeName, flagsWord, header, query, u16 } from '../e2e/support/wire.js';
import { describeNative } from '../support/native.js';
import { decode, flagsOf, rcodeOf } from '../support/server.js';
import { registryOf, zoneFromText } from '../support/zones.js';

const HOSTS = 250;
const ZONE = [
  '$TTL 300',
  '@ SOA ns1 hostmaster 1 7200 900 1209600 300',
  '@ NS ns1',
  'ns1 A 192.0.2.1',
  'ns1 AAAA 2001:db8::1',
  '@ MX 10 mail',
  'mail A 192.0.2.25',
  'www CNAME web',
  'web A 192.0.2.80',
  'web A 192.0.2.81',
  'txt TXT "hello" "world"',
  'big TXT ' + Array.from({ length: 12 }, (_, i) => `"${String(i).padStart(3, '0')}${'x'.repeat(200)}"`).join(' '),
  ...Array.from({ length: HOSTS }, (_, i) => `host${i} A 10.0.${i >> 8}.${i & 255}`),
].join('\n');

function start(backend: UdpBackend, hosts: string[], log: Logger = silentLogger): Promise<RunningServer> {
  return startServer({
    registry: registryOf(zoneFromText('batch.test', ZONE)),
    endpoints: hosts.map((host) => ({ host, port: 0 })),
    rotate: 'none',
    maxUdp: 1232,
    log,
    udpBackend: backend,
  });
}

function udpPort(server: RunningServer, address: string): number {
  const l = server.listening.find((x) => x.transport === 'udp' && x.address === address);
  if (l === undefined) throw new Error(`no UDP listener on ${address}`);
  return l.port;
}

/** Polls `done` every 20 ms until it holds or `ms` pass (then rejects naming `what`). */
async function pollUntil(done: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Sends every message without waiting for replies, yielding to the event loop every `chunk`
 * sends: the server runs in this process, and with no turn to read, its default 208 KiB receive
 * buffer (about 256 small datagrams) would overflow. Hundreds stay in flight all the same.
 */
async function blast(c: UdpClient, msgs: Buffer[], chunk = 200): Promise<void> {
  for (let i = 0; i < msgs.length; i += chunk) {
    for (const m of msgs.slice(i, i + chunk)) void c.send(m);
    await new Promise((r) => setImmediate(r));
  }
}

const answers = (reply: Buffer): string[] => (decode(reply).answers ?? []).map((a) => `${a.name} ${a.type} ${JSON.stringify((a as { data: unknown }).data)}`);

describeNative('native UDP backend (udp_batch addon)', () => {
  let native: RunningServer;
  let node: RunningServer;
  const logs: string[] = [];
  const capture: Logger = { ...silentLogger, info: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`) };

  beforeAll(async () => {
    native = await start('native', ['127.0.0.1', '::1'], capture);
    node = await start('node', ['127.0.0.1', '::1']);
  });
  afterAll(async () => {
    await native?.close();
    await node?.close();
  });

  test('start-up logs which backend serves UDP', () => {
    expect(logs.filter((l) => l.startsWith('udp backend'))).toEqual(['udp backend {"backend":"native","requested":"native"}']);
  });

  for (const host of ['127.0.0.1', '::1']) {
    test(`answers over ${host}: A, AAAA, CNAME chain, MX with glue, NXDOMAIN, NODATA, TXT`, async () => {
      const c = await UdpClient.open(host, udpPort(native, host));
      try {
        const ask = async (name: string, type: string) => c.exchange(query(name, type, { rd: true }));
        const a = await ask('host7.batch.test', 'A');
        expect(answers(a)).toEqual(['host7.batch.test A "10.0.0.7"']);
        expect(flagsOf(a).aa).toBe(true);
        expect(answers(await ask('ns1.batch.test', 'AAAA'))).toEqual(['ns1.batch.test AAAA "2001:db8::1"']);
        expect(answers(await ask('www.batch.test', 'A'))).toEqual([
          'www.batch.test CNAME "web.batch.test"', 'web.batch.test A "192.0.2.80"', 'web.batch.test A "192.0.2.81"',
        ]);
        const mx = decode(await ask('batch.test', 'MX'));
        expect(mx.answers?.map((r) => (r as { data: unknown }).data)).toEqual([{ preference: 10, exchange: 'mail.batch.test' }]);
        expect(mx.additionals?.map((r) => `${r.name} ${(r as { data: unknown }).data}`)).toEqual(['mail.batch.test 192.0.2.25']);
        const nx = await ask('nope.batch.test', 'A');
        expect([rcodeOf(nx), decode(nx).authorities?.map((r) => r.type)]).toEqual([3, ['SOA']]);
        const nodata = await ask('web.batch.test', 'AAAA');
        expect([rcodeOf(nodata), decode(nodata).answers?.length, decode(nodata).authorities?.map((r) => r.type)]).toEqual([0, 0, ['SOA']]);
        expect(answers(await ask('txt.batch.test', 'TXT'))).toEqual([`txt.batch.test TXT ${JSON.stringify([Buffer.from('hello'), Buffer.from('world')])}`]);
      } finally {
        await c.close();
      }
    });
  }

  test('the same bytes as the node backend, query for query (IPv4 and IPv6, EDNS, 0x20 case, TC)', async () => {
    const queries = [
      query('host1.batch.test', 'A', { id: 101, rd: true }),
      query('HoSt2.BaTcH.tEsT', 'A', { id: 102 }),
      query('www.batch.test', 'A', { id: 103, edns: { udpSize: 4096, do: true } }),
      query('batch.test', 'NS', { id: 104, cd: true }),
      query('big.batch.test', 'TXT', { id: 105 }), // > 512 octets: TC without EDNS
      query('big.batch.test', 'TXT', { id: 106, edns: { udpSize: 4096 } }),
      query('nope.batch.test', 'MX', { id: 107, edns: {} }),
      query('other.test', 'A', { id: 108 }), // not ours: REFUSED
      query('batch.test', 'AXFR', { id: 109 }), // TCP only: NOTIMP
    ];
    for (const host of ['127.0.0.1', '::1']) {
      const a = await UdpClient.open(host, udpPort(native, host));
      const b = await UdpClient.open(host, udpPort(node, host));
      try {
        for (const q of queries) {
          const [x, y] = await Promise.all([a.exchange(q), b.exchange(q)]);
          expect(x.toString('hex')).toEqual(y.toString('hex'));
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
  });

  test('odd datagrams: dropped or FORMERR exactly as on the node backend, and serving goes on', async () => {
    const id = 0x5151;
    const cases: Array<{ name: string; msg: Buffer; expect: 'drop' | number }> = [
      { name: 'empty datagram', msg: Buffer.alloc(0), expect: 'drop' },
      { name: '5 octets', msg: Buffer.from([1, 2, 3, 4, 5]), expect: 'drop' },
      { name: 'QR=1 (a response)', msg: query('host1.batch.test', 'A', { id, qr: true }), expect: 'drop' },
      { name: 'truncated QNAME', msg: Buffer.concat([header({ id, flags: 0, qd: 1, an: 0, ns: 0, ar: 0 }), Buffer.from('\x05host1\x05bat', 'latin1')]), expect: 1 },
      { name: 'QDCOUNT=2', msg: Buffer.concat([header({ id, flags: 0, qd: 2, an: 0, ns: 0, ar: 0 }), encodeName('a.batch.test'), u16(1), u16(1)]), expect: 1 },
      { name: 'trailing garbage (1.4 kB)', msg: Buffer.concat([query('host1.batch.test', 'A', { id }), Buffer.alloc(1400, 0xee)]), expect: 1 },
      // Larger than any slot of a batching transport that assumed small queries: a 60 kB
      // datagram (loopback MTU is 64 kB) must be read whole and judged like on dgram.
      { name: 'oversize 60000-octet datagram', msg: Buffer.concat([query('host1.batch.test', 'A', { id }), Buffer.alloc(60000, 0)]), expect: 1 },
      { name: 'valid query padded with a 3 kB EDNS option', msg: query('host3.batch.test', 'A', { id, edns: { udpSize: 1232, options: [{ code: 12, data: Buffer.alloc(3000) }] } }), expect: 0 },
      { name: 'opcode 5 (UPDATE)', msg: Buffer.concat([header({ id, flags: flagsWord({ opcode: 5 }), qd: 1, an: 0, ns: 0, ar: 0 }), encodeName('batch.test'), u16(6), u16(1)]), expect: 4 },
    ];
    for (const host of ['127.0.0.1', '::1']) {
      const a = await UdpClient.open(host, udpPort(native, host));
      const b = await UdpClient.open(host, udpPort(node, host));
      try {
        for (const c of cases) {
          if (c.expect === 'drop') {
            // Same socket, same server, loopback: replies come back in order, so once the probe's
            // reply is in, any reply to the odd datagram would be too.
            const probe = query('host9.batch.test', 'A', { id: 0x7777 });
            for (const cl of [a, b]) {
              await cl.send(c.msg);
              await cl.exchange(probe);
              expect([c.name, cl.messages.filter((m) => m.length < 2 || m.readUInt16BE(0) !== 0x7777).length]).toEqual([c.name, 0]);
            }
          } else {
            const [x, y] = await Promise.all([a.exchange(c.msg), b.exchange(c.msg)]);
            expect([c.name, x[3] & 0xf]).toEqual([c.name, c.expect]);
            expect([c.name, x.toString('hex')]).toEqual([c.name, y.toString('hex')]);
          }
        }
        expect(answers(await a.exchange(query('host4.batch.test', 'A')))).toEqual(['host4.batch.test A "10.0.0.4"']);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
  });

  test('2000 queries in flight at once: every reply matched by ID and correct', async () => {
    const N = 2000;
    for (const host of ['127.0.0.1', '::1']) {
      // A large client buffer: 2000 replies land faster than a test process reads them.
      const c = await UdpClient.open(host, udpPort(native, host), 4 << 20);
      const expected = new Map<number, number>();
      const queries = new Map<number, Buffer>();
      for (let id = 1; id <= N; id++) {
        const i = (id * 7919) % HOSTS;
        expected.set(id, i);
        queries.set(id, query(`host${i}.batch.test`, 'A', { id }));
      }
      const got = new Map<number, Buffer>();
      try {
        // Loopback still drops when a socket buffer overflows (the test process is busy with
        // both ends): resend what is missing, a few bounded rounds. What matters is that every
        // ID gets its own, correct answer.
        for (let round = 0; round < 5 && got.size < N; round++) {
          const missing = [...queries.keys()].filter((id) => !got.has(id));
          await blast(c, missing.map((id) => queries.get(id)!));
          let last = -1;
          let stable = 0;
          await pollUntil(() => {
            for (const m of c.messages.splice(0)) got.set(m.readUInt16BE(0), m);
            stable = got.size === last ? stable + 1 : 0;
            last = got.size;
            return got.size === N || stable >= 25;
          }, 10_000, `replies, round ${round}`);
        }
        expect(got.size).toBe(N);
        for (const [id, reply] of got) {
          const i = expected.get(id)!;
          const p = decode(reply);
          expect([id, p.questions?.[0]?.name, answers(reply)]).toEqual([id, `host${i}.batch.test`, [`host${i}.batch.test A "10.0.${i >> 8}.${i & 255}"`]]);
        }
      } finally {
        await c.close();
      }
    }
  });
});

describeNative('native UDP listener (listenUdpBatch)', () => {
  test('a reply buffer reused by the handler is copied before the next datagram', async () => {
    // As the answer cache may do: one buffer, rewritten for every query.
    const shared = Buffer.alloc(12);
    const clients: string[] = [];
    const l = await listenUdpBatch('127.0.0.1', 0, (msg, client) => {
      clients.push(client);
      msg.copy(shared, 0, 0, 2);
      shared[2] = 0x80;
      return shared;
    }, silentLogger);
    const c = await UdpClient.open('127.0.0.1', l.port, 4 << 20);
    try {
      const ids = () => new Set(c.messages.map((m) => m.readUInt16BE(0)));
      await blast(c, Array.from({ length: 300 }, (_, i) => query('a.test', 'A', { id: i + 1 })), 150);
      await pollUntil(() => ids().size === 300, 10_000, '300 replies');
      expect(ids().size).toBe(300);
      expect(new Set(clients)).toEqual(new Set(['127.0.0.1']));
      // Several datagrams were handled per batch (else this proved nothing about the copy).
      expect(l.stats().maxBatch).toBeGreaterThan(1);
    } finally {
      await c.close();
      await l.close();
    }
  });

  test('a throwing handler is logged and the socket keeps serving', async () => {
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (m, f) => errors.push(`${m} ${f?.error}`) };
    const l = await listenUdpBatch('::1', 0, (msg) => {
      if (msg.readUInt16BE(0) === 1) throw new Error('boom');
      return Buffer.from(msg.subarray(0, 12));
    }, log);
    const c = await UdpClient.open('::1', l.port);
    try {
      await c.send(query('a.test', 'A', { id: 1 }));
      const reply = await c.exchange(query('a.test', 'A', { id: 2 }));
      expect(reply.readUInt16BE(0)).toBe(2);
      expect(errors).toEqual(['query handler failed boom']);
    } finally {
      await c.close();
      await l.close();
    }
  });

  test('a taken port is EADDRINUSE (no SO_REUSEADDR), and close() frees it at once', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const reply = (msg: Buffer) => Buffer.from(msg.subarray(0, 12));
      const first = await listenUdpBatch(host, 0, reply, silentLogger);
      const port = first.port;
      await expect(listenUdpBatch(host, port, reply, silentLogger)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await first.close();
      await first.close(); // idempotent
      // A plain dgram socket binds the freed port, then the native listener again.
      const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, host, () => resolve());
      });
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      const again = await listenUdpBatch(host, port, reply, silentLogger);
      const c = await UdpClient.open(host, port);
      try {
        expect((await c.exchange(query('a.test', 'A', { id: 77 }))).readUInt16BE(0)).toBe(77);
      } finally {
        await c.close();
        await again.close();
      }
    }
  });
});

describe('udpBackend selection', () => {
  test("'node' uses node:dgram even when the addon is built, and says so", async () => {
    const logs: string[] = [];
    const server = await start('node', ['127.0.0.1'], { ...silentLogger, info: (m, f) => logs.push(`${m} ${f?.backend}`) });
    try {
      expect(logs).toContain('udp backend node');
      const c = await UdpClient.open('127.0.0.1', udpPort(server, '127.0.0.1'));
      try {
        expect(answers(await c.exchange(query('host5.batch.test', 'A')))).toEqual(['host5.batch.test A "10.0.0.5"']);
      } finally {
        await c.close();
      }
    } finally {
      await server.close();
    }
  });

  test("'auto' picks native exactly when the addon loaded; 'native' without it is a configuration error", async () => {
    const logs: string[] = [];
    const why = nativeUdpUnavailable();
    const start2 = () => start(why === undefined ? 'auto' : 'native', ['127.0.0.1'], { ...silentLogger, info: (m, f) => logs.push(`${m} ${f?.backend}`) });
    if (why !== undefined) {
      await expect(start2()).rejects.toThrow(/udpBackend "native"/);
      return;
    }
    const server = await start2();
    await server.close();
    expect(logs).toContain('udp backend native');
  });
});


describe('udpBackend in the configuration file and on the command line', () => {
  afterEach(cleanupDaemons);

  test('config key udpBackend: auto, node, native; anything else names the key', () => {
    for (const v of ['auto', 'node', 'native'] as const) expect(parseConfig(JSON.stringify({ udpBackend: v }), '/').udpBackend).toBe(v);
    expect(parseConfig('{}', '/').udpBackend).toBe('auto'); // the schema's default
    expect(() => parseConfig('{"udpBackend":"fast"}', '/')).toThrow('udpBackend: expected one of auto, node, native');
  });

  test('serve --udp-backend with a bad value is a usage error', async () => {
    const r = await runZonedns(['serve', '--udp-backend', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/udp-backend.*Choices: "auto", "node", "native"/s);
  });

  test('serve --udp-backend node|auto: the log says which backend answers, and it answers', async () => {
    const backends: Array<[UdpBackend, string]> = [['node', 'node'], ['auto', nativeUdpUnavailable() === undefined ? 'native' : 'node']];
    for (const [flag, used] of backends) {
      const d = await startDaemon({ args: ['--udp-backend', flag] });
      expect(d.logLines(/ info udp backend /)).toEqual([expect.stringContaining(`backend=${used} requested=${flag}`)]);
      const a = await d.query('example.com', 'A');
      expect(a.answers.map((r) => (r as { data: string }).data)).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']);
      await d.stop();
    }
  });
});

// The addon's other job (native/udp_batch/memory.cc): `serve` asks it, once the zones are loaded,
// to run a GC that shrinks V8's young generation. In a child process, so this test's own heap
// does not matter: objects that survive grow the young generation; the call must shrink it.
describeNative('reduceMemory (the GC `serve` runs after loading)', () => {
  test('shrinks a young generation grown by surviving objects, and keeps the objects', () => {
    const dist = new URL('../../dist/server/udp-batch.js', import.meta.url).href;
    const script = `
      import v8 from 'node:v8';
      import { reduceMemory } from ${JSON.stringify(dist)};
      const keep = [];
      for (let i = 0; i < 300000; i++) keep.push({ i, s: 'x' + i });
      const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      const before = size();
      const ok = reduceMemory();
      console.log(JSON.stringify({ before, after: size(), ok, kept: keep.length, last: keep[299999].s }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { before: number; after: number; ok: boolean; kept: number; last: string };
    expect(out).toMatchObject({ ok: true, kept: 300000, last: 'x299999' });
    expect(out.before).toBeGreaterThan(4 * 1048576);
    expect(out.after).toBeLessThan(out.before / 4);
  });
});

// trimMalloc(true): malloc's free pages go back to the system from a thread of its own, so the
// thread that answers does not wait for it (a dead load worker's arena took 39 ms). The freed
// buffers are interleaved with kept ones, so free() alone gives nothing back.
describeNative('trimMalloc(true) (after a load worker ends)', () => {
  test('gives freed malloc memory back, on a thread of its own', () => {
    const dist = new URL('../../dist/server/udp-batch.js', import.meta.url).href;
    const script = `
      import { trimMalloc } from ${JSON.stringify(dist)};
      const rss = () => process.memoryUsage.rss() / 1048576;
      let keep = [];
      for (let i = 0; i < 40000; i++) keep.push(Buffer.allocUnsafeSlow(2048).fill(1));
      keep = keep.filter((_, i) => i % 64 === 63);
      globalThis.gc();
      globalThis.gc();
      const freed = rss();
      const ok = trimMalloc(true);
      let after = rss();
      for (let i = 0; i < 500 && after > freed - 40; i++) {
        await new Promise((r) => setTimeout(r, 10));
        after = rss();
      }
      console.log(JSON.stringify({ freed, after, ok, kept: keep.length }));`;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { freed: number; after: number; ok: boolean; kept: number };
    expect(out).toMatchObject({ ok: true, kept: 625 });
    expect(out.after).toBeLessThan(out.freed - 40);
  });
});
