// `zonedns ctl` verbs that reach other servers, against real ones: `notify` to a real NSD
// secondary (it answers the NOTIFY, and our metrics count it acknowledged); `refresh` and
// `retransfer` of a secondary zone whose primary is a real BIND.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cleanupDaemons, makeTempDir, pickPort, soaSerialOf, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { freePort } from '../interop/support/knot.js';
import { startBindPrimary } from '../interop/support/xfr-primaries.js';
import { xfrZoneText, XFR_ZONE } from '../interop/support/xfr-scenario.js';
import { startNsdSecondary, type Secondary } from '../interop/support/xfr-peers.js';
import { soaSerial, waitFor } from '../interop/support/xfr-server.js';
import { describeWithPeers } from '../support/peers.js';
import { ctl, ctlJson, httpGet, metricsPort, opsConfig, samples } from './support/ops.js';

const SERIAL = 2026112401;

describeWithPeers('ctl notify to a real NSD secondary', ['nsd'], () => {
  let d: Daemon;
  let config: string;
  let nsd: Secondary;
  let metrics: number;
  beforeAll(async () => {
    const nsdPort = await pickPort();
    config = opsConfig(makeTempDir('zonedns-ctl-nsd-'), { transfer: { allow: ['127.0.0.1'] }, notify: [`127.0.0.1:${nsdPort}`] });
    d = await startDaemon({ args: ['--config', config] });
    metrics = await metricsPort(d);
    nsd = startNsdSecondary({ zone: 'example.com', primaryPort: d.port, port: nsdPort });
    await waitFor('NSD to serve example.com', async () => ((await soaSerial('127.0.0.1', nsdPort, 'example.com')) === SERIAL ? true : undefined), 20_000, () => nsd.log());
  }, 40_000);
  afterAll(async () => {
    await nsd?.stop();
    await cleanupDaemons();
  });

  const acknowledged = async () => samples((await httpGet(metrics, '/metrics')).body).get('zonedns_notify_out_total{result="acknowledged",zone="example.com."}') ?? 0;
  const nsdNotifies = () => (nsd.log().match(/notify for example\.com\. from 127\.0\.0\.1/g) ?? []).length;

  test('NSD gets the NOTIFY and acknowledges it; the metrics count it', async () => {
    // The start-up NOTIFY may still be retried towards NSD, which was not up yet: let it settle.
    await waitFor('the start-up NOTIFY to end', async () => ((await acknowledged()) >= 1 ? true : undefined), 20_000, () => d.log());
    const before = await acknowledged();
    const seen = nsdNotifies();
    const r = await ctl(config, 'notify', 'example.com');
    expect(r).toMatchObject({ code: 0, stdout: `NOTIFY for example.com. serial ${SERIAL} sent to 127.0.0.1:${nsd.port}\n` });
    await waitFor('NSD to log the NOTIFY', () => (nsdNotifies() > seen ? true : undefined), 10_000, () => nsd.log());
    await waitFor('the acknowledgement to be counted', async () => ((await acknowledged()) === before + 1 ? true : undefined), 10_000, () => d.log());
  }, 40_000);
});

// `refresh` and `retransfer` against a real BIND primary whose NOTIFYs go elsewhere: only ctl
// makes us look. REFRESH is an hour, so nothing else would pick the new serial up.
describeWithPeers('ctl refresh and retransfer of a secondary of a real BIND primary', ['named'], () => {
  test('refresh pulls the new serial; retransfer AXFRs at the same serial; a restart serves the copy; reconfig removes and re-adds it', async () => {
    const primary = await startBindPrimary({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort: await freePort(), port: await freePort() });
    try {
      const dir = makeTempDir('zonedns-ctl-bind-');
      const config = opsConfig(dir, { zones: [{ origin: XFR_ZONE, primaries: [`127.0.0.1:${primary.port}`], file: 'xfr.test.copy' }] });
      const start = () => startDaemon({ dir, zonesDir: false, args: ['--config', config] });
      const d = await start();
      const serial = async (dd: Daemon) => soaSerialOf(await dd.query(XFR_ZONE, 'SOA'));
      await d.waitFor(XFR_ZONE, 'SOA', (a) => a.rcode === 0 && soaSerialOf(a) === 1, 20_000);

      await primary.update(xfrZoneText(2), 2);
      expect(await serial(d)).toBe(1);
      const r = await ctl(config, 'refresh', XFR_ZONE);
      expect(r).toMatchObject({ code: 0, stdout: `${XFR_ZONE}. transferred, serial 2\n` });
      expect(await serial(d)).toBe(2);
      expect(await ctl(config, 'refresh', XFR_ZONE)).toMatchObject({ code: 0, stdout: `${XFR_ZONE}. up to date, serial 2\n` });

      const since = d.mark();
      const again = await ctlJson<{ zone: string; serial: number; outcome: string }>(config, 'retransfer', XFR_ZONE);
      expect(again).toEqual({ zone: `${XFR_ZONE}.`, serial: 2, outcome: 'transferred' });
      expect(d.logLines(/ info secondary zone transferred .*how="?AXFR \(retransfer\)/, since)).toHaveLength(1);
      expect(await ctl(config, 'retransfer', 'example.com')).toMatchObject({ code: 1, stderr: 'zonedns ctl: no secondary zone example.com.\n' });

      // The primary gone: refresh says why and exits 1; the copy still answers, and after a restart.
      await primary.stop();
      const failed = await ctl(config, 'refresh', XFR_ZONE);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(new RegExp(`^zonedns ctl: refresh of ${XFR_ZONE}\\. failed: 127\\.0\\.0\\.1:${primary.port}: `));
      expect(await serial(d)).toBe(2);
      expect((await d.stop()).code).toBe(0);
      const d2 = await start();
      expect(await serial(d2)).toBe(2);

      // reconfig drops the secondary (REFUSED), then takes it back: its copy on disk answers again.
      opsConfig(dir, {});
      expect(await ctlJson(config, 'reconfig')).toMatchObject({ secondariesRemoved: [`${XFR_ZONE}.`] });
      expect((await d2.query(XFR_ZONE, 'SOA')).rcode).toBe(5);
      opsConfig(dir, { zones: [{ origin: XFR_ZONE, primaries: [`127.0.0.1:${primary.port}`], file: 'xfr.test.copy' }] });
      expect(await ctlJson(config, 'reconfig')).toMatchObject({ secondariesAdded: [`${XFR_ZONE}.`] });
      await d2.waitFor(XFR_ZONE, 'SOA', (a) => a.rcode === 0 && soaSerialOf(a) === 2, 10_000);
    } finally {
      await primary.stop();
      await cleanupDaemons();
    }
  }, 60_000);
});
