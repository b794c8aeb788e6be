// Differential test with DO=1: zone families signed at test time (support/signer.ts: NSEC,
// NSEC3 with a salt, NSEC3 opt-out by dnssec-signzone; NSEC and NSEC3 opt-out by ldns-signzone)
// served by zonedns and by a real knotd, the same generated queries to both (support/knot-diff.ts),
// compared section by section: answer, authority (the NSEC/NSEC3 proofs) and additional, each as a
// set of RRs (so RRSIG order is free), plus rcode, flags and EDNS. 0 hard mismatches; every soft
// difference falls in a named leniency. Asked: the common types, the DNSSEC ones (RRSIG, NSEC,
// NSEC3, NSEC3PARAM, DNSKEY, CDS, CDNSKEY) and every type in the zones, over UDP with 1232 and
// with 512 octets (truncation: the types present at each name) and over TCP (those again, and
// 0x20 mixed-case names).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startKnot, type RunningKnot } from './support/knot.js';
import { buildCases, loadDiffZones, runDiff, SoftCounts, type DiffZone } from './support/knot-diff.js';
import { ALL_VARIANTS, signerPrograms, signFamily, signingRoot } from './support/signer.js';
import { FLAG, T } from './support/wire.js';

const TYPES = [T.A, T.AAAA, T.NS, T.SOA, T.MX, T.TXT, T.CNAME, T.SRV, T.DNAME, T.DS, T.ANY, 666,
  T.RRSIG, T.NSEC, T.DNSKEY, 50 /* NSEC3 */, 51 /* NSEC3PARAM */, 59 /* CDS */, 60 /* CDNSKEY */];
const MAX_CASES = 20000;

describeWithPeers('differential test against Knot, DO=1 on signed zones', ['knotd', ...signerPrograms(ALL_VARIANTS)], () => {
  const root = signingRoot();
  let zones: DiffZone[];
  let ours: TestServer;
  let knot: RunningKnot;
  const soft = new SoftCounts();

  beforeAll(async () => {
    const families = await Promise.all(ALL_VARIANTS.map((v) => signFamily(v, root.dir)));
    zones = loadDiffZones(families.flatMap((f) => f.zones.map((z) => z.file)));
    ours = await startTestServer(zones.map((z) => z.snap));
    knot = await startKnot({ zones: zones.map((z) => ({ origin: z.origin, file: z.file })), knotd: findProgram('knotd') });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([ours?.close(), knot?.stop()]);
    root.cleanup();
    process.stderr.write(soft.report('knot-diff-dnssec'));
  }, 15_000);

  test('generated DO=1 queries: zonedns answers as Knot does', async () => {
    const cases = buildCases(zones, { seed: 20261207, types: TYPES, variants: ['do'], caseVariants: ['do-tcp'], fullVariants: ['do512', 'do-tcp'] });
    expect(cases.length).toBeLessThanOrEqual(MAX_CASES);
    const results = await runDiff('knot-diff-dnssec', cases, { host: knot.host, port: knot.port }, { host: ours.host, port: ours.port }, zones.map((z) => z.origin), soft);
    // The query set reaches what it is for: signed answers, proofs, and truncation.
    const withSigs = results.filter((r) => r.ours.parsed?.answer.some((rr) => rr.type === T.RRSIG)).length;
    const withProofs = results.filter((r) => r.ours.parsed?.authority.some((rr) => rr.type === T.NSEC || rr.type === 50)).length;
    const truncated = results.filter((r) => (r.ours.parsed?.flags ?? 0) & FLAG.TC).length;
    process.stderr.write(`knot-diff-dnssec: answers with RRSIGs ${withSigs}, with NSEC/NSEC3 proofs ${withProofs}, truncated ${truncated}\n`);
    expect(Math.min(withSigs, withProofs, truncated)).toBeGreaterThan(0);
  }, 180_000);
});
