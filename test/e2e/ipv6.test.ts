// IPv6 listeners: the same answers over [::1], UDP and TCP (loopback only).

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { buildQuery, decode, tcpExchange, udpExchange } from '../support/server.js';

const TRICKY = readFileSync(new URL('../fixtures/zones/tricky.test.zone', import.meta.url), 'utf8');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    registry: registryOf(zoneFromText('tricky.test', TRICKY)),
    endpoints: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }],
    rotate: 'none',
    maxUdp: 1232,
    log: silentLogger,
  });
});
afterAll(() => server.close());

test('listens on IPv4 and IPv6, UDP and TCP each', () => {
  const seen = server.listening.map((l) => `${l.transport} ${l.address}`).sort();
  expect(seen).toEqual(['tcp 127.0.0.1', 'tcp ::1', 'udp 127.0.0.1', 'udp ::1']);
});

test('answers over UDP and TCP on ::1', async () => {
  const v6 = server.listening.find((l) => l.address === '::1')!;
  const udp = decode(await udpExchange('::1', v6.port, buildQuery('ns2.tricky.test', 'AAAA')));
  expect(udp.answers?.map((a) => (a as { data: string }).data)).toEqual(['2001:db8::54']);
  const [raw] = await tcpExchange('::1', v6.port, [buildQuery('web.tricky.test', 'A')]);
  expect(decode(raw).answers?.map((a) => (a as { data: string }).data)).toEqual(['192.0.2.80', '192.0.2.81']);
});
