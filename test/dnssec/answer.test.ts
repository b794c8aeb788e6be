// The DO=1 additions (src/dnssec/answer.ts) as a table: for each question, what goes in each
// section, written as `owner TYPE` (RRSIGs as `owner RRSIG(covered)`), with NSEC3 records named by
// the hash they must match or cover, computed here (nsec3Hash): `=name` matches name's hash,
// `~name` covers it. Zones: fixtures signed by dnssec-signzone (NSEC; NSEC3 with a salt; the same
// with 12 extra iterations; NSEC3 opt-out), so every proof is checked against a real signer's chain. Whether validators accept
// the proofs is the interop tests' job (dnssec-validate.test.ts); this pins the rules: RFC 4035
// §3.1.3, RFC 5155 §7.2, and the cases that broke other servers (nsd#510, nsd#194,
// Technitium#2110).

import { describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { readU16 } from '../../src/dns/bytes.js';
import { RRType, typeFromString, typeToString } from '../../src/dns/constants.js';
import { nameKey, nameToText, type Name } from '../../src/dns/name.js';
import { base32HexEncode } from '../../src/dns/rdata/encoding.js';
import { signAnswer, type SignedRRset } from '../../src/dnssec/answer.js';
import { nsec3Hash } from '../../src/dnssec/nsec3-hash.js';
import { resolve } from '../../src/query/resolve.js';
import { loadZoneFile } from '../../src/zone/load.js';
import type { RRset, ZoneSnapshot } from '../../src/zone/snapshot.js';
import { name, registryOf, zoneFromText } from '../support/zones.js';

const fixture = (file: string): ZoneSnapshot => {
  const r = loadZoneFile(fileURLToPath(new URL(`../fixtures/dnssec/${file}`, import.meta.url)));
  if (r.snapshot === undefined) throw new Error(`${file} did not load`);
  return r.snapshot;
};
const UNSIGNED = zoneFromText('plain.test', '$TTL 300\n@ SOA ns admin 1 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\n');
const registry = registryOf(fixture('signed.test.zone'), fixture('signed3.test.zone'), fixture('signed12.test.zone'), fixture('optout.test.zone'), UNSIGNED);
const find = (k: Name, t: number) => registry.findForQuestion(k, t)?.snapshot;

/** NSEC3 parameters of the fixtures (their NSEC3PARAM). */
const PARAMS: Record<string, { salt: string; iterations: number }> = {
  'signed3.test': { salt: 'aabbccdd', iterations: 0 },
  'optout.test': { salt: '', iterations: 0 },
  'signed12.test': { salt: 'ab', iterations: 12 },
};

function hashLabel(owner: string, zone: string): string {
  const p = PARAMS[zone]!;
  return base32HexEncode(nsec3Hash(name(owner), Buffer.from(p.salt, 'hex'), p.iterations).toString('latin1')).toLowerCase();
}

/** `=name` if the NSEC3 matches a name's hash, `~name` if it covers one of `names`, else its owner. */
function nsec3Label(set: RRset, zone: string, names: readonly string[]): string {
  const own = nameToText(nameKey(set.owner)).split('.')[0]!;
  const rdata = set.rdata[0]!;
  const saltLength = rdata.charCodeAt(4);
  const hashLength = rdata.charCodeAt(5 + saltLength);
  const next = base32HexEncode(rdata.slice(6 + saltLength, 6 + saltLength + hashLength)).toLowerCase();
  for (const n of names) {
    const h = hashLabel(n, zone);
    if (h === own) return `=${n}`;
    const covers = own < next ? own < h && h < next : own < h || h < next; // the last one wraps
    if (covers) return `~${n}`;
  }
  return own;
}

function lines(units: readonly SignedRRset[], zone: string, names: readonly string[]): string[] {
  const out: string[] = [];
  const label = (set: RRset): string => {
    if (set.type === RRType.NSEC3) return `${nsec3Label(set, zone, names)} NSEC3`;
    const owner = nameToText(nameKey(set.owner));
    if (set.type === RRType.RRSIG) return `${owner} RRSIG(${typeToString(readU16(set.rdata[0]!, 0))})`;
    return `${owner} ${typeToString(set.type)}`;
  };
  for (const u of units) {
    out.push(label(u.set));
    if (u.sigs !== undefined) out.push(u.sigs.type === RRType.RRSIG && u.set.type === RRType.NSEC3 ? `${nsec3Label(u.set, zone, names)} RRSIG(NSEC3)` : label(u.sigs));
  }
  return out;
}

interface Case {
  why: string;
  q: string;
  t: string;
  rcode: 'answer' | 'nodata' | 'nxdomain' | 'referral';
  answer?: string[];
  /** NSEC3: the names whose hashes the NSEC3 records are expected to match or cover. */
  names?: string[];
  authority: string[];
  additional?: string[];
}

const CASES: Case[] = [
  // ----- NSEC (signed.test)
  { why: 'positive answer with its RRSIG', q: 'www.signed.test', t: 'A', rcode: 'answer', answer: ['www.signed.test. A', 'www.signed.test. RRSIG(A)'], authority: [] },
  { why: 'MX: the target\'s address and its RRSIG in additional', q: 'signed.test', t: 'MX', rcode: 'answer', answer: ['signed.test. MX', 'signed.test. RRSIG(MX)'], authority: [], additional: ['mail.signed.test. A', 'mail.signed.test. RRSIG(A)'] },
  { why: 'NXDOMAIN: the NSEC covering the name and the one covering the wildcard', q: 'nope.signed.test', t: 'A', rcode: 'nxdomain',
    authority: ['signed.test. SOA', 'signed.test. RRSIG(SOA)', 'mail.signed.test. NSEC', 'mail.signed.test. RRSIG(NSEC)', 'signed.test. NSEC', 'signed.test. RRSIG(NSEC)'] },
  { why: 'NODATA: the name\'s own NSEC', q: 'www.signed.test', t: 'MX', rcode: 'nodata',
    authority: ['signed.test. SOA', 'signed.test. RRSIG(SOA)', 'www.signed.test. NSEC', 'www.signed.test. RRSIG(NSEC)'] },
  { why: 'NODATA at an empty non-terminal: the NSEC covering it', q: 'ent.signed.test', t: 'A', rcode: 'nodata',
    authority: ['signed.test. SOA', 'signed.test. RRSIG(SOA)', 'cname.signed.test. NSEC', 'cname.signed.test. RRSIG(NSEC)'] },
  { why: 'NODATA at the empty non-terminal above a wildcard: one NSEC, none denying the wildcard (Technitium#2110)', q: 'wild.signed.test', t: 'DS', rcode: 'nodata',
    authority: ['signed.test. SOA', 'signed.test. RRSIG(SOA)', 'sub.signed.test. NSEC', 'sub.signed.test. RRSIG(NSEC)'] },
  { why: 'wildcard answer: RRSIG owned by the query name, the NSEC proving no closer name', q: 'foo.wild.signed.test', t: 'A', rcode: 'answer',
    answer: ['foo.wild.signed.test. A', 'foo.wild.signed.test. RRSIG(A)'], authority: ['*.wild.signed.test. NSEC', '*.wild.signed.test. RRSIG(NSEC)'] },
  { why: 'wildcard NODATA: the wildcard\'s NSEC (which also covers the query name)', q: 'foo.wild.signed.test', t: 'MX', rcode: 'nodata',
    authority: ['signed.test. SOA', 'signed.test. RRSIG(SOA)', '*.wild.signed.test. NSEC', '*.wild.signed.test. RRSIG(NSEC)'] },
  { why: 'CNAME: each link with its RRSIGs', q: 'cname.signed.test', t: 'A', rcode: 'answer',
    answer: ['cname.signed.test. CNAME', 'cname.signed.test. RRSIG(CNAME)', 'www.signed.test. A', 'www.signed.test. RRSIG(A)'], authority: [] },
  { why: 'referral to a signed child: DS and its RRSIG; glue unsigned', q: 'www.sub.signed.test', t: 'A', rcode: 'referral',
    authority: ['sub.signed.test. NS', 'sub.signed.test. DS', 'sub.signed.test. RRSIG(DS)'], additional: ['ns.sub.signed.test. A'] },
  { why: 'DS at the cut, from the parent', q: 'sub.signed.test', t: 'DS', rcode: 'answer', answer: ['sub.signed.test. DS', 'sub.signed.test. RRSIG(DS)'], authority: [] },
  { why: 'RRSIG asked for: the signatures, unsigned themselves', q: 'www.signed.test', t: 'RRSIG', rcode: 'answer', answer: ['www.signed.test. RRSIG(A)'], authority: [] },

  // ----- NSEC3 (signed3.test)
  { why: 'NXDOMAIN: closest encloser (apex), next closer and wildcard', q: 'nope.signed3.test', t: 'A', rcode: 'nxdomain', names: ['signed3.test', 'nope.signed3.test', '*.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=signed3.test NSEC3', '=signed3.test RRSIG(NSEC3)', '~nope.signed3.test NSEC3', '~nope.signed3.test RRSIG(NSEC3)', '~*.signed3.test NSEC3', '~*.signed3.test RRSIG(NSEC3)'] },
  { why: 'NXDOMAIN two labels below www: closest encloser www, next closer b.www', q: 'a.b.www.signed3.test', t: 'A', rcode: 'nxdomain', names: ['www.signed3.test', 'b.www.signed3.test', '*.www.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=www.signed3.test NSEC3', '=www.signed3.test RRSIG(NSEC3)', '~b.www.signed3.test NSEC3', '~b.www.signed3.test RRSIG(NSEC3)', '~*.www.signed3.test NSEC3', '~*.www.signed3.test RRSIG(NSEC3)'] },
  { why: 'NODATA: the matching NSEC3', q: 'www.signed3.test', t: 'MX', rcode: 'nodata', names: ['www.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=www.signed3.test NSEC3', '=www.signed3.test RRSIG(NSEC3)'] },
  { why: 'NODATA at an empty non-terminal: its own NSEC3', q: 'y.ent.signed3.test', t: 'A', rcode: 'nodata', names: ['y.ent.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=y.ent.signed3.test NSEC3', '=y.ent.signed3.test RRSIG(NSEC3)'] },
  { why: 'wildcard answer: the NSEC3 covering the next closer name', q: 'foo.wild.signed3.test', t: 'A', rcode: 'answer', names: ['foo.wild.signed3.test'],
    answer: ['foo.wild.signed3.test. A', 'foo.wild.signed3.test. RRSIG(A)'], authority: ['~foo.wild.signed3.test NSEC3', '~foo.wild.signed3.test RRSIG(NSEC3)'] },
  { why: 'wildcard NODATA: the wildcard\'s NSEC3 and the closest encloser proof', q: 'foo.wild.signed3.test', t: 'MX', rcode: 'nodata', names: ['*.wild.signed3.test', 'wild.signed3.test', 'foo.wild.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=*.wild.signed3.test NSEC3', '=*.wild.signed3.test RRSIG(NSEC3)', '=wild.signed3.test NSEC3', '=wild.signed3.test RRSIG(NSEC3)', '~foo.wild.signed3.test NSEC3', '~foo.wild.signed3.test RRSIG(NSEC3)'] },
  { why: 'a hashed owner is not a name of the zone: NXDOMAIN with the proof (one NSEC3 covers the name and the wildcard)', q: `${hashLabel('www.signed3.test', 'signed3.test')}.signed3.test`, t: 'NSEC3', rcode: 'nxdomain',
    names: ['signed3.test', `${hashLabel('www.signed3.test', 'signed3.test')}.signed3.test`, '*.signed3.test'],
    authority: ['signed3.test. SOA', 'signed3.test. RRSIG(SOA)', '=signed3.test NSEC3', '=signed3.test RRSIG(NSEC3)',
      `~${hashLabel('www.signed3.test', 'signed3.test')}.signed3.test NSEC3`, `~${hashLabel('www.signed3.test', 'signed3.test')}.signed3.test RRSIG(NSEC3)`] },

  // ----- NSEC3 with 12 extra iterations (signed12.test): names hashed on first use, same proofs
  { why: 'costly parameters: NXDOMAIN proof from hashes made on demand (one NSEC3 covers the name and the wildcard)', q: 'nope.signed12.test', t: 'A', rcode: 'nxdomain', names: ['signed12.test', 'nope.signed12.test', '*.signed12.test'],
    authority: ['signed12.test. SOA', 'signed12.test. RRSIG(SOA)', '=signed12.test NSEC3', '=signed12.test RRSIG(NSEC3)', '~nope.signed12.test NSEC3', '~nope.signed12.test RRSIG(NSEC3)'] },
  { why: 'costly parameters: NODATA at an empty non-terminal', q: 'y.ent.signed12.test', t: 'A', rcode: 'nodata', names: ['y.ent.signed12.test'],
    authority: ['signed12.test. SOA', 'signed12.test. RRSIG(SOA)', '=y.ent.signed12.test NSEC3', '=y.ent.signed12.test RRSIG(NSEC3)'] },
  { why: 'costly parameters: wildcard NODATA', q: 'foo.wild.signed12.test', t: 'MX', rcode: 'nodata', names: ['*.wild.signed12.test', 'wild.signed12.test', 'foo.wild.signed12.test'],
    authority: ['signed12.test. SOA', 'signed12.test. RRSIG(SOA)', '=*.wild.signed12.test NSEC3', '=*.wild.signed12.test RRSIG(NSEC3)', '=wild.signed12.test NSEC3', '=wild.signed12.test RRSIG(NSEC3)', '~foo.wild.signed12.test NSEC3', '~foo.wild.signed12.test RRSIG(NSEC3)'] },

  // ----- NSEC3 opt-out (optout.test)
  { why: 'referral to an unsigned child without an NSEC3 of its own: the opt-out closest encloser proof', q: 'www.insecure.optout.test', t: 'A', rcode: 'referral', names: ['optout.test', 'insecure.optout.test'],
    authority: ['insecure.optout.test. NS', '=optout.test NSEC3', '=optout.test RRSIG(NSEC3)', '~insecure.optout.test NSEC3', '~insecure.optout.test RRSIG(NSEC3)'], additional: ['ns.insecure.optout.test. A'] },
  { why: 'SOA asked below the unsigned cut: a referral with the cut\'s proof, not NXDOMAIN (nsd#194)', q: 'x.insecure.optout.test', t: 'SOA', rcode: 'referral', names: ['optout.test', 'insecure.optout.test'],
    authority: ['insecure.optout.test. NS', '=optout.test NSEC3', '=optout.test RRSIG(NSEC3)', '~insecure.optout.test NSEC3', '~insecure.optout.test RRSIG(NSEC3)'], additional: ['ns.insecure.optout.test. A'] },
  { why: 'DS at the unsigned cut', q: 'insecure.optout.test', t: 'DS', rcode: 'nodata', names: ['optout.test', 'insecure.optout.test'],
    authority: ['optout.test. SOA', 'optout.test. RRSIG(SOA)', '=optout.test NSEC3', '=optout.test RRSIG(NSEC3)', '~insecure.optout.test NSEC3', '~insecure.optout.test RRSIG(NSEC3)'] },
  { why: 'DS at an empty non-terminal above an opt-out delegation only: the next closer name too (nsd#510)', q: 'b.deep.optout.test', t: 'DS', rcode: 'nodata', names: ['optout.test', 'deep.optout.test'],
    authority: ['optout.test. SOA', 'optout.test. RRSIG(SOA)', '=optout.test NSEC3', '=optout.test RRSIG(NSEC3)', '~deep.optout.test NSEC3', '~deep.optout.test RRSIG(NSEC3)'] },
  { why: 'DS at the unsigned delegation below those', q: 'a.b.deep.optout.test', t: 'DS', rcode: 'nodata', names: ['optout.test', 'deep.optout.test'],
    authority: ['optout.test. SOA', 'optout.test. RRSIG(SOA)', '=optout.test NSEC3', '=optout.test RRSIG(NSEC3)', '~deep.optout.test NSEC3', '~deep.optout.test RRSIG(NSEC3)'] },
  { why: 'a signed delegation keeps its own NSEC3 under opt-out: DS answer', q: 'secure.optout.test', t: 'DS', rcode: 'answer', answer: ['secure.optout.test. DS', 'secure.optout.test. RRSIG(DS)'], authority: [] },
];

describe('DO=1 additions', () => {
  test.each(CASES)('$why ($q $t)', (c) => {
    const qtype = typeFromString(c.t)!;
    const res = resolve(find, name(c.q), qtype, { dnssec: true });
    expect(res.kind).toBe(c.rcode);
    if (!('answer' in res)) return;
    const zone = find(nameKey(name(c.q)), qtype)!;
    const signed = signAnswer(res, zone)!;
    expect(signed).toBeDefined();
    const origin = nameToText(zone.originKey).slice(0, -1);
    const names = c.names ?? [];
    expect(lines(signed.answer, origin, names)).toEqual(c.answer ?? []);
    expect(lines(signed.authority, origin, names)).toEqual(c.authority);
    if (c.additional) expect(lines(signed.additional, origin, names)).toEqual(c.additional);
  });

  test('an unsigned zone gets no additions: the DO=1 answer is the DO=0 one', () => {
    const res = resolve(find, name('nope.plain.test'), RRType.A, { dnssec: true });
    expect('answer' in res && signAnswer(res, UNSIGNED)).toBeUndefined();
  });

  test('without { dnssec: true } resolve collects nothing', () => {
    const res = resolve(find, name('www.signed.test'), RRType.A);
    expect('facts' in res ? res.facts : undefined).toBeUndefined();
  });
});
