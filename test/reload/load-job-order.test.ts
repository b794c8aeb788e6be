// The load worker's job (src/reload/load-job.ts) sends a zone's canonical order after the zone,
// for the AXFRs of a zone some client may transfer, and not otherwise (the sort keeps the worker
// busy after the swap, which the thread that answers pays for in GC pauses).

import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadJob, type JobMessage } from '../../src/reload/load-job.js';
import { canonicalIndexOrder } from '../../src/zone/canonical-nodes.js';
import { zoneLimits } from '../../src/zone/limits.js';
import { loadZoneText } from '../../src/zone/load.js';

const TEXT = '$ORIGIN o.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nzz A 192.0.2.2\nb.a TXT "x"\nA AAAA ::1\n';

async function run(canonicalOrder: boolean | undefined): Promise<JobMessage[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-load-job-'));
  try {
    const file = join(dir, 'o.test.zone');
    writeFileSync(file, TEXT);
    const sent: JobMessage[] = [];
    await runLoadJob({ file, limits: zoneLimits(), canonicalOrder }, {
      send: (m) => { sent.push(m); },
      servedSerial: async (fileSerial) => fileSerial,
      cancelled: () => false,
    });
    return sent;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('canonical order from the load job', () => {
  test('sent after the end, as the order of the same table, when asked for', async () => {
    const sent = await run(true);
    expect(sent.map((m) => m.kind)).toEqual(['loaded', 'segment', 'end', 'order']);
    const order = (sent[3] as Extract<JobMessage, { kind: 'order' }>).order;
    expect([...order]).toEqual([...canonicalIndexOrder(loadZoneText(TEXT).snapshot!)]);
    expect(order.length).toBe(4);
  });

  test('not sent otherwise', async () => {
    expect((await run(false)).map((m) => m.kind)).toEqual(['loaded', 'segment', 'end']);
    expect((await run(undefined)).map((m) => m.kind)).toEqual(['loaded', 'segment', 'end']);
  });
});
