// Runs a benchmark script as the user would (node bench/…/run.mjs ARGS), for the harness smoke
// tests. SIGTERM on timeout: the benches then stop the servers they started, by PID.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BenchRun { code: number | null; stdout: string; stderr: string }

export function runBench(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 100_000): Promise<BenchRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}
