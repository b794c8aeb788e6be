// BIND's and ldns's DNSSEC tools as tests use them: make keys (dnssec-keygen), sign zones
// (dnssec-signzone, ldns-signzone) and judge signed zones (dnssec-verify, ldns-verify-zone).
// Every run is asynchronous (independent runs overlap) and bounded in time.

import { spawn } from 'node:child_process';
import { findProgram } from '../../support/peers.js';

export const DNSSEC_TOOLS = ['dnssec-keygen', 'dnssec-signzone', 'dnssec-verify', 'ldns-signzone', 'ldns-verify-zone'] as const;

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (killed after `timeoutMs`). */
export function runTool(program: string, args: readonly string[], cwd: string, timeoutMs = 20_000): Promise<ToolRun> {
  const path = findProgram(program);
  if (path === undefined) return Promise.reject(new Error(`${program} is not installed`));
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs a preparation step (key generation, signing) and fails loudly if it fails. */
export async function mustRun(program: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await runTool(program, args, cwd);
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** dnssec-keygen: a combined signing key (KSK flag, signs everything) in `dir`; returns its base name. */
export async function bindKey(dir: string, zone: string, algorithm: 'ECDSAP256SHA256' | 'ED25519' = 'ECDSAP256SHA256'): Promise<string> {
  return (await mustRun('dnssec-keygen', ['-q', '-K', dir, '-a', algorithm, '-f', 'KSK', zone], dir)).trim();
}

/**
 * dnssec-verify on a signed zone file. `-z`: a key with the KSK flag may sign everything (a CSK,
 * as zonedns and BIND's default policy use).
 */
export function dnssecVerify(dir: string, zone: string, file: string): Promise<ToolRun> {
  return runTool('dnssec-verify', ['-z', '-o', zone, file], dir);
}

/** ldns-verify-zone on a signed zone file; `extra` e.g. ['-e', 'P7D'] (no signature expiring within 7 days). */
export function ldnsVerifyZone(dir: string, file: string, extra: readonly string[] = []): Promise<ToolRun> {
  return runTool('ldns-verify-zone', [...extra, file], dir);
}
