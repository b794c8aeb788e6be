// The TCP transport with multi-message replies: backpressure (a client that does not read stops
// the producer instead of filling our memory), pipelined queries answered after the stream, a
// client that hangs up mid-stream ends the producer, and a full AXFR over a real socket.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { RRType } from '../../src/dns/constants.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { listenTcp, DEFAULT_TCP_OPTIONS, type TcpListener } from '../../src/server/tcp.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { buildQuery } from '../support/server.js';
import { zoneFromText } from '../support/zones.js';
import { answers, bigZoneText, keyOfParsed, parse, snapshotKeys, transferQuery } from './support/xfr.js';

function frame(m: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(m.length);
  return Buffer.concat([len, m]);
}

/** A TCP client that collects framed messages; `paused` starts without reading. */
function client(port: number, paused = false) {
  const sock = net.connect({ host: '127.0.0.1', port });
  const messages: Buffer[] = [];
  let buf = Buffer.alloc(0);
  let waiter: (() => void) | undefined;
  sock.on('data', (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const n = buf.readUInt16BE(0);
      messages.push(Buffer.from(buf.subarray(2, 2 + n)));
      buf = buf.subarray(2 + n);
    }
    waiter?.();
  });
  sock.on('error', () => {});
  if (paused) sock.pause();
  const connected = new Promise<void>((r) => sock.once('connect', () => r()));
  return {
    sock,
    messages,
    connected,
    send: (m: Buffer) => sock.write(frame(m)),
    /** Resolves when `pred` holds, rejects after `ms`. */
    until: (pred: () => boolean, ms = 20_000) => new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out with ${messages.length} messages`)), ms);
      const check = () => {
        if (pred()) {
          clearTimeout(t);
          waiter = undefined;
          resolve();
        }
      };
      waiter = check;
      check();
    }),
  };
}

describe('listenTcp with a streamed reply', () => {
  const TOTAL = 2000;
  const SIZE = 60_000;
  let produced = 0;
  let finished = 0;
  let listener: TcpListener;

  beforeAll(async () => {
    listener = await listenTcp('127.0.0.1', 0, (msg) => {
      // "STREAM" queries (ID 1) get TOTAL messages; others one echo.
      if (msg.readUInt16BE(0) !== 1) return Buffer.from(msg);
      return (function* () {
        try {
          for (let i = 0; i < TOTAL; i++) {
            produced++;
            const m = Buffer.alloc(SIZE, i & 0xff);
            m.writeUInt16BE(1, 0);
            m.writeUInt32BE(i, 2);
            yield m;
          }
        } finally {
          finished++;
        }
      })();
    }, silentLogger, { ...DEFAULT_TCP_OPTIONS, idleTimeoutMs: 30_000 });
  });
  afterAll(() => listener.close());

  it('a client that does not read holds the producer back (120 MB are never queued), then gets everything in order', async () => {
    produced = 0;
    const c = client(listener.port, true);
    await c.connected;
    const q = Buffer.alloc(12);
    q.writeUInt16BE(1, 0);
    c.send(q);
    const echo = Buffer.alloc(12);
    echo.writeUInt16BE(2, 0);
    c.send(echo); // pipelined behind the stream
    await new Promise((r) => setTimeout(r, 500));
    // Only what fits in the socket buffers (a few MB on loopback) was produced.
    expect(produced).toBeGreaterThan(0);
    expect(produced * SIZE).toBeLessThan(40 << 20);
    c.sock.resume();
    await c.until(() => c.messages.length >= TOTAL + 1);
    expect(produced).toBe(TOTAL);
    expect(c.messages.slice(0, TOTAL).map((m) => m.readUInt32BE(2))).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
    // The pipelined query is answered after the stream, in order.
    expect(c.messages[TOTAL]!.readUInt16BE(0)).toBe(2);
    c.sock.destroy();
  });

  it('a client that hangs up mid-stream ends the producer (its cleanup runs)', async () => {
    produced = 0;
    const before = finished;
    const c = client(listener.port);
    await c.connected;
    const q = Buffer.alloc(12);
    q.writeUInt16BE(1, 0);
    c.send(q);
    await c.until(() => c.messages.length >= 10);
    c.sock.destroy();
    const deadline = Date.now() + 5000;
    while (finished === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(finished).toBe(before + 1);
    expect(produced).toBeLessThan(TOTAL);
  });
});

describe('AXFR over a real socket', () => {
  let server: RunningServer;
  const snap = zoneFromText('big.test', bigZoneText(50_000));
  beforeAll(async () => {
    const registry = new ZoneRegistry();
    registry.set({ origin: snap.origin, snapshot: snap, options: { transfer: new TransferPolicy({ allow: ['127.0.0.1'] }) } });
    server = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port: 0 }], rotate: 'cyclic', maxUdp: 1232, log: silentLogger });
  });
  afterAll(() => server.close());

  it('50,000 records: SOA first and last, every record once; then a normal query on the same connection', async () => {
    const c = client(server.listening[0]!.port);
    await c.connected;
    c.send(transferQuery('big.test', 'AXFR', { id: 7 }));
    c.send(buildQuery('www.big.test', 'A', { id: 8 }));
    const isEnd = () => c.messages.some((m) => m.readUInt16BE(0) === 8);
    await c.until(isEnd);
    c.sock.destroy();
    const axfr = c.messages.filter((m) => m.readUInt16BE(0) === 7);
    const rrs = answers(axfr);
    expect(rrs[0]!.type).toBe(RRType.SOA);
    expect(rrs[rrs.length - 1]!.type).toBe(RRType.SOA);
    expect(rrs.slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(snap));
    expect(c.messages[c.messages.length - 1]!.readUInt16BE(0)).toBe(8);
    expect(parse(c.messages[c.messages.length - 1]!).answer[0]!.type).toBe(RRType.A);
  });

  it('from an address outside the ACL: REFUSED (the transport sees one message)', async () => {
    const registry = new ZoneRegistry();
    registry.set({ origin: snap.origin, snapshot: snap, options: { transfer: new TransferPolicy({ allow: ['10.0.0.0/8'] }) } });
    const s = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port: 0 }], rotate: 'cyclic', maxUdp: 1232, log: silentLogger });
    try {
      const c = client(s.listening[0]!.port);
      await c.connected;
      c.send(transferQuery('big.test', 'AXFR'));
      await c.until(() => c.messages.length >= 1);
      expect(parse(c.messages[0]!).rcode).toBe(5);
      c.sock.destroy();
    } finally {
      await s.close();
    }
  });
});
