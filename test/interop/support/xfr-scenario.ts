// The scenario every secondary goes through (xfr-knot, xfr-bind, xfr-nsd):
//   1. zonedns primary up with transfers allowed to 127.0.0.1 and NOTIFY to the secondary's port;
//   2. the secondary starts, pulls the zone (AXFR), and serves exactly our records (read back by
//      AXFR from the secondary and compared RR by RR);
//   3. the zone file is edited and reloaded: zonedns records the difference, sends NOTIFY, the
//      secondary pulls the new serial by IXFR (our log shows an incremental IXFR served, the
//      secondary's log shows it received one), and again serves exactly our records;
//   4. a second edit (TTL change, deletions) goes the same way, from the journal's next entry.
// With `key` (TSIG, hmac-sha256), our ACL requires the key for transfers, our NOTIFYs are signed
// with it and acknowledged only by a reply whose TSIG verifies, and the secondary is configured to
// use the key for everything it asks us and to require it on NOTIFY (xfr-peers.ts).
// wrongKeyScenario: the secondary has the key's name with another secret; nothing gets through.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { parseTsigKey, type TsigKey } from '../../../src/tsig/keys.js';
import { freePort } from './knot.js';
import type { PeerKey, Secondary, SecondarySpec } from './xfr-peers.js';
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
  /** TSIG between zonedns and the secondary (see the header). */
  key?: PeerKey;
  /** With `key`: what the secondary's log says when it accepted our signed NOTIFY for serial 2. */
  notifyInLog?: RegExp;
}

/** The test key: hmac-sha256, as the peers are configured with it. */
export const XFR_KEY: PeerKey = { name: 'xfr-key', secret: Buffer.alloc(32, 0x5c).toString('base64') };
/** Same name, another secret: every MAC is wrong (BADSIG). */
export const XFR_WRONG_KEY: PeerKey = { name: 'xfr-key', secret: Buffer.alloc(32, 0x3a).toString('base64') };

export function tsigKeyOf(k: PeerKey): TsigKey {
  return parseTsigKey(`${k.name}.`, k.algorithm ?? 'hmac-sha256', k.secret);
}

export function secondaryScenario(opts: ScenarioOptions): void {
  let primary: XfrPrimary;
  let secondary: Secondary;
  const key = opts.key === undefined ? undefined : tsigKeyOf(opts.key);
  const details = () => `--- ${opts.name} log ---\n${secondary?.log().slice(-4000)}\n--- zonedns log ---\n${primary?.logs.slice(-40).join('\n')}`;
  const withKey = key === undefined ? '' : ' with TSIG';

  beforeAll(async () => {
    const port = await freePort();
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1), notify: [`127.0.0.1:${port}`], key });
    secondary = opts.start({ zone: XFR_ZONE, primaryPort: primary.port, port, key: opts.key });
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
    const ours = await transfer(primary.host, primary.port, XFR_ZONE, { key });
    const theirs = await transfer(secondary.host, secondary.port, XFR_ZONE);
    expect(ours.rcode).toBe(0);
    expect(theirs.rcode).toBe(0);
    expect(theirs.rrs[0]!.type).toBe(T.SOA);
    expect(theirs.rrs[theirs.rrs.length - 1]!.type).toBe(T.SOA);
    expect(zoneKeys(theirs.rrs)).toEqual(zoneKeys(ours.rrs));
    expect(ours.rrs.length).toBe(primary.snapshot().recordCount + 1);
  }

  test(`${opts.name} pulls the zone by AXFR${withKey} and serves exactly our records`, async () => {
    await secondaryAt(1);
    await sameRecords();
    expect(primary.logs.some((l) => /^info (AXFR|IXFR) finished/.test(l))).toBe(true);
    // With a key, the ACL lets only signed transfers through: nothing was refused on the way.
    if (key !== undefined) expect(primary.logs.filter((l) => / refused /.test(l))).toEqual([]);
  }, 30_000);

  test(`after an edit and NOTIFY${withKey}, ${opts.name} pulls serial 2 by IXFR`, async () => {
    const before = primary.logs.length;
    await primary.update(xfrZoneText(2));
    expect(primary.snapshot().serial).toBe(2);
    await secondaryAt(2);
    const after = primary.logs.slice(before);
    const acked = after.find((l) => l.startsWith('info NOTIFY acknowledged') && l.includes('"serial":2'));
    expect(acked).toBeDefined();
    if (key !== undefined) {
      // Acknowledged means the reply's TSIG verified over our request MAC (notify.ts).
      expect(acked).toContain('"key":"xfr-key."');
      expect(after.filter((l) => l.startsWith('warn NOTIFY reply rejected'))).toEqual([]);
      if (opts.notifyInLog !== undefined) expect(secondary.log()).toMatch(opts.notifyInLog);
    }
    expect(after.find((l) => l.startsWith('info IXFR finished') && l.includes('"from":1') && l.includes('"answer":"incremental"'))).toBeDefined();
    expect(after.find((l) => /^info AXFR (started|finished)/.test(l))).toBeUndefined();
    expect(secondary.log()).toMatch(opts.ixfrInLog);
    await sameRecords();
  }, 30_000);

  test(`a second edit (deletions) reaches ${opts.name} by IXFR from serial 2${withKey}`, async () => {
    const before = primary.logs.length;
    await primary.update(xfrZoneText(3));
    await secondaryAt(3);
    const after = primary.logs.slice(before);
    expect(after.find((l) => l.startsWith('info IXFR finished') && l.includes('"from":2') && l.includes('"answer":"incremental"'))).toBeDefined();
    expect(after.find((l) => /^info AXFR (started|finished)/.test(l))).toBeUndefined();
    await sameRecords();
  }, 30_000);
}

/**
 * The secondary has the key's name with another secret (XFR_WRONG_KEY): its signed SOA queries and
 * transfers are answered NOTAUTH/BADSIG and it never serves the zone; our signed NOTIFY is answered BADSIG, which we do
 * not take as an acknowledgement (logged, retried).
 */
export function wrongKeyScenario(opts: { name: string; start(spec: SecondarySpec): Secondary }): void {
  let primary: XfrPrimary;
  let secondary: Secondary;
  const details = () => `--- ${opts.name} log ---\n${secondary?.log().slice(-4000)}\n--- zonedns log ---\n${primary?.logs.slice(-40).join('\n')}`;

  beforeAll(async () => {
    const port = await freePort();
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1), notify: [`127.0.0.1:${port}`], key: tsigKeyOf(XFR_KEY) });
    secondary = opts.start({ zone: XFR_ZONE, primaryPort: primary.port, port, key: XFR_WRONG_KEY });
  }, 30_000);

  afterAll(async () => {
    await secondary?.stop();
    await primary?.close();
  });

  test(`${opts.name} with the wrong secret: its requests refused with BADSIG, our NOTIFY answered BADSIG and not taken as acknowledged`, async () => {
    // The secondary's first signed request (its SOA query, or a transfer: those at warn) is the one refused.
    const refused = await waitFor(`zonedns to refuse a request from ${opts.name} with BADSIG`,
      () => primary.logs.find((l) => /^(warn (AXFR|IXFR)|info signed query) refused .*"reason":"TSIG: BADSIG: MAC does not verify with key xfr-key\."/.test(l)), 20_000, details);
    expect(refused).toContain('"client":"127.0.0.1"');
    const rejected = await waitFor(`our NOTIFY to ${opts.name} to be answered BADSIG`,
      () => primary.logs.find((l) => l.startsWith('warn NOTIFY reply rejected') && l.includes('the secondary answered BADSIG')), 20_000, details);
    expect(rejected).toContain('"key":"xfr-key."');
    expect(primary.logs.find((l) => l.startsWith('info NOTIFY acknowledged'))).toBeUndefined();
    expect(primary.logs.find((l) => /^info (AXFR|IXFR) (started|finished)/.test(l))).toBeUndefined();
    expect(await soaSerial(secondary.host, secondary.port, XFR_ZONE)).toBeUndefined();
  }, 45_000);
}
