// The identity step (src/ops/identity.ts) through the real answer path (handleMessage), no socket:
// CHAOS TXT id.server / hostname.bind / version.bind, NSID (RFC 5001) and EDNS EXPIRE (RFC 7314),
// as BIND and Knot answer them (checked against both in test/ops/identity-interop.test.ts).

import { describe, expect, test } from '@jest/globals';
import { RRClass, RRType, Rcode } from '../../src/dns/constants.js';
import { nameKey, type Name } from '../../src/dns/name.js';
import { EDNS_EXPIRE, EDNS_NSID, Identity, type IdentityOptions } from '../../src/ops/identity.js';
import { AnswerCache } from '../../src/server/answer-cache.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { signRequest, verifyResponse } from '../../src/tsig/tsig.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { parseResponse, type ParsedResponse } from '../interop/support/wire.js';
import { name, zoneFromText } from '../support/zones.js';
import { query } from '../wire/helpers.js';

const NOW = 1_800_000_000_000;
const primary = zoneFromText('p.test', '$TTL 300\n@ SOA ns h 7 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\n');
const secondary = zoneFromText('s.test', '$TTL 300\n@ SOA ns h 9 3600 900 86400 300\n@ NS ns\nns A 192.0.2.3\n');
// An answer of ~480 octets: fits 512 on its own, and must still fit once the options are added.
const bigTxt = Array.from({ length: 11 }, (_, i) => `big TXT "${String(i).padStart(2, '0')}${'x'.repeat(28)}"`).join('\n');
const sized = zoneFromText('z.test', `$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.9\n${bigTxt}\n`);

/** The secondary s.test expires 100 s after NOW; an expired one is configured but has no data. */
function context(options: IdentityOptions | undefined, extra: Partial<HandlerContext> = {}): HandlerContext {
  const registry = new ZoneRegistry();
  for (const z of [primary, secondary, sized]) registry.set({ origin: z.origin, snapshot: z });
  registry.set({ origin: name('expired.test'), snapshot: undefined });
  const expiry = (origin: Name) => (nameKey(origin) === nameKey(secondary.origin) ? NOW + 100_500 : undefined);
  return {
    registry, rotator: new Rotator('none'), maxUdp: 1232, cache: new AnswerCache(),
    identity: options === undefined ? undefined : new Identity(options, registry, expiry, () => NOW),
    ...extra,
  };
}

const ask = (ctx: HandlerContext, qname: string, qtype: number, opts: { qclass?: number; options?: number[]; udpSize?: number; edns?: boolean } = {}): ParsedResponse => {
  const edns = opts.edns === false ? undefined : { udpSize: opts.udpSize ?? 1232, options: (opts.options ?? []).map((code) => ({ code, data: '' })) };
  return parseResponse(handleMessage(query({ qname, qtype, qclass: opts.qclass, edns }), 'udp', ctx, '127.0.0.1')!);
};
const option = (r: ParsedResponse, code: number) => r.opt?.options.find((o) => o.code === code)?.data;
const AA = 0x0400;

describe('CHAOS TXT', () => {
  const ctx = context({ identity: 'ns1.example.net', version: 'zonedns 9' });

  test.each([
    ['id.server.', 'ns1.example.net'],
    ['hostname.bind.', 'ns1.example.net'],
    ['ID.Server.', 'ns1.example.net'],
    ['version.bind.', 'zonedns 9'],
    ['version.server.', 'zonedns 9'],
  ])('%s answers %s: one TXT string, class CH, TTL 0, AA, the question as asked', (qname, text) => {
    const r = ask(ctx, qname, RRType.TXT, { qclass: RRClass.CH });
    expect({ rcode: r.rcode, aa: (r.flags & AA) !== 0 }).toEqual({ rcode: Rcode.NOERROR, aa: true });
    expect(r.answer.map((rr) => ({ owner: rr.owner, text: rr.text }))).toEqual([{ owner: name(qname), text: `${qname} 0 CH TXT "${text}"` }]);
  });

  test.each([
    ['another CHAOS name', 'authors.bind.', RRType.TXT, { identity: 'ns1', version: 'v' }],
    ['a type other than TXT', 'id.server.', RRType.A, { identity: 'ns1', version: 'v' }],
    ['version.bind without `version`', 'version.bind.', RRType.TXT, { identity: 'ns1' }],
    ['id.server without `identity`', 'id.server.', RRType.TXT, { version: 'v' }],
  ])('%s is REFUSED', (_what, qname, qtype, options) => {
    const r = ask(context(options), qname, qtype, { qclass: RRClass.CH });
    expect({ rcode: r.rcode, answers: r.answer.length }).toEqual({ rcode: Rcode.REFUSED, answers: 0 });
  });

  test('without any identity setting, CHAOS is REFUSED as before', () => {
    expect(ask(context(undefined), 'id.server.', RRType.TXT, { qclass: RRClass.CH }).rcode).toBe(Rcode.REFUSED);
  });
});

describe('NSID (RFC 5001)', () => {
  test('a query that asks gets the identity; one that does not, no NSID', () => {
    const ctx = context({ identity: 'ns1.example.net' });
    expect(option(ask(ctx, 'www.p.test.', RRType.A, { options: [EDNS_NSID] }), EDNS_NSID)?.toString()).toBe('ns1.example.net');
    expect(option(ask(ctx, 'www.p.test.', RRType.A), EDNS_NSID)).toBeUndefined();
  });

  test('on cached answers, errors and REFUSED alike (as Knot and BIND)', () => {
    const ctx = context({ identity: 'ns1' });
    for (let i = 0; i < 3; i++) expect(option(ask(ctx, 'www.p.test.', RRType.A, { options: [EDNS_NSID] }), EDNS_NSID)?.toString()).toBe('ns1');
    for (const [qname, rcode] of [['nope.org.', Rcode.REFUSED], ['expired.test.', Rcode.SERVFAIL], ['x.p.test.', Rcode.NXDOMAIN]] as const) {
      const r = ask(ctx, qname, RRType.A, { options: [EDNS_NSID] });
      expect({ qname, rcode: r.rcode, nsid: option(r, EDNS_NSID)?.toString() }).toEqual({ qname, rcode, nsid: 'ns1' });
    }
  });

  test('`nsid` replaces the identity; 0x... is binary', () => {
    const r = ask(context({ identity: 'ns1', nsid: '0x00ff10' }), 'www.p.test.', RRType.A, { options: [EDNS_NSID] });
    expect(option(r, EDNS_NSID)?.toString('hex')).toBe('00ff10');
  });

  test('without EDNS there is no OPT to carry it, and nothing breaks', () => {
    const r = ask(context({ identity: 'ns1' }), 'www.p.test.', RRType.A, { edns: false });
    expect({ rcode: r.rcode, opt: r.opt }).toEqual({ rcode: Rcode.NOERROR, opt: undefined });
  });
});

describe('EXPIRE (RFC 7314)', () => {
  const ctx = context({ identity: 'ns1' });
  const expire = (r: ParsedResponse) => option(r, EDNS_EXPIRE)?.readUInt32BE(0);

  test('a zone loaded from a file answers its SOA EXPIRE', () => {
    expect(expire(ask(ctx, 'p.test.', RRType.SOA, { options: [EDNS_EXPIRE] }))).toBe(604800);
    expect(expire(ask(ctx, 'x.p.test.', RRType.A, { options: [EDNS_EXPIRE] }))).toBe(604800);
  });

  test('a secondary zone answers what is left of its expire timer', () => {
    expect(expire(ask(ctx, 's.test.', RRType.SOA, { options: [EDNS_EXPIRE] }))).toBe(100);
  });

  test('no zone data, no EXPIRE: REFUSED, an expired secondary (SERVFAIL), a question not asking', () => {
    expect(option(ask(ctx, 'nope.org.', RRType.SOA, { options: [EDNS_EXPIRE] }), EDNS_EXPIRE)).toBeUndefined();
    expect(option(ask(ctx, 'expired.test.', RRType.SOA, { options: [EDNS_EXPIRE] }), EDNS_EXPIRE)).toBeUndefined();
    expect(option(ask(ctx, 'p.test.', RRType.SOA), EDNS_EXPIRE)).toBeUndefined();
  });

  test('works without any identity configured (the step exists when any identity key is set)', () => {
    expect(expire(ask(context({ version: 'v' }), 'p.test.', RRType.SOA, { options: [EDNS_EXPIRE] }))).toBe(604800);
  });
});

describe('room for the options', () => {
  test('an answer that fills 512 octets alone still fits with NSID and EXPIRE added: fewer records or TC, never more than 512', () => {
    const ctx = context({ identity: 'n'.repeat(200) });
    const alone = handleMessage(query({ qname: 'big.z.test.', qtype: RRType.TXT, edns: { udpSize: 512 } }), 'udp', ctx, '')!;
    const asked = handleMessage(query({ qname: 'big.z.test.', qtype: RRType.TXT, edns: { udpSize: 512, options: [{ code: EDNS_NSID, data: '' }, { code: EDNS_EXPIRE, data: '' }] } }), 'udp', ctx, '')!;
    expect(alone.length).toBeLessThanOrEqual(512);
    expect(asked.length).toBeLessThanOrEqual(512);
    const r = parseResponse(asked);
    expect(option(r, EDNS_NSID)?.length).toBe(200);
    expect(option(r, EDNS_EXPIRE)?.readUInt32BE(0)).toBe(604800);
  });

  test('a TSIG-signed query gets its NSID inside the signed reply (the MAC verifies)', () => {
    const key = parseTsigKey('k.', 'hmac-sha256', Buffer.alloc(32, 7).toString('base64'));
    const ctx = context({ identity: 'ns1' }, { xfr: { tsig: createTsigHook(new TsigKeyring([key])) } });
    const now = Math.floor(Date.now() / 1000);
    const signed = signRequest(query({ qname: 'p.test.', qtype: RRType.SOA, edns: { options: [{ code: EDNS_NSID, data: '' }] } }), key, now);
    const reply = handleMessage(signed.message, 'udp', ctx, '127.0.0.1')!;
    expect(verifyResponse(reply, key, signed.mac, now)).toMatchObject({ ok: true });
    expect(option(parseResponse(reply), EDNS_NSID)?.toString()).toBe('ns1');
  });
});
