// A real `zonedns serve` process restarted in every state, with real BIND and NSD secondaries of
// it and a real BIND primary above it, as an operator runs it:
//
//   BIND primary --(up.test)--> zonedns --(up.test, own.test)--> BIND secondary, NSD secondary
//
// own.test is a zone file served with `serial: auto`; up.test is a secondary zone of zonedns.
// After each restart the secondaries must converge to exactly what zonedns serves (same serial,
// the same records read back by AXFR):
//   - after an auto-serial edit (SIGTERM and kill -9): the restart serves the same serial for the
//     same content, and the next edit a serial no secondary has seen (issue #12: with serials
//     reused, the secondaries never fetched the new content);
//   - in the middle of a transfer: zonedns killed while it pulls from the BIND primary, and
//     while the secondaries pull from it;
//   - with up.test expired (the primary gone past SOA EXPIRE): still expired after the restart
//     (SERVFAIL, not its stale copy) until the primary is back and a transfer succeeds.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../support/rng.js';
import { describeWithPeers } from '../support/peers.js';
import { cleanupDaemons, makeTempDir, RCODE, sleep, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { freePort } from './support/knot.js';
import { startBindPrimary, type Primary } from './support/xfr-primaries.js';
import { startBindSecondary, startNsdSecondary, type Secondary } from './support/xfr-peers.js';
import { soaSerial, transfer, waitFor, zoneKeys } from './support/xfr-server.js';

const OWN = 'own.test';
const UP = 'up.test';
const EXPIRE = 8;

const ownZone = (version: number) => [
  `$ORIGIN ${OWN}.`, '$TTL 300', '@ SOA ns hostmaster 1 3600 600 86400 300', '@ NS ns', 'ns A 192.0.2.1',
  `v TXT "version ${version}"`, ...Array.from({ length: version }, (_, i) => `added${i} A 192.0.2.${(i % 250) + 2}`),
].join('\n') + '\n';
/** Every version changes every record: an IXFR of it is as long as two AXFRs (a transfer long enough to be killed in). */
const upZone = (serial: number) => [
  `$ORIGIN ${UP}.`, '$TTL 300', `@ SOA ns hostmaster ${serial} 2 1 ${EXPIRE} 300`, '@ NS ns', 'ns A 192.0.2.1',
  ...Array.from({ length: 10_000 }, (_, i) => `h${i} AAAA 2001:db8:${serial.toString(16)}::${i.toString(16)}`),
].join('\n') + '\n';

describeWithPeers('zonedns restarted in every state: BIND and NSD secondaries converge to exactly its content', ['named', 'nsd'], () => {
  let dir: string;
  let config: string;
  let port: number;
  let primaryPort: number;
  let primary: Primary | undefined;
  let upSerial = 1;
  let ownVersion = 1;
  let d: Daemon;
  const secondaries: Secondary[] = [];
  const random = seededRandom(12);
  const details = () => [
    ...secondaries.map((s) => `--- ${s.name} ---\n${s.log().slice(-2500)}`),
    `--- zonedns ---\n${d?.log(40)}`,
  ].join('\n');

  const start = () => startDaemon({ dir, zonesDir: false, bundled: false, port, args: ['--config', config] });

  /** Both secondaries at zonedns's serial of `zone`, with the same records. */
  async function converged(zone: string, serial?: number): Promise<number> {
    const ours = await waitFor(`the secondaries to hold ${zone}${serial === undefined ? '' : ` at serial ${serial}`} as zonedns does`, async () => {
      const s = await soaSerial('127.0.0.1', port, zone);
      if (s === undefined || (serial !== undefined && s !== serial)) return undefined;
      for (const sec of secondaries) if ((await soaSerial(sec.host, sec.port, zone)) !== s) return undefined;
      return s;
    }, 40_000, details);
    const axfr = await transfer('127.0.0.1', port, zone);
    expect(axfr.rcode).toBe(0);
    for (const sec of secondaries) {
      const theirs = await transfer(sec.host, sec.port, zone);
      expect({ peer: sec.name, zone, rrs: zoneKeys(theirs.rrs) }).toEqual({ peer: sec.name, zone, rrs: zoneKeys(axfr.rrs) });
    }
    return ours;
  }

  beforeAll(async () => {
    dir = makeTempDir('zonedns-durable-interop-');
    mkdirSync(join(dir, 'zones'));
    writeFileSync(join(dir, 'zones', `${OWN}.zone`), ownZone(ownVersion));
    [port, primaryPort] = [await freePort(), await freePort()];
    const [bindPort, nsdPort] = [await freePort(), await freePort()];
    config = join(dir, 'zonedns.json');
    writeFileSync(config, JSON.stringify({
      zonesDir: 'zones', stateDir: 'state', serial: 'auto',
      transfer: { allow: ['127.0.0.1'] }, notify: [`127.0.0.1:${bindPort}`, `127.0.0.1:${nsdPort}`],
      zones: [{ file: `secondary/${UP}.zone`, origin: UP, primaries: [`127.0.0.1:${primaryPort}`] }],
    }));
    primary = await startBindPrimary({ zone: UP, text: upZone(upSerial), serial: upSerial, notifyPort: port, port: primaryPort });
    d = await start();
    secondaries.push(startBindSecondary({ zone: OWN, moreZones: [UP], primaryPort: port, port: bindPort }));
    secondaries.push(startNsdSecondary({ zone: OWN, moreZones: [UP], primaryPort: port, port: nsdPort }));
  }, 60_000);

  afterAll(async () => {
    for (const s of secondaries) await s.stop();
    await primary?.stop();
    await cleanupDaemons();
  });

  test('at start both secondaries hold exactly our two zones', async () => {
    await converged(UP, upSerial);
    await converged(OWN);
  }, 60_000);

  test.each(['SIGTERM', 'SIGKILL'] as const)('restart (%s) after an auto-serial edit: same serial for the same content, then a new one the secondaries fetch', async (signal) => {
    const before = await converged(OWN);
    writeFileSync(join(dir, 'zones', `${OWN}.zone`), ownZone(++ownVersion)); // no serial bump: auto moves it
    d.signal('SIGHUP');
    const edited = await converged(OWN, before + 1);
    await d.stop(signal);
    d = await start();
    expect(await soaSerial('127.0.0.1', port, OWN)).toBe(edited);
    writeFileSync(join(dir, 'zones', `${OWN}.zone`), ownZone(++ownVersion));
    d.signal('SIGHUP');
    await converged(OWN, edited + 1);
    const txt = await d.query(`v.${OWN}`, 'TXT');
    expect(txt.answers.map((a) => (a as unknown as { data: Buffer[] }).data.join(''))).toEqual([`version ${ownVersion}`]);
  }, 90_000);

  test('restarts in the middle of transfers, in (from the BIND primary) and out (to the secondaries)', async () => {
    /** How long the last transfer in took, by our log (ms=): the kills land within such a time. */
    const transferMs = (daemon: Daemon) => Number(/ ms=(\d+)/.exec(daemon.logLines(/ info secondary zone transferred /).at(-1) ?? '')?.[1] ?? 300);
    let lastMs = transferMs(d);
    let killedInside = 0;
    for (let round = 0; round < 3; round++) {
      await converged(UP, upSerial);
      // In: the primary's NOTIFY starts a transfer of every record; killed some way into it.
      let since = d.mark();
      await primary!.update(upZone(++upSerial), upSerial);
      await d.waitForLog(new RegExp(`NOTIFY received; checking the primary zone=${UP.replace('.', '\\.')}\\.`), { since, timeoutMs: 10_000 });
      await sleep((0.2 + 0.6 * random()) * lastMs);
      if (d.logLines(/ info secondary zone transferred /, since).length === 0) killedInside++;
      await d.stop('SIGKILL');
      d = await start();
      // Out: once the new version is ours, the secondaries pull it; killed while they do.
      since = d.mark();
      await d.waitForLog(new RegExp(`(secondary zone transferred zone=${UP.replace('.', '\\.')}\\. .*serial=${upSerial}|secondary zone is up to date)`), { since, timeoutMs: 20_000 }).catch(() => undefined);
      await sleep(random() * 150);
      await d.stop('SIGKILL');
      d = await start();
      await converged(UP, upSerial);
      await converged(OWN);
      lastMs = Math.max(transferMs(d), 50);
    }
    expect(killedInside).toBeGreaterThan(0);
  }, 240_000);

  test('with the zone expired: still expired (SERVFAIL) after a restart, until the primary is back and a transfer succeeds', async () => {
    await converged(UP, upSerial);
    await primary!.stop();
    primary = undefined;
    await d.waitForLog(new RegExp(`error secondary zone expired: no successful refresh within SOA EXPIRE; answering SERVFAIL zone=${UP.replace('.', '\\.')}\\.`), { timeoutMs: (EXPIRE + 10) * 1000 });
    expect((await d.query(UP, 'SOA')).rcode).toBe(RCODE.SERVFAIL);
    await d.stop('SIGTERM');
    d = await start();
    // The copy on disk is not served: the zone expired before the restart.
    expect((await d.query(UP, 'SOA')).rcode).toBe(RCODE.SERVFAIL);
    expect((await d.query(`h1.${UP}`, 'AAAA')).rcode).toBe(RCODE.SERVFAIL);
    expect(d.logLines(/error secondary zone expired \(no successful refresh within SOA EXPIRE before the restart\)/)).toHaveLength(1);
    // The primary back with a new version: transferred, served, and the secondaries follow.
    upSerial++;
    primary = await startBindPrimary({ zone: UP, text: upZone(upSerial), serial: upSerial, notifyPort: port, port: primaryPort });
    await converged(UP, upSerial);
    await converged(OWN);
  }, 120_000);
});
