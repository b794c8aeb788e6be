// `zonedns serve` as a real process answering the bundled zones over UDP and TCP.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BUNDLED_EXAMPLE_A, cleanupDaemons, RCODE, readyZoneCount, startDaemon, values, type Daemon } from './support/daemon.js';

let d: Daemon;
beforeAll(async () => {
  d = await startDaemon();
});
afterAll(cleanupDaemons);

test('startup logs every bundled zone loaded, both listeners, then ready with 3 zones', () => {
  for (const zone of ['example.com.', 'dev.test.', '2.0.192.in-addr.arpa.']) {
    expect(d.logLines(new RegExp(` info zone loaded zone=${zone.replace(/\./g, '\\.')} serial=2026112401 `))).toHaveLength(1);
  }
  expect(d.logLines(new RegExp(` info listening transport=udp address=127\\.0\\.0\\.1 port=${d.port}$`))).toHaveLength(1);
  expect(d.logLines(new RegExp(` info listening transport=tcp address=127\\.0\\.0\\.1 port=${d.port}$`))).toHaveLength(1);
  expect(readyZoneCount(d)).toBe(3);
  expect(d.logLines(/ (warn|error) /)).toEqual([]);
});

describe.each(['udp', 'tcp'] as const)('over %s', (transport) => {
  test('example.com A: the three web front ends, authoritative', async () => {
    const a = await d.query('example.com', 'A', { transport });
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(a.packet.flags! & 0x0400).toBeTruthy(); // AA
    expect(values(a, 'A')).toEqual(BUNDLED_EXAMPLE_A);
    expect(a.answers.every((rr) => rr.name === 'example.com' && (rr as { ttl?: number }).ttl === 3600)).toBe(true);
  });

  test('www.example.com CNAME, and an A query for it follows the CNAME in-zone', async () => {
    const c = await d.query('www.example.com', 'CNAME', { transport });
    expect(c.rcode).toBe(RCODE.NOERROR);
    expect(c.answers.map((rr) => [rr.name, rr.type, (rr as { data: string }).data])).toEqual([['www.example.com', 'CNAME', 'example.com']]);

    const a = await d.query('www.example.com', 'A', { transport });
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(a.answers[0]).toMatchObject({ name: 'www.example.com', type: 'CNAME', data: 'example.com' });
    expect(values(a, 'A')).toEqual(BUNDLED_EXAMPLE_A);
  });

  test('example.com MX, with the exchangers\' addresses in the additional section', async () => {
    const a = await d.query('example.com', 'MX', { transport });
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(values(a, 'MX')).toEqual(['10 mail1.example.com', '20 mail2.example.com']);
    const glue = a.additionals.filter((rr) => rr.type === 'A').map((rr) => `${rr.name} ${(rr as { data: string }).data}`).sort();
    expect(glue).toEqual(['mail1.example.com 192.0.2.25', 'mail2.example.com 192.0.2.26']);
  });

  test('PTR in the reverse zone', async () => {
    const a = await d.query('25.2.0.192.in-addr.arpa', 'PTR', { transport });
    expect(a.rcode).toBe(RCODE.NOERROR);
    expect(values(a, 'PTR')).toEqual(['mail1.example.com']);
    const web = await d.query('10.2.0.192.in-addr.arpa', 'PTR', { transport });
    expect(values(web, 'PTR')).toEqual(['example.com']);
  });

  test('dev.test wildcard: A and AAAA synthesized for any name, owner = the query name', async () => {
    for (const name of ['myapp.dev.test', 'api.myapp.dev.test']) {
      const a = await d.query(name, 'A', { transport });
      expect(a.rcode).toBe(RCODE.NOERROR);
      expect(a.answers.map((rr) => [rr.name, rr.type, (rr as { data: string }).data])).toEqual([[name, 'A', '127.0.0.1']]);
      const aaaa = await d.query(name, 'AAAA', { transport });
      expect(aaaa.rcode).toBe(RCODE.NOERROR);
      expect(aaaa.answers.map((rr) => [rr.name, rr.type, (rr as { data: string }).data])).toEqual([[name, 'AAAA', '::1']]);
    }
  });

  test('a name outside every zone is REFUSED; a missing name in a zone is NXDOMAIN', async () => {
    expect((await d.query('example.org', 'A', { transport })).rcode).toBe(RCODE.REFUSED);
    expect((await d.query('nope.example.com', 'A', { transport })).rcode).toBe(RCODE.NXDOMAIN);
  });
});

test('the process is still serving and logged no errors after all that', async () => {
  expect(d.running).toBe(true);
  expect(d.logLines(/ (warn|error) /)).toEqual([]);
});
