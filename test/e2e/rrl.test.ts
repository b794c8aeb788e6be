// Response rate limiting through the real transports: who is exempt (TCP, a valid server
// cookie) and what a limited client gets (TC=1, or BADCOOKIE with a fresh cookie when it sent a
// client cookie, RFC 7873 §5.2.3), with the limit scaled down to 5 responses per second.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Rcode } from '../../src/dns/constants.js';
import { DEFAULT_RRL } from '../../src/limits/rrl.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { TcpClient, UdpClient } from './support/net.js';
import { TRICKY_ZONE } from './support/server.js';
import { parseResponse, query, type ParsedResponse } from './support/wire.js';

let server: RunningServer;
let port: number;
beforeAll(async () => {
  server = await startServer({
    registry: registryOf(zoneFromText('tricky.test', TRICKY_ZONE)),
    endpoints: [{ host: '127.0.0.1', port: 0 }],
    rotate: 'none',
    maxUdp: 1232,
    log: silentLogger,
    rrl: { ...DEFAULT_RRL, responsesPerSecond: 5, slip: 1, windowSeconds: 60 },
    cookies: {},
  });
  port = server.listening[0]!.port;
});
afterAll(() => server.close());

const CLIENT_COOKIE = Buffer.from('0102030405060708', 'hex');
const ask = (id: number, cookie?: Buffer) => query('web.tricky.test', 'A', { id, edns: cookie ? { options: [{ code: 10, data: cookie }] } : {} });

function cookieOf(r: ParsedResponse): Buffer | undefined {
  const rd = r.opt?.rdata;
  for (let p = 0; rd !== undefined && p + 4 <= rd.length; p += 4 + rd.readUInt16BE(p + 2)) {
    if (rd.readUInt16BE(p) === 10) return rd.subarray(p + 4, p + 4 + rd.readUInt16BE(p + 2));
  }
  return undefined;
}

/** Sends `n` queries from `from` (a loopback address of its own /24) and sorts the replies. */
async function burst(from: string, n: number, cookie?: Buffer): Promise<{ answered: number; truncated: number; badcookie: number; lastCookie?: Buffer }> {
  const u = await UdpClient.open('127.0.0.1', port, undefined, from);
  const out = { answered: 0, truncated: 0, badcookie: 0, lastCookie: undefined as Buffer | undefined };
  try {
    for (let i = 0; i < n; i++) {
      const r = parseResponse(await u.exchange(ask(i + 1, cookie)));
      if (r.fullRcode === Rcode.BADCOOKIE) out.badcookie++;
      else if (r.tc) out.truncated++;
      else if (r.answer.length === 2) out.answered++;
      out.lastCookie = cookieOf(r) ?? out.lastCookie;
    }
  } finally {
    await u.close();
  }
  return out;
}

test('over the rate without a cookie: every limited reply truncated (slip 1), so the client retries over TCP', async () => {
  expect(await burst('127.0.11.1', 20)).toMatchObject({ answered: 5, truncated: 15, badcookie: 0 });
});

test('over the rate with only a client cookie: BADCOOKIE and a fresh cookie instead of TC; with that cookie, no limit', async () => {
  const first = await burst('127.0.12.1', 20, CLIENT_COOKIE);
  expect(first).toMatchObject({ answered: 5, truncated: 0, badcookie: 15 });
  expect(first.lastCookie).toHaveLength(24);
  // RFC 7873 §5.3: the client retries with the cookie it got; a valid one bypasses the limit.
  expect(await burst('127.0.12.1', 30, first.lastCookie)).toMatchObject({ answered: 30, truncated: 0, badcookie: 0 });
});

test('TCP is never limited', async () => {
  const c = await TcpClient.connect('127.0.0.1', port, { localAddress: '127.0.13.1' });
  try {
    for (let i = 0; i < 30; i++) {
      const r = parseResponse(await c.exchange(ask(i + 1)));
      expect({ tc: r.tc, answers: r.answer.length }).toEqual({ tc: false, answers: 2 });
    }
  } finally {
    c.destroy();
  }
});

test('the counters say what happened', () => {
  const rrl = server.counters.rrl!;
  expect(rrl.limited).toBeGreaterThanOrEqual(30);
  expect(rrl.slipped).toBe(rrl.limited);
  expect(rrl.dropped).toBe(0);
});
