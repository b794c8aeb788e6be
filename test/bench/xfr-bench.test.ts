// Smoke test of the transfer benchmark's harness (bench/xfr/run.mjs), not of its numbers: a
// 2,000-record zone, one run, zonedns and Knot only. The bench must print its table with a time
// in every row and leave a JSON report in which every transfer was complete (each AXFR, from a
// primary or read back from a secondary, had every record and the serial twice). Timings are
// never asserted: the machine is shared.

import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeers } from '../support/peers.js';
import { ROOT, runBench } from './support/run-bench.js';

const RECORDS = 2000;

interface Run { seconds?: number; rrs?: number; problems: string[] }
interface Job { key: string; kind: 'client' | 'secondary'; label: string; runs: Run[]; summary: { seconds?: number; complete: number; runs: number } }

describeWithPeers('bench:xfr harness (zonedns and Knot, 2,000 records)', ['knotd'], () => {
  test('prints the table with a time in every row, and every transfer was complete', async () => {
    expect(existsSync(join(ROOT, 'dist/cli/main.js'))).toBe(true); // `npm test` builds dist/ first
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-xfr-bench-test-'));
    try {
      const json = join(dir, 'xfr.json');
      const res = await runBench('bench/xfr/run.mjs', ['--records', String(RECORDS), '--runs', '1', '--axfrs', '1', '--servers', 'zonedns,knot', '--deadline', '30', '--json', json]);
      const details = `exit ${res.code}\n--- stdout ---\n${res.stdout}\n--- stderr ---\n${res.stderr.slice(-4000)}`;
      expect({ code: res.code, details }).toEqual({ code: 0, details });

      const num = String.raw`(\d+\.\d{3})`;
      const rows = [
        'zonedns → client', 'Knot → client', 'zonedns → Knot secondary', 'Knot → Knot secondary', 'Knot → zonedns secondary',
      ];
      for (const label of rows) {
        // | label | median s | best s | × Knot | ... | RRs | complete |
        expect(res.stdout).toMatch(new RegExp(String.raw`^\| ${label} \| ${num} \| ${num} \| \d+\.\d\d× \|.*\| 2,001 \| 1/1 \|$`, 'm'));
      }
      expect(res.stdout).toMatch(/^\| transfer \| median s \| best s \| × Knot \|/m);
      expect(res.stdout).toMatch(/^- (MET|MISSED): zonedns serves the AXFR as fast as Knot/m);

      const report = JSON.parse(readFileSync(json, 'utf8')) as { zone: { expectedRRs: number }; jobs: Job[]; firstAxfr: Record<string, Run> };
      expect(report.zone.expectedRRs).toBe(RECORDS + 1);
      expect(Object.keys(report.firstAxfr).sort()).toEqual(['knot', 'zonedns']);
      for (const w of Object.values(report.firstAxfr)) expect(w).toMatchObject({ rrs: RECORDS + 1, problems: [] });
      expect(report.jobs.map((j) => j.key).sort()).toEqual(['client:knot', 'client:zonedns', 'knot>knot', 'knot>zonedns', 'zonedns>knot']);
      for (const job of report.jobs) {
        expect({ job: job.key, complete: job.summary.complete, runs: job.summary.runs }).toEqual({ job: job.key, complete: 1, runs: 1 });
        for (const run of job.runs) {
          expect({ job: job.key, rrs: run.rrs, problems: run.problems }).toEqual({ job: job.key, rrs: RECORDS + 1, problems: [] });
          expect(run.seconds).toBeGreaterThan(0);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
