import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { startTestServer, tcpQuery, udpQuery, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer([{ origin: 'tricky.test', text: readFileSync(new URL('../fixtures/zones/tricky.test.zone', import.meta.url), 'utf8') }]);
});
afterAll(() => t.close());

test('UDP and TCP answer on the same port', async () => {
  const u = await udpQuery(t, 'web.tricky.test', 'A');
  expect(u.packet.answers?.length).toBe(2);
  const c = await tcpQuery(t, 'web.tricky.test', 'A');
  expect(c.packet.answers?.length).toBe(2);
});
