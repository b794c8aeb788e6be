// zonedns as the secondary of a signing BIND 9.18 primary (`dnssec-policy default; inline-signing
// yes;`, the registrar story of issue #10), transfers signed with TSIG: the signed zone comes to us
// by AXFR, then by IXFR after a change on the primary (which re-signs it), and unbound, validating
// with the zone's key as trust anchor and a stub-zone to zonedns, gets AD=1 answers from us both
// before and after the change: positive, NXDOMAIN, NODATA, wildcard, DS at a delegation.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { nameFromText } from '../../src/dns/name.js';
import type { Logger, LogFields } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { SecondaryManager, SecondaryZone } from '../../src/xfr/secondary.js';
import { parseTsigKey } from '../../src/tsig/keys.js';
import { networkTransport, parsePrimary, tsigSigner } from '../../src/xfr/xfr-client.js';
import { describeWithPeers } from '../support/peers.js';
import { freePort } from './support/knot.js';
import { startUnbound, type RunningUnbound } from './support/unbound.js';
import { dnskeyText } from './support/validators.js';
import { startBindSigningPrimary, type Primary } from './support/xfr-primaries.js';
import { xfrZoneText, XFR_ZONE } from './support/xfr-scenario.js';
import { soaSerial, waitFor } from './support/xfr-server.js';
import { ask, encodeQuery, FLAG, parseResponse, rcodeName, T } from './support/wire.js';

describeWithPeers('zonedns secondary of a signing BIND primary, validated by unbound', ['named', 'unbound'], () => {
  const secret = Buffer.alloc(32, 0x6b).toString('base64');
  const key = parseTsigKey('xfr-key.', 'hmac-sha256', secret);
  let primary: Primary;
  let server: RunningServer;
  let sec: SecondaryZone;
  let unbound: RunningUnbound;
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const details = () => `--- named ---\n${primary?.log().slice(-2000)}\n--- zonedns ---\n${logs.slice(-20).join('\n')}`;
  const ourPort = () => server.listening[0]!.port;

  async function sameSerial(): Promise<number> {
    const theirs = await soaSerial('127.0.0.1', primary.port, XFR_ZONE);
    return waitFor(`zonedns to serve the primary's serial ${theirs}`, async () => {
      const ours = await soaSerial('127.0.0.1', ourPort(), XFR_ZONE);
      return ours !== undefined && ours === theirs ? ours : undefined;
    }, 15_000, details);
  }

  beforeAll(async () => {
    const port = await freePort();
    const notifyPort = await freePort();
    primary = await startBindSigningPrimary({ zone: XFR_ZONE, text: xfrZoneText(1), serial: 1, notifyPort, port, key: { name: 'xfr-key', secret } });
    const registry = new ZoneRegistry();
    sec = new SecondaryZone({
      origin: nameFromText(`${XFR_ZONE}.`), primaries: [parsePrimary(`127.0.0.1:${port}`)!], registry, log,
      transport: networkTransport({ signer: () => tsigSigner(key), soaTimeoutMs: 500, soaTries: 2 }),
    });
    const secondaries = new SecondaryManager();
    secondaries.add(sec);
    server = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port: notifyPort }], rotate: 'none', maxUdp: 1232, log, secondaries, xfr: { log } });
    sec.start();
    await sameSerial();
    // The trust anchor: the zone's key as zonedns serves it (BIND made it at start).
    const keys = parseResponse((await ask({ host: '127.0.0.1', port: ourPort() }, encodeQuery({ id: 9, name: nameFromText(`${XFR_ZONE}.`), type: T.DNSKEY }), false))!);
    const anchors = keys.answer.filter((rr) => rr.type === T.DNSKEY).map((rr) => dnskeyText(XFR_ZONE, rr.canon)).join('');
    expect(anchors).toMatch(/DNSKEY 257 3 13 /);
    unbound = await startUnbound({ stubs: [{ name: XFR_ZONE, host: '127.0.0.1', port: ourPort() }], anchors });
  }, 60_000);

  afterAll(async () => {
    sec?.stop();
    await Promise.all([unbound?.stop(), server?.close(), primary?.stop()]);
  });

  async function validated(cases: Array<[string, number, string]>): Promise<string[]> {
    const wrong: string[] = [];
    for (const [name, type, rcode] of cases) {
      const r = await unbound.query(name, type);
      const got = `${rcodeName(r.rcode)}${r.flags & FLAG.AD ? ' AD' : ''}`;
      if (got !== `${rcode} AD`) wrong.push(`${name} ${type}: got ${got}, want ${rcode} AD`);
    }
    return wrong.length ? [...wrong, unbound.process.log().split('\n').slice(-20).join('\n')] : [];
  }

  test('the signed zone transferred from BIND validates', async () => {
    expect(logs.some((l) => l.includes('secondary zone transferred'))).toBe(true);
    expect(await validated([
      [`www.${XFR_ZONE}`, T.A, 'NOERROR'], // CNAME to web
      [`ns1.${XFR_ZONE}`, T.A, 'NOERROR'],
      [XFR_ZONE, T.MX, 'NOERROR'],
      [`h4.${XFR_ZONE}`, T.AAAA, 'NOERROR'], // NODATA
      [`nothing.h4.${XFR_ZONE}`, T.A, 'NXDOMAIN'],
      [`anything.${XFR_ZONE}`, T.TXT, 'NOERROR'], // wildcard
      [`sub.${XFR_ZONE}`, T.DS, 'NOERROR'],
      [`_tcp.${XFR_ZONE}`, T.SRV, 'NOERROR'], // empty non-terminal
    ])).toEqual([]);
  }, 30_000);

  test('after a change on the primary (re-signed, IXFR to us) the new data validates', async () => {
    const before = logs.length;
    await primary.update(xfrZoneText(2), 2);
    await sameSerial();
    expect(logs.slice(before).find((l) => l.includes('secondary zone transferred'))).toMatch(/"how":"IXFR"/);
    expect(await validated([
      [`added-in-2.${XFR_ZONE}`, T.A, 'NOERROR'], // new in version 2
      [`added-in-2.${XFR_ZONE}`, T.AAAA, 'NOERROR'], // NODATA at a new name
      [`h5.${XFR_ZONE}`, T.AAAA, 'NOERROR'], // deleted in version 2: now the apex wildcard's NODATA
      [`nothing.added-in-2.${XFR_ZONE}`, T.A, 'NXDOMAIN'], // below a new name
      [`web.${XFR_ZONE}`, T.A, 'NOERROR'], // changed address
    ])).toEqual([]);
  }, 40_000);
});
