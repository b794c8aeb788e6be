// Re-signing a large signed zone through the IXFR journal: a signer that refreshes its signatures
// changes many or all RRSIGs of the zone in one serial step (BIND's and Knot's automatic signing
// do this in bulk). 10,000 names, each with A, NSEC and two RRSIGs (40,000 records):
// - a full re-sign deletes 20,005 RRSIG RRs and adds as many (~4.5 MB of records): the journal
//   computes and keeps that step in bounded time, and since the differences are as large as the
//   zone, an IXFR gets the whole zone instead (RFC 1995 §4 allows it; it is the smaller answer);
// - a re-sign of half of them goes out as an incremental IXFR that takes version 1 to version 2;
// - a journal too small for the step drops it, and IXFR falls back to the whole zone.
// The signatures are stand-ins of the right shape: the journal never reads them (the real
// signers' output goes through the interop tests: secondary-bind-dnssec.test.ts).

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { handleStreamMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { ZoneRegistry, type ZoneHandle } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { entryBetween, Journal } from '../../src/xfr/journal.js';
import { zoneFromText } from '../support/zones.js';
import { answers, keyOfParsed, snapshotKeys, transferQuery } from './support/xfr.js';

const NAMES = 10_000;

/**
 * Version `serial` of the signed zone; `stamp` changes the signatures over data, `nsecStamp` those
 * over NSEC records (a re-sign changes them).
 */
function signedZone(serial: number, stamp: string, nsecStamp = stamp): string {
  const sig = (covered: string, labels: number) => {
    const at = covered === 'NSEC' ? nsecStamp : stamp;
    return `RRSIG ${covered} 13 ${labels} 3600 2027${at}000000 2026${at}000000 4242 rs.test. ${Buffer.from(`${covered}${at}`.padEnd(64, '.')).toString('base64')}`;
  };
  const lines = ['$ORIGIN rs.test.', '$TTL 3600', `@ SOA ns1 hostmaster ${serial} 3600 900 604800 300`, `@ ${sig('SOA', 2)}`, '@ NS ns1', `@ ${sig('NS', 2)}`, '@ NSEC h0 NS SOA RRSIG NSEC', `@ ${sig('NSEC', 2)}`];
  for (let i = 0; i < NAMES; i++) {
    const next = i + 1 < NAMES ? `h${i + 1}` : 'ns1';
    lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `h${i} ${sig('A', 3)}`, `h${i} NSEC ${next} A RRSIG NSEC`, `h${i} ${sig('NSEC', 3)}`);
  }
  lines.push('ns1 A 192.0.2.1', `ns1 ${sig('A', 3)}`, 'ns1 NSEC @ A RRSIG NSEC', `ns1 ${sig('NSEC', 3)}`);
  return lines.join('\n') + '\n';
}

/** Applies an IXFR answer sequence (RFC 1995 §4) to a zone's record keys, as a secondary does. */
function applyIxfr(before: readonly string[], rrs: ReturnType<typeof answers>): string[] {
  const zone = new Set(before);
  let mode: 'delete' | 'add' = 'add';
  for (const rr of rrs.slice(1, -1)) {
    if (rr.type === RRType.SOA) {
      mode = mode === 'add' ? 'delete' : 'add';
      continue;
    }
    const key = keyOfParsed(rr);
    if (mode === 'delete') expect(zone.delete(key)).toBe(true);
    else zone.add(key);
  }
  return [...zone].sort();
}

describe('IXFR journal: re-signing a large zone', () => {
  const v1 = zoneFromText('rs.test', signedZone(1, '0101'));
  const v2 = zoneFromText('rs.test', signedZone(2, '0201'));
  const half = zoneFromText('rs.test', signedZone(2, '0201', '0101'));
  const keys = new Map<ZoneSnapshot, string[]>();
  const withoutSoa = (s: ZoneSnapshot): string[] => {
    let k = keys.get(s);
    if (k === undefined) keys.set(s, (k = snapshotKeys(s).filter((x) => !/^rs\.test\. 6 /.test(x))));
    return k;
  };
  const soaCount = (rrs: ReturnType<typeof answers>) => rrs.filter((r) => r.type === RRType.SOA).length;

  function serve(current: ZoneSnapshot, journal: Journal): ReturnType<typeof answers> {
    const registry = new ZoneRegistry();
    const handle: ZoneHandle = { origin: current.origin, snapshot: current, options: { transfer: new TransferPolicy({ allow: ['127.0.0.1'] }) }, journal };
    registry.set(handle);
    const ctx: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232, xfr: {} };
    return answers([...(handleStreamMessage(transferQuery('rs.test', 'IXFR', { serial: 1 }), ctx, '127.0.0.1') as Iterable<Buffer>)]);
  }

  it('every RRSIG changes: one entry, computed in bounded time; the IXFR answer is the whole new zone', () => {
    const started = performance.now();
    const entry = entryBetween(v1, v2);
    const ms = performance.now() - started;
    const sigs = (sets: typeof entry.added) => sets.filter((s) => s.type === RRType.RRSIG).reduce((n, s) => n + s.rdata.length, 0);
    expect([sigs(entry.deleted), sigs(entry.added)]).toEqual([2 * NAMES + 5, 2 * NAMES + 5]);
    expect(entry.deleted.concat(entry.added).every((s) => s.type === RRType.RRSIG)).toBe(true); // NSEC and data unchanged
    expect(entry.size).toBeGreaterThan(4 << 20);
    expect(ms).toBeLessThan(5_000); // ~0.3 s unloaded: a reload never waits long on its diff
    const journal = new Journal(v2.origin);
    expect(journal.append(entry)).toBe(0); // kept: within the default 16 MiB
    const rrs = serve(v2, journal);
    expect(soaCount(rrs)).toBe(2); // AXFR-style (RFC 1995 §4): the differences are as large as the zone
    expect(rrs.map(keyOfParsed).filter((k) => !/^rs\.test\. 6 /.test(k)).sort()).toEqual(withoutSoa(v2));
  }, 60_000);

  it('half of the RRSIGs change: an incremental IXFR takes version 1 to version 2', () => {
    const journal = new Journal(half.origin);
    journal.append(entryBetween(v1, half));
    const rrs = serve(half, journal);
    expect(soaCount(rrs)).toBe(4);
    expect(applyIxfr(withoutSoa(v1), rrs)).toEqual(withoutSoa(half));
  }, 60_000);

  it('a journal too small for the step drops it: the IXFR falls back to the whole zone', () => {
    const journal = new Journal(half.origin, { maxEntries: 100, maxBytes: 1 << 20 });
    expect(journal.append(entryBetween(v1, half))).toBe(1); // ~2.3 MB
    const rrs = serve(half, journal);
    expect(soaCount(rrs)).toBe(2);
    expect(rrs.map(keyOfParsed).filter((k) => !/^rs\.test\. 6 /.test(k)).sort()).toEqual(withoutSoa(half));
  }, 60_000);
});
