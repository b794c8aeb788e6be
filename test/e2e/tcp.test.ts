// DNS over TCP (RFC 1035 §4.2.2, RFC 7766) against a real server: connection reuse, pipelining,
// arbitrary segmentation, the idle timeout, the connection cap, back-pressure and clients that
// misbehave. Every wait is bounded; nothing sleeps to synchronize (the only timers pace a client
// that must stay busy for longer than the idle timeout).

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import net from 'node:net';
import { DEFAULT_TCP_OPTIONS } from '../../src/server/tcp.js';
import { TRICKY_ZONE, startE2eServer, type E2eServer } from './support/server.js';
import { TcpClient, UdpClient, deadline, framed, tick } from './support/net.js';
import { lines, parseResponse, query, type ParsedResponse } from './support/wire.js';

const ZONES = [{ origin: 'tricky.test', text: TRICKY_ZONE }];

let srv: E2eServer;
beforeAll(async () => {
  srv = await startE2eServer(ZONES);
});
afterAll(async () => {
  await srv.close();
  expect(srv.logged).toEqual([]);
});

/** Questions with distinct, recognizable answers. */
const QUESTIONS: Array<[string, string, (r: ParsedResponse) => void]> = [
  ['web.tricky.test', 'A', (r) => expect(lines(r.answer).sort()).toEqual(['web.tricky.test. A 192.0.2.80', 'web.tricky.test. A 192.0.2.81'])],
  ['tricky.test', 'MX', (r) => expect(r.answer.length).toBe(2)],
  ['big.tricky.test', 'TXT', (r) => expect(r.answer.length).toBe(6)],
  ['nope.web.tricky.test', 'A', (r) => expect(r.rcode).toBe(3)],
  ['www.example.com', 'A', (r) => expect(r.rcode).toBe(5)],
  ['mixedcase.tricky.test', 'A', (r) => expect(lines(r.answer)).toEqual(['mixedcase.tricky.test. A 192.0.2.77'])],
  ['ns2.tricky.test', 'AAAA', (r) => expect(lines(r.answer)).toEqual(['ns2.tricky.test. AAAA 2001:db8::54'])],
];

function checkAnswer(raw: Buffer, id: number, qi: number): void {
  const r = parseResponse(raw);
  expect(r.id).toBe(id);
  expect(r.qr).toBe(true);
  expect(r.tc).toBe(false);
  const [name, , check] = QUESTIONS[qi % QUESTIONS.length]!;
  expect(r.question!.name).toBe(`${name}.`);
  check(r);
}

const q = (i: number, id: number) => query(QUESTIONS[i % QUESTIONS.length]![0], QUESTIONS[i % QUESTIONS.length]![1], { id });

/** Connects and asks one question; 'closed' if the server hangs up without an answer. */
async function tryConnection(server: E2eServer, id: number, localAddress?: string): Promise<{ state: 'answered'; conn: TcpClient } | { state: 'closed' }> {
  let c: TcpClient;
  try {
    c = await TcpClient.connect(server.host, server.port, { localAddress });
  } catch {
    return { state: 'closed' }; // reset before the handshake completed
  }
  c.send(q(0, id)).catch(() => undefined);
  try {
    const r = await c.next(3000);
    checkAnswer(r, id, 0);
    return { state: 'answered', conn: c };
  } catch (err) {
    if (!c.closed) throw err;
    expect(c.replies.length).toBe(0);
    return { state: 'closed' };
  }
}

/** Polls (bounded) until a new connection to `server` gets an answer; returns that connection. */
function admitted(server: E2eServer, what: string): Promise<TcpClient> {
  return deadline((async () => {
    for (let n = 0; ; n++) {
      const r = await tryConnection(server, 0x9000 + (n & 0xfff));
      if (r.state === 'answered') return r.conn;
    }
  })(), 5000, what);
}

describe('framing and connection reuse', () => {
  test('several queries in turn on one connection are all answered', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      for (let i = 0; i < QUESTIONS.length * 2; i++) checkAnswer(await c.exchange(q(i, 100 + i)), 100 + i, i);
      expect(c.closed).toBe(false);
    } finally {
      c.destroy();
    }
  });

  test('50 pipelined queries in ONE write: all 50 answered, matched by ID', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => 0x1000 + i * 7);
      await c.write(Buffer.concat(ids.map((id, i) => framed(q(i, id)))));
      const replies = await c.waitReplies(50, 5000);
      const byId = new Map(replies.map((r) => [r.readUInt16BE(0), r]));
      expect(byId.size).toBe(50);
      ids.forEach((id, i) => checkAnswer(byId.get(id)!, id, i));
    } finally {
      c.destroy();
    }
  });

  test('a query written byte by byte (length prefix split too) is answered once complete', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      const bytes = framed(q(0, 0x2222));
      for (let i = 0; i < bytes.length; i++) {
        await c.write(bytes.subarray(i, i + 1));
        await tick(); // let the in-process server read this octet on its own
        if (i < bytes.length - 1) expect(c.replies.length).toBe(0);
      }
      checkAnswer(await c.next(), 0x2222, 0);
    } finally {
      c.destroy();
    }
  });

  test('two messages in one chunk: both answered', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      await c.write(Buffer.concat([framed(q(1, 0x3001)), framed(q(2, 0x3002))]));
      const [a, b] = await c.waitReplies(2, 3000);
      checkAnswer(a!, 0x3001, 1);
      checkAnswer(b!, 0x3002, 2);
    } finally {
      c.destroy();
    }
  });

  test('chunks cut at awkward places (inside prefixes, across messages) are reassembled', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      const stream = Buffer.concat([framed(q(0, 0x4001)), framed(q(3, 0x4002)), framed(q(5, 0x4003))]);
      const m1 = framed(q(0, 0x4001)).length;
      const m2 = framed(q(3, 0x4002)).length;
      const cuts = [1, 2, 5, m1 - 1, m1 + 1, m1 + m2, m1 + m2 + 1, stream.length];
      let from = 0;
      for (const cut of cuts) {
        await c.write(stream.subarray(from, cut));
        await tick();
        from = cut;
      }
      const replies = await c.waitReplies(3, 3000);
      checkAnswer(replies[0]!, 0x4001, 0);
      checkAnswer(replies[1]!, 0x4002, 3);
      checkAnswer(replies[2]!, 0x4003, 5);
    } finally {
      c.destroy();
    }
  });

  test('a zero-length message gets no reply and the connection stays usable', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      await c.write(Buffer.concat([Buffer.from([0, 0]), framed(q(0, 0x5001))]));
      checkAnswer(await c.next(), 0x5001, 0);
      checkAnswer(await c.exchange(q(1, 0x5002)), 0x5002, 1);
      expect(c.replies.length).toBe(2);
    } finally {
      c.destroy();
    }
  });

  test('a query followed by FIN (half-close) is still answered, then the server closes', async () => {
    const c = await TcpClient.connect(srv.host, srv.port, { allowHalfOpen: true });
    await c.send(q(0, 0x5101));
    c.end();
    checkAnswer(await c.next(), 0x5101, 0);
    await c.waitClosed(3000);
  });

  test('a large answer (over 512 octets) comes whole in one frame', async () => {
    const c = await TcpClient.connect(srv.host, srv.port);
    try {
      const raw = await c.exchange(query('big.tricky.test', 'TXT', { id: 0x5201 }));
      expect(raw.length).toBeGreaterThan(512);
      expect(parseResponse(raw).answer.length).toBe(6);
    } finally {
      c.destroy();
    }
  });
});

describe('clients that go away mid-message', () => {
  test('length prefix then disconnect, half a prefix then disconnect, 64 KiB promised then FIN: the server keeps serving', async () => {
    const a = await TcpClient.connect(srv.host, srv.port);
    await a.write(Buffer.from([0x00, 0x40]));
    a.destroy();
    const b = await TcpClient.connect(srv.host, srv.port);
    await b.write(Buffer.from([0x00]));
    b.destroy();
    const c = await TcpClient.connect(srv.host, srv.port);
    await c.write(Buffer.concat([Buffer.from([0xff, 0xff]), q(0, 1).subarray(0, 20)]));
    c.end();
    await c.waitClosed(3000);
    const d = await TcpClient.connect(srv.host, srv.port);
    await d.write(Buffer.concat([framed(q(1, 0x6000)), Buffer.from([0x01, 0x00, 0x12, 0x34])]));
    checkAnswer(await d.next(), 0x6000, 1);
    d.destroy();

    // Waiting for the server to see those closes would need a hook; the next answers are what count.
    const e = await TcpClient.connect(srv.host, srv.port);
    try {
      checkAnswer(await e.exchange(q(0, 0x6001)), 0x6001, 0);
      checkAnswer(await e.exchange(q(2, 0x6002)), 0x6002, 2);
    } finally {
      e.destroy();
    }
    const u = await UdpClient.open(srv.host, srv.port);
    try {
      checkAnswer(await u.exchange(q(0, 0x6003)), 0x6003, 0);
    } finally {
      await u.close();
    }
  });

  test('a partial message on one connection does not block another connection', async () => {
    const slow = await TcpClient.connect(srv.host, srv.port);
    const fast = await TcpClient.connect(srv.host, srv.port);
    try {
      await slow.write(framed(q(0, 0x6101)).subarray(0, 10));
      checkAnswer(await fast.exchange(q(1, 0x6102)), 0x6102, 1);
      const rest = framed(q(0, 0x6101)).subarray(10);
      await slow.write(rest);
      checkAnswer(await slow.next(), 0x6101, 0);
    } finally {
      slow.destroy();
      fast.destroy();
    }
  });
});

describe('idle timeout (idleTimeoutMs 300)', () => {
  let idle: E2eServer;
  beforeAll(async () => {
    idle = await startE2eServer(ZONES, { tcp: { ...DEFAULT_TCP_OPTIONS, idleTimeoutMs: 300, maxConnections: 4 } });
  });
  afterAll(async () => {
    await idle.close();
    expect(idle.logged).toEqual([]);
  });

  test('a connection that sends nothing is closed by the server after ~300 ms', async () => {
    const t0 = performance.now();
    const c = await TcpClient.connect(idle.host, idle.port);
    const closedAt = await c.waitClosed(3000);
    expect(closedAt - t0).toBeGreaterThanOrEqual(250);
    expect(c.replies.length).toBe(0);
  });

  test('after an answer, the connection is closed ~300 ms after the last activity', async () => {
    const c = await TcpClient.connect(idle.host, idle.port);
    checkAnswer(await c.exchange(q(0, 0x7001)), 0x7001, 0);
    const last = performance.now();
    const closedAt = await c.waitClosed(3000);
    expect(closedAt - last).toBeGreaterThanOrEqual(250);
  });

  test('connections the server timed out free their slots even if the client never closes its side', async () => {
    // Four clients (the cap) that keep their half open after the server's FIN, as a client that
    // never calls close() does. Once the server has timed them out they must not count any more.
    const idlers = await Promise.all([0, 1, 2, 3].map(() => TcpClient.connect(idle.host, idle.port, { allowHalfOpen: true })));
    try {
      await deadline(Promise.all(idlers.map((c) => c.endedAt)), 3000, 'the server to time out all four connections');
      const fresh = await TcpClient.connect(idle.host, idle.port);
      try {
        checkAnswer(await fresh.exchange(q(0, 0x7301)), 0x7301, 0);
      } finally {
        fresh.destroy();
      }
    } finally {
      for (const c of idlers) c.destroy();
      // Once the clients really close, the slots come back (wait for it: the next test needs one).
      (await admitted(idle, 'slots to come back after the clients closed')).destroy();
    }
  });

  test('a connection kept busy for longer than the timeout stays open', async () => {
    const c = await TcpClient.connect(idle.host, idle.port);
    try {
      const t0 = performance.now();
      for (let i = 0; i < 8; i++) {
        checkAnswer(await c.exchange(q(i, 0x7200 + i)), 0x7200 + i, i);
        // Pace at a third of the timeout: the point is activity, not synchronization.
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(performance.now() - t0).toBeGreaterThan(600);
      expect(c.closed).toBe(false);
    } finally {
      c.destroy();
    }
  });
});

describe('query timeout (queryTimeoutMs 300, idleTimeoutMs 10 s)', () => {
  let slow: E2eServer;
  beforeAll(async () => {
    slow = await startE2eServer(ZONES, { tcp: { ...DEFAULT_TCP_OPTIONS, queryTimeoutMs: 300 } });
  });
  afterAll(async () => {
    expect(slow.server.counters.tcp[0]!.slowClosed).toBeGreaterThanOrEqual(2);
    await slow.close();
    expect(slow.logged).toEqual([]);
  });

  test('a connection holding half a message is closed too (no slowloris)', async () => {
    const c = await TcpClient.connect(slow.host, slow.port);
    await c.write(framed(q(0, 0x7101)).subarray(0, 9));
    const t0 = performance.now();
    const closedAt = await c.waitClosed(3000);
    expect(closedAt - t0).toBeGreaterThanOrEqual(250);
    expect(c.replies.length).toBe(0);
  });

  test('a message trickling in an octet at a time is cut off ~300 ms after its first octet (octets do not reset the clock)', async () => {
    const c = await TcpClient.connect(slow.host, slow.port);
    const bytes = framed(q(0, 0x7102));
    const t0 = performance.now();
    try {
      // One octet every 50 ms: each would reset an idle timer, none may reset the query clock.
      for (let i = 0; i < bytes.length - 1 && !c.closed; i++) {
        c.write(bytes.subarray(i, i + 1)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
      const closedAt = await c.waitClosed(3000);
      expect(closedAt - t0).toBeGreaterThanOrEqual(250);
      expect(closedAt - t0).toBeLessThan(1000);
      expect(c.replies.length).toBe(0);
    } finally {
      c.destroy();
    }
  });

  test('a slow but steady client that completes each query in time is not cut off', async () => {
    const c = await TcpClient.connect(slow.host, slow.port);
    try {
      for (let i = 0; i < 4; i++) {
        const bytes = framed(q(i, 0x7110 + i));
        await c.write(bytes.subarray(0, 5));
        await new Promise((r) => setTimeout(r, 150));
        await c.write(bytes.subarray(5));
        checkAnswer(await c.next(), 0x7110 + i, i);
      }
      expect(c.closed).toBe(false);
    } finally {
      c.destroy();
    }
  });
});

describe('connection caps (maxConnections 4, maxConnectionsPerClient 3)', () => {
  let capped: E2eServer;
  beforeAll(async () => {
    capped = await startE2eServer(ZONES, { tcp: { ...DEFAULT_TCP_OPTIONS, maxConnections: 4, maxConnectionsPerClient: 3 } });
  });
  afterAll(async () => {
    // The counters a metrics layer reads saw it too.
    expect(capped.server.counters.tcp[0]).toMatchObject({ evicted: expect.any(Number), refusedPerClient: expect.any(Number) });
    expect(capped.server.counters.tcp[0]!.evicted).toBeGreaterThanOrEqual(2);
    expect(capped.server.counters.tcp[0]!.refusedPerClient).toBeGreaterThanOrEqual(1);
    await capped.close();
    expect(capped.logged).toEqual([]);
  });

  test('at the cap, a newcomer gets in and the least recently active connection is closed', async () => {
    const first: TcpClient[] = [];
    const from = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
    try {
      for (let i = 0; i < 4; i++) {
        const r = await tryConnection(capped, 0x8000 + i, from[i]);
        expect(r.state).toBe('answered');
        if (r.state === 'answered') first.push(r.conn);
      }
      // The first connection asks again: now the second is the least recently active.
      checkAnswer(await first[0]!.exchange(q(0, 0x8100)), 0x8100, 0);
      const newcomer = await tryConnection(capped, 0x8101, '127.0.0.5');
      expect(newcomer.state).toBe('answered');
      if (newcomer.state === 'answered') first.push(newcomer.conn);
      await first[1]!.waitClosed(3000);
      for (const i of [0, 2, 3, 4]) checkAnswer(await first[i]!.exchange(q(i, 0x8200 + i)), 0x8200 + i, i);
      expect(capped.server.listening.length).toBe(2);
    } finally {
      for (const c of first) c.destroy();
    }
  });

  test('at the cap, the address holding the most connections gives one up, even when another address has an older one', async () => {
    const conns: TcpClient[] = [];
    try {
      for (const [i, from] of ['127.0.0.30', '127.0.0.31', '127.0.0.31', '127.0.0.31'].entries()) {
        const r = await tryConnection(capped, 0x8500 + i, from);
        expect(r.state).toBe('answered');
        if (r.state === 'answered') conns.push(r.conn);
      }
      const newcomer = await tryConnection(capped, 0x8510, '127.0.0.32');
      expect(newcomer.state).toBe('answered');
      if (newcomer.state === 'answered') conns.push(newcomer.conn);
      // The least recently active of 127.0.0.31's three goes; 127.0.0.30's older one stays.
      await conns[1]!.waitClosed(3000);
      checkAnswer(await conns[0]!.exchange(q(0, 0x8520)), 0x8520, 0);
      checkAnswer(await conns[2]!.exchange(q(1, 0x8521)), 0x8521, 1);
    } finally {
      for (const c of conns) c.destroy();
    }
  });

  test('one client address gets at most maxConnectionsPerClient; others still get in', async () => {
    const mine: TcpClient[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const r = await tryConnection(capped, 0x8300 + i, '127.0.0.9');
        expect(r.state).toBe('answered');
        if (r.state === 'answered') mine.push(r.conn);
      }
      expect((await tryConnection(capped, 0x8310, '127.0.0.9')).state).toBe('closed');
      const other = await tryConnection(capped, 0x8311, '127.0.0.10');
      expect(other.state).toBe('answered');
      if (other.state === 'answered') other.conn.destroy();
      // A slot given back is usable again by the same address (once the server saw the close).
      mine.pop()!.destroy();
      await deadline((async () => {
        while ((await tryConnection(capped, 0x8320, '127.0.0.9').then((r) => {
          if (r.state === 'answered') mine.push(r.conn);
          return r.state;
        })) !== 'answered');
      })(), 5000, 'the freed per-client slot');
    } finally {
      for (const c of mine) c.destroy();
    }
  });
});

describe('back-pressure (maxPendingBytes)', () => {
  let bp: E2eServer;
  beforeAll(async () => {
    bp = await startE2eServer(ZONES, { tcp: { ...DEFAULT_TCP_OPTIONS, maxConnections: 8, maxPendingBytes: 16 * 1024 } });
  });
  afterAll(async () => {
    await bp.close();
    expect(bp.logged).toEqual([]);
  });

  test('a client that pipelines large queries without reading: the server stops reading, and every answer arrives once it reads', async () => {
    const c = await TcpClient.connect(bp.host, bp.port);
    // Watch the server side pause its socket: that is the path under test (no hook in src).
    const pausedByServer = new Set<net.Socket>();
    const realPause = net.Socket.prototype.pause;
    net.Socket.prototype.pause = function (this: net.Socket) {
      if (this !== c.sock) pausedByServer.add(this);
      return realPause.call(this);
    };
    try {
      c.sock.pause();
      // Pipeline big-answer queries (~724-octet replies) without reading, 1000 per write, until
      // the server stops reading this connection: the kernel buffers absorb a few MB first.
      let n = 0;
      await deadline((async () => {
        while (pausedByServer.size === 0) {
          if (n >= 40_000) throw new Error(`server never paused after ${n} queries`);
          c.sock.write(Buffer.concat(Array.from({ length: 1000 }, (_, i) => framed(query('big.tricky.test', 'TXT', { id: n + i })))));
          n += 1000;
          for (let i = 0; i < 20; i++) await tick();
        }
      })(), 15_000, 'the server to pause reading');
      c.sock.resume();
      const replies = await c.waitReplies(n, 20_000);
      const ids = new Set(replies.map((r) => r.readUInt16BE(0)));
      expect(ids.size).toBe(n);
      for (const r of [replies[0]!, replies[n - 1]!]) expect(parseResponse(r).answer.length).toBe(6);
      expect(pausedByServer.size).toBe(1);
    } finally {
      net.Socket.prototype.pause = realPause;
      c.destroy();
    }
  });
});
