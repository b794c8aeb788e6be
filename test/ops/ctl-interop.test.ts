// `zonedns ctl` verbs that reach other servers, against real ones: `notify` to a real NSD
// secondary (it answers the NOTIFY, and our metrics count it acknowledged).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { cleanupDaemons, makeTempDir, pickPort, startDaemon, type Daemon } from '../daemon/support/daemon.js';
import { startNsdSecondary, type Secondary } from '../interop/support/xfr-peers.js';
import { soaSerial, waitFor } from '../interop/support/xfr-server.js';
import { describeWithPeers } from '../support/peers.js';
import { ctl, httpGet, metricsPort, opsConfig, samples } from './support/ops.js';

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
