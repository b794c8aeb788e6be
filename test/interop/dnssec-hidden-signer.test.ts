// zonedns as a signing hidden primary: real BIND, NSD and Knot secondaries pull the zone zonedns
// signs by AXFR, then, after an edit and NOTIFY, by IXFR; what each one then holds (read back by
// AXFR from it) is exactly what zonedns serves, and passes dnssec-verify and ldns-verify-zone; a
// validating unbound anchored at the DS of zonedns's key, resolving through the secondary only,
// gets AD=1 (positive, NXDOMAIN, NODATA, wildcard, empty non-terminal, CNAME, DS at the cuts).

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RRType, typeFromString } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { dsText } from '../../src/dnssec/zone-signer.js';
import type { SignPolicy } from '../../src/dnssec/sign-zone.js';
import { describeWithPeers } from '../support/peers.js';
import { ZONE } from '../dnssec/support/signing.js';
import { DNSSEC_TOOLS, dnssecVerify, ldnsVerifyZone } from './support/dnssec-tools.js';
import { freePort } from './support/knot.js';
import { startUnbound } from './support/unbound.js';
import { FLAG, rcodeName, T } from './support/wire.js';
import { startBindSecondary, startKnotSecondary, startNsdSecondary, type Secondary, type SecondarySpec } from './support/xfr-peers.js';
import { axfrLines, soaSerial, startXfrPrimary, transfer, waitFor, zoneKeys, type XfrPrimary } from './support/xfr-server.js';

const ZONE_NAME = 'example.test';

function hiddenSignerScenario(name: string, start: (spec: SecondarySpec) => Secondary, policy: Partial<SignPolicy>, ixfrInLog: RegExp): void {
  let primary: XfrPrimary;
  let secondary: Secondary;
  let serial: number;
  const details = () => `--- ${name} log ---\n${secondary?.log().slice(-4000)}\n--- zonedns log ---\n${primary?.logs.slice(-40).join('\n')}`;

  beforeAll(async () => {
    const port = await freePort();
    primary = await startXfrPrimary({ origin: ZONE_NAME, text: ZONE, notify: [`127.0.0.1:${port}`], dnssec: policy });
    serial = primary.snapshot().serial;
    secondary = start({ zone: ZONE_NAME, primaryPort: primary.port, port });
  }, 30_000);

  afterAll(async () => {
    await secondary?.stop();
    await primary?.close();
  });

  async function secondaryAt(want: number): Promise<void> {
    await waitFor(`${name} to serve serial ${want}`, async () => ((await soaSerial(secondary.host, secondary.port, ZONE_NAME)) === want ? true : undefined), 20_000, details);
  }

  /** What the secondary holds is ours, and both tools accept it. */
  async function holdsOurSignedZone(file: string): Promise<void> {
    const ours = await transfer(primary.host, primary.port, ZONE_NAME);
    const theirs = await transfer(secondary.host, secondary.port, ZONE_NAME);
    expect(theirs.rcode).toBe(0);
    expect(zoneKeys(theirs.rrs)).toEqual(zoneKeys(ours.rrs));
    expect(theirs.rrs.some((r) => r.type === T.RRSIG)).toBe(true);
    writeFileSync(join(primary.dir, file), axfrLines(theirs.rrs).join('\n') + '\n');
    const [bind, ldns] = await Promise.all([dnssecVerify(primary.dir, ZONE_NAME, file), ldnsVerifyZone(primary.dir, file)]);
    expect({ bind: bind.status, ldns: ldns.status, output: bind.stdout + bind.stderr + ldns.stdout + ldns.stderr }).toMatchObject({ bind: 0, ldns: 0 });
  }

  test(`${name} pulls the signed zone by AXFR; what it serves passes dnssec-verify and ldns-verify-zone`, async () => {
    await secondaryAt(serial);
    await holdsOurSignedZone(`${name}-1.zone`);
  }, 30_000);

  test(`after an edit, ${name} pulls the re-signed zone by IXFR (just what changed), and it still verifies`, async () => {
    const before = primary.logs.length;
    primary.update(ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4') + 'new A 192.0.2.99\n');
    await secondaryAt(serial + 1);
    const after = primary.logs.slice(before);
    const ixfr = after.find((l) => l.startsWith('info IXFR finished') && l.includes(`"from":${serial}`) && l.includes('"answer":"incremental"'));
    expect({ ixfr, details: ixfr === undefined ? details() : '' }).toMatchObject({ ixfr: expect.any(String) });
    // The name, its RRSIG, the NSEC / NSEC3 before it, the changed address, the SOA's: a handful of records.
    expect(Number(/"records":(\d+)/.exec(ixfr!)![1])).toBeLessThan(25);
    expect(after.find((l) => /^info AXFR (started|finished)/.test(l))).toBeUndefined();
    expect(secondary.log()).toMatch(ixfrInLog);
    await holdsOurSignedZone(`${name}-2.zone`);
  }, 30_000);

  test(`unbound, anchored at the DS of zonedns's key, validates what ${name} answers (AD=1)`, async () => {
    const ours = await transfer(primary.host, primary.port, ZONE_NAME);
    const dnskey = ours.rrs.find((r) => r.type === RRType.DNSKEY)!;
    const anchors = dsText(nameFromText(`${ZONE_NAME}.`), Buffer.from(dnskey.canon, 'hex').toString('latin1')) + '\n';
    const unbound = await startUnbound({ stubs: [{ name: ZONE_NAME, host: secondary.host, port: secondary.port }], anchors });
    try {
      const wrong: string[] = [];
      for (const [rel, type, want] of VALIDATED) {
        const r = await unbound.query(`${rel}.${ZONE_NAME}`, typeFromString(type)!);
        const got = `${rcodeName(r.rcode)}${r.flags & FLAG.AD ? ' AD' : ''}`;
        if (got !== want) wrong.push(`${rel} ${type}: got ${got}, want ${want}`);
      }
      expect(wrong.length === 0 ? '' : `${wrong.join('\n')}\n${unbound.process.log().slice(-3000)}`).toBe('');
    } finally {
      await unbound.stop();
    }
  }, 30_000);
}

/** Asked of unbound through the secondary (names relative to the zone, after the edit). */
const VALIDATED: ReadonlyArray<[string, string, string]> = [
  ['www', 'A', 'NOERROR AD'], ['new', 'A', 'NOERROR AD'], ['nx', 'A', 'NXDOMAIN AD'], ['www', 'MX', 'NOERROR AD'],
  ['x.wild', 'TXT', 'NOERROR AD'], ['c', 'A', 'NOERROR AD'], ['alias', 'A', 'NOERROR AD'], ['signed', 'DS', 'NOERROR AD'],
  ['unsigned', 'DS', 'NOERROR AD'],
];

describeWithPeers('zonedns signing hidden primary -> BIND secondary', ['named', ...DNSSEC_TOOLS], () => {
  describe('NSEC, ECDSA P-256', () => hiddenSignerScenario('named', startBindSecondary, { nsec: 'nsec' }, /got incremental response/));
});

describeWithPeers('zonedns signing hidden primary -> NSD secondary', ['nsd', ...DNSSEC_TOOLS], () => {
  describe('NSEC3, ECDSA P-256', () => hiddenSignerScenario('nsd', startNsdSecondary, { nsec: 'nsec3' }, /received update to serial \d+ at .* of [1-9]\d{0,3} bytes/));
});

describeWithPeers('zonedns signing hidden primary -> Knot secondary', ['knotd', ...DNSSEC_TOOLS], () => {
  describe('NSEC3, Ed25519', () => hiddenSignerScenario('knotd', startKnotSecondary, { nsec: 'nsec3', algorithm: 'ed25519' }, /IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/));
});
