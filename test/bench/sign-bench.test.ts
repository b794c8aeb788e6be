// Smoke test of the signing benchmark's harness (bench/sign.mjs), not of its numbers: a 2,000-record
// zone, one run, zonedns and dnssec-signzone, then two one-record edits of a signed 2,000-record
// zone served by `zonedns serve`. The bench must print its table and verdict lines and leave a
// JSON report in which both signers signed and every edit was served signed. Timings are never
// asserted: the machine is shared. With --keep-output the zone zonedns signed is kept, and
// dnssec-verify must accept it (the harness signs what the server signs).

import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPeers } from '../support/peers.js';
import { dnssecVerify } from '../interop/support/dnssec-tools.js';
import { ROOT, runBench } from './support/run-bench.js';

describeWithPeers('bench:sign harness (2,000 records, zonedns and dnssec-signzone)', ['dnssec-keygen', 'dnssec-signzone', 'dnssec-verify'], () => {
  test('prints the table and the three verdicts; both signed, every edit served signed', async () => {
    expect(existsSync(join(ROOT, 'dist/cli/main.js'))).toBe(true); // `npm test` builds dist/ first
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-sign-bench-test-'));
    try {
      const json = join(dir, 'sign.json');
      const res = await runBench('bench/sign.mjs', ['--records', '2000', '--edit-records', '2000', '--edits', '2', '--json', json, '--keep-output']);
      const details = `exit ${res.code}\n--- stdout ---\n${res.stdout}\n--- stderr ---\n${res.stderr.slice(-4000)}`;
      expect({ code: res.code, details }).toEqual({ code: 0, details });
      expect(res.stdout).toMatch(/^\| zonedns \(load \+ sign\) \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d \| \d+ \| [\d,]+ \|$/m);
      expect(res.stdout).toMatch(/^\| dnssec-signzone -n \d+ \(parse \+ sign \+ write\) \| \d+\.\d\d \|/m);
      expect(res.stdout).toMatch(/^- (MET|MISSED): zonedns signs in ≤ dnssec-signzone's wall time/m);
      expect(res.stdout).toMatch(/^- (MET|MISSED): peak RSS signing ≤ 2× the unsigned load/m);
      expect(res.stdout).toMatch(/^- (MET|MISSED): a one-record edit of the 2,000-record zone is served signed within 1 s of the write: median \d+ ms, max \d+ ms over 2 edits/m);

      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.runs.zonedns[0].signatures).toBeGreaterThan(2000);
      expect(report.runs.bind).toHaveLength(1);
      expect(report.edit.times).toHaveLength(2);
      expect(report.edit.rrsigs).toBeGreaterThan(2000);

      const kept = /signed zones kept in (\S+)/.exec(res.stdout)![1]!;
      const verdict = await dnssecVerify(kept, 'bench.example', 'zonedns.signed');
      expect({ status: verdict.status, output: verdict.stdout + verdict.stderr }).toMatchObject({ status: 0 });
      rmSync(kept, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
