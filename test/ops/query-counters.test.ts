// The query counters (src/ops/query-counters.ts) as the answer path fills them: every message
// counted once, under the configured zone it fell in (never the query name), its query type
// (unknown types as "other"), its response code (extended ones read from the OPT) and transport;
// truncated answers, drops and answer-cache hits apart.

import { describe, expect, test } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { QTYPE_LABELS, QueryCounters, RCODE_LABELS, type ZoneQueryCounts } from '../../src/ops/query-counters.js';
import { AnswerCache } from '../../src/server/answer-cache.js';
import { handleMessage, handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { zoneFromText } from '../support/zones.js';
import { query } from '../wire/helpers.js';

const many = Array.from({ length: 40 }, (_, i) => `big TXT "${'y'.repeat(30)}${i}"`).join('\n');
const zone = zoneFromText('c.test', `$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\nsub NS ns.other.\n${many}\n`);
const other = zoneFromText('sub.c.test', '$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.7\n');

function setup() {
  const registry = new ZoneRegistry();
  for (const z of [zone, other]) registry.set({ origin: z.origin, snapshot: z, options: { transfer: new TransferPolicy({ allow: ['any'] }) } });
  const meter = new QueryCounters();
  const ctx: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232, cache: new AnswerCache(), meter };
  return { ctx, meter };
}

/** Every non-zero cell of a zone as `udp A NOERROR`-style keys. */
function cells(z: ZoneQueryCounts | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (z === undefined) return out;
  ['udp', 'tcp'].forEach((t, ti) => {
    QTYPE_LABELS.forEach((q, qi) => { if (z.queries(qi, ti) > 0) out[`${t} qtype ${q}`] = z.queries(qi, ti); });
    RCODE_LABELS.forEach((r, ri) => { if (z.responses(ri, ti) > 0) out[`${t} rcode ${r}`] = z.responses(ri, ti); });
    if (z.truncated(ti) > 0) out[`${t} truncated`] = z.truncated(ti);
    if (z.dropped(ti) > 0) out[`${t} dropped`] = z.dropped(ti);
  });
  if (z.cacheHits > 0) out['cache hits'] = z.cacheHits;
  return out;
}
const byZone = (meter: QueryCounters, label: string) => cells(meter.zones().find((z) => z.zone === label));

describe('query counters on the answer path', () => {
  test('each query under its configured zone, type and rcode; the deepest zone wins; names outside are "none"', () => {
    const { ctx, meter } = setup();
    const udp = (qname: string, qtype: number, edns?: object) => handleMessage(query({ qname, qtype, edns }), 'udp', ctx, '127.0.0.1');
    udp('www.c.test.', RRType.A);
    udp('WWW.C.TEST.', RRType.A);
    udp('nx.c.test.', RRType.AAAA);
    udp('deep.ns.sub.c.test.', RRType.MX);
    udp('example.org.', RRType.A);
    udp('www.c.test.', 65280); // a private-use type: "other"
    udp('www.c.test.', RRType.A, { version: 1 }); // BADVERS, an extended rcode
    handleMessage(query({ qname: 'www.c.test.', qtype: RRType.TXT }), 'tcp', ctx, '127.0.0.1');
    expect(byZone(meter, 'c.test.')).toEqual({
      'udp qtype A': 2, 'udp qtype AAAA': 1, 'udp qtype other': 1, 'udp rcode NOERROR': 3, 'udp rcode NXDOMAIN': 1,
      'tcp qtype TXT': 1, 'tcp rcode NOERROR': 1, 'cache hits': 1,
    });
    // BADVERS is refused before any zone is looked at: counted under "none", like the name outside.
    expect(byZone(meter, 'sub.c.test.')).toEqual({ 'udp qtype MX': 1, 'udp rcode NXDOMAIN': 1 });
    expect(byZone(meter, 'none')).toEqual({ 'udp qtype A': 2, 'udp rcode REFUSED': 1, 'udp rcode BADVERS': 1 });
  });

  test('truncated answers, drops and malformed messages are counted too', () => {
    const { ctx, meter } = setup();
    handleMessage(query({ qname: 'big.c.test.', qtype: RRType.TXT }), 'udp', ctx, ''); // > 512: TC
    handleMessage(Buffer.from('0102', 'hex'), 'udp', ctx, ''); // no header: dropped
    handleMessage(Buffer.from(query({ qname: 'www.c.test.', qtype: RRType.A, flags: 0x8000 })), 'udp', ctx, ''); // a response: dropped
    handleMessage(query({ qname: 'www.c.test.', qtype: RRType.A, qdcount: 2 }), 'tcp', ctx, ''); // FORMERR, no question echoed
    expect(byZone(meter, 'c.test.')).toEqual({ 'udp qtype TXT': 1, 'udp rcode NOERROR': 1, 'udp truncated': 1 });
    expect(byZone(meter, 'none')).toEqual({ 'udp dropped': 2, 'tcp qtype other': 1, 'tcp rcode FORMERR': 1 });
  });

  test('a zone transfer over TCP counts once, whatever the number of its messages', () => {
    const { ctx, meter } = setup();
    const reply = handleStreamMessage(query({ qname: 'c.test.', qtype: RRType.AXFR }), ctx, '127.0.0.1');
    expect(Buffer.isBuffer(reply)).toBe(false);
    expect([...(reply as Iterable<Buffer>)].length).toBeGreaterThan(0);
    expect(byZone(meter, 'c.test.')).toEqual({ 'tcp qtype AXFR': 1, 'tcp rcode NOERROR': 1 });
  });

  test('a removed zone keeps its counts, and counts on if it comes back with a new handle', () => {
    const { ctx, meter } = setup();
    handleMessage(query({ qname: 'www.c.test.', qtype: RRType.A }), 'udp', ctx, '');
    ctx.registry.delete(zone.origin);
    meter.zones(ctx.registry.handles());
    ctx.registry.set({ origin: zone.origin, snapshot: zone });
    handleMessage(query({ qname: 'www.c.test.', qtype: RRType.A }), 'udp', ctx, '');
    expect(byZone(meter, 'c.test.')).toMatchObject({ 'udp qtype A': 2 });
  });
});
