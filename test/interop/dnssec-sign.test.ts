// Zones zonedns signs, judged by the real tools: a running zonedns (a signing primary, in-process
// on a loopback port) serves the zone by AXFR, and `dnssec-verify` and `ldns-verify-zone` must
// accept it, for NSEC and NSEC3 and both algorithms. After a one-record edit the IXFR carries only
// the changed name, its NSEC / NSEC3 neighbours and the SOA's signature, and the zone taken by
// AXFR again still passes both tools. Keys go both ways with BIND: dnssec-signzone signs with a
// key zonedns made, zonedns signs with a key dnssec-keygen made, and the DS records agree with
// dnssec-dsfromkey's.

import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText } from '../../src/dns/name.js';
import { base32HexEncode } from '../../src/dns/rdata/encoding.js';
import { nsec3Hash } from '../../src/dnssec/nsec3-hash.js';
import { generateKey, keyPathsFor, readKey, writeKeyFiles } from '../../src/dnssec/keys.js';
import { dsText } from '../../src/dnssec/zone-signer.js';
import { describeWithPeers } from '../support/peers.js';
import { findings, sign, tempDir, ZONE } from '../dnssec/support/signing.js';
import { printZone } from '../../src/zone/print.js';
import { bindKey, DNSSEC_TOOLS, dnssecVerify, ldnsVerifyZone, mustRun, runTool } from './support/dnssec-tools.js';
import { nameText, typeName, type ParsedRR } from './support/wire.js';
import { axfrLines, soaSerial, startXfrPrimary, transfer, waitFor } from './support/xfr-server.js';

const MODES = [
  { algorithm: 'ecdsap256sha256', nsec: 'nsec' },
  { algorithm: 'ecdsap256sha256', nsec: 'nsec3' },
  { algorithm: 'ed25519', nsec: 'nsec' },
  { algorithm: 'ed25519', nsec: 'nsec3' },
] as const;

/** Both tools on a zone file; their verdicts and output. */
async function judge(dir: string, file: string): Promise<{ bind: number | null; ldns: number | null; output: string }> {
  const [bind, ldns] = await Promise.all([dnssecVerify(dir, 'example.test', file), ldnsVerifyZone(dir, file)]);
  return { bind: bind.status, ldns: ldns.status, output: `${file}:\n${bind.stdout}${bind.stderr}${ldns.stdout}${ldns.stderr}` };
}

/** Owner names (lower case) of the records an IXFR adds or deletes, the SOAs left out. */
function ixfrOwners(rrs: readonly ParsedRR[]): string[] {
  return [...new Set(rrs.filter((r) => r.type !== RRType.SOA).map((r) => nameText(r.owner).toLowerCase()))].sort();
}

/** The NSEC3 owner of a name's hash (no salt, no extra iterations). */
function nsec3Owner(name: string): string {
  return `${base32HexEncode(nsec3Hash(nameFromText(name), '', 0).toString('latin1')).toLowerCase()}.example.test.`;
}

describeWithPeers('zones zonedns signs pass dnssec-verify and ldns-verify-zone', DNSSEC_TOOLS, () => {
  describe.each(MODES)('$algorithm with $nsec', (mode) => {
    test('taken by AXFR, then after a one-record edit (IXFR: that name, its chain neighbours, the SOA) and an added name', async () => {
      const primary = await startXfrPrimary({ origin: 'example.test', text: ZONE, dnssec: mode });
      try {
        const dir = primary.dir;
        const axfr1 = await transfer(primary.host, primary.port, 'example.test');
        expect(axfr1.rcode).toBe(0);
        writeFileSync(join(dir, 'axfr1.zone'), axfrLines(axfr1.rrs).join('\n') + '\n');
        expect(await judge(dir, 'axfr1.zone')).toMatchObject({ bind: 0, ldns: 0 });
        const serial1 = primary.snapshot().serial;

        // One address changed: nothing else moves (no name came or went).
        primary.update(ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4'));
        await waitFor('the edit to be signed and served', async () => ((await soaSerial(primary.host, primary.port, 'example.test')) === serial1 + 1 ? true : undefined));
        const ixfr1 = await transfer(primary.host, primary.port, 'example.test', { type: 'IXFR', serial: serial1 });
        expect(ixfrOwners(ixfr1.rrs)).toEqual(['example.test.', 'www.example.test.']);
        expect(ixfr1.rrs.filter((r) => nameText(r.owner).toLowerCase() === 'example.test.' && r.type !== RRType.SOA).map((r) => typeName(r.type))).toEqual(['RRSIG', 'RRSIG']);

        // A name added: it, and the chain record before it.
        primary.update(ZONE.replace('www A 192.0.2.3', 'www A 192.0.2.4') + 'new A 192.0.2.99\n');
        await waitFor('the added name to be signed and served', async () => ((await soaSerial(primary.host, primary.port, 'example.test')) === serial1 + 2 ? true : undefined));
        const ixfr2 = await transfer(primary.host, primary.port, 'example.test', { type: 'IXFR', serial: serial1 + 1 });
        const owners = ixfrOwners(ixfr2.rrs);
        if (mode.nsec === 'nsec') {
          expect(owners).toEqual(['example.test.', 'mail.example.test.', 'new.example.test.']);
        } else {
          expect(owners).toContain(nsec3Owner('new.example.test.'));
          expect(owners.filter((o) => !['example.test.', 'new.example.test.', nsec3Owner('new.example.test.')].includes(o))).toHaveLength(1);
        }
        const axfr2 = await transfer(primary.host, primary.port, 'example.test');
        writeFileSync(join(dir, 'axfr2.zone'), axfrLines(axfr2.rrs).join('\n') + '\n');
        expect(await judge(dir, 'axfr2.zone')).toMatchObject({ bind: 0, ldns: 0 });
      } finally {
        await primary.close();
      }
    });
  });
});

describeWithPeers('DNSSEC keys go both ways between zonedns and BIND', [...DNSSEC_TOOLS, 'dnssec-dsfromkey'], () => {
  test.concurrent.each(['ecdsap256sha256', 'ed25519'] as const)('dnssec-signzone signs with a %s key zonedns made; the DS records agree', async (algorithm) => {
    const dir = tempDir();
    const key = generateKey(nameFromText('example.test.'), algorithm, dir);
    writeKeyFiles(key, new Date());
    writeFileSync(join(dir, 'example.test.zone'), ZONE);
    await mustRun('dnssec-signzone', ['-q', '-S', '-z', '-K', dir, '-o', 'example.test', '-f', 'bind.signed', 'example.test.zone'], dir);
    expect(await judge(dir, 'bind.signed')).toMatchObject({ bind: 0, ldns: 0 });
    const ds = (await mustRun('dnssec-dsfromkey', ['-2', `${key.path}.key`], dir)).trim();
    expect(ds).toBe(dsText(key.origin, key.dnskey));
  });

  test.concurrent.each(['ECDSAP256SHA256', 'ED25519'] as const)('zonedns signs with a %s key dnssec-keygen made', async (algorithm) => {
    const dir = tempDir();
    const base = await bindKey(dir, 'example.test', algorithm);
    const origin = nameFromText('example.test.');
    expect(keyPathsFor(dir, origin)).toEqual([join(dir, base)]);
    const key = readKey(origin, join(dir, base));
    expect(String(key.tag).padStart(5, '0')).toBe(base.slice(-5));
    const { snapshot } = await sign(ZONE, { policy: { algorithm: algorithm === 'ED25519' ? 'ed25519' : 'ecdsap256sha256' }, key, now: Date.now() / 1000 });
    expect(findings(snapshot, Date.now() / 1000)).toEqual([]);
    writeFileSync(join(dir, 'ours.signed'), printZone(snapshot));
    expect(await judge(dir, 'ours.signed')).toMatchObject({ bind: 0, ldns: 0 });
    const ds = (await runTool('dnssec-dsfromkey', ['-2', `${base}.key`], dir)).stdout.trim();
    expect(ds).toBe(dsText(origin, key.dnskey));
  });
});
