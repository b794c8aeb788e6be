// zonedns as the primary of a real Knot DNS secondary (knotd 3.x): AXFR on bootstrap, NOTIFY and
// IXFR after edits (see support/xfr-scenario.ts), and the time to transfer a 100,000-record zone.

import { afterAll, expect, test } from '@jest/globals';
import { describeWithPeers } from '../support/peers.js';
import { bigZoneText } from '../xfr/support/xfr.js';
import { freePort } from './support/knot.js';
import { startKnotSecondary, type Secondary } from './support/xfr-peers.js';
import { secondaryScenario } from './support/xfr-scenario.js';
import { soaSerial, startXfrPrimary, waitFor, type XfrPrimary } from './support/xfr-server.js';

describeWithPeers('zonedns primary -> Knot secondary: AXFR, NOTIFY, IXFR', ['knotd'], () => {
  secondaryScenario({ name: 'knotd', start: startKnotSecondary, ixfrInLog: /IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/ });
});

describeWithPeers('zonedns primary -> Knot secondary: a 100,000-record zone', ['knotd'], () => {
  let primary: XfrPrimary | undefined;
  let knot: Secondary | undefined;
  afterAll(async () => {
    await knot?.stop();
    await primary?.close();
  });

  test('knotd bootstraps it by AXFR; time reported', async () => {
    const port = await freePort();
    primary = await startXfrPrimary({ origin: 'big.test', text: bigZoneText(100_000, 7) });
    const started = performance.now();
    knot = startKnotSecondary({ zone: 'big.test', primaryPort: primary.port, port });
    await waitFor('knotd to serve big.test serial 7', async () => ((await soaSerial(knot!.host, knot!.port, 'big.test')) === 7 ? true : undefined), 25_000,
      () => `${knot!.log().slice(-3000)}\n${primary!.logs.slice(-10).join('\n')}`);
    const total = performance.now() - started;
    const ours = primary.logs.find((l) => l.startsWith('info AXFR finished'));
    const theirs = /AXFR, incoming, remote \S+, finished, ([\d.]+) seconds, (\d+) messages, (\d+) bytes/.exec(knot.log());
    expect(ours).toBeDefined();
    expect(theirs).not.toBeNull();
    const fields = JSON.parse(ours!.slice(ours!.indexOf('{')));
    expect(fields.records).toBe(100_001);
    process.stderr.write(`\n[xfr-knot] 100,000-record AXFR zonedns -> knotd: zonedns streamed ${fields.messages} messages / ${fields.bytes} bytes in ${fields.ms} ms; ` +
      `knotd reports ${theirs![1]} s, ${theirs![2]} messages; start of knotd to zone served: ${Math.round(total)} ms\n`);
  }, 30_000);
});
