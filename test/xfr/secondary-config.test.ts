// Secondary zones in the configuration file (zones[i].primaries, primaryKey), and transfers
// signed with TSIG (RFC 8945) from an in-process zonedns primary that requires the key.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { parseConfig } from '../../src/cli/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { TransferPolicy } from '../../src/xfr/acl.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring } from '../../src/tsig/keys.js';
import { networkTransport, parsePrimary, soaSerialOf, tsigSigner } from '../../src/xfr/xfr-client.js';
import { name, zoneFromText } from '../support/zones.js';

const secret = Buffer.alloc(32, 7).toString('base64');

describe('configuration of secondary zones', () => {
  const parse = (zone: object, extra: object = {}) => parseConfig(JSON.stringify({ zones: [zone], ...extra }), '/etc/zonedns');

  it('reads primaries, primaryKey and the file for the copy', () => {
    const cfg = parse({ file: 'sec/example.org.zone', origin: 'example.org', primaries: ['127.0.0.1:5300', '[::1]', '192.0.2.1'], primaryKey: 'xfr-key' },
      { keys: [{ name: 'xfr-key', secret }] });
    const z = cfg.zones[0]!;
    expect(z.file).toBe('/etc/zonedns/sec/example.org.zone');
    expect(z.primaries!.map((p) => `${p.host} ${p.port}`)).toEqual(['127.0.0.1 5300', '::1 53', '192.0.2.1 53']);
    expect(z.primaryKey).toEqual(name('xfr-key'));
  });

  it.each([
    [{ file: 'a', primaries: ['127.0.0.1'] }, /zones\[0\]\.origin: required for a zone with primaries/],
    [{ file: 'a', origin: 'a.test', primaries: [] }, /zones\[0\]\.primaries: expected a non-empty array/],
    [{ file: 'a', origin: 'a.test', primaries: ['primary.example'] }, /zones\[0\]\.primaries\[0\]: expected an IP address/],
    [{ file: 'a', origin: 'a.test', primaries: ['127.0.0.1:99999'] }, /zones\[0\]\.primaries\[0\]/],
    [{ file: 'a', origin: 'a.test', primaries: ['127.0.0.1'], serial: 'auto' }, /zones\[0\]\.serial: not allowed with primaries/],
    [{ file: 'a', origin: 'a.test', primaryKey: 'k' }, /zones\[0\]\.primaryKey: needs primaries/],
    [{ file: 'a', origin: 'a.test', primaries: ['127.0.0.1'], primaryKey: 'k' }, /zones\[0\]\.primaryKey: TSIG key "k\." is not defined/],
  ])('rejects %j', (zone, message) => {
    expect(() => parse(zone)).toThrow(message);
  });
});

describe('TSIG-signed transfers from a primary that requires the key', () => {
  const key = parseTsigKey('xfr-key.', 'hmac-sha256', secret);
  const wrong = parseTsigKey('xfr-key.', 'hmac-sha256', Buffer.alloc(32, 8).toString('base64'));
  let server: RunningServer;
  const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

  beforeAll(async () => {
    const snap = zoneFromText('t.test', '$TTL 300\n@ SOA ns h 42 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.80\n');
    const { ZoneRegistry } = await import('../../src/zone/registry.js');
    const registry = new ZoneRegistry();
    registry.set({ origin: snap.origin, snapshot: snap, options: { transfer: new TransferPolicy({ allow: ['127.0.0.1'], keys: [key.name] }) } });
    server = await startServer({ registry, endpoints: [{ host: '127.0.0.1', port: 0 }], rotate: 'none', maxUdp: 1232, log, xfr: { log, tsig: createTsigHook(new TsigKeyring([key])) } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('signed SOA query and AXFR with the right key; refused without it or with a wrong one', async () => {
    const p = parsePrimary(`127.0.0.1:${server.listening[0]!.port}`)!;
    const o = name('t.test');
    const signed = networkTransport({ signer: () => tsigSigner(key) });
    expect(soaSerialOf((await signed.querySoa(p, o)).rdata)).toBe(42);
    const full = await signed.transfer(p, o, 'axfr');
    expect(full.kind === 'full' && full.records.map((r) => r.type)).toEqual([RRType.SOA, RRType.NS, RRType.A, RRType.A]);
    await expect(networkTransport().transfer(p, o, 'axfr')).rejects.toThrow(/rcode 5/);
    await expect(networkTransport({ signer: () => tsigSigner(wrong) }).transfer(p, o, 'axfr')).rejects.toThrow(/rcode 9|TSIG/);
  });
});
