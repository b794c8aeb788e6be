// The whole path of issue #11, as an operator runs it: `zonedns serve` with "dnssec" in its
// configuration signs two zones itself (ECDSA with NSEC; Ed25519 with NSEC3), `zonedns dnssec ds`
// prints the DS for the registrar, and a validating unbound with only those DS as trust anchors
// resolves through zonedns with AD=1: positive answers, NXDOMAIN, NODATA, empty non-terminals,
// wildcards, CNAME chains, a DNAME, DS at insecure delegations, a hashed NSEC3 owner asked for.
// The zones as served (AXFR) pass dnssec-verify and ldns-verify-zone. After a SIGTERM restart the
// DS and the DNSKEY are the same, and a fresh unbound with the old anchors validates again.

import { afterAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { typeFromString } from '../../src/dns/constants.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { loadZoneText } from '../../src/zone/load.js';
import { NodeFlag } from '../../src/zone/snapshot.js';
import { nameToText } from '../../src/dns/name.js';
import { describeWithPeers } from '../support/peers.js';
import { cleanupDaemons, runZonedns, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { dnssecVerify, ldnsVerifyZone } from './support/dnssec-tools.js';
import { parentZoneText } from './support/signer.js';
import { startUnbound } from './support/unbound.js';
import { FLAG, nameText, rcodeName, typeName } from './support/wire.js';
import { transfer } from './support/xfr-server.js';

afterAll(cleanupDaemons);

const ZONES = [
  { apex: 'signed-nsec.test', dnssec: { algorithm: 'ecdsap256sha256', nsec: 'nsec' } },
  { apex: 'signed-nsec3.test', dnssec: { algorithm: 'ed25519', nsec: 'nsec3' } },
] as const;

const CONFIG = JSON.stringify({
  stateDir: 'state',
  transfer: { allow: ['127.0.0.1'] },
  zones: ZONES.map((z) => ({ file: `${z.apex}.zone`, dnssec: z.dnssec })),
});

/** [relative name, type, rcode]: each must come back validated (AD=1). */
const CASES: ReadonlyArray<[string, string, 'NOERROR' | 'NXDOMAIN']> = [
  ['', 'SOA', 'NOERROR'], ['', 'DNSKEY', 'NOERROR'], ['', 'MX', 'NOERROR'], ['www', 'A', 'NOERROR'],
  ['WwW', 'AAAA', 'NOERROR'], ['nx', 'A', 'NXDOMAIN'], ['a.b.c.nx', 'TXT', 'NXDOMAIN'], ['www', 'MX', 'NOERROR'],
  ['www', 'DS', 'NOERROR'], ['ent', 'A', 'NOERROR'], ['z.ent', 'A', 'NXDOMAIN'], ['_sip._tcp', 'SRV', 'NOERROR'],
  ['foo.wild', 'A', 'NOERROR'], ['a.b.wild', 'TXT', 'NOERROR'], ['foo.wild', 'AAAA', 'NOERROR'], ['wild', 'A', 'NOERROR'],
  ['cname', 'A', 'NOERROR'], ['chain1', 'A', 'NOERROR'], ['x.cnwild', 'A', 'NOERROR'], ['dangling', 'A', 'NXDOMAIN'],
  ['www.dn', 'A', 'NOERROR'], ['big', 'TXT', 'NOERROR'], ['insecure', 'DS', 'NOERROR'], ['b.deep', 'DS', 'NOERROR'],
  ['a.b.deep', 'DS', 'NOERROR'], ['', 'NSEC3PARAM', 'NOERROR'],
];

const fqdn = (rel: string, apex: string) => (rel === '' ? apex : `${rel}.${apex}`);

/** The zone as the daemon serves it, by AXFR, as zone-file text. */
async function servedText(d: Daemon, apex: string): Promise<string> {
  const axfr = await transfer(d.host, d.port, apex);
  expect(axfr.rcode).toBe(0);
  return axfr.rrs.slice(0, -1).map((r) => `${nameText(r.owner)} ${r.ttl} IN ${typeName(r.type)} ${rdataToText(r.type, Buffer.from(r.canon, 'hex').toString('latin1'))}`).join('\n') + '\n';
}

async function dsOf(d: Daemon): Promise<string> {
  let out = '';
  for (const z of ZONES) {
    const run = await runZonedns(['dnssec', 'ds', z.apex, '--config', join(d.dir, 'zonedns.json')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    out += run.stdout;
  }
  return out;
}

/** Every case through a fresh validating unbound anchored at `anchors`; what did not validate. */
async function notValidated(d: Daemon, anchors: string, cases: ReadonlyArray<[string, string, string]>): Promise<string[]> {
  const unbound = await startUnbound({ stubs: ZONES.map((z) => ({ name: z.apex, host: d.host, port: d.port })), anchors });
  try {
    const wrong: string[] = [];
    for (const z of ZONES) {
      for (const [rel, type, rcode] of cases) {
        const r = await unbound.query(fqdn(rel, z.apex), typeFromString(type)!);
        const got = `${rcodeName(r.rcode)}${r.flags & FLAG.AD ? ' AD' : ''}`;
        if (got !== `${rcode} AD`) wrong.push(`${fqdn(rel, z.apex)} ${type}: got ${got}, want ${rcode} AD`);
      }
    }
    if (wrong.length > 0) wrong.push(unbound.process.log().split('\n').filter((l) => /info|error|warn/.test(l)).slice(-30).join('\n'));
    return wrong;
  } finally {
    await unbound.stop();
  }
}

describeWithPeers('zonedns serve signing zones, validated by unbound', ['unbound', 'dnssec-verify', 'ldns-verify-zone'], () => {
  test('DO=1 answers validate with the DS zonedns prints; the served zones pass dnssec-verify and ldns-verify-zone; a restart keeps the key', async () => {
    const files: Record<string, string> = { 'zonedns.json': CONFIG };
    for (const z of ZONES) files[`${z.apex}.zone`] = parentZoneText(z.apex, '');
    const d1 = await startDaemon({ bundled: false, zonesDir: false, files, args: ['--config', 'zonedns.json'] });
    const ds = await dsOf(d1);
    expect(ds).toMatch(/^signed-nsec\.test\. IN DS \d+ 13 2 [0-9A-F]{64}\nsigned-nsec3\.test\. IN DS \d+ 15 2 [0-9A-F]{64}\n$/);

    // A hashed NSEC3 owner is not a name of the zone: NXDOMAIN, proven.
    const nsec3Text = await servedText(d1, 'signed-nsec3.test');
    const zone = loadZoneText(nsec3Text, { file: 'axfr' }).snapshot!;
    const hashed = [...zone.nodes.values()].find((n) => n.flags & NodeFlag.NSEC3_ONLY);
    expect(hashed).toBeDefined();
    const hashedCase: [string, string, string] = [nameToText(hashed!.name).split('.')[0]!, 'A', 'NXDOMAIN'];
    expect(await notValidated(d1, ds, [...CASES, hashedCase])).toEqual([]);

    for (const z of ZONES) {
      const file = join(d1.dir, `${z.apex}.axfr`);
      writeFileSync(file, z.apex === 'signed-nsec3.test' ? nsec3Text : await servedText(d1, z.apex));
      const [bind, ldns] = await Promise.all([dnssecVerify(d1.dir, z.apex, file), ldnsVerifyZone(d1.dir, file)]);
      expect({ zone: z.apex, bind: bind.status, ldns: ldns.status }).toEqual({ zone: z.apex, bind: 0, ldns: 0 });
    }

    const keys1 = await Promise.all(ZONES.map((z) => d1.query(z.apex, 'DNSKEY')));
    expect(await d1.stop('SIGTERM')).toMatchObject({ code: 0 });
    const d2 = await startDaemon({ dir: d1.dir, bundled: false, zonesDir: false, args: ['--config', 'zonedns.json'] });
    expect(await dsOf(d2)).toBe(ds);
    const keys2 = await Promise.all(ZONES.map((z) => d2.query(z.apex, 'DNSKEY')));
    expect(keys2.map((a) => a.answers)).toEqual(keys1.map((a) => a.answers));
    expect(await notValidated(d2, ds, [['www', 'A', 'NOERROR'], ['nx', 'A', 'NXDOMAIN'], ['foo.wild', 'A', 'NOERROR'], ['ent', 'A', 'NOERROR'], hashedCase])).toEqual([]);
    expect(await d2.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 90_000);
});
