// DO=1 answers byte for byte against Knot DNS 3.2.6. The captures (knot-dnssec-captures.ts) were
// recorded from a knotd on loopback serving the two signed fixture zones; here the whole answer
// path (decode, resolve, the DNSSEC additions, the writer) answers the same query bytes from the
// same zone files, and the bytes must be identical: the same RRSIGs after each section's RRsets in
// the same order, the same NSEC/NSEC3 proof records, the same compression, the same OPT.
//
// The deliberate differences are asserted separately: where the signatures do not fit, Knot sends
// TC=1 with an RRset whose RRSIGs were left out; we never send an RRset without its signatures
// (RFC 4035 §3.1.1), so our TC=1 reply keeps only the units that fit whole.

import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { loadZoneFile } from '../../src/zone/load.js';
import { registryOf } from '../support/zones.js';
import { parseResponse, T } from '../interop/support/wire.js';
import { fromHex, hex } from './helpers.js';
import { knotDnssec } from './knot-dnssec-captures.js';

const fixture = (name: string) => {
  const r = loadZoneFile(fileURLToPath(new URL(`../fixtures/dnssec/${name}`, import.meta.url)));
  if (r.snapshot === undefined) throw new Error(`${name} did not load`);
  return r.snapshot;
};
const ctx: HandlerContext = { registry: registryOf(fixture('signed.test.zone'), fixture('signed3.test.zone')), rotator: new Rotator('none'), maxUdp: 1232 };

/** Where our reply differs from Knot's on purpose (see the top of this file). */
const DELIBERATE = new Set(['big_tc', 'nsec3_nxdomain_512']);

describe('DO=1 answers are byte-identical to Knot 3.2', () => {
  it.each(Object.keys(knotDnssec).filter((k) => !DELIBERATE.has(k)))('%s', (name) => {
    const capture = knotDnssec[name]!;
    const ours = handleMessage(fromHex(capture.query), 'udp', ctx)!;
    expect(hex(ours)).toBe(capture.response);
  });

  it('the captures cover signed answers, NSEC and NSEC3 proofs and referrals', () => {
    const parsed = Object.values(knotDnssec).map((c) => parseResponse(fromHex(c.response)));
    expect(parsed.filter((p) => p.answer.some((rr) => rr.type === T.RRSIG)).length).toBeGreaterThan(5);
    expect(parsed.filter((p) => p.authority.some((rr) => rr.type === T.NSEC)).length).toBeGreaterThan(3);
    expect(parsed.filter((p) => p.authority.some((rr) => rr.type === 50)).length).toBeGreaterThan(3);
    expect(parsed.filter((p) => p.authority.some((rr) => rr.type === T.DS)).length).toBe(2);
  });
});

describe('where a signed RRset does not fit, we never send it without its RRSIGs', () => {
  it('big TXT: Knot keeps the TXT without its RRSIG (TC=1); we send no answer RRset (TC=1)', () => {
    const capture = knotDnssec.big_tc!;
    const knot = parseResponse(fromHex(capture.response));
    expect(knot.flags & 0x0200).toBe(0x0200);
    expect(knot.answer.map((rr) => rr.type)).toEqual([T.TXT]);
    const ours = parseResponse(handleMessage(fromHex(capture.query), 'udp', ctx)!);
    expect(ours.flags & 0x0200).toBe(0x0200);
    expect(ours.answer).toEqual([]);
    expect(ours.opt?.flags).toBe(0x8000);
  });

  it('NSEC3 NXDOMAIN in 512 octets: both TC=1; every RRset we keep comes with its RRSIGs', () => {
    const capture = knotDnssec.nsec3_nxdomain_512!;
    const ours = parseResponse(handleMessage(fromHex(capture.query), 'udp', ctx)!);
    expect(ours.flags & 0x0200).toBe(0x0200);
    const covered = (type: number) => ours.authority.filter((rr) => rr.type === T.RRSIG && parseInt(rr.canon.slice(0, 4), 16) === type).length;
    for (const rr of ours.authority.filter((x) => x.type !== T.RRSIG)) expect([rr.type, covered(rr.type) > 0]).toEqual([rr.type, true]);
    expect(ours.authority.length).toBeGreaterThan(0);
  });
});
