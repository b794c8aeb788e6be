// Events a client causes once per packet reach the log at a bounded rate: 2,000 NOTIFYs from a
// stranger and 2,000 refused transfer requests make a few lines each and a summary ("… and N
// more in the last 10 s"), not 4,000 lines (the issue saw 1.2-1.6 MB of log).

import { afterAll, expect, test } from '@jest/globals';
import { Opcode } from '../../src/dns/constants.js';
import { TcpClient, UdpClient } from '../e2e/support/net.js';
import { query } from '../e2e/support/wire.js';
import { cleanupDaemons, startDaemon } from './support/daemon.js';

afterAll(cleanupDaemons);

test('2,000 stranger NOTIFYs and 2,000 refused AXFRs: at most 10 lines of each, then a summary', async () => {
  const d = await startDaemon();
  const since = d.mark();
  const u = await UdpClient.open(d.host, d.port);
  const c = await TcpClient.connect(d.host, d.port);
  try {
    for (let i = 0; i < 2000; i++) await u.send(query('example.com', 'SOA', { id: i, opcode: Opcode.NOTIFY }));
    // Pipelined on one connection, answered in order: the last reply means all were handled.
    await c.write(Buffer.concat(Array.from({ length: 2000 }, (_, i) => {
      const m = query('example.com', 'AXFR', { id: i });
      const len = Buffer.alloc(2);
      len.writeUInt16BE(m.length);
      return Buffer.concat([len, m]);
    })));
    await c.waitReplies(2000, 20_000);
  } finally {
    await u.close();
    c.destroy();
  }
  // Within the 10 s window: the lines so far, and the summaries once the process writes them
  // (at the window's end, or at shutdown).
  await d.stop('SIGTERM');
  const notify = d.logLines(/ NOTIFY refused /, since);
  const axfr = d.logLines(/ AXFR refused /, since);
  expect(notify.length).toBeLessThanOrEqual(10);
  expect(axfr).toHaveLength(10);
  expect(d.logLines(/ AXFR refused: … and 1,990 more in the last 10 s$/, since)).toHaveLength(1);
  // UDP may lose some NOTIFYs to a full socket buffer; those sent and read were counted.
  expect(d.logLines(/ NOTIFY refused: … and [\d,]+ more in the last 10 s$/, since)).toHaveLength(1);
}, 60_000);
