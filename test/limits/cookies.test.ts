// Server cookies against RFC 9018 Appendix A (the same exchanges NSD's tpkg/dns-cookies replays
// under faketime), and the RFC 7873 §5.2 decisions: client-only, valid, renewed, expired, from
// the future, from another address, after a secret rolls over.

import { describe, expect, test } from '@jest/globals';
import { clientAddressOctets } from '../../src/limits/client-address.js';
import { CookieStatus, parseCookieSecret, ServerCookies } from '../../src/limits/cookies.js';

const hex = (s: string): string => Buffer.from(s, 'hex').toString('latin1');
const secret = (s: string): Uint8Array => parseCookieSecret(s)!;

function server(at: number, current: string, previous: string[] = []): ServerCookies {
  return new ServerCookies({ secret: secret(current), previous: previous.map(secret), now: () => at });
}

function check(s: ServerCookies, option: string, client: string): { status: CookieStatus; reply: string } {
  const status = s.check(hex(option), client);
  return { status, reply: Buffer.from(s.reply).toString('hex') };
}

describe('RFC 9018 Appendix A', () => {
  const SECRET = 'e5e973e5a6b2a43f48e7dc849e37bfcf';

  test('A.1 learning a new server cookie', () => {
    expect(check(server(1559731985, SECRET), '2464c4abcf10c957', '198.51.100.100')).toEqual({
      status: CookieStatus.CLIENT, reply: '2464c4abcf10c957010000005cf79f111f8130c3eee29480',
    });
  });

  test('A.2 the same client learning a renewed (fresh) server cookie, 40 minutes later', () => {
    expect(check(server(1559734385, SECRET), '2464c4abcf10c957010000005cf79f111f8130c3eee29480', '198.51.100.100')).toEqual({
      status: CookieStatus.VALID, reply: '2464c4abcf10c957010000005cf7a871d4a564a1442aca77',
    });
  });

  test('A.3 another client learning a renewed server cookie (its old one is not ours)', () => {
    expect(check(server(1559734700, SECRET), 'fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5', '203.0.113.203')).toEqual({
      status: CookieStatus.CLIENT, reply: 'fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e',
    });
  });

  test('A.4 IPv6 query with a rolled-over secret', () => {
    const client = '2001:db8:220:1:59de:d0f4:8769:82b8';
    const query = '22681ab97d52c298010000005cf7c57926556bd0934c72f8';
    const OLD = 'dd3bdf9344b678b185a6f5cb60fca715';
    const NEW = '445536bcd2513298075a5d379663c962';
    // Before the roll-over the cookie is current and young: it goes back unchanged.
    expect(check(server(1559741961, OLD, [NEW]), query, client)).toEqual({ status: CookieStatus.VALID, reply: query });
    // After it, the previous secret still validates it, and the reply carries a new one.
    expect(check(server(1559741961, NEW, [OLD]), query, client)).toEqual({
      status: CookieStatus.VALID, reply: '22681ab97d52c298010000005cf7c609a6bb79d16625507a',
    });
    // rotate() does the same roll-over in place.
    const s = server(1559741961, OLD);
    s.rotate(secret(NEW));
    expect(check(s, query, client).reply).toBe('22681ab97d52c298010000005cf7c609a6bb79d16625507a');
  });
});

describe('RFC 7873 §5.2 decisions', () => {
  const SECRET = '000102030405060708090a0b0c0d0e0f';
  const T = 1_800_000_000;
  const CLIENT = '192.0.2.53';
  const made = (at: number, client = CLIENT): string => check(server(at, SECRET), '0102030405060708', client).reply;

  test.each([
    ['just made', 0, CookieStatus.VALID, 'echoed'],
    ['29 minutes old', 29 * 60, CookieStatus.VALID, 'echoed'],
    ['31 minutes old', 31 * 60, CookieStatus.VALID, 'renewed'],
    ['an hour old', 3600, CookieStatus.VALID, 'renewed'],
    ['an hour and a second old', 3601, CookieStatus.CLIENT, 'renewed'],
    ['5 minutes in the future', -300, CookieStatus.VALID, 'echoed'],
    ['5 minutes and a second in the future', -301, CookieStatus.CLIENT, 'renewed'],
  ] as const)('a cookie %s', (_label, age, status, reply) => {
    const cookie = made(T - age);
    const got = check(server(T, SECRET), cookie, CLIENT);
    expect({ status: got.status, reply: got.reply === cookie ? 'echoed' : got.reply === made(T) ? 'renewed' : got.reply }).toEqual({ status, reply });
  });

  test('a cookie made for another address, or altered, is not valid', () => {
    const cookie = made(T);
    expect(check(server(T, SECRET), cookie, '192.0.2.54').status).toBe(CookieStatus.CLIENT);
    for (const at of [8, 9, 12, 16, 23]) {
      const b = Buffer.from(cookie, 'hex');
      b[at]! ^= 1;
      expect([at, check(server(T, SECRET), b.toString('hex'), CLIENT).status]).toEqual([at, CookieStatus.CLIENT]);
    }
  });

  test('server cookies of other lengths are not ours (8 to 32 octets are allowed on the wire)', () => {
    expect(check(server(T, SECRET), `${made(T).slice(0, 32)}00112233445566778899`, CLIENT).status).toBe(CookieStatus.CLIENT);
    expect(check(server(T, SECRET), '01020304050607080011223344556677', CLIENT).status).toBe(CookieStatus.CLIENT);
  });

  test('a cookie made with a secret we no longer keep is not valid', () => {
    const s = server(T, SECRET);
    const cookie = check(s, '0102030405060708', CLIENT).reply;
    s.rotate(secret('ffeeddccbbaa99887766554433221100'));
    expect(check(s, cookie, CLIENT).status).toBe(CookieStatus.VALID);
    s.rotate(secret('00000000000000000000000000000001'));
    expect(check(s, cookie, CLIENT).status).toBe(CookieStatus.CLIENT);
  });

  test('remembered hashes change nothing: 5,000 mixed checks give what a fresh instance gives', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let now = T;
    const long = new ServerCookies({ secret: secret(SECRET), now: () => now });
    const clients = ['192.0.2.1', '192.0.2.2', '2001:db8::1', '198.51.100.7'];
    const cookies = ['0102030405060708', '1112131415161718', 'a1a2a3a4a5a6a7a8'];
    const issued: Array<[string, string]> = [];
    for (let i = 0; i < 5_000; i++) {
      if (rand(50) === 0) now += rand(4000);
      const client = clients[rand(clients.length)]!;
      const option = rand(3) === 0 || issued.length === 0 ? cookies[rand(cookies.length)]! : issued[rand(issued.length)]![1];
      const fresh = new ServerCookies({ secret: secret(SECRET), now: () => now });
      const expected = check(fresh, option, client);
      expect(check(long, option, client)).toEqual(expected);
      if (issued.length < 64) issued.push([client, expected.reply]);
      else issued[rand(64)] = [client, expected.reply];
    }
  });

  test('counters', () => {
    const s = server(T, SECRET);
    const cookie = check(s, '0102030405060708', CLIENT).reply;
    check(s, cookie, CLIENT);
    check(s, cookie, '192.0.2.1');
    expect(s.counters).toEqual({ clientOnly: 1, valid: 1, invalid: 1 });
  });
});

test('client addresses as transports report them', () => {
  const out = new Uint8Array(20).fill(0xee);
  expect(clientAddressOctets('198.51.100.100', out, 2)).toBe(4);
  expect(Buffer.from(out.subarray(0, 8)).toString('hex')).toBe('eeeec6336464eeee');
  expect(clientAddressOctets('fe80::1%eth0', out)).toBe(16);
  expect(Buffer.from(out.subarray(0, 16)).toString('hex')).toBe('fe800000000000000000000000000001');
  expect(clientAddressOctets('::ffff:192.0.2.1', out)).toBe(16);
  expect(Buffer.from(out.subarray(0, 16)).toString('hex')).toBe('00000000000000000000ffffc0000201');
  for (const bad of ['', 'localhost', '1.2.3', '1::2::3', '01.2.3.4']) expect([bad, clientAddressOctets(bad, out)]).toEqual([bad, 0]);
  expect(parseCookieSecret('e5e973e5a6b2a43f48e7dc849e37bfcf')).toHaveLength(16);
  expect(parseCookieSecret('e5e973e5a6b2a43f48e7dc849e37bfc')).toBeUndefined();
});
