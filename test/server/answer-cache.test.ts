// The per-snapshot answer cache must be invisible: a cached reply is byte-for-byte what a fresh
// one would be (ID, RD, CD and the question's case patched in), rotation still walks every order,
// a reload is seen at once, and answers that read another zone are not served stale.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { AnswerCache, cacheVariant } from '../../src/server/answer-cache.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { buildQuery } from '../support/server.js';
import { name, zoneFromText } from '../support/zones.js';

const TRICKY = readFileSync(new URL('../fixtures/zones/tricky.test.zone', import.meta.url), 'utf8');
const OTHER = (addr: string) => `$TTL 60
@ SOA ns.other.test. admin.other.test. 1 3600 600 86400 60
@ NS ns.elsewhere.example.
www A ${addr}
`;
const LINK = `$TTL 60
@ SOA ns.link.test. admin.link.test. 1 3600 600 86400 60
@ NS ns.elsewhere.example.
to-other CNAME www.other.test.
`;

function contexts(): { cached: HandlerContext; fresh: HandlerContext; registry: ZoneRegistry } {
  const registry = new ZoneRegistry();
  for (const [origin, text] of [['tricky.test', TRICKY], ['other.test', OTHER('192.0.2.1')], ['link.test', LINK]]) {
    const snap = zoneFromText(origin, text);
    registry.set({ origin: snap.origin, snapshot: snap });
  }
  // rotate none, so the two contexts' replies can be compared byte for byte.
  return {
    registry,
    cached: { registry, rotator: new Rotator('none'), maxUdp: 1232, cache: new AnswerCache() },
    fresh: { registry, rotator: new Rotator('none'), maxUdp: 1232 },
  };
}

const QUESTIONS: Array<[string, string]> = [
  ['www.tricky.test', 'A'], ['WwW.TrIcKy.TeSt', 'A'], ['tricky.test', 'MX'], ['nothing.web.tricky.test', 'A'],
  ['host.wild.tricky.test', 'A'], ['x.sub.tricky.test', 'A'], ['big.tricky.test', 'TXT'], ['foo.legacy.tricky.test', 'A'],
  ['a.b.tricky.test', 'A'], ['tricky.test', 'ANY'], ['MixedCase.tricky.test', 'A'], ['www.example.org', 'A'],
];

describe('answer cache', () => {
  test('cached replies are byte-identical to fresh ones, across IDs, RD/CD bits, EDNS variants and 0x20 case', () => {
    const { cached, fresh } = contexts();
    let n = 0;
    for (const [name, type] of QUESTIONS) {
      for (const edns of [undefined, { udpSize: 1232 }, { udpSize: 512, do: true }]) {
        for (const rd of [true, false]) {
          for (let round = 0; round < 3; round++) {
            const msg = buildQuery(name, type, { id: 1000 + n++, rd, edns });
            if (round === 2) msg[3] |= 0x10; // CD
            const a = handleMessage(msg, 'udp', cached);
            const b = handleMessage(msg, 'udp', fresh);
            expect(a?.toString('hex')).toBe(b?.toString('hex'));
          }
        }
      }
    }
  });

  test('signed zone: DO=1 answers (RRSIGs, proofs) are cached apart from DO=0 ones and equal fresh ones', () => {
    const registry = new ZoneRegistry();
    for (const file of ['signed.test.zone', 'signed3.test.zone']) {
      const snap = zoneFromText(file.replace('.zone', ''), readFileSync(new URL(`../fixtures/dnssec/${file}`, import.meta.url), 'utf8'));
      registry.set({ origin: snap.origin, snapshot: snap });
    }
    const cache = new AnswerCache();
    const cached: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232, cache };
    const fresh: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232 };
    const questions: Array<[string, string]> = [['www.signed.test', 'A'], ['nope.signed.test', 'A'], ['foo.wild.signed3.test', 'A'], ['nope.signed3.test', 'MX'], ['www.sub.signed.test', 'A'], ['big.signed.test', 'TXT']];
    let id = 1;
    for (const [name, type] of questions) {
      for (const edns of [{ udpSize: 1232, do: true }, { udpSize: 1232 }, undefined, { udpSize: 512, do: true }]) {
        for (let round = 0; round < 2; round++) {
          const msg = buildQuery(name, type, { id: id++, edns });
          expect(handleMessage(msg, 'udp', cached)?.toString('hex')).toBe(handleMessage(msg, 'udp', fresh)?.toString('hex'));
        }
      }
    }
    // The DO=1 reply carries RRSIGs, the DO=0 one none, whichever was cached first.
    const signedReply = handleMessage(buildQuery('www.signed.test', 'A', { id: 7, edns: { udpSize: 1232, do: true } }), 'udp', cached)!;
    const plainReply = handleMessage(buildQuery('www.signed.test', 'A', { id: 7, edns: { udpSize: 1232 } }), 'udp', cached)!;
    expect([signedReply.readUInt16BE(6), plainReply.readUInt16BE(6)]).toEqual([2, 1]);
    const zone = registry.find(name('signed.test'))!.snapshot!;
    expect(cache.get(zone, name('www.signed.test'), cacheVariant(1, 1232, true, true))).toBeDefined();
    expect(cache.get(zone, name('nope.signed.test'), cacheVariant(1, 1232, true, true))).toBeDefined();
  });

  test('a hit echoes the question in the new client\'s case', () => {
    const { cached } = contexts();
    handleMessage(buildQuery('www.tricky.test', 'A', { id: 1 }), 'udp', cached);
    const reply = handleMessage(buildQuery('WWW.tricky.TEST', 'A', { id: 2 }), 'udp', cached)!;
    expect(reply.readUInt16BE(0)).toBe(2);
    expect(reply.subarray(12, 12 + 17).toString('latin1')).toContain('WWW\x06tricky\x04TEST');
  });

  test('rotation keeps cycling through every order with the cache on', () => {
    const registry = new ZoneRegistry();
    const snap = zoneFromText('tricky.test', TRICKY);
    registry.set({ origin: snap.origin, snapshot: snap });
    const ctx: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, cache: new AnswerCache() };
    const firsts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = handleMessage(buildQuery('tricky.test', 'A', { id: i }), 'udp', ctx)!;
      // The first A RDATA: 4 octets before the end of the first answer RR; read the last octet of it.
      const idx = reply.indexOf(Buffer.from([0, 4, 192, 0, 2]));
      firsts.push(String(reply[idx + 5]));
    }
    expect(firsts).toEqual(['1', '2', '3', '1', '2', '3']);
  });

  test('a reload (new snapshot) is answered at once, and a CNAME into another zone never serves that zone stale', () => {
    const { cached, registry } = contexts();
    const ask = (name: string) => handleMessage(buildQuery(name, 'A', { id: 7 }), 'udp', cached)!;
    expect(ask('www.other.test').toString('hex')).toContain('c0000201');
    expect(ask('to-other.link.test').toString('hex')).toContain('c0000201');
    const snap = zoneFromText('other.test', OTHER('192.0.2.99'));
    registry.get(snap.origin)!.snapshot = snap;
    expect(ask('www.other.test').toString('hex')).toContain('c0000263');
    expect(ask('to-other.link.test').toString('hex')).toContain('c0000263');
  });

  test('a new snapshot of a zone starts empty and replaces the old one\'s cache; other zones keep theirs', () => {
    const cache = new AnswerCache();
    const v1 = zoneFromText('other.test', OTHER('192.0.2.1'));
    const v2 = zoneFromText('other.test', OTHER('192.0.2.2'));
    const link = zoneFromText('link.test', LINK);
    cache.set(v1, 'www.other.test', 1, undefined, undefined, 0, Buffer.alloc(12, 1));
    cache.set(link, 'to-other.link.test', 1, undefined, undefined, 0, Buffer.alloc(12, 3));
    expect(cache.get(v2, 'www.other.test', 1)).toBeUndefined();
    cache.set(v2, 'www.other.test', 1, undefined, undefined, 0, Buffer.alloc(12, 2));
    const e = cache.get(v2, 'www.other.test', 1)!;
    expect(cache.reply(v2, e.rotations[0]!, 0, false, false, '')[4]).toBe(2);
    expect(cache.get(v1, 'www.other.test', 1)).toBeUndefined();
    expect(cache.get(link, 'to-other.link.test', 1)).toBeDefined();
    cache.forget(v1); // not the cached snapshot any more: nothing happens
    expect(cache.get(v2, 'www.other.test', 1)).toBeDefined();
    cache.forget(v2);
    expect(cache.get(v2, 'www.other.test', 1)).toBeUndefined();
  });

  test('the cache is bounded per snapshot', () => {
    const cache = new AnswerCache(2);
    const snap = zoneFromText('other.test', OTHER('192.0.2.1'));
    for (const k of ['a', 'b', 'c']) cache.set(snap, k, 1, undefined, undefined, 0, Buffer.alloc(12));
    expect(cache.get(snap, 'a', 1)).toBeDefined();
    expect(cache.get(snap, 'c', 1)).toBeUndefined();
  });

  test('the cache is bounded by bytes too, and keeps each variant and rotation of a name apart', () => {
    const cache = new AnswerCache(1000, 65536); // one 64 KiB chunk
    const snap = zoneFromText('other.test', OTHER('192.0.2.1'));
    const reply = (fill: number, n = 30_000) => Buffer.alloc(n, fill);
    cache.set(snap, 'a', 1, undefined, undefined, 0, reply(1));
    cache.set(snap, 'a', 2, undefined, undefined, 0, reply(2));
    cache.set(snap, 'b', 1, undefined, undefined, 0, reply(3)); // no room left
    expect(cache.get(snap, 'b', 1)).toBeUndefined();
    const a1 = cache.get(snap, 'a', 1)!;
    const a2 = cache.get(snap, 'a', 2)!;
    const question = 'x'.repeat(4);
    expect(cache.reply(snap, a1.rotations[0]!, 0x1234, true, false, question)[20]).toBe(1);
    expect(cache.reply(snap, a2.rotations[0]!, 0x1234, true, false, question)[20]).toBe(2);
    // A patched copy: ID, RD and the question bytes are the client's; the cached bytes stay.
    const out = cache.reply(snap, a1.rotations[0]!, 0xabcd, true, false, question);
    expect([out[0], out[1], out[2]! & 1, out.subarray(12, 16).toString('latin1'), out.length]).toEqual([0xab, 0xcd, 1, 'xxxx', 30_000]);
    expect(cache.reply(snap, a1.rotations[0]!, 0, false, false, 'yyyy').subarray(12, 16).toString('latin1')).toBe('yyyy');
  });
});
