// IXFR out: the plan (current / incremental / AXFR-style), condensing several steps into one
// difference sequence, the message sequence of RFC 1995 §4, UDP behaviour, and the request path.

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { handleMessage, handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry, type ZoneHandle } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { condense, ixfrMessages, ixfrUdpMessage, planIxfr } from '../../src/xfr/ixfr.js';
import { entryBetween, Journal, type JournalEntry } from '../../src/xfr/journal.js';
import { ixfrClientSerial } from '../../src/xfr/transfer.js';
import { rrLines, zoneFromText } from '../support/zones.js';
import { answers, decoded, keyOfParsed, parse, snapshotKeys, transferQuery } from './support/xfr.js';

const HEAD = (serial: number) => `$ORIGIN ix.test.\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
const zone = (serial: number, body: string) => zoneFromText('ix.test', HEAD(serial) + body);
const filler = Array.from({ length: 50 }, (_, i) => `f${i} A 198.51.100.${i}\n`).join('');

// Five versions: 1 -> 2 -> 3 -> 4 -> 5.
const V = [
  zone(1, filler + 'a A 192.0.2.10\nb A 192.0.2.20\n'),
  zone(2, filler + 'a A 192.0.2.10\nb A 192.0.2.21\nc A 192.0.2.30\n'), // b changed, c added
  zone(3, filler + 'a A 192.0.2.10\nb A 192.0.2.21\n'), // c removed again
  zone(4, filler + 'a 600 A 192.0.2.10\nb A 192.0.2.21\nd TXT "d"\n'), // a TTL, d added
  zone(5, filler + 'a A 192.0.2.10\nb A 192.0.2.21\nd TXT "d"\n'), // a TTL back
];
const ENTRIES = V.slice(1).map((s, i) => entryBetween(V[i]!, s));

function journalOf(entries: readonly JournalEntry[]): Journal {
  const j = new Journal(V[0]!.origin);
  for (const e of entries) j.append(e);
  return j;
}

/** Applies entries to a zone's record lines (SOA excluded): what a secondary does. */
function apply(snap: ZoneSnapshot, entries: readonly JournalEntry[]): string[] {
  const set = new Set(rrLines([...snap.nodes.values()].flatMap((n) => n.rrsets)).filter((l) => !l.includes(' SOA ')));
  for (const e of entries) {
    for (const l of rrLines(e.deleted)) if (!set.delete(l)) throw new Error(`deleting ${l}, which is not there`);
    for (const l of rrLines(e.added)) {
      if (set.has(l)) throw new Error(`adding ${l}, which is already there`);
      set.add(l);
    }
  }
  return [...set].sort();
}
const linesOf = (snap: ZoneSnapshot) => rrLines([...snap.nodes.values()].flatMap((n) => n.rrsets)).filter((l) => !l.includes(' SOA ')).sort();

describe('planIxfr', () => {
  const journal = journalOf(ENTRIES);
  const current = V[4]!;
  it.each([
    ['client current', 5, 'current'],
    ['client newer than us (RFC 1982)', 6, 'current'],
    ['client in the journal', 2, 'incremental'],
    ['client at the oldest journal serial', 1, 'incremental'],
    ['client older than the journal', 0, 'full'],
    ['client serial we never had', 77, 'current'], // 77 > 5 in RFC 1982 terms: "newer"
    ['client serial far behind, never ours', 0xfffffff0, 'full'],
  ])('%s (serial %d) -> %s', (_, serial, kind) => {
    expect(planIxfr(current, journal, serial as number).kind).toBe(kind);
  });

  it('no journal -> full', () => {
    expect(planIxfr(current, undefined, 2)).toEqual({ kind: 'full', reason: 'no journal' });
  });

  it('condensed by default: one difference sequence from the client serial to ours', () => {
    const plan = planIxfr(current, journal, 1);
    expect(plan.kind).toBe('incremental');
    if (plan.kind !== 'incremental') return;
    expect(plan.entries).toHaveLength(1);
    expect([plan.entries[0]!.from, plan.entries[0]!.to]).toEqual([1, 5]);
    expect(planIxfr(current, journal, 1, { condense: false })).toMatchObject({ kind: 'incremental', entries: ENTRIES });
  });

  it('differences larger than the zone -> full (an AXFR is smaller)', () => {
    const a = zone(1, Array.from({ length: 10 }, (_, i) => `x${i} A 192.0.2.${i}\n`).join(''));
    const b = zone(2, Array.from({ length: 10 }, (_, i) => `y${i} A 192.0.2.${i}\n`).join(''));
    expect(planIxfr(b, journalOf([entryBetween(a, b)]), 1).kind).toBe('full');
  });

  it('a journal that does not end at the served serial -> full', () => {
    expect(planIxfr(V[3]!, journal, 2).kind).toBe('full');
  });
});

describe('condense (RFC 1995 §6)', () => {
  it.each([[0], [1], [2], [3]])('from version %d: applying the condensed step equals applying each step', (from) => {
    const steps = ENTRIES.slice(from);
    const one = condense(steps);
    expect([one.from, one.to]).toEqual([from + 1, 5]);
    expect(apply(V[from]!, [one])).toEqual(linesOf(V[4]!));
    expect(apply(V[from]!, steps)).toEqual(linesOf(V[4]!));
  });

  it('a record added and removed in between never travels; a TTL changed and changed back cancels out', () => {
    const one = condense(ENTRIES);
    const text = [...rrLines(one.deleted), ...rrLines(one.added)].join('\n');
    expect(text).not.toMatch(/^c\.ix\.test/m);
    expect(text).not.toMatch(/^a\.ix\.test/m);
    expect(rrLines(one.deleted)).toEqual(['b.ix.test. 300 A 192.0.2.20']);
    expect(rrLines(one.added).sort()).toEqual(['b.ix.test. 300 A 192.0.2.21', 'd.ix.test. 300 TXT "d"']);
  });

  it('random chains of edits: condensing is always equivalent', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const snaps: ZoneSnapshot[] = [];
      let records = new Map<string, string>();
      for (let v = 1; v <= 6; v++) {
        const next = new Map(records);
        for (let k = 0; k < 6; k++) {
          const owner = `n${rnd(8)}`;
          const op = rnd(3);
          if (op === 0) next.delete(owner);
          else next.set(owner, `${owner} ${rnd(2) ? 300 : 900} A 192.0.2.${rnd(4)}\n${rnd(2) ? `${owner} ${next.get(owner)?.split(' ')[1] ?? 300} TXT "t${rnd(3)}"\n` : ''}`);
        }
        records = next;
        snaps.push(zone(v, [...records.values()].join('')));
      }
      const entries = snaps.slice(1).map((s, i) => entryBetween(snaps[i]!, s));
      for (let from = 0; from < entries.length; from++) {
        expect(apply(snaps[from]!, [condense(entries.slice(from))])).toEqual(linesOf(snaps[snaps.length - 1]!));
      }
    }
  });
});

describe('ixfrMessages (RFC 1995 §4 sequence)', () => {
  const journal = journalOf(ENTRIES);
  const current = V[4]!;
  const q = decoded(transferQuery('ix.test', 'IXFR', { serial: 2 }));
  const soaSerial = (r: { canon: string }) => Buffer.from(r.canon, 'hex').readUInt32BE(Buffer.from(r.canon, 'hex').length - 20);

  it('uncondensed: SOA new, then [SOA old, deletions, SOA next, additions] per step, then SOA new', () => {
    const plan = planIxfr(current, journal, 2, { condense: false });
    const rrs = answers([...ixfrMessages(current, q, plan)]);
    const shape = rrs.map((r) => (r.type === RRType.SOA ? `SOA ${soaSerial(r)}` : r.text.split(' ')[0]));
    expect(shape).toEqual([
      'SOA 5',
      'SOA 2', 'c.ix.test.', 'SOA 3',
      'SOA 3', 'a.ix.test.', 'SOA 4', 'a.ix.test.', 'd.ix.test.',
      'SOA 4', 'a.ix.test.', 'SOA 5', 'a.ix.test.',
      'SOA 5',
    ]);
  });

  it('condensed: one sequence', () => {
    const rrs = answers([...ixfrMessages(current, q, planIxfr(current, journal, 2))]);
    const shape = rrs.map((r) => (r.type === RRType.SOA ? `SOA ${soaSerial(r)}` : r.text.split(' ')[0]));
    // c (added in 2, removed in 3) goes; the TTL of a changed and changed back: not sent at all.
    expect(shape).toEqual(['SOA 5', 'SOA 2', 'c.ix.test.', 'SOA 5', 'd.ix.test.', 'SOA 5']);
  });

  it('current -> the SOA alone', () => {
    const msgs = [...ixfrMessages(current, q, { kind: 'current' })];
    expect(msgs).toHaveLength(1);
    expect(answers(msgs).map((r) => r.type)).toEqual([RRType.SOA]);
  });

  it('full -> AXFR-style: SOA, every record, SOA (the second RR is not an SOA)', () => {
    const rrs = answers([...ixfrMessages(current, q, { kind: 'full', reason: 'test' })]);
    expect(rrs[0]!.type).toBe(RRType.SOA);
    expect(rrs[1]!.type).not.toBe(RRType.SOA);
    expect(rrs[rrs.length - 1]!.type).toBe(RRType.SOA);
    expect(rrs.slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(current));
  });

  it('a large difference spans several messages, each within 65535 octets', () => {
    const many = (serial: number, n: number) => zone(serial, Array.from({ length: n }, (_, i) => `h${i} TXT "${'v'.repeat(100)}${serial}"\n`).join('') + filler);
    const a = many(1, 3000);
    const b = many(2, 3000);
    const j = journalOf([entryBetween(a, b)]);
    const plan = planIxfr(b, j, 1);
    expect(plan.kind).toBe('full'); // 6000 changes > 3053 records: AXFR is smaller
    const forced = { kind: 'incremental' as const, entries: j.entries };
    const msgs = [...ixfrMessages(b, q, forced)];
    expect(msgs.length).toBeGreaterThan(5);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(65535);
    expect(answers(msgs)).toHaveLength(6000 + 4);
  });
});

describe('IXFR over UDP', () => {
  const journal = journalOf(ENTRIES);
  const current = V[4]!;
  const q = decoded(transferQuery('ix.test', 'IXFR', { serial: 4 }));

  it('the difference when it fits in one datagram', () => {
    const m = ixfrUdpMessage(current, q, planIxfr(current, journal, 4), 512);
    expect(m.length).toBeLessThanOrEqual(512);
    expect(answers([m]).map((r) => r.type)).toEqual([RRType.SOA, RRType.SOA, RRType.A, RRType.SOA, RRType.A, RRType.SOA]);
  });

  it('the current SOA alone when it does not fit, or for AXFR-style answers ("use TCP", RFC 1995 §2)', () => {
    const tooBig = ixfrUdpMessage(current, q, { kind: 'incremental', entries: ENTRIES }, 512);
    expect(answers([tooBig]).map((r) => r.type)).toEqual([RRType.SOA]);
    expect(parse(tooBig).flags & 0x0200).toBe(0); // not TC: the lone SOA is the signal
    expect(answers([ixfrUdpMessage(current, q, { kind: 'full', reason: 'x' }, 1232)]).map((r) => r.type)).toEqual([RRType.SOA]);
  });
});

describe('IXFR through the handler', () => {
  function ctx(allow = ['127.0.0.1']): { ctx: HandlerContext; handle: ZoneHandle } {
    const registry = new ZoneRegistry();
    const handle: ZoneHandle = { origin: V[4]!.origin, snapshot: V[4]!, options: { transfer: new TransferPolicy({ allow }) }, journal: journalOf(ENTRIES) };
    registry.set(handle);
    return { ctx: { registry, rotator: new Rotator('none'), maxUdp: 1232, xfr: {} }, handle };
  }

  it('reads the client serial from the SOA in the authority section (names may be compressed)', () => {
    const msg = transferQuery('ix.test', 'IXFR', { serial: 0xdeadbeef });
    expect(ixfrClientSerial(msg, decoded(msg))).toEqual({ serial: 0xdeadbeef });
    // The same SOA with its owner compressed to the question name.
    const compressed = Buffer.concat([msg.subarray(0, 12 + 9 + 4), Buffer.from([0xc0, 12]), msg.subarray(12 + 9 + 4 + 9)]);
    expect(ixfrClientSerial(compressed, decoded(compressed))).toEqual({ serial: 0xdeadbeef });
  });

  it('TCP: the condensed difference; UDP: the same when it fits', () => {
    const tcp = [...(handleStreamMessage(transferQuery('ix.test', 'IXFR', { serial: 3 }), ctx().ctx, '127.0.0.1') as Iterable<Buffer>)];
    expect(answers(tcp).map((r) => r.type)).toEqual([RRType.SOA, RRType.SOA, RRType.SOA, RRType.TXT, RRType.SOA]);
    const udp = handleMessage(transferQuery('ix.test', 'IXFR', { serial: 3 }), 'udp', ctx().ctx, '127.0.0.1')!;
    expect(answers([udp]).map((r) => r.type)).toEqual([RRType.SOA, RRType.SOA, RRType.SOA, RRType.TXT, RRType.SOA]);
  });

  it('current client: one SOA over either transport', () => {
    for (const t of ['udp', 'tcp'] as const) {
      const m = handleMessage(transferQuery('ix.test', 'IXFR', { serial: 5 }), t, ctx().ctx, '127.0.0.1')!;
      expect(answers([m]).map((r) => r.type)).toEqual([RRType.SOA]);
      expect(parse(m).flags & 0x0400).toBeTruthy();
    }
  });

  it('no SOA in authority -> FORMERR whoever asks (malformed before policy, as Knot and NSD)', () => {
    const noSoa = transferQuery('ix.test', 'IXFR', { noSoa: true });
    expect(parse(handleMessage(noSoa, 'tcp', ctx().ctx, '127.0.0.1')!).rcode).toBe(1);
    expect(parse(handleMessage(noSoa, 'tcp', ctx(['10.0.0.0/8']).ctx, '127.0.0.1')!).rcode).toBe(1);
    expect(parse(handleMessage(transferQuery('ix.test', 'IXFR', { serial: 3 }), 'udp', ctx(['10.0.0.0/8']).ctx, '127.0.0.1')!).rcode).toBe(5);
  });

  it('an IXFR stream keeps the journal and snapshot it started with', () => {
    const { ctx: c, handle } = ctx();
    const it = (handleStreamMessage(transferQuery('ix.test', 'IXFR', { serial: 1 }), c, '127.0.0.1') as Iterable<Buffer>)[Symbol.iterator]();
    handle.snapshot = V[0];
    handle.journal = new Journal(V[0]!.origin);
    const msgs: Buffer[] = [];
    for (let r = it.next(); !r.done; r = it.next()) msgs.push(r.value);
    const rrs = answers(msgs);
    expect(rrs[0]!.type).toBe(RRType.SOA);
    expect(rrs.filter((r) => r.type === RRType.SOA)).toHaveLength(4);
  });
});
