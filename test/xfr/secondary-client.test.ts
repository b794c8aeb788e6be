// The secondary's client side: the strict transfer-response decoder (compression pointers in
// owners and RDATA, malformed messages), the AXFR/IXFR stream assembler (RFC 5936 §2.2, RFC 1995
// §4), and the real network transport against an in-process zonedns primary; then zonedns as
// the secondary of zonedns, end to end over loopback (AXFR, NOTIFY -> IXFR).

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RRClass, RRType, Rcode } from '../../src/dns/constants.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { encodeResponse, type RR } from '../../src/wire/index.js';
import { printZone } from '../../src/zone/print.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { applyDeltas, SecondaryManager, SecondaryZone } from '../../src/xfr/secondary.js';
import {
  buildRequest, decodeTransferMessage, networkTransport, parsePrimary, soaSerialOf, TransferAssembler, TransferError, type TransferRR, type ZoneSink,
} from '../../src/xfr/xfr-client.js';
import { freePort } from '../interop/support/knot.js';
import { xfrZoneText, XFR_ZONE } from '../interop/support/xfr-scenario.js';
import { soaSerial, startXfrPrimary, waitFor, type XfrPrimary } from '../interop/support/xfr-server.js';
import { name, zoneFromText } from '../support/zones.js';

const origin = name('c.test');
const copyText = (file: string) => (existsSync(file) ? readFileSync(file, 'latin1') : '');
const soaRdata = (serial: number) => {
  const counters = Buffer.alloc(20);
  counters.writeUInt32BE(serial, 0);
  counters.writeUInt32BE(3600, 4);
  return name('ns1.c.test') + name('hostmaster.c.test') + counters.toString('latin1');
};
const soa = (serial: number): RR => ({ owner: origin, type: RRType.SOA, class: RRClass.IN, ttl: 300, rdata: soaRdata(serial) });
const a = (owner: string, ip: number[]): RR => ({ owner: name(owner), type: RRType.A, class: RRClass.IN, ttl: 60, rdata: String.fromCharCode(...ip) });
const mx: RR = { owner: origin, type: RRType.MX, class: RRClass.IN, ttl: 60, rdata: '\x00\x0a' + name('mail.c.test') };
const ns: RR = { owner: origin, type: RRType.NS, class: RRClass.IN, ttl: 60, rdata: name('ns1.c.test') };

function response(answer: RR[], opts: { question?: boolean; rcode?: number } = {}): Buffer {
  return encodeResponse({
    id: 7, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: opts.rcode ?? 0,
    question: opts.question === false ? undefined : { name: origin, qtype: RRType.AXFR, qclass: RRClass.IN },
    answer: answer.map((rr) => [rr]),
  }, 0xffff);
}

describe('decodeTransferMessage', () => {
  it('decompresses owners and the names inside SOA, MX and NS RDATA', () => {
    const msg = response([soa(5), ns, mx, a('mail.c.test', [192, 0, 2, 25])]);
    // The writer compresses: the message is smaller than the names written out in full.
    expect(msg.length).toBeLessThan(12 + 10 + 4 * 30 + 2 * 20 + 30);
    const m = decodeTransferMessage(msg);
    expect(m.rcode).toBe(0);
    expect(m.aa).toBe(true);
    expect(m.question?.qtype).toBe(RRType.AXFR);
    expect(m.answer.map((rr) => rr.rdata)).toEqual([soaRdata(5), ns.rdata, mx.rdata, '\xc0\x00\x02\x19']);
    expect(m.answer[3]!.owner).toBe(name('mail.c.test'));
    expect(soaSerialOf(m.answer[0]!.rdata)).toBe(5);
  });

  const malformed: Array<[string, (m: Buffer) => Buffer]> = [
    ['QR not set', (m) => { m[2]! &= 0x7f; return m; }],
    ['trailing octets', (m) => Buffer.concat([m, Buffer.from([0])])],
    ['truncated RDATA', (m) => m.subarray(0, m.length - 2)],
    ['a forward compression pointer', (m) => { m[12] = 0xc0; m[13] = 40; return m; }],
    ['a pointer into the header', (m) => { m[12] = 0xc0; m[13] = 2; return m; }],
    ['a reserved label type', (m) => { m[12] = 0x40; return m; }],
    ['ANCOUNT larger than the records', (m) => { m.writeUInt16BE(m.readUInt16BE(6) + 1, 6); return m; }],
  ];
  it.each(malformed)('rejects %s', (_what, mutate) => {
    const msg = mutate(Buffer.from(response([soa(5), ns])));
    expect(() => decodeTransferMessage(msg)).toThrow(TransferError);
  });

  it('names compressed against the middle of earlier names, in owners and RDATA; a repeated owner is one string', () => {
    const srvLike: RR = { owner: name('_x._tcp.deep.sub.c.test'), type: RRType.MX, class: RRClass.IN, ttl: 60, rdata: '\x00\x05' + name('mx.deep.sub.c.test') };
    const rrs = [soa(5), a('www.deep.sub.c.test', [1, 2, 3, 4]), a('www.deep.sub.c.test', [1, 2, 3, 5]), a('x.sub.c.test', [5, 6, 7, 8]),
      srvLike, { ...ns, owner: name('deep.sub.c.test'), rdata: name('www.deep.sub.c.test') }];
    const m = decodeTransferMessage(response(rrs));
    expect(m.answer.map((rr) => [rr.owner, rr.type, rr.rdata])).toEqual(rrs.map((rr) => [rr.owner, rr.type, rr.rdata]));
    expect(m.answer[1]!.owner).toBe(m.answer[2]!.owner);
  });

  it('names remembered from one message are not used for the next (same offsets, other names)', () => {
    const one = decodeTransferMessage(response([soa(5), a('aa.c.test', [1, 1, 1, 1]), a('bb.aa.c.test', [2, 2, 2, 2])]));
    const two = decodeTransferMessage(response([soa(5), a('xx.c.test', [3, 3, 3, 3]), a('yy.xx.c.test', [4, 4, 4, 4])]));
    expect(one.answer.map((rr) => rr.owner)).toEqual([origin, name('aa.c.test'), name('bb.aa.c.test')]);
    expect(two.answer.map((rr) => rr.owner)).toEqual([origin, name('xx.c.test'), name('yy.xx.c.test')]);
  });

  it('a TTL with the top bit set reads as zero (RFC 2181 §8)', () => {
    const msg = Buffer.from(response([soa(5), a('t.c.test', [1, 2, 3, 4])]));
    const ttlAt = msg.length - 4 - 2 - 4;
    msg.writeUInt32BE(0x80000001, ttlAt);
    expect(decodeTransferMessage(msg).answer[1]!.ttl).toBe(0);
  });

  it('rejects SOA RDATA whose counters are not 20 octets', () => {
    const bad: RR = { ...soa(5), rdata: soaRdata(5) + '\x00' };
    expect(() => decodeTransferMessage(response([bad]))).toThrow(/SOA RDATA/);
  });
});

describe('TransferAssembler', () => {
  const rr = (r: RR): TransferRR => r;
  it('AXFR: complete at the repeated SOA, across messages', () => {
    const asm = new TransferAssembler(origin, 'axfr');
    expect(asm.push([rr(soa(3)), ns])).toBeUndefined();
    const res = asm.push([mx, soa(3)]);
    expect(res?.kind).toBe('full');
    expect(res?.kind === 'full' && res.records.length).toBe(3);
  });

  it('AXFR: a closing SOA with another serial, records after the end, or no SOA first are errors', () => {
    expect(() => new TransferAssembler(origin, 'axfr').push([soa(3), ns, soa(4)])).toThrow(/closing SOA/);
    expect(() => new TransferAssembler(origin, 'axfr').push([soa(3), ns, soa(3), ns])).toThrow(/after the closing SOA/);
    expect(() => new TransferAssembler(origin, 'axfr').push([ns, soa(3)])).toThrow(/begin with the zone SOA/);
  });

  it('IXFR: a lone SOA is "current"; AXFR-style is a full zone; differences are read in sequence', () => {
    const cur = new TransferAssembler(origin, 'ixfr', 3);
    expect(cur.push([soa(3)])).toBeUndefined();
    expect(cur.endOfMessage()?.kind).toBe('current');

    // A lone newer SOA at the end of a message: more is coming (an answer split one RR per message).
    const split = new TransferAssembler(origin, 'ixfr', 3);
    expect(split.push([soa(5)])).toBeUndefined();
    expect(split.endOfMessage()).toBeUndefined();
    expect(split.push([ns, soa(5)])?.kind).toBe('full');

    const full = new TransferAssembler(origin, 'ixfr', 3);
    expect(full.push([soa(5), ns, mx, soa(5)])?.kind).toBe('full');

    const inc = new TransferAssembler(origin, 'ixfr', 3);
    const x = a('x.c.test', [1, 2, 3, 4]);
    const y = a('y.c.test', [1, 2, 3, 5]);
    const res = inc.push([soa(5), soa(3), x, soa(4), y, soa(4), soa(5), x, soa(5)]);
    expect(res?.kind).toBe('incremental');
    if (res?.kind !== 'incremental') throw new Error('not incremental');
    expect(res.deltas.map((d) => [d.fromSerial, d.toSerial, d.deleted.length, d.added.length])).toEqual([[3, 4, 2, 2], [4, 5, 1, 2]]);
  });

  it('IXFR: a difference that does not start at our serial is an error', () => {
    expect(() => new TransferAssembler(origin, 'ixfr', 2).push([soa(5), soa(3), soa(5), soa(5)])).toThrow(/expected 2/);
  });

  it('with a sink: a full zone goes there as it arrives (SOA first), not into a list', () => {
    const got: string[] = [];
    const sink: ZoneSink = { add: (owner, type, ttl, rdata) => { got.push(`${owner === origin ? '@' : 'x'} ${type} ${ttl} ${rdata.length}`); } };
    const asm = new TransferAssembler(origin, 'axfr', undefined, undefined, sink);
    expect(asm.push([soa(3), ns])).toBeUndefined();
    expect(got).toEqual([`@ ${RRType.SOA} 300 ${soaRdata(3).length}`, `@ ${RRType.NS} 60 ${ns.rdata.length}`]);
    const res = asm.push([mx, soa(3)]);
    expect(res).toMatchObject({ kind: 'streamed', serial: 3, count: 3 });
    expect(got).toHaveLength(3);

    // IXFR: only once the second record shows a full zone does the SOA go to the sink.
    got.length = 0;
    const full = new TransferAssembler(origin, 'ixfr', 3, undefined, sink);
    expect(full.push([soa(5)])).toBeUndefined();
    expect(full.endOfMessage()).toBeUndefined();
    expect(got).toEqual([]);
    expect(full.push([ns, soa(5)])).toMatchObject({ kind: 'streamed', serial: 5, count: 2 });
    expect(got).toHaveLength(2);

    // Differences never go to the sink.
    got.length = 0;
    const inc = new TransferAssembler(origin, 'ixfr', 3, undefined, sink);
    expect(inc.push([soa(5), soa(3), soa(5), ns, soa(5)])?.kind).toBe('incremental');
    expect(got).toEqual([]);
  });

  it('the record limit holds', () => {
    expect(() => new TransferAssembler(origin, 'axfr', undefined, 2).push([soa(1), ns, mx])).toThrow(/more than 2/);
  });
});

describe('buildRequest', () => {
  it('an IXFR request carries our SOA in the authority section (RFC 1995 §3)', () => {
    const req = buildRequest(9, origin, RRType.IXFR, soa(3));
    expect(req.readUInt16BE(2) & 0x8000).toBe(0);
    expect(req.readUInt16BE(4)).toBe(1);
    expect(req.readUInt16BE(8)).toBe(1);
  });
});

describe('network transport against a zonedns primary', () => {
  let primary: XfrPrimary;
  beforeAll(async () => {
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1) });
  });
  afterAll(async () => {
    await primary?.close();
  });

  it('SOA over UDP, AXFR and IXFR over TCP; the IXFR applies to the AXFR copy', async () => {
    const t = networkTransport();
    const p = parsePrimary(`127.0.0.1:${primary.port}`)!;
    const o = name(XFR_ZONE);
    const s = await t.querySoa(p, o);
    expect(soaSerialOf(s.rdata)).toBe(1);
    const full = await t.transfer(p, o, 'axfr');
    expect(full.kind).toBe('full');
    if (full.kind !== 'full') return;
    expect(full.records.length).toBe(primary.snapshot().recordCount);
    const v1 = zoneFromText(XFR_ZONE, xfrZoneText(1));
    await primary.update(xfrZoneText(2));
    const ourSoa: TransferRR = { owner: v1.soa.owner, type: RRType.SOA, class: RRClass.IN, ttl: v1.soa.ttl, rdata: v1.soa.rdata[0]! };
    const inc = await t.transfer(p, o, 'ixfr', ourSoa);
    expect(inc.kind).toBe('incremental');
    if (inc.kind !== 'incremental') return;
    const applied = applyDeltas(v1, inc.deltas);
    expect(applied.length).toBe(primary.snapshot().recordCount);
    const cur = await t.transfer(p, o, 'ixfr', { ...ourSoa, rdata: primary.snapshot().soa.rdata[0]! });
    expect(cur.kind).toBe('current');
  }, 20_000);

  it('AXFR into a sink: every record streamed, and replayed in the same order', async () => {
    const t = networkTransport();
    const p = parsePrimary(`127.0.0.1:${primary.port}`)!;
    const o = name(XFR_ZONE);
    const listed = await t.transfer(p, o, 'axfr');
    if (listed.kind !== 'full') throw new Error(`expected full, got ${listed.kind}`);
    const got: TransferRR[] = [];
    const streamed = await t.transfer(p, o, 'axfr', undefined, { add: (owner, type, ttl, rdata) => { got.push({ owner, type, class: RRClass.IN, ttl, rdata }); } });
    if (streamed.kind !== 'streamed') throw new Error(`expected streamed, got ${streamed.kind}`);
    expect(streamed.count).toBe(listed.records.length);
    expect(got).toEqual(listed.records);
    const again: TransferRR[] = [];
    streamed.replay((rr) => again.push(rr));
    expect(again).toEqual(listed.records);
  });

  it('an error rcode (zone we do not serve) is a TransferError with the rcode', async () => {
    const t = networkTransport({ soaTries: 1 });
    const p = parsePrimary(`127.0.0.1:${primary.port}`)!;
    await expect(t.querySoa(p, name('nope.test'))).rejects.toMatchObject({ rcode: Rcode.REFUSED });
    await expect(t.transfer(p, name('nope.test'), 'axfr')).rejects.toThrow(/rcode 5/);
  });
});

describe('zonedns as a secondary of zonedns over loopback', () => {
  let primary: XfrPrimary;
  let server: RunningServer;
  let sec: SecondaryZone;
  let dir: string;
  const logs: string[] = [];
  const log = { debug: () => {}, info: (m: string) => { logs.push(m); }, warn: (m: string, f?: object) => { logs.push(`${m} ${JSON.stringify(f)}`); }, error: (m: string) => { logs.push(m); } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-sec2-'));
    const port = await freePort();
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1), notify: [`127.0.0.1:${port}`] });
    const registry = new ZoneRegistry();
    sec = new SecondaryZone({
      origin: name(XFR_ZONE), primaries: [parsePrimary(`127.0.0.1:${primary.port}`)!], file: join(dir, 'xfr.test.zone'),
      registry, transport: networkTransport(), log,
    });
    const secondaries = new SecondaryManager();
    secondaries.add(sec);
    server = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port }], rotate: 'none', maxUdp: 1232, log, secondaries });
    sec.start();
  });
  afterAll(async () => {
    sec?.stop();
    await server?.close();
    await primary?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls the zone, then a change after NOTIFY, and keeps a copy on disk', async () => {
    const port = server.listening[0]!.port;
    await waitFor('serial 1', async () => ((await soaSerial('127.0.0.1', port, XFR_ZONE)) === 1 ? true : undefined), 10_000, () => logs.join('\n'));
    expect(printZone(sec.handle.snapshot!)).toBe(printZone(primary.snapshot()));
    await primary.update(xfrZoneText(2));
    await waitFor('serial 2', async () => ((await soaSerial('127.0.0.1', port, XFR_ZONE)) === 2 ? true : undefined), 10_000, () => logs.join('\n'));
    expect(printZone(sec.handle.snapshot!)).toBe(printZone(primary.snapshot()));
    expect(primary.logs.some((l) => l.startsWith('info NOTIFY acknowledged'))).toBe(true);
    expect(primary.logs.some((l) => l.startsWith('info IXFR finished') && l.includes('"answer":"incremental"'))).toBe(true);
    // The copy is written after the swap, off the query path: poll for it.
    await waitFor('the copy of serial 2 on disk', () => (copyText(join(dir, 'xfr.test.zone')).includes('serial 2') ? true : undefined), 10_000, () => logs.join('\n'));
  }, 25_000);
});

describe('network transport: messages split and joined across TCP segments', () => {
  /** A primary that answers any AXFR with `messages` (our ID patched in), written in pieces of `sizes` octets. */
  async function slicingPrimary(messages: Buffer[], sizes: number[]): Promise<{ port: number; close(): Promise<void> }> {
    const server = net.createServer((sock) => {
      sock.setNoDelay(true);
      let req = Buffer.alloc(0);
      sock.on('data', async (d: Buffer) => {
        req = Buffer.concat([req, d]);
        if (req.length < 4) return;
        const id = req.readUInt16BE(2);
        const stream = Buffer.concat(messages.map((m) => {
          const framed = Buffer.alloc(2 + m.length);
          framed.writeUInt16BE(m.length, 0);
          m.copy(framed, 2);
          framed.writeUInt16BE(id, 2);
          return framed;
        }));
        for (let off = 0, i = 0; off < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          sock.write(stream.subarray(off, off + n));
          off += n;
          // Separate segments where the kernel allows it.
          await new Promise((r) => setImmediate(r));
        }
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
  }

  it.each([
    ['one octet at a time', [1]],
    ['a length prefix split from its message, several messages per segment', [1, 5, 3000, 2, 7000]],
  ])('%s', async (_what, sizes) => {
    const hosts = Array.from({ length: 60 }, (_, i) => a(`h${i}.c.test`, [10, 0, 0, i]));
    const messages = [response([soa(9), ns, ...hosts.slice(0, 20)]), response(hosts.slice(20, 40), { question: false }), response([...hosts.slice(40), mx, soa(9)], { question: false })];
    const srv = await slicingPrimary(messages, sizes);
    try {
      const got = await networkTransport().transfer(parsePrimary(`127.0.0.1:${srv.port}`)!, origin, 'axfr');
      if (got.kind !== 'full') throw new Error(`expected full, got ${got.kind}`);
      expect(got.records.map((rr) => [rr.owner, rr.type, rr.rdata])).toEqual([soa(9), ns, ...hosts, mx].map((rr) => [rr.owner, rr.type, rr.rdata]));
    } finally {
      await srv.close();
    }
  }, 20_000);
});
