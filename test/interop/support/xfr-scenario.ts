// The scenario every secondary goes through (xfr-knot, xfr-bind, xfr-nsd):
//   1. zonedns primary up with transfers allowed to 127.0.0.1 and NOTIFY to the secondary's port;
//   2. the secondary starts, pulls the zone (AXFR), and serves exactly our records (read back by
//      AXFR from the secondary and compared RR by RR);
//   3. the zone file is edited and reloaded: zonedns records the difference, sends NOTIFY, the
//      secondary pulls the new serial by IXFR (our log shows an incremental IXFR served, the
//      secondary's log shows it received one), and again serves exactly our records;
//   4. a second edit (TTL change, deletions) goes the same way, from the journal's next entry.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { freePort } from './knot.js';
import type { Secondary, SecondarySpec } from './xfr-peers.js';
import { soaSerial, startXfrPrimary, transfer, waitFor, zoneKeys, type XfrPrimary } from './xfr-server.js';
import { T } from './wire.js';

export const XFR_ZONE = 'xfr.test';

/** Version `serial` of the test zone: ~230 records of many types, a delegation with glue and DS. */
export function xfrZoneText(serial: number): string {
  const v = serial;
  const lines = [
    '$ORIGIN xfr.test.',
    '$TTL 3600',
    `@ SOA ns1 hostmaster ${serial} 3600 600 604800 300`,
    '@ NS ns1',
    '@ NS ns2',
    '@ MX 10 mail',
    '@ TXT "v=spf1 -all"',
    '@ CAA 0 issue "letsencrypt.org"',
    'ns1 A 192.0.2.1',
    `ns2 ${v >= 2 ? 7200 : 3600} A 192.0.2.2`, // v2: a TTL change
    'ns2 AAAA 2001:db8::2',
    'mail A 192.0.2.25',
    'www CNAME web',
    'web A 192.0.2.80',
    v >= 2 ? 'web A 192.0.2.82' : 'web A 192.0.2.81',
    '_sip._tcp SRV 10 60 5060 sip',
    'sip A 192.0.2.90',
    '* TXT "wildcard"',
    `long TXT "a" "b" "${'c'.repeat(200)}"`,
    'sub NS ns.sub',
    'sub DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE3D8FDC4A2A4D0CB5A1A2B3C4',
    'ns.sub A 192.0.2.53',
  ];
  if (v >= 2) lines.push('added-in-2 A 192.0.2.102', 'added-in-2 TXT "new in version 2"');
  if (v >= 3) lines.push('added-in-3 AAAA 2001:db8::3');
  for (let i = 0; i < 200; i++) {
    if (v >= 2 && i === 5) continue; // v2 deletes h5
    if (v >= 3 && i >= 100 && i < 110) continue; // v3 deletes ten more
    lines.push(i % 2 === 0 ? `h${i} A 10.0.${i >> 8}.${i & 255}` : `h${i} AAAA 2001:db8::${(0x1000 + i).toString(16)}`);
  }
  return lines.join('\n') + '\n';
}

export interface ScenarioOptions {
  /** Peer name in titles. */
  name: string;
  start(spec: SecondarySpec): Secondary;
  /** What the secondary's log says when it received an IXFR (not an AXFR). */
  ixfrInLog: RegExp;
}

export function secondaryScenario(opts: ScenarioOptions): void {
  let primary: XfrPrimary;
  let secondary: Secondary;
  const details = () => `--- ${opts.name} log ---\n${secondary?.log().slice(-4000)}\n--- zonedns log ---\n${primary?.logs.slice(-40).join('\n')}`;

  beforeAll(async () => {
    const port = await freePort();
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1), notify: [`127.0.0.1:${port}`] });
    secondary = opts.start({ zone: XFR_ZONE, primaryPort: primary.port, port });
  }, 30_000);

  afterAll(async () => {
    await secondary?.stop();
    await primary?.close();
  });

  async function secondaryAt(serial: number): Promise<void> {
    await waitFor(`${opts.name} to serve serial ${serial}`, async () => ((await soaSerial(secondary.host, secondary.port, XFR_ZONE)) === serial ? true : undefined), 20_000, details);
  }

  async function sameRecords(): Promise<void> {
    // Read back what the secondary holds and compare record by record with our snapshot.
    const ours = await transfer(primary.host, primary.port, XFR_ZONE);
    const theirs = await transfer(secondary.host, secondary.port, XFR_ZONE);
    expect(ours.rcode).toBe(0);
    expect(theirs.rcode).toBe(0);
    expect(theirs.rrs[0]!.type).toBe(T.SOA);
    expect(theirs.rrs[theirs.rrs.length - 1]!.type).toBe(T.SOA);
    expect(zoneKeys(theirs.rrs)).toEqual(zoneKeys(ours.rrs));
    expect(ours.rrs.length).toBe(primary.snapshot().recordCount + 1);
  }

  test(`${opts.name} pulls the zone by AXFR and serves exactly our records`, async () => {
    await secondaryAt(1);
    await sameRecords();
    expect(primary.logs.some((l) => /^info (AXFR|IXFR) finished/.test(l))).toBe(true);
  }, 30_000);

  test(`after an edit and NOTIFY, ${opts.name} pulls serial 2 by IXFR`, async () => {
    const before = primary.logs.length;
    primary.update(xfrZoneText(2));
    expect(primary.snapshot().serial).toBe(2);
    await secondaryAt(2);
    const after = primary.logs.slice(before);
    expect(after.find((l) => l.startsWith('info NOTIFY acknowledged') && l.includes('"serial":2'))).toBeDefined();
    expect(after.find((l) => l.startsWith('info IXFR finished') && l.includes('"from":1') && l.includes('"answer":"incremental"'))).toBeDefined();
    expect(after.find((l) => /^info AXFR (started|finished)/.test(l))).toBeUndefined();
    expect(secondary.log()).toMatch(opts.ixfrInLog);
    await sameRecords();
  }, 30_000);

  test(`a second edit (deletions) reaches ${opts.name} by IXFR from serial 2`, async () => {
    const before = primary.logs.length;
    primary.update(xfrZoneText(3));
    await secondaryAt(3);
    const after = primary.logs.slice(before);
    expect(after.find((l) => l.startsWith('info IXFR finished') && l.includes('"from":2') && l.includes('"answer":"incremental"'))).toBeDefined();
    expect(after.find((l) => /^info AXFR (started|finished)/.test(l))).toBeUndefined();
    await sameRecords();
  }, 30_000);
}
