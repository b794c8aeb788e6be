// The server's identity as the usual tools see it: `dig +nsid` and `kdig +nsid` print the NSID,
// `dig CH TXT id.server` the identity, `dig +expire` the EXPIRE of a zone loaded from a file (its
// SOA EXPIRE) and of a secondary zone (what is left of its timer); and ISC's genreport, in its
// nsid and expire tests (reproduced from its source in support/genreport.ts, checked first
// against a real BIND, which it was written for), says ok for both kinds of zone.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cleanupDaemons, makeTempDir, pickPort, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { startBindPrimary, type Primary } from '../interop/support/xfr-primaries.js';
import { xfrZoneText, XFR_ZONE } from '../interop/support/xfr-scenario.js';
import { soaSerial, startXfrPrimary, waitFor, type XfrPrimary } from '../interop/support/xfr-server.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { genreport } from './support/genreport.js';
import { opsConfig } from './support/ops.js';

const run = (program: string, args: string[]) => execFileSync(findProgram(program)!, args, { encoding: 'utf8', timeout: 10_000 });
/** xfr.test's SOA EXPIRE (xfr-scenario.ts). */
const XFR_EXPIRE = 604800;

describeWithPeers('identity seen by dig, kdig and genreport', ['dig', 'kdig', 'named'], () => {
  let primary: XfrPrimary;
  let d: Daemon;
  beforeAll(async () => {
    primary = await startXfrPrimary({ origin: XFR_ZONE, text: xfrZoneText(1) });
    const config = opsConfig(makeTempDir('zonedns-identity-'), {
      identity: 'ns1.zonedns.test', metrics: undefined,
      zones: [{ origin: XFR_ZONE, file: 'secondary/xfr.test.zone', primaries: [`127.0.0.1:${primary.port}`] }],
    });
    d = await startDaemon({ args: ['--config', config] });
    await waitFor('the secondary zone', async () => ((await soaSerial('127.0.0.1', d.port, XFR_ZONE)) === 1 ? true : undefined), 10_000, () => d.log());
  }, 30_000);
  afterAll(async () => {
    await cleanupDaemons();
    await primary?.close();
  });

  const dig = (...args: string[]) => run('dig', [`@${d.host}`, '-p', String(d.port), '+norec', ...args]);
  const kdig = (...args: string[]) => run('kdig', [`@${d.host}`, '-p', String(d.port), '+norec', ...args]);

  test('dig +nsid and kdig +nsid show it', () => {
    expect(dig('+nsid', 'example.com', 'SOA')).toContain('; NSID: 6e 73 31 2e 7a 6f 6e 65 64 6e 73 2e 74 65 73 74 ("ns1.zonedns.test")');
    expect(kdig('+nsid', 'example.com', 'SOA')).toContain(';; NSID: 6E73312E7A6F6E65646E732E74657374 "ns1.zonedns.test"');
    // Also on a REFUSED answer, as Knot and BIND send it.
    expect(dig('+nsid', 'example.org', 'A')).toMatch(/status: REFUSED[\s\S]*; NSID: .*\("ns1\.zonedns\.test"\)/);
  });

  test('CHAOS: id.server and hostname.bind answer it, version.bind is REFUSED (not configured)', () => {
    expect(dig('CH', 'TXT', 'id.server', '+short')).toBe('"ns1.zonedns.test"\n');
    expect(kdig('CH', 'TXT', 'hostname.bind', '+short')).toBe('"ns1.zonedns.test"\n');
    expect(dig('CH', 'TXT', 'version.bind')).toContain('status: REFUSED');
  });

  test('dig +expire: the SOA EXPIRE of a zone from a file, what is left for a secondary', () => {
    expect(dig('+expire', 'example.com', 'SOA')).toContain('; EXPIRE: 1209600 (2 weeks)');
    const left = Number(/; EXPIRE: (\d+)/.exec(dig('+expire', XFR_ZONE, 'SOA'))![1]);
    expect(left).toBeLessThanOrEqual(XFR_EXPIRE);
    expect(left).toBeGreaterThan(XFR_EXPIRE - 60);
  });

  test('genreport (its nsid and expire tests, reproduced) agrees with a real BIND on what ok means', async () => {
    const port = await pickPort();
    let bind: Primary | undefined;
    try {
      bind = await startBindPrimary({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort: 9, port });
      expect(await genreport('127.0.0.1', port, XFR_ZONE)).toEqual({
        ednsnsid: 'ok', ednsexpire: 'ok,expire', edns1nsid: 'ok', edns1expire: 'ok', optlist: 'ok,expire,cookie,subnet',
      });
    } finally {
      await bind?.stop();
    }
  }, 30_000);

  test.each([['a zone from a file', 'example.com'], ['a secondary zone', XFR_ZONE]])('genreport on %s: nsid and expire ok', async (_what, zone) => {
    expect(await genreport(d.host, d.port, zone)).toEqual({
      ednsnsid: 'ok,nsid', ednsexpire: 'ok,expire', edns1nsid: 'ok', edns1expire: 'ok', optlist: 'ok,nsid,expire,cookie',
    });
  });
});
