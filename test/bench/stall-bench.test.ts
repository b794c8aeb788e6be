// Smoke test of the stall benchmark's harness (bench/stall/run.mjs --smoke), not of its numbers:
// a 2,000-name zone under dnsperf at 1,000 QPS while a 20,000-record zone reloads twice and each
// hostile input (small) is dropped into the zones directory. The bench must run every phase and
// print its table; every hostile input must have failed with its error. Timings are never
// asserted: the machine is shared. Lost queries are (a lost query is no timing).

import { expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeers } from '../support/peers.js';
import { runBench } from './support/run-bench.js';

interface Row { server: string; phase: string; sent: number; lost: number; notes: string }

describeWithPeers('npm run bench:stall harness (--smoke)', ['dnsperf'], () => {
  test('runs the baseline, the reloads, every hostile input and a signing; nothing lost; each input failed with its error', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zonedns-stall-bench-test-'));
    try {
      const json = join(out, 'stall.json');
      const res = await runBench('bench/stall/run.mjs', ['--smoke', '--json', json], {}, 240_000);
      const details = `exit ${res.code}\n--- stdout ---\n${res.stdout.slice(-6000)}\n--- stderr ---\n${res.stderr.slice(-4000)}`;
      expect({ code: res.code, details }).toEqual({ code: 0, details });
      expect(res.stdout).toMatch(/^\| server \| phase \| queries \| lost \|/m);
      const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] }).rows;
      expect(rows.map((r) => r.phase)).toEqual([
        'baseline (no reload)', '2 reloads of the 20,000-record zone', '$INCLUDE fan-out (16 files x 10)', '$INCLUDE of a FIFO', '$INCLUDE /dev/zero',
        'a 4 MB line', 'forty $GENERATE 1-65536', '400 $GENERATE in 16 KB', 'a symlinked subdirectory of 2,000 files',
        'while the 20,000-record zone is signed (first signing)',
      ]);
      for (const r of rows) expect({ phase: r.phase, sent: r.sent > 0, lost: r.lost }).toEqual({ phase: r.phase, sent: true, lost: 0 });
      for (const r of rows.slice(2, 8)) expect(r.notes).toMatch(/^failed after [\d.]+ s: .*(limit|not a regular file)/);
      expect(rows[9]!.notes).toMatch(/^signed [\d.]+ s after answering began: zone=bench\.example\. .*signed=\d+ kept=0 /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
