// The per-snapshot AXFR cache (src/xfr/axfr-cache.ts): a replay is byte for byte what encoding
// the same query would send (IDs, RD, the question's case, EDNS with and without DO, TSIG, small
// messages, RRsets split across messages), a reload never serves the old snapshot's messages, the
// byte bound falls back to streaming, an aborted or concurrent build keeps nothing twice, the
// AXFR-style IXFR shares the cache, and the log line's counts match what was sent.

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { createLogger } from '../../src/log.js';
import { handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { axfrMessages, type TransferStats, type TransferStreamOptions } from '../../src/xfr/axfr.js';
import { AxfrCache } from '../../src/xfr/axfr-cache.js';
import { ixfrMessages } from '../../src/xfr/ixfr.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { signRequest, TsigStreamVerifier } from '../../src/tsig/tsig.js';
import { optRR, questionBytes, rawMessage } from '../interop/support/wire.js';
import { name, zoneFromText } from '../support/zones.js';
import { answers, bigZoneText, decoded, keyOfParsed, parse, snapshotKeys, soaRecord } from './support/xfr.js';

const SIG = 'A'.repeat(86) + '==';

/** Zones from text: mixed case, every compressible RDATA type, a cut with glue, occluded data. */
const ZONES: Record<string, string> = {
  'tiny.test': '$TTL 60\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n',
  'Mixed.Test': [
    '$ORIGIN Mixed.Test.',
    '$TTL 300',
    '@ SOA NS1 HostMaster.Mixed.Test. 7 3600 900 604800 300',
    '@ NS ns1',
    '@ NS ns.elsewhere.example.',
    '@ MX 10 Mail',
    '@ RRSIG SOA 8 2 300 20300101000000 20200101000000 12345 Mixed.Test. ' + SIG,
    'NS1 A 192.0.2.1',
    'ns1 AAAA 2001:db8::1',
    'Mail A 192.0.2.25',
    'WWW CNAME Mail',
    '*.Wild TXT "wildcard"',
    '_sip._tcp SRV 0 5 5060 Mail',
    'Sub NS ns.sub',
    'ns.Sub A 192.0.2.53',
    'deep.sub TXT "occluded"',
    'ptr PTR Mail.Mixed.Test.',
    'info HINFO "cpu" "os"',
    ...Array.from({ length: 400 }, (_, i) => `H${i}.Tree A 10.0.${i >> 8}.${i & 255}`),
    ...Array.from({ length: 60 }, (_, i) => `big TXT "${String(i).padStart(3, '0')}${'y'.repeat(200)}"`),
  ].join('\n') + '\n',
  'big.test': bigZoneText(4000),
};

function snap(origin: string): ZoneSnapshot {
  return zoneFromText(origin, ZONES[origin]!);
}

interface QuerySpec {
  id?: number;
  /** The question name as the client writes it (0x20 case is kept). */
  qname: string;
  qtype?: number;
  rd?: boolean;
  edns?: 'none' | 'plain' | 'do';
  ixfrSerial?: number;
}

function rawQuery(q: QuerySpec): Buffer {
  const qtype = q.qtype ?? RRType.AXFR;
  return rawMessage({
    id: q.id ?? 0x4242,
    flags: q.rd ? 0x0100 : 0,
    qd: [questionBytes(name(q.qname), qtype)],
    ns: qtype === RRType.IXFR ? [soaRecord(q.qname, q.ixfrSerial ?? 0)] : [],
    ar: q.edns === undefined || q.edns === 'none' ? [] : [optRR({ udpSize: 4096, do: q.edns === 'do' })],
  });
}

const NOW = 1_700_000_000;
const key = parseTsigKey('xfr-key.example.', 'hmac-sha256', Buffer.alloc(32, 5).toString('base64'));
const hook = createTsigHook(new TsigKeyring([key]), { now: () => NOW });

/** A signed request and, per call of `options()`, a fresh signer chained to its MAC (one per transfer). */
function signed(q: QuerySpec): { msg: Buffer; mac: string; options: () => TransferStreamOptions } {
  const s = signRequest(rawQuery(q), key, NOW);
  return {
    msg: s.message,
    mac: s.mac,
    options: () => {
      const check = hook.verifyRequest(s.message, decoded(s.message));
      if (check.kind !== 'valid') throw new Error(`request did not verify: ${check.kind}`);
      return { udpSize: 1232, reserve: check.reserve, sign: check.sign };
    },
  };
}

const freshStats = (): TransferStats => ({ messages: 0, records: 0, bytes: 0 });

/** Octets, messages and records of a stream as the client sees them. */
function measure(messages: readonly Buffer[]): { messages: number; records: number; bytes: number } {
  return { messages: messages.length, records: messages.reduce((n, m) => n + m.readUInt16BE(6), 0), bytes: messages.reduce((n, m) => n + m.length, 0) };
}

describe('AxfrCache: a replay is byte for byte the encoded stream', () => {
  const variants: Array<[string, QuerySpec[], TransferStreamOptions]> = [
    ['no EDNS', [{ id: 1, qname: 'ORIGIN' }, { id: 0xbeef, qname: 'ORIGIN', rd: true }], { udpSize: 1232 }],
    ['EDNS', [{ id: 2, qname: 'origin', edns: 'plain' }, { id: 3, qname: 'ORIGIN', edns: 'plain', rd: true }], { udpSize: 1232 }],
    ['EDNS with DO', [{ id: 4, qname: 'ORIGIN', edns: 'do' }, { id: 5, qname: 'origin', edns: 'do' }], { udpSize: 1232 }],
    ['512-octet messages (RRsets split)', [{ id: 6, qname: 'ORIGIN' }, { id: 7, qname: 'origin', rd: true }], { udpSize: 1232, maxMessageSize: 512 }],
  ];
  /** The zone's name in the case given, or in a mixed case of its own (0x20). */
  const qnameFor = (origin: string, how: string): string =>
    how === 'ORIGIN' ? origin : [...origin].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())).join('');

  for (const origin of Object.keys(ZONES)) {
    const zone = snap(origin);
    for (const [label, queries, opts] of variants) {
      it(`${origin}, ${label}: first transfer builds, later ones replay; each equals a fresh encoding`, () => {
        const cache = new AxfrCache();
        const uses: Array<string | undefined> = [];
        for (const spec of [...queries, ...queries]) {
          const q = decoded(rawQuery({ ...spec, qname: qnameFor(origin, spec.qname) }));
          const stats = freshStats();
          const got = [...cache.messages(zone, q, opts, stats)];
          const want = [...axfrMessages(zone, q, opts)];
          expect(got.length).toBe(want.length);
          for (let i = 0; i < want.length; i++) expect(got[i]!.equals(want[i]!)).toBe(true);
          expect({ messages: stats.messages, records: stats.records, bytes: stats.bytes }).toEqual(measure(want));
          uses.push(stats.cache);
        }
        expect(uses).toEqual(['built', 'hit', 'hit', 'hit']);
        expect(cache.variantsFor(zone)).toBe(1);
        expect(cache.bytesFor(zone)).toBe(measure([...axfrMessages(zone, decoded(rawQuery({ ...queries[0]!, qname: origin })), opts)]).bytes);
      });
    }
  }

  it('the client\'s question case comes back, also in owners compressed against it', () => {
    const zone = snap('Mixed.Test');
    const cache = new AxfrCache();
    [...cache.messages(zone, decoded(rawQuery({ qname: 'mixed.test' })))];
    const replay = [...cache.messages(zone, decoded(rawQuery({ qname: 'mIXED.tEST', id: 99 })))];
    const first = parse(replay[0]!);
    expect(first.id).toBe(99);
    expect(replay[0]!.subarray(12, 12 + 12).toString('latin1')).toBe('\x05mIXED\x04tEST\x00');
    // The SOA's owner is the apex: a pointer to the question, so it reads in the client's case.
    expect(first.answer[0]!.owner).toBe(name('mIXED.tEST'));
  });

  it('variants are kept apart: EDNS, DO and the UDP size we advertise each get their own messages', () => {
    const zone = snap('big.test');
    const cache = new AxfrCache();
    const runs: Array<[QuerySpec, TransferStreamOptions]> = [
      [{ qname: 'big.test' }, { udpSize: 1232 }],
      [{ qname: 'big.test', edns: 'plain' }, { udpSize: 1232 }],
      [{ qname: 'big.test', edns: 'do' }, { udpSize: 1232 }],
      [{ qname: 'big.test', edns: 'do' }, { udpSize: 4000 }],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [spec, opts] of runs) {
        const q = decoded(rawQuery(spec));
        const stats = freshStats();
        const got = [...cache.messages(zone, q, opts, stats)];
        expect(stats.cache).toBe(round === 0 ? 'built' : 'hit');
        expect(Buffer.concat(got).equals(Buffer.concat([...axfrMessages(zone, q, opts)]))).toBe(true);
      }
    }
    expect(cache.variantsFor(zone)).toBe(runs.length);
  });
});

describe('AxfrCache with TSIG: signed per transfer, over the cached messages', () => {
  for (const origin of ['Mixed.Test', 'big.test']) {
    it(`${origin}: every replayed message signed, chained to this request's MAC, equal to signing a fresh encoding`, () => {
      const zone = snap(origin);
      const cache = new AxfrCache();
      const requests = [signed({ id: 10, qname: origin }), signed({ id: 11, qname: origin.toUpperCase(), rd: true }), signed({ id: 12, qname: origin.toLowerCase(), edns: 'plain' })];
      const uses: Array<string | undefined> = [];
      for (const r of [...requests, ...requests]) {
        const q = decoded(r.msg);
        const stats = freshStats();
        const got = [...cache.messages(zone, q, r.options(), stats)];
        uses.push(stats.cache);
        const want = [...axfrMessages(zone, q, r.options())];
        expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
        expect(got.length).toBe(want.length);
        const v = new TsigStreamVerifier(key, r.mac);
        for (const m of got) expect(v.verify(m, NOW)).toMatchObject({ ok: true, signed: true });
        expect(v.finish().ok).toBe(true);
        expect(stats.bytes).toBe(measure(got).bytes);
      }
      // Unsigned messages are what is kept: the EDNS request is a variant of its own.
      expect(uses).toEqual(['built', 'hit', 'built', 'hit', 'hit', 'hit']);
      expect(cache.variantsFor(zone)).toBe(2);
    });
  }

  it('an unsigned transfer of the same zone does not share the signed variant (the TSIG reserve packs differently)', () => {
    const zone = snap('big.test');
    const cache = new AxfrCache();
    const r = signed({ qname: 'big.test' });
    [...cache.messages(zone, decoded(r.msg), r.options())];
    const stats = freshStats();
    const q = decoded(rawQuery({ qname: 'big.test' }));
    const got = [...cache.messages(zone, q, { udpSize: 1232 }, stats)];
    expect(stats.cache).toBe('built');
    expect(Buffer.concat(got).equals(Buffer.concat([...axfrMessages(zone, q, { udpSize: 1232 })]))).toBe(true);
  });
});

describe('AxfrCache bounds and lifetimes', () => {
  it('a new snapshot (a reload) starts empty: never the old snapshot\'s messages', () => {
    const v1 = zoneFromText('r.test', '$TTL 60\n@ SOA ns h 1 1 1 1 1\n@ NS ns\nns A 192.0.2.1\nold A 192.0.2.2\n');
    const v2 = zoneFromText('r.test', '$TTL 60\n@ SOA ns h 2 1 1 1 1\n@ NS ns\nns A 192.0.2.1\nnew A 192.0.2.3\n');
    const cache = new AxfrCache();
    const q = decoded(rawQuery({ qname: 'r.test' }));
    for (let i = 0; i < 2; i++) [...cache.messages(v1, q)];
    const stats = freshStats();
    const fromV2 = [...cache.messages(v2, q, {}, stats)];
    expect(stats.cache).toBe('built');
    expect(answers(fromV2).slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(v2));
    expect(Buffer.concat(fromV2).equals(Buffer.concat([...axfrMessages(v2, q)]))).toBe(true);
    expect(cache.bytesFor(v1)).toBeGreaterThan(0);
    expect(cache.bytesFor(v2)).toBe(measure(fromV2).bytes);
  });

  it('over the byte bound: the transfer streams on, complete and identical, and nothing is kept', () => {
    const zone = snap('big.test');
    const q = decoded(rawQuery({ qname: 'big.test' }));
    const want = [...axfrMessages(zone, q)];
    const cache = new AxfrCache(measure(want).bytes - 1);
    const uses: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      const stats = freshStats();
      const got = [...cache.messages(zone, q, {}, stats)];
      uses.push(stats.cache);
      expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
      expect({ messages: stats.messages, records: stats.records, bytes: stats.bytes }).toEqual(measure(want));
      expect(cache.bytesFor(zone)).toBe(0);
    }
    expect(uses).toEqual(['miss', 'miss', 'miss']);
    expect(cache.variantsFor(zone)).toBe(0);
    // The bound is per snapshot, all variants together: one fits exactly, a second does not.
    const exact = new AxfrCache(measure(want).bytes);
    [...exact.messages(zone, q)];
    const s2 = freshStats();
    const edns = decoded(rawQuery({ qname: 'big.test', edns: 'plain' }));
    expect(Buffer.concat([...exact.messages(zone, edns, {}, s2)]).equals(Buffer.concat([...axfrMessages(zone, edns)]))).toBe(true);
    expect(s2.cache).toBe('miss');
    expect(exact.bytesFor(zone)).toBe(measure(want).bytes);
  });

  it('a cache of 0 bytes is off', () => {
    const zone = snap('tiny.test');
    const cache = new AxfrCache(0);
    const stats = freshStats();
    [...cache.messages(zone, decoded(rawQuery({ qname: 'tiny.test' })), {}, stats)];
    expect(stats.cache).toBe('off');
    expect(cache.bytesFor(zone)).toBe(0);
  });

  it('an aborted build keeps nothing; the next transfer builds', () => {
    const zone = snap('big.test');
    const cache = new AxfrCache();
    const q = decoded(rawQuery({ qname: 'big.test' }));
    const stats = freshStats();
    const it1 = cache.messages(zone, q, {}, stats);
    expect(it1.next().done).toBe(false);
    expect(cache.bytesFor(zone)).toBeGreaterThan(0);
    it1.return();
    expect(stats.cache).toBe('miss');
    expect(cache.bytesFor(zone)).toBe(0);
    expect(cache.variantsFor(zone)).toBe(0);
    const s2 = freshStats();
    [...cache.messages(zone, q, {}, s2)];
    expect(s2.cache).toBe('built');
    expect(cache.variantsFor(zone)).toBe(1);
  });

  it('two transfers at once: one builds, the other only encodes; the bytes are counted once', () => {
    const zone = snap('big.test');
    const cache = new AxfrCache();
    const qa = decoded(rawQuery({ qname: 'big.test', id: 1 }));
    const qb = decoded(rawQuery({ qname: 'BIG.test', id: 2 }));
    const sa = freshStats();
    const sb = freshStats();
    const a = cache.messages(zone, qa, {}, sa);
    const b = cache.messages(zone, qb, {}, sb);
    // Interleaved, as two TCP connections are served.
    const got: [Buffer[], Buffer[]] = [[], []];
    for (let ra = a.next(), rb = b.next(); !ra.done || !rb.done; ) {
      if (!ra.done) {
        got[0].push(ra.value);
        ra = a.next();
      }
      if (!rb.done) {
        got[1].push(rb.value);
        rb = b.next();
      }
    }
    expect([sa.cache, sb.cache]).toEqual(['built', 'miss']);
    expect(Buffer.concat(got[0]).equals(Buffer.concat([...axfrMessages(zone, qa)]))).toBe(true);
    expect(Buffer.concat(got[1]).equals(Buffer.concat([...axfrMessages(zone, qb)]))).toBe(true);
    expect(cache.bytesFor(zone)).toBe(measure(got[0]).bytes);

    // Both chosen before either started: the second finds the first's messages when it starts.
    const zone2 = snap('Mixed.Test');
    const c = freshStats();
    const d = freshStats();
    const gc = cache.messages(zone2, decoded(rawQuery({ qname: 'mixed.test' })), {}, c);
    const qd = decoded(rawQuery({ qname: 'MIXED.TEST', id: 3 }));
    const gd = cache.messages(zone2, qd, {}, d);
    const first = [...gc];
    const second = [...gd];
    expect(d.cache).toBe('hit');
    expect(Buffer.concat(second).equals(Buffer.concat([...axfrMessages(zone2, qd)]))).toBe(true);
    expect(cache.bytesFor(zone2)).toBe(measure(first).bytes);
  });
});

describe('AXFR and AXFR-style IXFR through the handler, cached', () => {
  const ORIGIN = 'h.test';
  const text = (serial: number, extra: string) =>
    `$TTL 60\n@ SOA ns h ${serial} 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n${extra}` + Array.from({ length: 3000 }, (_, i) => `a${i} A 10.0.${i >> 8}.${i & 255}`).join('\n') + '\n';
  const v1 = zoneFromText(ORIGIN, text(1, 'one TXT "v1"\n'));
  const v2 = zoneFromText(ORIGIN, text(2, 'two TXT "v2"\n'));

  function setup() {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const registry = new ZoneRegistry();
    const handle = { origin: v1.origin, snapshot: v1 as ZoneSnapshot | undefined, options: { transfer: new TransferPolicy({ allow: ['127.0.0.1'] }) } };
    registry.set(handle);
    const cache = new AxfrCache();
    const ctx: HandlerContext = { registry, rotator: new Rotator('cyclic'), maxUdp: 1232, xfr: { log, axfrCache: cache } };
    const run = (q: QuerySpec): Buffer[] => [...(handleStreamMessage(rawQuery(q), ctx, '127.0.0.1') as Iterable<Buffer>)];
    const finished = () => lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).endsWith(' finished'));
    return { handle, cache, run, finished };
  }

  it('the log line counts what was sent, built and hit alike, and says which', () => {
    const { run, finished } = setup();
    const sent = [run({ qname: ORIGIN, id: 1 }), run({ qname: 'H.TEST', id: 2, rd: true }), run({ qname: ORIGIN, id: 3, edns: 'do' })];
    const logged = finished();
    expect(logged.map((l) => [l.msg, l.cache])).toEqual([
      ['AXFR finished', 'built'],
      ['AXFR finished', 'hit'],
      ['AXFR finished', 'built'],
    ]);
    for (let i = 0; i < sent.length; i++) {
      expect(logged[i]).toMatchObject({ ...measure(sent[i]!), serial: 1 });
      expect(logged[i]!.records).toBe(v1.recordCount + 1);
    }
  });

  it('a reload between transfers: the next one is the new zone, built anew', () => {
    const { handle, run, finished, cache } = setup();
    run({ qname: ORIGIN });
    run({ qname: ORIGIN });
    handle.snapshot = v2;
    const after = run({ qname: ORIGIN, id: 9 });
    expect(answers(after).slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(v2));
    expect(finished().map((l) => [l.serial, l.cache])).toEqual([
      [1, 'built'],
      [1, 'hit'],
      [2, 'built'],
    ]);
    expect(cache.bytesFor(v2)).toBe(measure(after).bytes);
  });

  it('the AXFR-style answer to an IXFR shares the AXFR\'s messages, under the IXFR question', () => {
    const { run, finished } = setup();
    const ixfrSpec: QuerySpec = { qname: ORIGIN, qtype: RRType.IXFR, ixfrSerial: 0, id: 21 };
    const ixfr1 = run(ixfrSpec);
    const axfr = run({ qname: ORIGIN, id: 22 });
    const ixfr2 = run({ ...ixfrSpec, qname: 'H.Test', id: 23 });
    expect(finished().map((l) => [l.msg, l.cache])).toEqual([
      ['IXFR finished', 'built'],
      ['AXFR finished', 'hit'],
      ['IXFR finished', 'hit'],
    ]);
    const plan = { kind: 'full', reason: 'test' } as const;
    const q1 = decoded(rawQuery(ixfrSpec));
    expect(Buffer.concat(ixfr1).equals(Buffer.concat([...ixfrMessages(v1, q1, plan, { udpSize: 1232 })]))).toBe(true);
    const q3 = decoded(rawQuery({ ...ixfrSpec, qname: 'H.Test', id: 23 }));
    expect(Buffer.concat(ixfr2).equals(Buffer.concat([...ixfrMessages(v1, q3, plan, { udpSize: 1232 })]))).toBe(true);
    const question = parse(ixfr2[0]!).question;
    expect(question.toString('latin1')).toBe(name('H.Test') + '\x00\xfb\x00\x01');
    expect(Buffer.concat(axfr).equals(Buffer.concat([...axfrMessages(v1, decoded(rawQuery({ qname: ORIGIN, id: 22 })), { udpSize: 1232 })]))).toBe(true);
  });
});
