// Helpers for the operations tests against a real `zonedns serve` process: a configuration with a
// state directory (where the control socket goes) and metrics on a port of the kernel's choice,
// `zonedns ctl` run as a process, and /metrics read and parsed.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { findProgram } from '../../support/peers.js';
import { runZonedns, type Daemon, type RunResult } from '../../daemon/support/daemon.js';

/** Writes `<dir>/zonedns.json`: state (and the control socket) in `<dir>/state`, metrics on port 0, plus `extra`. */
export function opsConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'zonedns.json');
  writeFileSync(file, JSON.stringify({ stateDir: 'state', metrics: '127.0.0.1:0', ...extra }, null, 2));
  return file;
}

/** `zonedns ctl -c CONFIG ARGS...`, as an operator runs it. */
export function ctl(config: string, ...args: string[]): Promise<RunResult> {
  return runZonedns(['ctl', '-c', config, ...args]);
}

/** `zonedns ctl ... --json`, parsed; throws with the output when it did not exit 0. */
export async function ctlJson<T = unknown>(config: string, ...args: string[]): Promise<T> {
  const r = await ctl(config, ...args, '--json');
  if (r.code !== 0) throw new Error(`zonedns ctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The port the metrics listener took (from its log line). */
export async function metricsPort(d: Daemon): Promise<number> {
  const line = await d.waitForLog(/ info metrics listening /);
  return Number(/ port=(\d+)/.exec(line)![1]);
}

export function httpGet(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Sample values of Prometheus text, by `name{label="value",...}` with the labels sorted; only the
 * lines that are samples. The format itself is checked by promtool (promtoolCheck).
 */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels = m[2] === undefined || m[2] === '' ? [] : m[2].split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/).sort();
    out.set(labels.length === 0 ? m[1]! : `${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** `promtool check metrics` (Prometheus's own parser and linter) on the text: its exit status and what it said. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync(findProgram('promtool')!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
