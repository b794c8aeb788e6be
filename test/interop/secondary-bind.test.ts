// zonedns as a secondary of a real BIND primary (named -g on a loopback port, its own config):
// AXFR at start, a change pulled by IXFR after NOTIFY, and serving on with the primary gone;
// then transfers from a BIND that requires a TSIG key (our primaryKey).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { nameFromText } from '../../src/dns/name.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { SecondaryZone } from '../../src/xfr/secondary.js';
import { parseTsigKey } from '../../src/tsig/keys.js';
import { networkTransport, parsePrimary, tsigSigner } from '../../src/xfr/xfr-client.js';
import { describeWithPeers } from '../support/peers.js';
import { freePort } from './support/knot.js';
import { secondaryOfScenario } from './support/secondary-scenario.js';
import { startBindPrimary, type Primary } from './support/xfr-primaries.js';
import { xfrZoneText, XFR_ZONE } from './support/xfr-scenario.js';

describeWithPeers('zonedns secondary of BIND', ['named'], () => {
  secondaryOfScenario({ name: 'named', start: startBindPrimary });
});

describeWithPeers('zonedns secondary of BIND with TSIG', ['named'], () => {
  const secret = Buffer.alloc(32, 0x5a).toString('base64');
  const key = parseTsigKey('xfr-key.', 'hmac-sha256', secret);
  const wrong = parseTsigKey('xfr-key.', 'hmac-sha256', Buffer.alloc(32, 0x5b).toString('base64'));
  let primary: Primary;
  beforeAll(async () => {
    primary = await startBindPrimary({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort: await freePort(), port: await freePort(), key: { name: 'xfr-key', secret } });
  }, 30_000);
  afterAll(async () => {
    await primary?.stop();
  });

  test('a signed AXFR succeeds; unsigned or with the wrong secret it fails', async () => {
    const p = parsePrimary(`127.0.0.1:${primary.port}`)!;
    const origin = nameFromText(`${XFR_ZONE}.`);
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const sec = new SecondaryZone({ origin, primaries: [p], registry: new ZoneRegistry(), transport: networkTransport({ signer: () => tsigSigner(key) }), log });
    await sec.refresh();
    sec.stop();
    expect(sec.serial).toBe(1);
    expect(sec.handle.snapshot!.recordCount).toBeGreaterThan(200);
    await expect(networkTransport().transfer(p, origin, 'axfr')).rejects.toThrow(/rcode (5|9)/);
    await expect(networkTransport({ signer: () => tsigSigner(wrong) }).transfer(p, origin, 'axfr')).rejects.toThrow(/TSIG|rcode 9/);
  }, 30_000);
});
