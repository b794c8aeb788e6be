// Smoke test of the QPS benchmark's harness (bench/qps/run.mjs --smoke), not of its numbers: a
// 2,000-name zone, one 1-second dnsperf run, zonedns (plain, with metrics, with every name
// health-checked, and with DO=1 on signed copies of the zones) and the bare Node dgram responder.
// The bench must start them, check each zonedns's sampled answers, measure them and print its
// table; the JSON report must have every row with answered queries. Timings are never asserted:
// the machine is shared.

import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeers } from '../support/peers.js';
import { ROOT, runBench } from './support/run-bench.js';


interface Row { name: string; check?: { n: number; wrong: number; noAnswer: number; skipped?: boolean }; udp?: { qps: number }; udpRuns: Array<{ completed: number }> }

describeWithPeers('npm run bench harness (--smoke: zonedns plain, with metrics, health-checked and DO=1, and the Node dgram responder, 2,000 names)', ['dnsperf', 'dnssec-signzone'], () => {
  test('measures them and prints the table; zonedns\'s sampled answers are right, health-checked and with DO=1 too', async () => {
    expect(existsSync(join(ROOT, 'dist/cli/main.js'))).toBe(true); // `npm test` builds dist/ first
    const out = mkdtempSync(join(tmpdir(), 'zonedns-qps-bench-test-'));
    try {
      // A short budget: in CI other tests share the cores, and the bench must not wait for quiet.
      // Ports moved off the bench's own 5311-5321 (a user's `npm run bench` may be running):
      // 15311-20321, below the kernel's ephemeral range, different per test process.
      const PORT_OFFSET = String(10_000 + (process.pid % 5_000));
      const res = await runBench('bench/qps/run.mjs', ['--smoke'], { OUT: out, N: '2000', QUERIES: '5000', SAMPLE: '50', DUR: '1', RATE: '1000', BUDGET: '30', QUIET_WAIT: '0', PORT_OFFSET });
      const details = `exit ${res.code}\n--- stdout ---\n${res.stdout.slice(-6000)}\n--- stderr ---\n${res.stderr.slice(-4000)}`;
      expect({ code: res.code, details }).toEqual({ code: 0, details });
      const table = readFileSync(join(out, 'table.md'), 'utf8');
      expect(table).toMatch(/^\| server \| QPS \| CPU % \| QPS\/core \|/m);
      expect(table).toMatch(/^\| zonedns \| [\d,]+ !? ?\|/m);
      expect(table).toMatch(/^\| Node dgram \| [\d,]+ !? ?\|/m);
      expect(table).toMatch(/^\| zonedns \+ metrics \| [\d,]+ !? ?\|/m);
      expect(table).toMatch(/^- QPS\/core with every name health-checked ≥ 0\.95× without: /m);
      expect(table).toMatch(/^- Counting queries for the metrics costs ≤ 5% of QPS\/core: /m);
      const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: Row[] };
      expect(report.rows.map((r) => r.name).sort()).toEqual(['dgram', 'zonedns', 'zonedns-do', 'zonedns-health', 'zonedns-metrics']);
      expect(table).toMatch(/^\| zonedns DO=1 \(signed\) \| [\d,]+ !? ?\|/m);
      expect(table).toMatch(/DO=1 on the signed zones, QPS\/core ≥ 0\.8× DO=0: zonedns DO=1 [\d,]+ \/ DO=0 [\d,]+ = [\d.]+×/);
      for (const row of report.rows) {
        expect({ row: row.name, answered: row.udpRuns.length > 0 && row.udpRuns.every((r) => r.completed > 0) }).toEqual({ row: row.name, answered: true });
      }
      for (const name of ['zonedns', 'zonedns-health', 'zonedns-do']) {
        const z = report.rows.find((r) => r.name === name)!;
        expect(z.check).toBeDefined();
        if (z.check?.skipped !== true) expect({ name, wrong: z.check!.wrong, noAnswer: z.check!.noAnswer }).toEqual({ name, wrong: 0, noAnswer: 0 });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
