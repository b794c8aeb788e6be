// The signer on a zone with every shape DNSSEC cares about: what it signs and how (RFC 4035 §2),
// that the result passes our own zone checks (the same as dnssec-verify's: the real tools judge
// it in test/interop/dnssec-sign.test.ts), and incremental re-signing: what a one-record edit, an
// added or removed name, or a refresh without an edit changes, seen through the journal's diff
// (which is what an IXFR sends).

import { describe, expect, test } from '@jest/globals';
import { readU16, readU32 } from '../../src/dns/bytes.js';
import { compareCanonical } from '../../src/dns/canonical-order.js';
import { printZone } from '../../src/zone/print.js';
import { RRType } from '../../src/dns/constants.js';
import { labelCount, nameKey, nameToText, readName } from '../../src/dns/name.js';
import { base32HexEncode } from '../../src/dns/rdata/encoding.js';
import { denialOf } from '../../src/dnssec/denial.js';
import { nsec3Hash } from '../../src/dnssec/nsec3-hash.js';
import { typeBitmapFromTypes, typesFromTypeBitmap } from '../../src/dns/rdata/bitmap.js';
import { diffSnapshots } from '../../src/xfr/journal.js';
import { getRRset, NodeFlag, type ZoneNode, type ZoneSnapshot } from '../../src/zone/snapshot.js';
import { name, rrLines, zoneFromText } from '../support/zones.js';
import { DAY, findings, NOW, sign, touched, ZONE } from './support/signing.js';

const MODES = [
  { algorithm: 'ecdsap256sha256', nsec: 'nsec' },
  { algorithm: 'ecdsap256sha256', nsec: 'nsec3' },
  { algorithm: 'ed25519', nsec: 'nsec' },
  { algorithm: 'ed25519', nsec: 'nsec3' },
] as const;

function node(zone: ZoneSnapshot, text: string) {
  return zone.nodes.get(nameKey(name(text)));
}

function sigsAt(zone: ZoneSnapshot, text: string): number[] {
  const n = node(zone, text);
  return n === undefined ? [] : n.rrsets.filter((s) => s.type === RRType.RRSIG).map((s) => (s.rdata[0]!.charCodeAt(0) << 8) | s.rdata[0]!.charCodeAt(1)).sort((a, b) => a - b);
}

function allSigs(zone: ZoneSnapshot): string[] {
  const out: string[] = [];
  for (const n of zone.nodes.values()) for (const s of n.rrsets) if (s.type === RRType.RRSIG) out.push(...s.rdata);
  return out;
}

describe.each(MODES)('a zone signed with $algorithm and $nsec', (mode) => {
  test('passes the zone checks, and every authoritative RRset has one signature', async () => {
    const { snapshot, signed, kept, changed } = await sign(ZONE, { policy: mode });
    expect(changed).toBe(true);
    expect(findings(snapshot)).toEqual([]);
    expect(kept).toBe(0);
    expect(signed).toBe(allSigs(snapshot).length);
    // Apex: the keys and their CDS / CDNSKEY (RFC 7344, RFC 8078), each signed.
    const apexTypes = [RRType.NS, RRType.SOA, RRType.MX, RRType.DNSKEY, RRType.CDS, RRType.CDNSKEY, ...(mode.nsec === 'nsec' ? [RRType.NSEC] : [RRType.NSEC3PARAM])];
    expect(sigsAt(snapshot, 'example.test')).toEqual(apexTypes.sort((a, b) => a - b));
    // A cut: DS and NSEC signed, never the NS or the glue (RFC 4035 §2.2).
    expect(sigsAt(snapshot, 'signed.example.test')).toEqual(mode.nsec === 'nsec' ? [RRType.DS, RRType.NSEC] : [RRType.DS]);
    expect(sigsAt(snapshot, 'unsigned.example.test')).toEqual(mode.nsec === 'nsec' ? [RRType.NSEC] : []);
    expect(sigsAt(snapshot, 'ns.signed.example.test')).toEqual([]);
    expect(node(snapshot, 'ns.signed.example.test')!.rrsets.map((s) => s.type)).toEqual([RRType.A]);
  });

  test('signatures start an hour back, expire 10.5 to 14 days on, and name the zone', async () => {
    const { snapshot, earliestExpiry, nextRefresh } = await sign(ZONE, { policy: mode });
    for (const sig of allSigs(snapshot)) {
      const expiration = readU32(sig, 8);
      const inception = readU32(sig, 12);
      expect(inception).toBe(NOW - 3600);
      expect(expiration).toBeGreaterThan(NOW + 10.5 * DAY);
      expect(expiration).toBeLessThanOrEqual(NOW + 14 * DAY);
      expect(expiration).toBeGreaterThanOrEqual(earliestExpiry);
    }
    expect(nextRefresh).toBe(earliestExpiry - 7 * DAY);
    // The jitter is in whole hours, so that signatures made together share their heads.
    for (const sig of allSigs(snapshot)) expect((NOW + 14 * DAY - readU32(sig, 8)) % 3600).toBe(0);
    // A wildcard is signed as the wildcard: the labels field leaves out the `*` (RFC 4034 §3.1.3).
    const wild = node(snapshot, '*.wild.example.test')!.rrsets.find((s) => s.type === RRType.RRSIG)!;
    expect(wild.rdata[0]!.charCodeAt(3)).toBe(labelCount(name('*.wild.example.test')) - 1);
  });

  test('a re-sign with nothing changed serves the previous snapshot, serial and all', async () => {
    const first = await sign(ZONE, { policy: mode });
    const again = await sign(ZONE, { policy: mode, previous: first.snapshot, now: NOW + DAY });
    expect(again.changed).toBe(false);
    expect(again.snapshot).toBe(first.snapshot);
    expect(again.signed).toBe(0);
  });
});

interface Edit {
  name: string;
  zone: string;
  /** What the diff (the IXFR) holds: the changed names, their NSEC / NSEC3 neighbours, the SOA's signature. */
  nsec: string[];
  /** The same with NSEC3: `#name` stands for the NSEC3 owner of that name's hash. */
  nsec3: string[];
}

const EDITS: Edit[] = [
  {
    name: 'one address changed', zone: ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4'),
    nsec: ['example.test. RRSIG(SOA)', 'www.example.test. A', 'www.example.test. RRSIG(A)'],
    nsec3: ['example.test. RRSIG(SOA)', 'www.example.test. A', 'www.example.test. RRSIG(A)'],
  },
  {
    name: 'a name added', zone: `${ZONE}new A 192.0.2.99\n`,
    nsec: ['example.test. RRSIG(SOA)', 'mail.example.test. NSEC', 'mail.example.test. RRSIG(NSEC)', 'new.example.test. A', 'new.example.test. NSEC', 'new.example.test. RRSIG(A)', 'new.example.test. RRSIG(NSEC)'],
    nsec3: ['example.test. RRSIG(SOA)', 'new.example.test. A', 'new.example.test. RRSIG(A)', '#new NSEC3', '#new RRSIG(NSEC3)', '#new- NSEC3', '#new- RRSIG(NSEC3)'],
  },
  {
    name: 'a name removed', zone: ZONE.replace('alias CNAME www\n', ''),
    // The apex comes before alias in canonical order (alias < c in a.b.c).
    nsec: ['alias.example.test. CNAME', 'alias.example.test. NSEC', 'alias.example.test. RRSIG(CNAME)', 'alias.example.test. RRSIG(NSEC)', 'example.test. NSEC', 'example.test. RRSIG(NSEC)', 'example.test. RRSIG(SOA)'],
    nsec3: ['alias.example.test. CNAME', 'alias.example.test. RRSIG(CNAME)', 'example.test. RRSIG(SOA)', '#alias NSEC3', '#alias RRSIG(NSEC3)', '#alias- NSEC3', '#alias- RRSIG(NSEC3)'],
  },
  {
    name: 'a type added to a name', zone: `${ZONE}www TXT "hello"\n`,
    nsec: ['example.test. RRSIG(SOA)', 'www.example.test. NSEC', 'www.example.test. RRSIG(NSEC)', 'www.example.test. RRSIG(TXT)', 'www.example.test. TXT'],
    nsec3: ['example.test. RRSIG(SOA)', 'www.example.test. RRSIG(TXT)', 'www.example.test. TXT', '#www NSEC3', '#www RRSIG(NSEC3)'],
  },
];

describe.each(MODES)('the signed snapshot\'s own records ($algorithm, $nsec)', (mode) => {
  test('one RRSIG link per node, whose RRsets (one per covered type, its TTL) read back the same from the zone\'s text', async () => {
    const { snapshot } = await sign(ZONE, { policy: mode });
    const back = zoneFromText('example.test.', printZone(snapshot));
    const records = (n: ZoneNode | undefined) => (n === undefined ? [] : rrLines(n.rrsets).sort());
    let sigNodes = 0;
    for (const n of snapshot.nodes.values()) {
      let links = 0;
      for (let s = n.firstSet; s !== undefined; s = s.next) if (s.type === RRType.RRSIG) links++;
      expect(links).toBeLessThanOrEqual(1);
      if (links === 1) sigNodes++;
      expect(records(n)).toEqual(records(back.nodes.get(nameKey(n.name))));
    }
    expect(sigNodes).toBeGreaterThan(5);
    // The NSEC RRSIG takes the NSEC's TTL (the SOA minimum), not the node's first signature's.
    const www = node(snapshot, 'www.example.test')!;
    const nsecSigs = www.rrsets.find((s) => s.type === RRType.RRSIG && readU16(s.rdata[0]!, 0) === (mode.nsec === 'nsec' ? RRType.NSEC : RRType.A));
    expect(nsecSigs!.ttl).toBe(mode.nsec === 'nsec' ? snapshot.negativeTtl : getRRset(www, RRType.A)!.ttl);
  });

  test('an NSEC\'s RDATA is the next name and the bitmap of the types (RFC 4034 §4.1), as the loader reads it', async () => {
    if (mode.nsec !== 'nsec') return;
    const { snapshot } = await sign(ZONE, { policy: mode });
    const chain = [...snapshot.nodes.values()].filter((n) => getRRset(n, RRType.NSEC) !== undefined).map((n) => nameKey(n.name)).sort(compareCanonical);
    for (let i = 0; i < chain.length; i++) {
      const n = snapshot.nodes.get(chain[i]!)!;
      const rdata = getRRset(n, RRType.NSEC)!.rdata[0]!;
      const types = n.rrsets.map((s) => s.type).filter((t, j, all) => all.indexOf(t) === j && (n.flags & NodeFlag.DELEGATION ? t === RRType.NS || t === RRType.DS || t === RRType.NSEC || t === RRType.RRSIG : true));
      expect(rdata).toBe(chain[(i + 1) % chain.length]! + typeBitmapFromTypes(types.sort((a, b) => a - b)));
    }
  });
});

describe.each(['nsec', 'nsec3'] as const)('incremental re-signing (%s)', (nsec) => {
  test.each(EDITS)('$name: only the changed names, their chain neighbours and the SOA signature change', async (edit) => {
    const first = await sign(ZONE, { policy: { nsec } });
    const next = await sign(edit.zone, { policy: { nsec }, previous: first.snapshot, now: NOW + DAY });
    expect(next.changed).toBe(true);
    expect(next.snapshot.serial).toBe(first.snapshot.serial + 1);
    expect(findings(next.snapshot, NOW + DAY)).toEqual([]);
    expect(next.signed).toBeLessThanOrEqual(5);
    // `#name` is the NSEC3 owner of the name; `#name-` the one before it in the chain.
    const expected = nsec === 'nsec' ? edit.nsec : edit.nsec3.map((e) => e.replace(/^#(\S+?)(-?) /, (_m, n: string, before: string) => `${nsec3Of([first.snapshot, next.snapshot], n, before === '-')} `));
    expect(touched(diffSnapshots(first.snapshot, next.snapshot))).toEqual([...expected].sort());
    expectDenialAsBuilt(first.snapshot);
    expectDenialAsBuilt(next.snapshot);
  });
});

/**
 * The denial structures the signer hands over with its snapshot (adoptDenial, from its own order)
 * find what those built from the zone's records find: the same NSEC chain, node for node; the
 * same NSEC3 matches and covers. (A copy of the snapshot object has none handed over.)
 */
function expectDenialAsBuilt(zone: ZoneSnapshot): void {
  const adopted = denialOf(zone);
  const built = denialOf({ ...zone });
  expect(adopted).not.toBe(built);
  expect(adopted.signed).toBe(true);
  if (built.nsec !== undefined) {
    expect(adopted.nsec?.nodes.map((n) => nameToText(n.name))).toEqual(built.nsec.nodes.map((n) => nameToText(n.name)));
    expect(adopted.nsec!.nodes.every((n, i) => n === built.nsec!.nodes[i])).toBe(true);
    return;
  }
  expect(adopted.nsec3?.size).toBe(built.nsec3!.size);
  for (const n of zone.nodes.values()) {
    expect(adopted.nsec3!.matching(n)).toBe(built.nsec3!.matching(n));
    for (const below of ['zz', 'a', '0', 'm-1']) {
      const q = name(`${below}.${nameToText(n.name)}`);
      expect(adopted.nsec3!.covering(q)).toBe(built.nsec3!.covering(q));
    }
  }
}

function hashOf(text: string): string {
  return nsec3Hash(name(`${text}.example.test`), '', 0).toString('latin1');
}

/**
 * The NSEC3 owner of `text`'s hash, or (`predecessor`) of the NSEC3 before it in the chain, in
 * whichever of the versions has the name.
 */
function nsec3Of(versions: ZoneSnapshot[], text: string, predecessor: boolean): string {
  const hash = hashOf(text);
  if (!predecessor) return `${base32HexEncode(hash).toLowerCase()}.example.test.`;
  const zone = versions.find((z) => node(z, `${text}.example.test`) !== undefined)!;
  for (const n of zone.nodes.values()) {
    const set = getRRset(n, RRType.NSEC3);
    if (set !== undefined && set.rdata[0]!.slice(6, 26) === hash) return nameToText(n.name).toLowerCase();
  }
  throw new Error(`no NSEC3 before ${text}`);
}

describe('refreshing signatures without an edit', () => {
  test.each(['nsec', 'nsec3'] as const)('%s: past the refresh time only the due signatures are made again, none served is expired', async (nsec) => {
    const first = await sign(ZONE, { policy: { nsec } });
    const total = allSigs(first.snapshot).length;
    // Just past the first refresh time: some signatures are due, not all.
    const at = first.nextRefresh + 60;
    const refreshed = await sign(first.snapshot, { policy: { nsec }, previous: first.snapshot, now: at, shared: true });
    expect(refreshed.changed).toBe(true);
    expect(refreshed.signed).toBeGreaterThan(0);
    expect(refreshed.signed).toBeLessThan(total);
    expect(refreshed.kept + refreshed.signed).toBe(total);
    expect(refreshed.nextRefresh).toBeGreaterThan(at);
    expect(findings(refreshed.snapshot, at)).toEqual([]);
    // The served snapshot it came from is untouched.
    expect(findings(first.snapshot, NOW)).toEqual([]);
    expect(diffSnapshots(first.snapshot, refreshed.snapshot).added.every((s) => s.type === RRType.RRSIG)).toBe(true);
  });

  test('walking 60 days, re-signing at each refresh time: nothing is ever served expired or expiring within the refresh time', async () => {
    let current = await sign(ZONE);
    let now = NOW;
    const end = NOW + 60 * DAY;
    let refreshes = 0;
    while (now < end) {
      // Every 6 hours: what is served must be valid and not due; at the refresh time, re-sign.
      const step = Math.min(now + 6 * 3600, current.nextRefresh);
      now = step;
      if (now >= current.nextRefresh) {
        current = await sign(current.snapshot, { previous: current.snapshot, now, shared: true });
        refreshes++;
      }
      for (const sig of allSigs(current.snapshot)) {
        expect(readU32(sig, 8)).toBeGreaterThan(now + 7 * DAY);
        expect(readU32(sig, 12)).toBeLessThanOrEqual(now);
      }
    }
    expect(refreshes).toBeGreaterThan(4);
    expect(findings(current.snapshot, now)).toEqual([]);
  });
});

describe('changing the denial of existence', () => {
  test.each([['nsec', 'nsec3'], ['nsec3', 'nsec']] as const)('%s -> %s: one re-sign replaces the chain, keeps the data signatures', async (from, to) => {
    const first = await sign(ZONE, { policy: { nsec: from } });
    const next = await sign(ZONE, { policy: { nsec: to }, previous: first.snapshot, now: NOW + DAY });
    expect(next.changed).toBe(true);
    expect(findings(next.snapshot, NOW + DAY)).toEqual([]);
    const types = new Set<number>();
    for (const n of next.snapshot.nodes.values()) for (const s of n.rrsets) types.add(s.type);
    expect(types.has(RRType.NSEC)).toBe(to === 'nsec');
    expect(types.has(RRType.NSEC3)).toBe(to === 'nsec3');
    expect(types.has(RRType.NSEC3PARAM)).toBe(to === 'nsec3');
    // The data's signatures stay; the chain's are new.
    expect(next.kept).toBeGreaterThan(10);
  });
});

describe('NSEC and NSEC3 records', () => {
  test('NSEC at a zone cut lists NS, DS, RRSIG, NSEC only; NSEC3 at an unsigned cut lists NS alone', async () => {
    const nsec = (await sign(ZONE)).snapshot;
    const nsecTypes = (t: string) => {
      const rdata = getRRset(node(nsec, t)!, RRType.NSEC)!.rdata[0]!;
      return typesFromTypeBitmap(rdata.slice(readName(rdata, 0)[1]));
    };
    expect(nsecTypes('signed.example.test')).toEqual([RRType.NS, RRType.DS, RRType.RRSIG, RRType.NSEC]);
    expect(nsecTypes('unsigned.example.test')).toEqual([RRType.NS, RRType.RRSIG, RRType.NSEC]);
    const nsec3 = (await sign(ZONE, { policy: { nsec: 'nsec3' } })).snapshot;
    const at = (t: string) => nsec3.nodes.get(nameKey(name(`${base32HexEncode(hashOf(t)).toLowerCase()}.example.test`)))!;
    expect(typesFromTypeBitmap(getRRset(at('unsigned'), RRType.NSEC3)!.rdata[0]!.slice(26))).toEqual([RRType.NS]);
    expect(typesFromTypeBitmap(getRRset(at('signed'), RRType.NSEC3)!.rdata[0]!.slice(26))).toEqual([RRType.NS, RRType.DS, RRType.RRSIG]);
    // Empty non-terminals have NSEC3 records with no types (RFC 5155 §7.1).
    expect(typesFromTypeBitmap(getRRset(at('b.c'), RRType.NSEC3)!.rdata[0]!.slice(26))).toEqual([]);
    expect(getRRset(nsec3.apex, RRType.NSEC3PARAM)!.rdata).toEqual(['\x01\x00\x00\x00\x00']);
  });
});
