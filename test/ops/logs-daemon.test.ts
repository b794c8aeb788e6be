// What operators grep and ship: a zone file's error names its zone, file and line as JSON fields
// (and in front of the message in text logs, as compilers do), the query log names response codes,
// and a refused transfer is a warning.

import { afterEach, expect, test } from '@jest/globals';
import { cleanupDaemons, startDaemon } from '../daemon/support/daemon.js';
import { buildQuery, tcpExchange, udpExchange } from '../support/server.js';

afterEach(cleanupDaemons);

const BROKEN = '$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.300\n';

test('JSON lines: zone, file and line are fields of a zone error; the query log says NXDOMAIN, not 3', async () => {
  const d = await startDaemon({ files: { 'broken.test.zone': BROKEN }, args: ['--log-format', 'json', '--query-log'], readyPattern: /"msg":"ready"/ });
  await udpExchange(d.host, d.port, buildQuery('nope.example.com', 'A'));
  await d.waitForLog(/"msg":"query"/);
  const objects = d.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(objects.find((o) => o.level === 'error' && o.file === d.path('broken.test.zone'))).toMatchObject({
    msg: 'A: bad IPv4 address "192.0.2.300"', zone: 'broken.test.', line: 4, column: 6,
  });
  expect(objects.find((o) => o.msg === 'query')).toMatchObject({ qname: 'nope.example.com.', rcode: 'NXDOMAIN' });
});

test('text lines: the place in front of the message, the zone after; a refused AXFR at warn', async () => {
  const d = await startDaemon({ files: { 'broken.test.zone': BROKEN } });
  const err = d.logLines(/ error .*broken\.test\.zone:/)[0];
  expect(err).toMatch(new RegExp(` error ${d.path('broken.test.zone').replace(/\./g, '\\.')}:4:6: A: bad IPv4 address "192\\.0\\.2\\.300" zone=broken\\.test\\.$`));
  await tcpExchange(d.host, d.port, [buildQuery('example.com', 'AXFR')]);
  await d.waitForLog(/ warn AXFR refused zone=example\.com\. client=127\.0\.0\.1 rcode=REFUSED reason=/);
});
