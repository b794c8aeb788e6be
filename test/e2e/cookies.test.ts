// DNS cookies over real sockets (RFC 7873, RFC 9018): a client cookie gets a server cookie back,
// which the client then reuses; two servers with one secret accept each other's cookies (an
// anycast address); the RFC 7873 §5.4 cookie-only query; and the real clients: dig +cookie,
// kdig +cookie, dnspython reading the RFC 9018 fields.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Rcode } from '../../src/dns/constants.js';
import { parseCookieSecret, ServerCookies } from '../../src/limits/cookies.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { debianPython, describeWithDnspython, describeWithPeers, findProgram } from '../support/peers.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { TcpClient, UdpClient } from './support/net.js';
import { TRICKY_ZONE } from './support/server.js';
import { flagsWord, header, optRR, parseResponse, query, type ParsedResponse } from './support/wire.js';

const SECRET = 'e5e973e5a6b2a43f48e7dc849e37bfcf';
const CLIENT_COOKIE = Buffer.from('2464c4abcf10c957', 'hex');

async function start(secret: string): Promise<{ server: RunningServer; port: number }> {
  const server = await startServer({
    registry: registryOf(zoneFromText('tricky.test', TRICKY_ZONE)),
    endpoints: [{ host: '127.0.0.1', port: 0 }],
    rotate: 'none',
    maxUdp: 1232,
    log: silentLogger,
    cookies: { secret: parseCookieSecret(secret) },
  });
  return { server, port: server.listening[0]!.port };
}

/** The COOKIE option (code 10) of a reply, or undefined. */
function cookieOf(r: ParsedResponse): Buffer | undefined {
  const rd = r.opt?.rdata;
  for (let p = 0; rd !== undefined && p + 4 <= rd.length; p += 4 + rd.readUInt16BE(p + 2)) {
    if (rd.readUInt16BE(p) === 10) return rd.subarray(p + 4, p + 4 + rd.readUInt16BE(p + 2));
  }
  return undefined;
}

const withCookie = (cookie: Buffer, id = 0x4242) => query('web.tricky.test', 'A', { id, edns: { options: [{ code: 10, data: cookie }] } });

let a: { server: RunningServer; port: number };
let b: { server: RunningServer; port: number };
let other: { server: RunningServer; port: number };
beforeAll(async () => {
  [a, b, other] = await Promise.all([start(SECRET), start(SECRET), start('00112233445566778899aabbccddeeff')]);
});
afterAll(() => Promise.all([a, b, other].map((s) => s.server.close())));

const counters = (s: { server: RunningServer }) => ({ ...s.server.counters.cookies! });

async function ask(port: number, msg: Buffer, tcp = false): Promise<ParsedResponse> {
  if (tcp) {
    const c = await TcpClient.connect('127.0.0.1', port);
    try {
      return parseResponse(await c.exchange(msg));
    } finally {
      c.destroy();
    }
  }
  const u = await UdpClient.open('127.0.0.1', port);
  try {
    return parseResponse(await u.exchange(msg));
  } finally {
    await u.close();
  }
}

describe('server cookies', () => {
  test('a client cookie gets the RFC 9018 server cookie for this client, its address and now, and the answer', async () => {
    const r = await ask(a.port, withCookie(CLIENT_COOKIE));
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.answer).toHaveLength(2);
    const cookie = cookieOf(r)!;
    expect(cookie).toHaveLength(24);
    expect(cookie.subarray(0, 8)).toEqual(CLIENT_COOKIE);
    expect(cookie.subarray(8, 12)).toEqual(Buffer.from([1, 0, 0, 0]));
    const stamp = cookie.readUInt32BE(12);
    expect(Math.abs(stamp - Date.now() / 1000)).toBeLessThan(5);
    // The same secret, the same input, the same cookie (SipHash-2-4 over the RFC 9018 fields).
    const reference = new ServerCookies({ secret: parseCookieSecret(SECRET)!, now: () => stamp });
    reference.check(CLIENT_COOKIE.toString('latin1'), '127.0.0.1');
    expect(Buffer.from(reference.reply)).toEqual(cookie);
  });

  test.each([false, true])('the client reuses it (TCP %s): accepted and echoed, every time', async (tcp) => {
    const cookie = cookieOf(await ask(a.port, withCookie(CLIENT_COOKIE), tcp))!;
    const before = counters(a);
    for (let i = 0; i < 3; i++) expect(cookieOf(await ask(a.port, withCookie(cookie, 100 + i), tcp))).toEqual(cookie);
    expect(counters(a).valid - before.valid).toBe(3);
  });

  test('another server with the same secret accepts it (anycast); one with another secret makes a new one', async () => {
    const cookie = cookieOf(await ask(a.port, withCookie(CLIENT_COOKIE)))!;
    const beforeB = counters(b);
    expect(cookieOf(await ask(b.port, withCookie(cookie)))).toEqual(cookie);
    expect(counters(b).valid - beforeB.valid).toBe(1);
    const beforeOther = counters(other);
    const fresh = cookieOf(await ask(other.port, withCookie(cookie)))!;
    expect(fresh.subarray(0, 8)).toEqual(CLIENT_COOKIE);
    expect(fresh.subarray(8)).not.toEqual(cookie.subarray(8));
    expect(counters(other).invalid - beforeOther.invalid).toBe(1);
  });

  test('a wrong server cookie is no reason for BADCOOKIE: answered, with a fresh cookie (RFC 7873 §5.2.4)', async () => {
    const bogus = Buffer.concat([CLIENT_COOKIE, Buffer.from('01000000', 'hex'), Buffer.alloc(4), Buffer.alloc(8, 9)]);
    const r = await ask(a.port, withCookie(bogus));
    expect(r.fullRcode).toBe(Rcode.NOERROR);
    expect(r.answer).toHaveLength(2);
    expect(cookieOf(r)!.subarray(8)).not.toEqual(bogus.subarray(8));
  });

  test('a query with no question but a COOKIE asks for a server cookie: NOERROR and the cookie (RFC 7873 §5.4)', async () => {
    const msg = Buffer.concat([header({ id: 77, flags: flagsWord({}), qd: 0, an: 0, ns: 0, ar: 1 }), optRR({ options: [{ code: 10, data: CLIENT_COOKIE }] })]);
    const r = await ask(a.port, msg);
    expect({ id: r.id, rcode: r.fullRcode, question: r.question }).toEqual({ id: 77, rcode: Rcode.NOERROR, question: undefined });
    expect(cookieOf(r)!.subarray(0, 8)).toEqual(CLIENT_COOKIE);
    // Without a COOKIE it stays a format error.
    const plain = Buffer.concat([header({ id: 78, flags: flagsWord({}), qd: 0, an: 0, ns: 0, ar: 1 }), optRR({})]);
    expect((await ask(a.port, plain)).fullRcode).toBe(Rcode.FORMERR);
  });

  test('a COOKIE option of a bad length is FORMERR (RFC 7873 §5.2.2), without a cookie', async () => {
    const r = await ask(a.port, withCookie(Buffer.alloc(12, 1)));
    expect(r.fullRcode).toBe(Rcode.FORMERR);
    expect(cookieOf(r)).toBeUndefined();
  });

  test('a cached answer grows by the cookie and still fits the client\'s 512 octets', async () => {
    const big = (id: number, cookie?: Buffer) => query('big.tricky.test', 'TXT', { id, edns: { udpSize: 512, options: cookie ? [{ code: 10, data: cookie }] : [] } });
    await ask(a.port, big(1)); // cached without a cookie
    for (let i = 0; i < 2; i++) {
      const u = await UdpClient.open('127.0.0.1', a.port);
      try {
        const raw = await u.exchange(big(2 + i, CLIENT_COOKIE));
        expect(raw.length).toBeLessThanOrEqual(512);
        expect(cookieOf(parseResponse(raw))).toHaveLength(24);
      } finally {
        await u.close();
      }
    }
  });
});

describeWithPeers('dig +cookie and kdig +cookie', ['dig', 'kdig'], () => {
  const run = async (tool: string, args: string[]): Promise<string> => (await promisify(execFile)(findProgram(tool)!, ['@127.0.0.1', '-p', String(a.port), ...args, 'web.tricky.test', 'A'])).stdout;

  test('dig: a server cookie comes back ("good"), and reused it comes back again', async () => {
    const first = await run('dig', ['+cookie']);
    const m = /COOKIE: ([0-9a-f]{48}) \(good\)/.exec(first);
    expect(m).not.toBeNull();
    const before = counters(a);
    const again = await run('dig', [`+cookie=${m![1]}`]);
    expect(again).toMatch(new RegExp(`COOKIE: ${m![1]} \\(good\\)`));
    expect(again).toMatch(/status: NOERROR/);
    expect(counters(a).valid - before.valid).toBe(1);
  });

  test('kdig: a server cookie comes back, and reused it comes back again', async () => {
    const first = await run('kdig', ['+cookie']);
    const m = /COOKIE: ([0-9A-F]{48})/.exec(first);
    expect(m).not.toBeNull();
    const before = counters(a);
    const again = await run('kdig', [`+cookie=${m![1]}`]);
    expect(again).toMatch(new RegExp(`COOKIE: ${m![1]}`));
    expect(again).toMatch(/status: NOERROR/);
    expect(counters(a).valid - before.valid).toBe(1);
  });
});

describeWithDnspython('dnspython reads the RFC 9018 fields', () => {
  test('version 1, reserved 0, a timestamp of now, 8 octets of hash; reused, the same cookie', async () => {
    const python = debianPython()!;
    const script = `
import json, struct, sys, time
import dns.message, dns.query, dns.edns
port = int(sys.argv[1])
def ask(cookie):
    q = dns.message.make_query('web.tricky.test', 'A', use_edns=0, options=[dns.edns.GenericOption(10, cookie)])
    r = dns.query.udp(q, '127.0.0.1', port=port, timeout=2)
    return r, [o for o in r.options if o.otype == 10][0].to_wire()
client = bytes.fromhex('${CLIENT_COOKIE.toString('hex')}')
r, c = ask(client)
version, r1, r2, r3 = c[8], c[9], c[10], c[11]
stamp = struct.unpack('>I', c[12:16])[0]
r2_, again = ask(c)
print(json.dumps({'rcode': r.rcode(), 'answers': len(r.answer), 'length': len(c), 'client': c[:8].hex(),
  'version': version, 'reserved': [r1, r2, r3], 'skew': abs(stamp - time.time()) < 5, 'hash': len(c[16:]), 'reused': again == c}))
`;
    // Asynchronously: the server answers from this process.
    const out = JSON.parse((await promisify(execFile)(python, ['-c', script, String(a.port)])).stdout);
    expect(out).toEqual({
      rcode: 0, answers: 1, length: 24, client: CLIENT_COOKIE.toString('hex'), version: 1, reserved: [0, 0, 0], skew: true, hash: 8, reused: true,
    });
  });
});

