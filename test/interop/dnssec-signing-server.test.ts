// The whole path of issue #11, as an operator runs it: `zonedns serve` with "dnssec" in its
// configuration signs its zones itself, for each of ECDSA / Ed25519 × NSEC / NSEC3, a parent zone
// and its signed child (`secure.`, whose DS the operator takes from `zonedns dnssec ds` into the
// parent's file, which zonedns picks up and re-signs), beside an unsigned child (`insecure.`,
// "dnssec": false). `zonedns dnssec ds` prints the parents' DS for the registrar, and with only
// those as trust anchors
//   - a validating unbound resolving through zonedns gets AD=1 for positive answers, NXDOMAIN,
//     NODATA, empty non-terminals, wildcards, CNAME chains, a DNAME, the signed child (through
//     the DS), DS at unsigned delegations, a hashed NSEC3 owner; the unsigned child is proven
//     insecure (NOERROR, AD=0), never SERVFAIL;
//   - delv, asking zonedns directly, says "fully validated" for one case of each kind;
//   - the parents as served (AXFR) pass dnssec-verify and ldns-verify-zone.
// After a SIGTERM restart the DS and the DNSKEY are the same, and a fresh unbound with the old
// anchors validates again (signatures from the state directory, not a new key).

import { afterAll, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { typeFromString } from '../../src/dns/constants.js';
import { nameToText } from '../../src/dns/name.js';
import { loadZoneText } from '../../src/zone/load.js';
import { NodeFlag } from '../../src/zone/snapshot.js';
import { describeWithPeers } from '../support/peers.js';
import { cleanupDaemons, rdataText, runZonedns, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { dnssecVerify, ldnsVerifyZone } from './support/dnssec-tools.js';
import { childZoneText, parentZoneText } from './support/signer.js';
import { startUnbound } from './support/unbound.js';
import { delv, delvAnchors } from './support/validators.js';
import { FLAG, rcodeName } from './support/wire.js';
import { axfrLines, transfer } from './support/xfr-server.js';

afterAll(cleanupDaemons);

const FAMILIES = [
  { apex: 'ec-nsec.test', dnssec: { algorithm: 'ecdsap256sha256', nsec: 'nsec' }, alg: 13 },
  { apex: 'ec-nsec3.test', dnssec: { algorithm: 'ecdsap256sha256', nsec: 'nsec3' }, alg: 13 },
  { apex: 'ed-nsec.test', dnssec: { algorithm: 'ed25519', nsec: 'nsec' }, alg: 15 },
  { apex: 'ed-nsec3.test', dnssec: { algorithm: 'ed25519', nsec: 'nsec3' }, alg: 15 },
] as const;

const CONFIG = JSON.stringify({
  stateDir: 'state',
  transfer: { allow: ['127.0.0.1'] },
  zones: FAMILIES.flatMap((f) => [
    { file: `${f.apex}.zone`, dnssec: f.dnssec },
    { file: `secure.${f.apex}.zone`, dnssec: f.dnssec },
    { file: `insecure.${f.apex}.zone`, dnssec: false },
  ]),
});

/** Every zone the daemon serves (unbound's stub zones). */
const ORIGINS = FAMILIES.flatMap((f) => [f.apex, `secure.${f.apex}`, `insecure.${f.apex}`]);

type Case = [name: string, type: string, want: 'NOERROR AD' | 'NXDOMAIN AD' | 'NOERROR'];

/** Names relative to the family's apex; `want`: rcode, AD when validated. */
const CASES: readonly Case[] = [
  ['', 'SOA', 'NOERROR AD'], ['', 'DNSKEY', 'NOERROR AD'], ['', 'CDS', 'NOERROR AD'], ['', 'MX', 'NOERROR AD'],
  ['www', 'A', 'NOERROR AD'], ['WwW', 'AAAA', 'NOERROR AD'], ['nx', 'A', 'NXDOMAIN AD'], ['a.b.c.nx', 'TXT', 'NXDOMAIN AD'],
  ['www', 'MX', 'NOERROR AD'], ['www', 'DS', 'NOERROR AD'], ['ent', 'A', 'NOERROR AD'], ['y.ent', 'TXT', 'NOERROR AD'],
  ['z.ent', 'A', 'NXDOMAIN AD'], ['_sip._tcp', 'SRV', 'NOERROR AD'], ['_tcp', 'SRV', 'NOERROR AD'],
  ['foo.wild', 'A', 'NOERROR AD'], ['a.b.wild', 'TXT', 'NOERROR AD'], ['foo.wild', 'AAAA', 'NOERROR AD'],
  ['wild', 'A', 'NOERROR AD'], ['wild', 'DS', 'NOERROR AD'], ['*.wild', 'A', 'NOERROR AD'],
  ['cname', 'A', 'NOERROR AD'], ['chain1', 'A', 'NOERROR AD'], ['wcname', 'A', 'NOERROR AD'], ['x.cnwild', 'A', 'NOERROR AD'],
  ['dangling', 'A', 'NXDOMAIN AD'], ['www.dn', 'A', 'NOERROR AD'], ['nothing.dn', 'A', 'NXDOMAIN AD'], ['big', 'TXT', 'NOERROR AD'],
  ['secure', 'DS', 'NOERROR AD'], ['www.secure', 'A', 'NOERROR AD'], ['nx.secure', 'A', 'NXDOMAIN AD'], ['q.any.secure', 'TXT', 'NOERROR AD'],
  ['insecure', 'DS', 'NOERROR AD'], ['www.insecure', 'A', 'NOERROR'], ['deep', 'A', 'NOERROR AD'], ['b.deep', 'DS', 'NOERROR AD'],
  ['a.b.deep', 'DS', 'NOERROR AD'], ['www', 'NSEC', 'NOERROR AD'], ['', 'NSEC3PARAM', 'NOERROR AD'],
];

/** delv asks zonedns directly: one case of each kind of proof. */
const DELV_CASES = ['www A', 'nx A', 'www MX', 'ent A', 'wild A', 'foo.wild A', 'foo.wild AAAA', 'chain1 A', 'www.dn A', 'dangling A', 'secure DS', 'www.secure A', 'insecure DS', 'b.deep DS']
  .map((c) => CASES.find((x) => `${x[0]} ${x[1]}` === c)!);

const fqdn = (rel: string, apex: string) => (rel === '' ? apex : `${rel}.${apex}`);

/** The zone as the daemon serves it, by AXFR, as zone-file text. */
async function servedText(d: Daemon, apex: string): Promise<string> {
  const axfr = await transfer(d.host, d.port, apex);
  expect(axfr.rcode).toBe(0);
  return axfrLines(axfr.rrs).join('\n') + '\n';
}

/** `zonedns dnssec ds ZONE --config …` (what the operator gives the registrar). */
async function dsOf(d: Daemon, zone: string): Promise<string> {
  const run = await runZonedns(['dnssec', 'ds', zone, '--config', join(d.dir, 'zonedns.json')]);
  expect({ zone, code: run.code, stderr: run.stderr }).toEqual({ zone, code: 0, stderr: '' });
  return run.stdout;
}

async function parentDs(d: Daemon): Promise<string> {
  return (await Promise.all(FAMILIES.map((f) => dsOf(d, f.apex)))).join('');
}

/** Every case of every family through a fresh validating unbound anchored at `anchors`; what went wrong. */
async function notValidated(d: Daemon, anchors: string, cases: (apex: string) => readonly Case[]): Promise<string[]> {
  const unbound = await startUnbound({ stubs: ORIGINS.map((name) => ({ name, host: d.host, port: d.port })), anchors });
  try {
    const wrong: string[] = [];
    for (const f of FAMILIES) {
      for (const [rel, type, want] of cases(f.apex)) {
        const r = await unbound.query(fqdn(rel, f.apex), typeFromString(type)!);
        const got = `${rcodeName(r.rcode)}${r.flags & FLAG.AD ? ' AD' : ''}`;
        if (got !== want) wrong.push(`${fqdn(rel, f.apex)} ${type}: got ${got}, want ${want}`);
      }
    }
    if (wrong.length > 0) wrong.push(unbound.process.log().split('\n').filter((l) => /info|error|warn/.test(l)).slice(-30).join('\n'));
    return wrong;
  } finally {
    await unbound.stop();
  }
}

describeWithPeers('zonedns serve signing zones, validated by unbound and delv', ['unbound', 'delv', 'dnssec-verify', 'ldns-verify-zone'], () => {
  test('DO=1 answers validate with the DS zonedns prints, for both algorithms and NSEC / NSEC3; the served zones pass dnssec-verify and ldns-verify-zone; a restart keeps the keys', async () => {
    const files: Record<string, string> = { 'zonedns.json': CONFIG };
    for (const f of FAMILIES) {
      files[`${f.apex}.zone`] = parentZoneText(f.apex, '');
      files[`secure.${f.apex}.zone`] = childZoneText(`secure.${f.apex}`);
      files[`insecure.${f.apex}.zone`] = childZoneText(`insecure.${f.apex}`);
    }
    const d1 = await startDaemon({ bundled: false, zonesDir: false, files, args: ['--config', 'zonedns.json'] });

    // The operator puts each signed child's DS into its parent's file; zonedns re-signs the parent.
    for (const f of FAMILIES) {
      const childDs = await dsOf(d1, `secure.${f.apex}`);
      d1.write(`${f.apex}.zone`, parentZoneText(f.apex, childDs).replace(' 1 7200 ', ' 2 7200 '));
      await d1.waitFor(`secure.${f.apex}`, 'DS', (a) => a.answers.some((rr) => rr.type === 'DS'), 10_000);
    }
    const anchors = await parentDs(d1);
    expect(anchors.split('\n').filter(Boolean).map((l) => l.replace(/ \d+ (\d+) 2 [0-9A-F]{64}$/, ' $1'))).toEqual(FAMILIES.map((f) => `${f.apex}. IN DS ${f.alg}`));

    // A hashed NSEC3 owner is not a name of the zone: NXDOMAIN, proven.
    const texts = new Map<string, string>();
    for (const f of FAMILIES) texts.set(f.apex, await servedText(d1, f.apex));
    const hashedOwner = (apex: string): Case[] => {
      const hashed = [...loadZoneText(texts.get(apex)!, { file: 'axfr' }).snapshot!.nodes.values()].find((n) => n.flags & NodeFlag.NSEC3_ONLY);
      return hashed === undefined ? [] : [[nameToText(hashed.name).split('.')[0]!, 'A', 'NXDOMAIN AD']];
    };
    expect(FAMILIES.filter((f) => hashedOwner(f.apex).length > 0).map((f) => f.apex)).toEqual(['ec-nsec3.test', 'ed-nsec3.test']);
    expect(await notValidated(d1, anchors, (apex) => [...CASES, ...hashedOwner(apex)])).toEqual([]);

    const anchorFile = join(d1.dir, 'delv.anchors');
    writeFileSync(anchorFile, delvAnchors(anchors));
    const delvWrong: string[] = [];
    for (const f of FAMILIES) {
      const results = await Promise.all(DELV_CASES.map(([rel, type, want]) => delv({ host: d1.host, port: d1.port }, anchorFile, f.apex, fqdn(rel, f.apex), type)
        .then((r) => ((r.validated && (r.negative === 'nxdomain') === want.startsWith('NXDOMAIN')) ? undefined : r.output))));
      delvWrong.push(...results.filter((o): o is string => o !== undefined));
    }
    expect(delvWrong).toEqual([]);

    for (const f of FAMILIES) {
      const file = join(d1.dir, `${f.apex}.axfr`);
      writeFileSync(file, texts.get(f.apex)!);
      const [bind, ldns] = await Promise.all([dnssecVerify(d1.dir, f.apex, file), ldnsVerifyZone(d1.dir, file)]);
      expect({ zone: f.apex, bind: bind.status, ldns: ldns.status }).toEqual({ zone: f.apex, bind: 0, ldns: 0 });
    }

    const dnskeys = async (d: Daemon) => Promise.all(ORIGINS.map(async (o) => (await d.query(o, 'DNSKEY')).answers.map(rdataText).sort()));
    const keys1 = await dnskeys(d1);
    expect(await d1.stop('SIGTERM')).toMatchObject({ code: 0 });
    const d2 = await startDaemon({ dir: d1.dir, bundled: false, zonesDir: false, args: ['--config', 'zonedns.json'] });
    expect(await parentDs(d2)).toBe(anchors);
    expect(await dnskeys(d2)).toEqual(keys1);
    expect(d2.logLines(/DNSSEC key created/)).toEqual([]);
    const again: Case[] = [['www', 'A', 'NOERROR AD'], ['nx', 'A', 'NXDOMAIN AD'], ['foo.wild', 'A', 'NOERROR AD'], ['ent', 'A', 'NOERROR AD'], ['www.secure', 'A', 'NOERROR AD']];
    expect(await notValidated(d2, anchors, (apex) => [...again, ...hashedOwner(apex)])).toEqual([]);
    expect(await d2.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 120_000);
});
