// Truncation over real sockets (RFC 1035 §4.2.1, RFC 2181 §9, RFC 6891 §6.2.3-6.2.5, RFC 9471):
// an RRset is never split, additional data is dropped (from the end) before TC is set, required
// in-domain glue that does not fit sets TC, and TCP always carries the whole answer. Every UDP
// reply is checked against the size limit and, RRset by RRset, against the whole TCP answer.
// Expected shapes were checked against Knot 3.2.6 serving the same zones.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { TRICKY_ZONE, startE2eServer, type E2eServer } from './support/server.js';
import { TcpClient, UdpClient } from './support/net.js';
import { lines, parseResponse, query, rrsetKeys, type OptFields, type ParsedResponse, type ParsedRR } from './support/wire.js';

const LONG = 'a'.repeat(46);

/**
 * trunc.test: `child` is delegated to six long NS names under the cut, each with 4 A and 2 AAAA
 * (in-domain glue, required); `sib` to the same kind of names outside the cut (sibling glue,
 * optional); `mx` has 8 MX targets with 3 A + 1 AAAA each; `tobig` is a CNAME to a 6 x 101-octet
 * TXT RRset.
 */
function truncZone(): string {
  const z = ['$ORIGIN trunc.test.', '$TTL 3600', '@ SOA ns.trunc.test. h.trunc.test. 1 7200 900 1209600 300', '  NS ns', 'ns A 192.0.2.1'];
  for (let i = 1; i <= 6; i++) z.push(`child NS ns${i}-${LONG}.child`);
  for (let i = 1; i <= 6; i++) {
    for (let k = 1; k <= 4; k++) z.push(`ns${i}-${LONG}.child A 192.0.2.${i * 10 + k}`);
    for (let k = 1; k <= 2; k++) z.push(`ns${i}-${LONG}.child AAAA 2001:db8::${i}:${k}`);
  }
  for (let i = 1; i <= 6; i++) z.push(`sib NS ns${i}-${LONG}`);
  for (let i = 1; i <= 6; i++) {
    for (let k = 1; k <= 4; k++) z.push(`ns${i}-${LONG} A 198.51.100.${i * 10 + k}`);
    for (let k = 1; k <= 2; k++) z.push(`ns${i}-${LONG} AAAA 2001:db8:1::${i}:${k}`);
  }
  for (let i = 1; i <= 8; i++) z.push(`mx MX ${i * 10} m${i}`);
  for (let i = 1; i <= 8; i++) {
    for (let k = 1; k <= 3; k++) z.push(`m${i} A 203.0.113.${i * 10 + k}`);
    z.push(`m${i} AAAA 2001:db8:2::${i}`);
  }
  for (let i = 0; i < 6; i++) z.push(`big TXT "${i}${'123456789'.repeat(11)}"`);
  z.push('tobig CNAME big');
  return z.join('\n') + '\n';
}

let srv: E2eServer;
let udp: UdpClient;
let tcp: TcpClient;

beforeAll(async () => {
  // rotate 'none' so UDP and TCP replies to the same question are comparable record by record.
  srv = await startE2eServer([{ origin: 'tricky.test', text: TRICKY_ZONE }, { origin: 'trunc.test', text: truncZone() }], { rotate: 'none' });
  udp = await UdpClient.open(srv.host, srv.port);
  tcp = await TcpClient.connect(srv.host, srv.port);
});
afterAll(async () => {
  tcp.destroy();
  await udp.close();
  await srv.close();
  expect(srv.logged).toEqual([]);
});

/** The UDP size limit for a query: 512 without EDNS, else max(512, min(client, 1232)). */
function limitFor(edns: OptFields | undefined): number {
  if (edns === undefined) return 512;
  return Math.max(512, Math.min(edns.udpSize ?? 1232, 1232));
}

async function overUdp(name: string, type: string, edns?: OptFields): Promise<ParsedResponse> {
  const raw = await udp.exchange(query(name, type, { edns }));
  expect(raw.length).toBeLessThanOrEqual(limitFor(edns));
  const r = parseResponse(raw);
  expect(r.qr).toBe(true);
  if (edns) expect(r.opt?.udpSize).toBe(1232);
  else expect(r.opt).toBeUndefined();
  return r;
}

async function overTcp(name: string, type: string, edns?: OptFields): Promise<ParsedResponse> {
  const r = parseResponse(await tcp.exchange(query(name, type, { edns })));
  expect(r.tc).toBe(false);
  return r;
}

/** Records of `part` grouped per RRset. */
function sets(rrs: readonly ParsedRR[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of lines(rrs)) {
    const k = l.split(' ').slice(0, 2).join(' ');
    m.set(k, [...(m.get(k) ?? []), l]);
  }
  return m;
}

/**
 * RFC 2181 §9: every RRset in the UDP reply is the whole RRset of the full (TCP) reply, in the
 * same section, and the UDP sections are prefixes (by RRset) of the full ones.
 */
function expectWholeRRsets(part: ParsedResponse, full: ParsedResponse): void {
  for (const sec of ['answer', 'authority', 'additional'] as const) {
    const p = sets(part[sec]);
    const f = sets(full[sec]);
    for (const [k, v] of p) expect({ rrset: k, records: v }).toEqual({ rrset: k, records: f.get(k) });
    expect(rrsetKeys(full[sec]).slice(0, rrsetKeys(part[sec]).length)).toEqual(rrsetKeys(part[sec]));
  }
}

describe('a TXT RRset too big for 512 octets (big.tricky.test)', () => {
  test('UDP without EDNS: TC=1 and an empty answer, never part of the RRset', async () => {
    const r = await overUdp('big.tricky.test', 'TXT');
    expect({ tc: r.tc, aa: r.aa, rcode: r.rcode, an: r.counts.an, ns: r.counts.ns, ar: r.counts.ar }).toEqual({ tc: true, aa: true, rcode: 0, an: 0, ns: 0, ar: 0 });
    expect(r.question!.name).toBe('big.tricky.test.');
  });

  test('UDP with EDNS 512: TC=1, empty answer, OPT still there', async () => {
    const r = await overUdp('big.tricky.test', 'TXT', { udpSize: 512 });
    expect({ tc: r.tc, an: r.counts.an, ns: r.counts.ns, ar: r.counts.ar }).toEqual({ tc: true, an: 0, ns: 0, ar: 1 });
  });

  test('UDP with EDNS below 512 (100) counts as 512: TC=1', async () => {
    const r = await overUdp('big.tricky.test', 'TXT', { udpSize: 100 });
    expect({ tc: r.tc, an: r.counts.an }).toEqual({ tc: true, an: 0 });
  });

  test('UDP with EDNS 600 (still too small): TC=1, empty answer', async () => {
    const r = await overUdp('big.tricky.test', 'TXT', { udpSize: 600 });
    expect({ tc: r.tc, an: r.counts.an, ar: r.counts.ar }).toEqual({ tc: true, an: 0, ar: 1 });
  });

  test.each([1232, 4096, 65535])('UDP with EDNS %i: fits in 1232, TC=0, all 6 TXT', async (size) => {
    const r = await overUdp('big.tricky.test', 'TXT', { udpSize: size });
    expect(r.tc).toBe(false);
    expect(r.answer.length).toBe(6);
    expect(r.length).toBeGreaterThan(512);
    expect(r.length).toBeLessThanOrEqual(1232);
    expect(r.answer.map((a) => a.text.slice(1, 2))).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  test.each<[string, OptFields | undefined]>([['without EDNS', undefined], ['with EDNS 512', { udpSize: 512 }]])('TCP %s: whole, TC=0', async (_n, edns) => {
    const r = await overTcp('big.tricky.test', 'TXT', edns);
    expect(r.answer.length).toBe(6);
    expect(r.length).toBeGreaterThan(512);
  });

  test('with maxUdp 512 configured, EDNS 4096 still gets TC=1 and we advertise 512', async () => {
    const small = await startE2eServer([{ origin: 'tricky.test', text: TRICKY_ZONE }], { maxUdp: 512 });
    const c = await UdpClient.open(small.host, small.port);
    try {
      const raw = await c.exchange(query('big.tricky.test', 'TXT', { edns: { udpSize: 4096 } }));
      expect(raw.length).toBeLessThanOrEqual(512);
      const r = parseResponse(raw);
      expect({ tc: r.tc, an: r.counts.an, opt: r.opt?.udpSize }).toEqual({ tc: true, an: 0, opt: 512 });
    } finally {
      await c.close();
      await small.close();
    }
  });
});

describe('a CNAME whose target RRset does not fit', () => {
  test('UDP without EDNS: TC=1, the CNAME kept, no partial TXT (as Knot)', async () => {
    const r = await overUdp('tobig.trunc.test', 'TXT');
    expect(r.tc).toBe(true);
    expect(lines(r.answer)).toEqual(['tobig.trunc.test. CNAME big.trunc.test.']);
    expectWholeRRsets(r, await overTcp('tobig.trunc.test', 'TXT'));
  });

  test('EDNS 1232: the chain and all 6 TXT', async () => {
    const r = await overUdp('tobig.trunc.test', 'TXT', { udpSize: 1232 });
    expect(r.tc).toBe(false);
    expect(r.answer.length).toBe(7);
  });
});

describe('referral whose in-domain glue does not fit (RFC 9471 §3)', () => {
  test('TCP: 6 NS in authority and all 36 glue records, AA=0', async () => {
    const r = await overTcp('www.child.trunc.test', 'A');
    expect({ aa: r.aa, an: r.counts.an, ns: r.authority.length, ar: r.additional.length }).toEqual({ aa: false, an: 0, ns: 6, ar: 36 });
  });

  test('UDP without EDNS: TC=1, the NS RRset whole, glue only in whole RRsets', async () => {
    const r = await overUdp('www.child.trunc.test', 'A');
    const full = await overTcp('www.child.trunc.test', 'A');
    expect(r.tc).toBe(true);
    expect(r.aa).toBe(false);
    expect(r.authority.length).toBe(6);
    // Knot 3.2.6 sends the same 492 octets: the NS RRset and ns1's A RRset (its AAAA misses).
    expect(rrsetKeys(r.additional)).toEqual([`ns1-${LONG}.child.trunc.test. A`]);
    expect(r.length).toBe(492);
    expectWholeRRsets(r, full);
  });

  test('UDP with EDNS 512: TC=1 too, OPT kept', async () => {
    const r = await overUdp('www.child.trunc.test', 'A', { udpSize: 512 });
    expect(r.tc).toBe(true);
    expect(r.opt).toBeDefined();
    expectWholeRRsets(r, await overTcp('www.child.trunc.test', 'A'));
  });

  test('UDP with EDNS 1232: everything fits, TC=0', async () => {
    const r = await overUdp('www.child.trunc.test', 'A', { udpSize: 1232 });
    expect({ tc: r.tc, ns: r.authority.length, ar: r.additional.length }).toEqual({ tc: false, ns: 6, ar: 36 });
  });

  test('sibling glue (outside the cut) is optional: TC=0, glue dropped from the end', async () => {
    const r = await overUdp('www.sib.trunc.test', 'A');
    const full = await overTcp('www.sib.trunc.test', 'A');
    expect(full.additional.length).toBe(36);
    expect(r.tc).toBe(false);
    expect(r.authority.length).toBe(6);
    // As Knot 3.2.6: ns1's A RRset fits (4 records, 490 octets), nothing after it is tried.
    expect(rrsetKeys(r.additional)).toEqual([`ns1-${LONG}.trunc.test. A`]);
    expect(r.length).toBe(490);
    expectWholeRRsets(r, full);
  });
});

describe('additional data is dropped before TC is set', () => {
  test('MX answer: TC=0, the answer whole, fewer additional RRsets (a prefix of the full list)', async () => {
    const r = await overUdp('mx.trunc.test', 'MX');
    const full = await overTcp('mx.trunc.test', 'MX');
    expect(full.answer.length).toBe(8);
    expect(full.additional.length).toBe(32);
    expect(r.tc).toBe(false);
    expect(r.aa).toBe(true);
    expect(lines(r.answer)).toEqual(lines(full.answer));
    // As Knot 3.2.6: the addresses of m1-m4 (16 records, 487 octets).
    expect(r.additional.length).toBe(16);
    expect(r.length).toBe(487);
    expectWholeRRsets(r, full);
  });

  test('MX answer with EDNS 512: the same, and the OPT is not the one given up', async () => {
    const r = await overUdp('mx.trunc.test', 'MX', { udpSize: 512, do: true });
    expect(r.tc).toBe(false);
    expect(r.answer.length).toBe(8);
    expect(r.opt?.do).toBe(true);
    expectWholeRRsets(r, await overTcp('mx.trunc.test', 'MX'));
  });

  test('MX answer with EDNS 1232: all 32 additional records', async () => {
    const r = await overUdp('mx.trunc.test', 'MX', { udpSize: 1232 });
    expect({ tc: r.tc, an: r.answer.length, ar: r.additional.length }).toEqual({ tc: false, an: 8, ar: 32 });
  });

  test('a small answer keeps all its additional data (apex MX of tricky.test)', async () => {
    const r = await overUdp('tricky.test', 'MX');
    expect(r.tc).toBe(false);
    expect(lines(r.additional)).toEqual(['mail.tricky.test. A 192.0.2.25']);
  });
});
