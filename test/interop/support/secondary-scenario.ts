// zonedns as the SECONDARY of a real primary (secondary-knot, secondary-bind):
//   1. the primary serves xfr.test (serial 1) and NOTIFYs our port; our SecondaryZone pulls it
//      (AXFR) and answers exactly as the primary does for a set of names (rcode, answer section,
//      and authority for the referral); an AXFR from us equals one from the primary;
//   2. the zone file changes and the primary reloads: after its NOTIFY we pull serial 2 (IXFR)
//      and again answer as the primary does;
//   3. the primary stops: a refresh fails, and we keep serving (expiry is tested with fake timers
//      in test/xfr/secondary.test.ts, not by waiting).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, LogFields } from '../../../src/log.js';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { ZoneRegistry } from '../../../src/zone/registry.js';
import { TransferPolicy } from '../../../src/xfr/acl.js';
import { SecondaryManager, SecondaryZone } from '../../../src/xfr/secondary.js';
import { networkTransport, parsePrimary } from '../../../src/xfr/xfr-client.js';
import { nameFromText } from '../../../src/dns/name.js';
import { freePort } from './knot.js';
import type { Primary, PrimarySpec } from './xfr-primaries.js';
import { xfrZoneText, XFR_ZONE } from './xfr-scenario.js';
import { soaSerial, transfer, waitFor, rrKey, zoneKeys } from './xfr-server.js';
import { ask, encodeQuery, parseResponse, T } from './wire.js';

const QUESTIONS: Array<[string, number]> = [
  ['xfr.test', T.SOA], ['xfr.test', T.NS], ['xfr.test', T.MX], ['xfr.test', T.TXT], ['xfr.test', T.CAA],
  ['ns1.xfr.test', T.A], ['ns2.xfr.test', T.A], ['ns2.xfr.test', T.AAAA], ['www.xfr.test', T.A], ['web.xfr.test', T.A],
  ['_sip._tcp.xfr.test', T.SRV], ['anything.xfr.test', T.TXT], ['anything.xfr.test', T.A], ['long.xfr.test', T.TXT],
  ['h4.xfr.test', T.A], ['h5.xfr.test', T.A], ['h7.xfr.test', T.AAAA], ['added-in-2.xfr.test', T.TXT], ['sub.xfr.test', T.NS],
  ['x.sub.xfr.test', T.A],
];

export function secondaryOfScenario(opts: { name: string; start(spec: PrimarySpec): Promise<Primary> }): void {
  let primary: Primary;
  let server: RunningServer;
  let sec: SecondaryZone;
  let dir: string;
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const details = () => `--- ${opts.name} log ---\n${primary?.log().slice(-3000)}\n--- zonedns log ---\n${logs.slice(-30).join('\n')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zonedns-secondary-'));
    const ourPort = await freePort();
    const primaryPort = await freePort();
    primary = await opts.start({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort: ourPort, port: primaryPort });
    const registry = new ZoneRegistry();
    sec = new SecondaryZone({
      origin: nameFromText(`${XFR_ZONE}.`), primaries: [parsePrimary(`127.0.0.1:${primary.port}`)!], file: join(dir, 'xfr.test.zone'),
      registry, transport: networkTransport({ soaTimeoutMs: 500, soaTries: 2 }), log,
      options: { transfer: new TransferPolicy({ allow: ['127.0.0.1'] }) },
    });
    const secondaries = new SecondaryManager();
    secondaries.add(sec);
    server = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port: ourPort }], rotate: 'none', maxUdp: 1232, log, secondaries, xfr: { log } });
    sec.start();
  }, 30_000);

  afterAll(async () => {
    sec?.stop();
    await server?.close();
    await primary?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const ourPort = () => server.listening[0]!.port;

  async function weAreAt(serial: number): Promise<void> {
    await waitFor(`zonedns to serve serial ${serial}`, async () => ((await soaSerial('127.0.0.1', ourPort(), XFR_ZONE)) === serial ? true : undefined), 15_000, details);
  }

  async function answer(port: number, qname: string, qtype: number): Promise<string> {
    const raw = await ask({ host: '127.0.0.1', port }, encodeQuery({ id: 77, name: nameFromText(`${qname}.`), type: qtype }), false);
    if (raw === undefined) return 'no reply';
    const p = parseResponse(raw);
    const keys = (rrs: typeof p.answer) => rrs.map(rrKey).sort().join('\n');
    // The answer section always; the authority section for a referral (no answer, NOERROR).
    return `rcode ${p.rcode}\n${keys(p.answer)}${p.answer.length === 0 && p.rcode === 0 ? `\nauthority:\n${keys(p.authority.filter((r) => r.type === T.NS))}` : ''}`;
  }

  async function sameAnswers(): Promise<void> {
    for (const [qname, qtype] of QUESTIONS) {
      const theirs = await answer(primary.port, qname, qtype);
      const ours = await answer(ourPort(), qname, qtype);
      expect(`${qname} ${qtype}\n${ours}`).toBe(`${qname} ${qtype}\n${theirs}`);
    }
    const theirs = await transfer('127.0.0.1', primary.port, XFR_ZONE);
    const ours = await transfer('127.0.0.1', ourPort(), XFR_ZONE);
    expect(ours.rcode).toBe(0);
    expect(zoneKeys(ours.rrs)).toEqual(zoneKeys(theirs.rrs));
  }

  test(`zonedns pulls the zone from ${opts.name} and answers as it does`, async () => {
    await weAreAt(1);
    await sameAnswers();
    expect(logs.some((l) => l.includes('secondary zone transferred') && l.includes('"how":"AXFR"'))).toBe(true);
  }, 30_000);

  test(`a change on ${opts.name} reaches zonedns after NOTIFY`, async () => {
    const before = logs.length;
    await primary.update(xfrZoneText(2), 2);
    await weAreAt(2);
    const after = logs.slice(before);
    expect(after.find((l) => l.startsWith('info NOTIFY received'))).toBeDefined();
    const transferred = after.find((l) => l.includes('secondary zone transferred'));
    expect(transferred).toMatch(/"how":"IXFR"/);
    await sameAnswers();
    // The copy is written after the swap, off the query path: poll for it.
    const copy = join(dir, 'xfr.test.zone');
    await waitFor('the copy of serial 2 on disk', () => (existsSync(copy) && readFileSync(copy, 'latin1').includes('serial 2') ? true : undefined), 10_000, details);
  }, 30_000);

  test(`with ${opts.name} stopped, zonedns keeps serving the zone`, async () => {
    await primary.stop();
    await sec.refresh();
    expect(sec.state).toBe('retrying');
    expect(logs.some((l) => l.startsWith('warn secondary zone refresh failed'))).toBe(true);
    expect(await soaSerial('127.0.0.1', ourPort(), XFR_ZONE)).toBe(2);
    expect(await answer(ourPort(), 'web.xfr.test', T.A)).toMatch(/^rcode 0\n.*web\.xfr\.test\. 3600 1 c0000252/s);
  }, 30_000);
}
