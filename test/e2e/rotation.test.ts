// Round-robin of A/AAAA RRsets in the answer section (src/server/rotate.ts) over real sockets:
// 'cyclic' walks through every rotation in order, 'none' keeps the zone file's order, 'random'
// spreads every address over every position. Authority and additional data never rotate.
// The zone lists addresses out of numeric order so "the zone file's order" is not "sorted".

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startE2eServer, type E2eServer } from './support/server.js';
import { TcpClient, UdpClient } from './support/net.js';
import { lines, parseResponse, query, type ParsedResponse } from './support/wire.js';

const ZONE = `$ORIGIN rr.test.
$TTL 300
@          SOA  ns.rr.test. h.rr.test. 1 7200 900 1209600 300
           NS   ns
           A    192.0.2.3
           A    192.0.2.1
           A    192.0.2.2
           AAAA 2001:db8::3
           AAAA 2001:db8::1
           AAAA 2001:db8::2
           MX   10 mx
ns         A    192.0.2.53
single     A    192.0.2.9
           AAAA 2001:db8::9
alias      CNAME chain
chain      CNAME web
web        A    198.51.100.4
           A    198.51.100.1
           A    198.51.100.3
           A    198.51.100.2
mx         A    203.0.113.3
           A    203.0.113.1
           A    203.0.113.2
deleg      NS   ns1.deleg
           NS   ns2.deleg
ns1.deleg  A    192.0.2.103
           A    192.0.2.101
           A    192.0.2.102
ns2.deleg  AAAA 2001:db8::102
           AAAA 2001:db8::101
*.wild     A    192.0.2.203
           A    192.0.2.201
           A    192.0.2.202
tocyc      CNAME cyc.test.
`;
/** A second zone for the per-zone option; CNAMEs cross between the two. */
const CYC_ZONE = `$ORIGIN cyc.test.
$TTL 300
@          SOA  ns.cyc.test. h.cyc.test. 1 7200 900 1209600 300
           NS   ns
           A    10.0.0.3
           A    10.0.0.1
           A    10.0.0.2
ns         A    10.0.0.53
toflat     CNAME web.rr.test.
`;
const CYC_A = ['10.0.0.3', '10.0.0.1', '10.0.0.2'];
const ZONES = [{ origin: 'rr.test', text: ZONE }];

const APEX_A = ['192.0.2.3', '192.0.2.1', '192.0.2.2'];
const APEX_AAAA = ['2001:db8::3', '2001:db8::1', '2001:db8::2'];
const WEB_A = ['198.51.100.4', '198.51.100.1', '198.51.100.3', '198.51.100.2'];
const WILD_A = ['192.0.2.203', '192.0.2.201', '192.0.2.202'];

/** `list` rotated left by k. */
const rot = (list: readonly string[], k: number): string[] => list.map((_, i) => list[(i + k) % list.length]!);

/** Which left rotation of `zoneOrder` `got` is; -1 if it is not a rotation at all. */
function rotationOf(got: readonly string[], zoneOrder: readonly string[]): number {
  for (let k = 0; k < zoneOrder.length; k++) if (JSON.stringify(rot(zoneOrder, k)) === JSON.stringify(got)) return k;
  return -1;
}

async function ask(u: UdpClient, name: string, type: string): Promise<ParsedResponse> {
  const r = parseResponse(await u.exchange(query(name, type)));
  expect(r.rcode).toBe(0);
  expect(r.tc).toBe(false);
  return r;
}

/** The answer's RDATA of `type`, in wire order. */
const rdataOf = (r: ParsedResponse, type: number) => r.answer.filter((a) => a.type === type).map((a) => a.text);

/**
 * Asks `count` times in a row and returns the rotation index of each answer; also checks that
 * each answer is a rotation of the zone order and that nothing else in the reply changes.
 */
async function rotations(u: UdpClient, name: string, type: string, zoneOrder: readonly string[], count: number): Promise<number[]> {
  const typeNum = type === 'AAAA' ? 28 : 1;
  const out: number[] = [];
  let rest: string | undefined;
  for (let i = 0; i < count; i++) {
    const r = await ask(u, name, type);
    const got = rdataOf(r, typeNum);
    const k = rotationOf(got, zoneOrder);
    expect({ got, isRotationOfZoneOrder: k >= 0 }).toEqual({ got, isRotationOfZoneOrder: true });
    out.push(k);
    const others = JSON.stringify([lines(r.answer.filter((a) => a.type !== typeNum)), lines(r.authority), lines(r.additional)]);
    if (rest === undefined) rest = others;
    expect(others).toBe(rest);
  }
  return out;
}

describe("rotate 'cyclic'", () => {
  let srv: E2eServer;
  let u: UdpClient;
  beforeAll(async () => {
    srv = await startE2eServer(ZONES, { rotate: 'cyclic' });
    u = await UdpClient.open(srv.host, srv.port);
  });
  afterAll(async () => {
    await u.close();
    await srv.close();
    expect(srv.logged).toEqual([]);
  });

  test('successive queries for the apex A set show each of the 3 rotations, in order, from the zone order', async () => {
    // First queries of this RRset on a fresh server: the cycle starts at the zone file's order.
    const ks = await rotations(u, 'rr.test', 'A', APEX_A, 9);
    expect(ks).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  test('over 300 queries each address appears in each position exactly 100 times', async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const got = rdataOf(await ask(u, 'rr.test', 'A'), 1);
      expect(got.length).toBe(3);
      got.forEach((ip, pos) => counts.set(`${pos} ${ip}`, (counts.get(`${pos} ${ip}`) ?? 0) + 1));
    }
    const expected = new Map<string, number>();
    for (let pos = 0; pos < 3; pos++) for (const ip of APEX_A) expected.set(`${pos} ${ip}`, 100);
    expect(Object.fromEntries([...counts].sort())).toEqual(Object.fromEntries([...expected].sort()));
  });

  test('the apex AAAA set rotates too, in order', async () => {
    const ks = await rotations(u, 'rr.test', 'AAAA', APEX_AAAA, 6);
    expect(ks.map((k) => (k - ks[0]! + 3) % 3)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  test('single-record A and AAAA sets are unchanged', async () => {
    for (let i = 0; i < 5; i++) {
      expect(lines((await ask(u, 'single.rr.test', 'A')).answer)).toEqual(['single.rr.test. A 192.0.2.9']);
      expect(lines((await ask(u, 'single.rr.test', 'AAAA')).answer)).toEqual(['single.rr.test. AAAA 2001:db8::9']);
    }
  });

  test('a CNAME chain: the target A set rotates, the CNAMEs stay first and in order', async () => {
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await ask(u, 'alias.rr.test', 'A');
      expect(lines(r.answer).slice(0, 2)).toEqual(['alias.rr.test. CNAME chain.rr.test.', 'chain.rr.test. CNAME web.rr.test.']);
      const k = rotationOf(rdataOf(r, 1), WEB_A);
      expect(k).toBeGreaterThanOrEqual(0);
      seen.push(k);
    }
    expect(seen.map((k) => (k - seen[0]! + 4) % 4)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  test('additional data never rotates (MX target addresses)', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await ask(u, 'rr.test', 'MX');
      expect(lines(r.additional)).toEqual(['mx.rr.test. A 203.0.113.3', 'mx.rr.test. A 203.0.113.1', 'mx.rr.test. A 203.0.113.2']);
    }
  });

  test('a referral: authority NS and additional glue never rotate', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await ask(u, 'host.deleg.rr.test', 'A');
      expect(r.aa).toBe(false);
      expect(lines(r.authority)).toEqual(['deleg.rr.test. NS ns1.deleg.rr.test.', 'deleg.rr.test. NS ns2.deleg.rr.test.']);
      expect(lines(r.additional)).toEqual([
        'ns1.deleg.rr.test. A 192.0.2.103', 'ns1.deleg.rr.test. A 192.0.2.101', 'ns1.deleg.rr.test. A 192.0.2.102',
        'ns2.deleg.rr.test. AAAA 2001:db8::102', 'ns2.deleg.rr.test. AAAA 2001:db8::101',
      ]);
    }
  });

  test('a name below the cut queried directly is a referral: its glue stays unrotated in additional', async () => {
    const r = await ask(u, 'ns1.deleg.rr.test', 'A');
    expect(r.answer.length).toBe(0);
    expect(lines(r.additional).slice(0, 3)).toEqual(['ns1.deleg.rr.test. A 192.0.2.103', 'ns1.deleg.rr.test. A 192.0.2.101', 'ns1.deleg.rr.test. A 192.0.2.102']);
  });

  test('UDP, TCP and any query-name case advance the same cycle', async () => {
    const [k0] = await rotations(u, 'web.rr.test', 'A', WEB_A, 1);
    const tcp = await TcpClient.connect(srv.host, srv.port);
    try {
      const viaTcp = parseResponse(await tcp.exchange(query('WEB.rr.TEST', 'A')));
      expect(rotationOf(rdataOf(viaTcp, 1), WEB_A)).toBe((k0! + 1) % 4);
    } finally {
      tcp.destroy();
    }
    const [k2] = await rotations(u, 'wEb.Rr.TeSt', 'A', WEB_A, 1);
    expect(k2).toBe((k0! + 2) % 4);
  });

  test('each RRset keeps its own cycle when queries for several names interleave', async () => {
    const apex: number[] = [];
    const web: number[] = [];
    for (let i = 0; i < 6; i++) {
      apex.push(rotationOf(rdataOf(await ask(u, 'rr.test', 'A'), 1), APEX_A));
      web.push(rotationOf(rdataOf(await ask(u, 'web.rr.test', 'A'), 1), WEB_A));
      await ask(u, 'rr.test', 'AAAA');
    }
    expect(apex.map((k) => (k - apex[0]! + 3) % 3)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(web.map((k) => (k - web[0]! + 4) % 4)).toEqual([0, 1, 2, 3, 0, 1]);
  });

  test('a wildcard-synthesized A set rotates like any other', async () => {
    const ks = await rotations(u, 'host.wild.rr.test', 'A', WILD_A, 6);
    expect(ks.map((k) => (k - ks[0]! + 3) % 3)).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe("rotate 'none'", () => {
  let srv: E2eServer;
  let u: UdpClient;
  beforeAll(async () => {
    srv = await startE2eServer(ZONES, { rotate: 'none' });
    u = await UdpClient.open(srv.host, srv.port);
  });
  afterAll(async () => {
    await u.close();
    await srv.close();
  });

  test('the zone file order every time, for A, AAAA and a CNAME target', async () => {
    for (let i = 0; i < 20; i++) {
      expect(rdataOf(await ask(u, 'rr.test', 'A'), 1)).toEqual(APEX_A);
      expect(rdataOf(await ask(u, 'rr.test', 'AAAA'), 28)).toEqual(APEX_AAAA);
      expect(rdataOf(await ask(u, 'alias.rr.test', 'A'), 1)).toEqual(WEB_A);
    }
  });
});

describe("rotate 'random'", () => {
  let srv: E2eServer;
  let u: UdpClient;
  beforeAll(async () => {
    srv = await startE2eServer(ZONES, { rotate: 'random' });
    u = await UdpClient.open(srv.host, srv.port);
  });
  afterAll(async () => {
    await u.close();
    await srv.close();
  });

  test('in 300 queries every address lands in every position at least 40 times', async () => {
    // Each count is Binomial(300, 1/3): mean 100, sd ~8.2; below 40 is > 7 sd away.
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const got = rdataOf(await ask(u, 'rr.test', 'A'), 1);
      expect(rotationOf(got, APEX_A)).toBeGreaterThanOrEqual(0);
      got.forEach((ip, pos) => counts.set(`${pos} ${ip}`, (counts.get(`${pos} ${ip}`) ?? 0) + 1));
    }
    expect(counts.size).toBe(9);
    for (const [k, n] of counts) expect({ k, atLeast40: n >= 40 }).toEqual({ k, atLeast40: true });
  });

  test('additional data stays in zone order', async () => {
    for (let i = 0; i < 10; i++) {
      expect(lines((await ask(u, 'rr.test', 'MX')).additional)).toEqual(['mx.rr.test. A 203.0.113.3', 'mx.rr.test. A 203.0.113.1', 'mx.rr.test. A 203.0.113.2']);
    }
  });
});

describe('per-zone rotate option (the query name\'s zone decides for the whole answer)', () => {
  let srv: E2eServer;
  let u: UdpClient;
  beforeAll(async () => {
    // Server default 'cyclic'; rr.test is configured 'none'.
    srv = await startE2eServer([{ origin: 'rr.test', text: ZONE, options: { rotate: 'none' } }, { origin: 'cyc.test', text: CYC_ZONE }], { rotate: 'cyclic' });
    u = await UdpClient.open(srv.host, srv.port);
  });
  afterAll(async () => {
    await u.close();
    await srv.close();
    expect(srv.logged).toEqual([]);
  });

  test("a zone set to 'none' keeps its order while the server default cycles another zone", async () => {
    const cyc: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(rdataOf(await ask(u, 'rr.test', 'A'), 1)).toEqual(APEX_A);
      cyc.push(rotationOf(rdataOf(await ask(u, 'cyc.test', 'A'), 1), CYC_A));
    }
    expect(cyc).toEqual([0, 1, 2, 0, 1, 2]);
  });

  test("a CNAME from the 'none' zone into the cyclic zone: the target set is not rotated", async () => {
    for (let i = 0; i < 6; i++) {
      const r = await ask(u, 'tocyc.rr.test', 'A');
      expect(lines(r.answer)[0]).toBe('tocyc.rr.test. CNAME cyc.test.');
      expect(rdataOf(r, 1)).toEqual(CYC_A);
    }
  });

  test("a CNAME from the cyclic zone into the 'none' zone: the target set rotates", async () => {
    const ks: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await ask(u, 'toflat.cyc.test', 'A');
      expect(lines(r.answer)[0]).toBe('toflat.cyc.test. CNAME web.rr.test.');
      ks.push(rotationOf(rdataOf(r, 1), WEB_A));
    }
    expect(ks.map((k) => (k - ks[0]! + 4) % 4)).toEqual([0, 1, 2, 3]);
  });

  test("server default 'none' with a zone set to 'cyclic': only that zone rotates", async () => {
    const other = await startE2eServer([{ origin: 'rr.test', text: ZONE }, { origin: 'cyc.test', text: CYC_ZONE, options: { rotate: 'cyclic' } }], { rotate: 'none' });
    const c = await UdpClient.open(other.host, other.port);
    try {
      const ks: number[] = [];
      for (let i = 0; i < 3; i++) {
        expect(rdataOf(await ask(c, 'rr.test', 'A'), 1)).toEqual(APEX_A);
        ks.push(rotationOf(rdataOf(await ask(c, 'cyc.test', 'A'), 1), CYC_A));
      }
      expect(ks).toEqual([0, 1, 2]);
    } finally {
      await c.close();
      await other.close();
    }
  });
});
