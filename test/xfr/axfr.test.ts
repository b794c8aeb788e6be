// AXFR out: message counting on a 20,000-record zone (SOA first and last, every RR exactly once,
// every message within 65535 octets), RRset handling, signing hook, and the snapshot captured at
// the start of the stream.

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { handleMessage, handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { axfrMessages, TRANSFER_MESSAGE_SIZE, type TransferStats } from '../../src/xfr/axfr.js';
import { zoneFromText } from '../support/zones.js';
import { answers, bigZoneText, decoded, keyOfParsed, parse, snapshotKeys, transferQuery } from './support/xfr.js';

function ctxWith(snap: ZoneSnapshot, allow = ['127.0.0.1']): { ctx: HandlerContext; handle: { origin: ZoneSnapshot['origin']; snapshot: ZoneSnapshot | undefined } } {
  const registry = new ZoneRegistry();
  const handle = { origin: snap.origin, snapshot: snap as ZoneSnapshot | undefined, options: { transfer: new TransferPolicy({ allow }) } };
  registry.set(handle);
  return { ctx: { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, xfr: {} }, handle };
}

describe('axfrMessages on a 20,000-record zone', () => {
  const snap = zoneFromText('big.test', bigZoneText(20_000));
  const query = decoded(transferQuery('big.test', 'AXFR'));
  const stats: TransferStats = { messages: 0, records: 0, bytes: 0 };
  const messages = [...axfrMessages(snap, query, {}, stats)];
  const parsed = messages.map(parse);
  const rrs = parsed.flatMap((p) => p.answer);

  it('the zone really has 20,000 records', () => {
    expect(snap.recordCount).toBe(20_000);
  });

  it('packs many RRs per message: messages of at most TRANSFER_MESSAGE_SIZE (16 KiB) octets', () => {
    expect(messages.length).toBeGreaterThan(20);
    expect(messages.length).toBeLessThan(80);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(TRANSFER_MESSAGE_SIZE);
    // All but the last are well filled (no message is closed while the next RRset would fit).
    for (const m of messages.slice(0, -1)) expect(m.length).toBeGreaterThan(TRANSFER_MESSAGE_SIZE - 1000);
    expect(stats).toEqual({ messages: messages.length, records: 20_001, bytes: messages.reduce((n, m) => n + m.length, 0) });
  });

  it('SOA first and last; counts add up (the SOA twice)', () => {
    expect(rrs[0]!.type).toBe(RRType.SOA);
    expect(rrs[rrs.length - 1]!.type).toBe(RRType.SOA);
    expect(rrs.filter((r) => r.type === RRType.SOA)).toHaveLength(2);
    expect(rrs.length).toBe(snap.recordCount + 1);
    const headerCounts = messages.reduce((n, m) => n + m.readUInt16BE(6), 0);
    expect(headerCounts).toBe(rrs.length);
  });

  it('every RR of the zone appears exactly once (glue, occluded data, RRSIG sets, the split RRset)', () => {
    const got = rrs.slice(0, -1).map(keyOfParsed).sort();
    expect(got).toEqual(snapshotKeys(snap));
    expect(new Set(got).size).toBe(got.length);
    const owners = new Set(rrs.map((r) => r.text.split(' ')[0]));
    expect(owners).toContain('ns.sub.big.test.');
    expect(owners).toContain('deep.sub.big.test.');
    expect(rrs.filter((r) => r.type === RRType.RRSIG)).toHaveLength(4);
  });

  it('a header like Knot and BIND send: same ID, QR, AA, opcode 0; question only in the first message', () => {
    for (const [i, p] of parsed.entries()) {
      expect(p.id).toBe(0x4242);
      expect(p.flags & 0x8000).toBeTruthy();
      expect(p.flags & 0x0400).toBeTruthy();
      expect(p.rcode).toBe(0);
      expect(p.qdcount).toBe(i === 0 ? 1 : 0);
      expect(p.authority).toHaveLength(0);
      expect(p.opt).toBeUndefined();
    }
  });

  it('the RRset larger than a message is split across messages, in order; others stay whole', () => {
    const huge = rrs.filter((r) => r.text.startsWith('huge.'));
    expect(huge).toHaveLength(300);
    const perMessage = parsed.map((p) => p.answer.filter((r) => r.text.startsWith('huge.')).length).filter((n) => n > 0);
    expect(perMessage.length).toBeGreaterThan(1);
    // Every other RRset is in a single message (the SOA appears twice, RRSIG sets share a type).
    const where = new Map<string, Set<number>>();
    parsed.forEach((p, i) => {
      for (const r of p.answer) {
        if (r.type === RRType.SOA || r.type === RRType.RRSIG || r.text.startsWith('huge.')) continue;
        const k = `${r.owner}/${r.type}`;
        if (!where.has(k)) where.set(k, new Set());
        where.get(k)!.add(i);
      }
    });
    expect([...where].filter(([, set]) => set.size !== 1).map(([k]) => k)).toEqual([]);
    expect(where.size).toBeGreaterThan(10_000);
  });

  it('reserves room for a TSIG and calls the signer once per message, in order', () => {
    const seen: number[] = [];
    const signed = [...axfrMessages(snap, query, { reserve: 200, sign: (m, i) => { seen.push(i); return Buffer.concat([m, Buffer.alloc(200)]); } })];
    expect(seen).toEqual(signed.map((_, i) => i));
    for (const m of signed) expect(m.length).toBeLessThanOrEqual(65535);
  });

  it('a smaller message limit gives more, smaller messages with the same records', () => {
    const small = [...axfrMessages(snap, query, { maxMessageSize: 16_384 })];
    for (const m of small) expect(m.length).toBeLessThanOrEqual(16_384);
    expect(answers(small).slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(snap));
  });

  it('the OPT of an EDNS query is echoed in every message', () => {
    const withEdns = [...axfrMessages(snap, decoded(transferQuery('big.test', 'AXFR', { edns: true })), { udpSize: 1232 })];
    for (const m of withEdns) expect(parse(m).opt?.udpSize).toBe(1232);
  });
});

describe('AXFR through the handler', () => {
  const v1 = zoneFromText('small.test', '$TTL 60\n@ SOA ns h 1 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n' + Array.from({ length: 5000 }, (_, i) => `a${i} A 10.0.${i >> 8}.${i & 255}`).join('\n') + '\n');
  const v2 = zoneFromText('small.test', '$TTL 60\n@ SOA ns h 2 1 1 1 1\n@ NS ns\nns A 192.0.2.1\nnew A 192.0.2.99\n');

  it('streams the snapshot current when the query arrived, even if a reload swaps it mid-transfer', () => {
    const { ctx, handle } = ctxWith(v1);
    const reply = handleStreamMessage(transferQuery('small.test', 'AXFR'), ctx, '127.0.0.1');
    expect(reply).toBeDefined();
    expect(Buffer.isBuffer(reply)).toBe(false);
    const it = (reply as Iterable<Buffer>)[Symbol.iterator]();
    const first = it.next().value as Buffer;
    handle.snapshot = v2; // the reload
    const rest: Buffer[] = [];
    for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value);
    const all = answers([first, ...rest]);
    expect(all[0]!.type).toBe(RRType.SOA);
    expect(all.slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(v1));
    expect(rest.length).toBeGreaterThan(0);
  });

  it('REFUSED for a client outside the ACL, for a zone without an ACL, and for a name that is not a zone apex', () => {
    const { ctx } = ctxWith(v1, ['10.0.0.0/8']);
    const refused = handleStreamMessage(transferQuery('small.test', 'AXFR'), ctx, '127.0.0.1') as Buffer;
    expect(Buffer.isBuffer(refused)).toBe(true);
    expect(parse(refused).rcode).toBe(5);
    expect(parse(handleStreamMessage(transferQuery('ns.small.test', 'AXFR'), ctxWith(v1).ctx, '127.0.0.1') as Buffer).rcode).toBe(5);
    const registry = new ZoneRegistry();
    registry.set({ origin: v1.origin, snapshot: v1 });
    const noAcl: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232 };
    expect(parse(handleStreamMessage(transferQuery('small.test', 'AXFR'), noAcl, '127.0.0.1') as Buffer).rcode).toBe(5);
  });

  it('the server-wide default ACL applies to zones without their own', () => {
    const registry = new ZoneRegistry();
    registry.set({ origin: v2.origin, snapshot: v2 });
    const ctx: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, xfr: { defaultPolicy: new TransferPolicy({ allow: ['127.0.0.0/8'] }) } };
    const msgs = [...(handleStreamMessage(transferQuery('small.test', 'AXFR'), ctx, '127.0.0.2') as Iterable<Buffer>)];
    expect(answers(msgs).map((r) => r.type)).toEqual([RRType.SOA, RRType.NS, RRType.A, RRType.A, RRType.SOA]);
    expect(parse(handleStreamMessage(transferQuery('small.test', 'AXFR'), ctx, '192.0.2.1') as Buffer).rcode).toBe(5);
  });

  it('AXFR over UDP stays NOTIMP; handleMessage over TCP gives the first message only', () => {
    const { ctx } = ctxWith(v1);
    expect(parse(handleMessage(transferQuery('small.test', 'AXFR'), 'udp', ctx, '127.0.0.1')!).rcode).toBe(4);
    const one = handleMessage(transferQuery('small.test', 'AXFR'), 'tcp', ctx, '127.0.0.1')!;
    expect(parse(one).answer[0]!.type).toBe(RRType.SOA);
  });

  it('an ACL that names keys refuses unsigned requests when no TSIG module is wired in', () => {
    const registry = new ZoneRegistry();
    registry.set({ origin: v2.origin, snapshot: v2, options: { transfer: new TransferPolicy({ allow: ['any'], keys: [v2.origin] }) } });
    const ctx: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, xfr: {} };
    expect(parse(handleStreamMessage(transferQuery('small.test', 'AXFR'), ctx, '127.0.0.1') as Buffer).rcode).toBe(5);
  });
});
