// zonedns as the primary of a real Knot DNS secondary (knotd 3.x) with TSIG (hmac-sha256): knotd
// signs its SOA queries and transfers with the key, which our ACL requires; our NOTIFYs are signed
// and knotd's ACL accepts NOTIFY only with the key; its signed reply is verified. Then a knotd with
// the wrong secret gets nothing (see support/xfr-scenario.ts). Last, the other direction: zonedns
// as the secondary of a knotd that requires the key for transfers and signs its NOTIFY.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { nameFromText } from '../../src/dns/name.js';
import type { Logger, LogFields } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { SecondaryManager, SecondaryZone } from '../../src/xfr/secondary.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { TsigKeyring } from '../../src/tsig/keys.js';
import { networkTransport, parsePrimary, tsigSigner } from '../../src/xfr/xfr-client.js';
import { describeWithPeers } from '../support/peers.js';
import { freePort } from './support/knot.js';
import { startKnotPrimary, type Primary } from './support/xfr-primaries.js';
import { startKnotSecondary, type PeerKey } from './support/xfr-peers.js';
import { secondaryScenario, tsigKeyOf, wrongKeyScenario, XFR_KEY, XFR_WRONG_KEY, xfrZoneText, XFR_ZONE } from './support/xfr-scenario.js';
import { soaSerial, transfer, waitFor } from './support/xfr-server.js';

describeWithPeers('zonedns primary -> Knot secondary with TSIG: AXFR, signed NOTIFY, IXFR', ['knotd'], () => {
  secondaryScenario({
    name: 'knotd', start: startKnotSecondary, key: XFR_KEY,
    ixfrInLog: /IXFR, incoming, remote 127\.0\.0\.1@\d+, finished/,
    // Knot 3.2 does not name the key in its log; its notify ACL requires it, so a line means accepted.
    notifyInLog: /notify, incoming, remote 127\.0\.0\.1@\d+, serial 2/,
  });
});

describeWithPeers('zonedns primary -> Knot secondary with the wrong TSIG secret', ['knotd'], () => {
  wrongKeyScenario({ name: 'knotd', start: startKnotSecondary });
});

// The other direction: zonedns as the SECONDARY of a knotd primary whose transfer ACL requires the
// key and whose NOTIFY to us is signed with it (remote `key`). Our SOA queries and transfers are
// signed (primaryKey), and our secondary zone accepts NOTIFY only signed with that key.
function secondaryOfKnotWithKey(name: string, ours: PeerKey, expectOk: boolean): void {
  let knot: Primary;
  let server: RunningServer;
  let sec: SecondaryZone;
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const details = () => `--- knotd log ---\n${knot?.log().slice(-3000)}\n--- zonedns log ---\n${logs.slice(-30).join('\n')}`;
  const key = tsigKeyOf(ours);

  beforeAll(async () => {
    const ourPort = await freePort();
    knot = await startKnotPrimary({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort: ourPort, port: await freePort(), key: XFR_KEY });
    const registry = new ZoneRegistry();
    sec = new SecondaryZone({
      origin: nameFromText(`${XFR_ZONE}.`), primaries: [parsePrimary(`127.0.0.1:${knot.port}`)!], registry, log,
      transport: networkTransport({ soaTimeoutMs: 500, soaTries: 2, signer: () => tsigSigner(key) }),
      primaryKey: key.name, timers: { initialRetryMs: 1000, minRetryMs: 1000 },
    });
    const secondaries = new SecondaryManager();
    secondaries.add(sec);
    server = await startServer({
      registry, endpoints: [{ host: '127.0.0.1', port: ourPort }], rotate: 'none', maxUdp: 1232, log, secondaries,
      xfr: { log, tsig: createTsigHook(new TsigKeyring([key])) },
    });
    sec.start();
  }, 30_000);

  afterAll(async () => {
    sec?.stop();
    await server?.close();
    await knot?.stop();
  });

  const ourPort = () => server.listening[0]!.port;

  if (expectOk) {
    test(`${name}: zonedns pulls the zone with the key, then a signed NOTIFY brings serial 2 by IXFR`, async () => {
      await waitFor('zonedns to serve serial 1', async () => ((await soaSerial('127.0.0.1', ourPort(), XFR_ZONE)) === 1 ? true : undefined), 15_000, details);
      expect(logs.find((l) => l.includes('secondary zone transferred'))).toMatch(/"how":"AXFR"/);
      const before = logs.length;
      // knotd's NOTIFY at its own start-up may precede our listening socket: look only after this.
      const knotBefore = knot.log().length;
      await knot.update(xfrZoneText(2), 2);
      await waitFor('zonedns to serve serial 2', async () => ((await soaSerial('127.0.0.1', ourPort(), XFR_ZONE)) === 2 ? true : undefined), 15_000, details);
      const after = logs.slice(before);
      // Accepted only because it was signed with primaryKey (notify-in.ts); knotd verified our signed reply.
      expect(after.find((l) => l.startsWith('info NOTIFY received'))).toContain('"key":"xfr-key."');
      expect(after.find((l) => l.includes('secondary zone transferred'))).toMatch(/"how":"IXFR"/);
      expect(after.filter((l) => / NOTIFY refused/.test(l))).toEqual([]);
      await waitFor('knotd to log the NOTIFY as answered', () => (/notify, outgoing, remote 127\.0\.0\.1@\d+, serial 2/.test(knot.log().slice(knotBefore)) ? true : undefined), 10_000, details);
      expect(knot.log().slice(knotBefore)).not.toMatch(/notify, outgoing, remote 127\.0\.0\.1@\d+, failed/);
      const theirs = await transfer('127.0.0.1', knot.port, XFR_ZONE, { key });
      expect(theirs.rcode).toBe(0);
      expect(sec.handle.snapshot!.recordCount).toBe(theirs.rrs.length - 1);
    }, 45_000);
  } else {
    test(`${name}: knotd refuses our requests (BADSIG), and its NOTIFY to us is answered BADSIG`, async () => {
      await waitFor('a refresh to fail on TSIG', () => logs.find((l) => l.startsWith('warn secondary zone refresh failed') && /TSIG: the server answered TSIG error 16/.test(l)), 15_000, details);
      expect(sec.serial).toBeUndefined();
      // A change on knotd: its signed NOTIFY cannot be verified with our secret: BADSIG, no check.
      const knotBefore = knot.log().length;
      await knot.update(xfrZoneText(2), 2);
      await waitFor('our BADSIG answer to knotd\'s NOTIFY', () => logs.find((l) => /^warn NOTIFY refused .*TSIG BADSIG/.test(l)), 15_000, details);
      expect(logs.find((l) => l.startsWith('info NOTIFY received'))).toBeUndefined();
      await waitFor('knotd to log our BADSIG', () => (/notify, outgoing, remote 127\.0\.0\.1@\d+, server responded with error 'BADSIG'/.test(knot.log().slice(knotBefore)) ? true : undefined), 15_000, details);
      expect(sec.serial).toBeUndefined();
    }, 45_000);
  }
}

describeWithPeers('Knot primary -> zonedns secondary with TSIG on transfers and NOTIFY', ['knotd', 'knotc'], () => {
  secondaryOfKnotWithKey('the same key', XFR_KEY, true);
});

describeWithPeers('Knot primary -> zonedns secondary with the wrong TSIG secret', ['knotd'], () => {
  secondaryOfKnotWithKey('the wrong secret', XFR_WRONG_KEY, false);
});
