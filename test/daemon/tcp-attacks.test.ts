// TCP attacks against a real `zonedns serve` (RFC 7766 §6.2.3, §10), timings scaled down through
// the config so each runs in seconds: a slowloris (520 connections trickling octets), an idle
// flood (700 connections that send nothing) and a pipelining flood (connections pipelining
// thousands of big-answer queries without reading). Throughout each, a legitimate client on
// another address opens a fresh connection every 50 ms (as a resolver retrying over TCP after
// TC=1 does) and must get every answer; the server's RSS must stay bounded, and come back to
// within 20 % of where it was once the attackers are gone. The attacker runs in a process of its
// own (support/tcp-attacker.mjs), so its connections do not starve the legitimate client.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TcpClient } from '../e2e/support/net.js';
import { parseResponse, query } from '../e2e/support/wire.js';
import { cleanupDaemons, makeTempDir, sleep, startDaemon, type Daemon } from './support/daemon.js';

const TXT = Array.from({ length: 8 }, (_, i) => `big TXT "${String(i).repeat(200)}"`).join('\n');
const ZONE = `$ORIGIN attack.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.80\n${TXT}\n`;
const CONFIG = {
  // Scaled down from the defaults (10 s idle, 3 s per query): the same mechanisms, in seconds.
  tcp: { idleTimeoutMs: 1500, queryTimeoutMs: 400, maxConnections: 512, maxConnectionsPerClient: 64, maxPendingBytes: 65536 },
};
const LEGIT = '127.0.0.2';
/** How long a legitimate query may take on a busy machine before it counts as lost. */
const LEGIT_TIMEOUT_MS = 5000;
const ATTACKER = fileURLToPath(new URL('./support/tcp-attacker.mjs', import.meta.url));

let d: Daemon;
let baselineKiB = 0;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** One TCP query on a fresh connection from LEGIT; resolves with the round trip in ms, rejects on failure. */
async function legitQuery(id: number): Promise<number> {
  const t0 = performance.now();
  const c = await TcpClient.connect(d.host, d.port, { localAddress: LEGIT });
  try {
    const r = parseResponse(await c.exchange(query('www.attack.test', 'A', { id }), LEGIT_TIMEOUT_MS));
    if (r.id !== id || r.rcode !== 0 || r.answer.length !== 1) throw new Error(`bad answer to ${id}`);
    return performance.now() - t0;
  } finally {
    c.destroy();
  }
}

/**
 * Runs `attack` (which resolves when the attack ends) while a legitimate client queries every
 * 50 ms and the server's RSS is sampled; returns what the legitimate client saw and the peak RSS.
 */
async function during(attack: () => Promise<void>): Promise<{ answered: number; failed: string[]; slowestMs: number; peakKiB: number }> {
  let running = true;
  const failed: string[] = [];
  let answered = 0;
  let slowestMs = 0;
  let peakKiB = 0;
  const prober = (async () => {
    for (let id = 1; running; id++) {
      const started = performance.now();
      try {
        slowestMs = Math.max(slowestMs, await legitQuery(id));
        answered++;
      } catch (err) {
        failed.push(`#${id}: ${(err as Error).message}`);
      }
      peakKiB = Math.max(peakKiB, rssKiB(d.pid));
      await sleep(Math.max(0, 50 - (performance.now() - started)));
    }
  })();
  try {
    await attack();
  } finally {
    running = false;
    await prober;
  }
  if (process.env.ZONEDNS_ATTACK_VERBOSE) process.stderr.write(`answered ${answered}, failed ${failed.join('; ') || 0}, slowest ${slowestMs.toFixed(0)} ms, RSS baseline ${baselineKiB} KiB, peak ${peakKiB} KiB\n`);
  return { answered, failed, slowestMs, peakKiB };
}

/** Polls until the server's RSS is within 20 % of the baseline (bounded); returns the last reading. */
async function settledKiB(): Promise<number> {
  let kib = rssKiB(d.pid);
  for (let i = 0; i < 100 && kib > baselineKiB * 1.2; i++) {
    await sleep(100);
    kib = rssKiB(d.pid);
  }
  if (process.env.ZONEDNS_ATTACK_VERBOSE) process.stderr.write(`RSS after: ${kib} KiB\n`);
  return kib;
}

interface Attack {
  mode: 'slowloris' | 'idle' | 'pipeline';
  /** Attacking addresses `${from}.1` ... (on loopback any 127/8 address is ours). */
  from: string;
  addresses: number;
  perAddress: number;
  ms: number;
  name: string;
  queries?: number;
}

/** Runs the attacker process; resolves with what it saw: connections opened, and cut by the server. */
async function attack(a: Attack): Promise<{ opened: number; cut: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [ATTACKER, JSON.stringify({ ...a, host: d.host, port: d.port })], { timeout: a.ms + 30_000 });
  return JSON.parse(stdout) as { opened: number; cut: number };
}

beforeAll(async () => {
  const config = join(makeTempDir(), 'zonedns.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  d = await startDaemon({ bundled: false, files: { 'attack.test.zone': ZONE }, args: ['--config', config] });
  // Warm up (JIT, caches), then take the baseline.
  for (let i = 0; i < 50; i++) await legitQuery(i + 1);
  await sleep(500);
  baselineKiB = rssKiB(d.pid);
}, 30_000);

afterAll(cleanupDaemons);

describe('TCP under attack, legitimate queries from another address answered throughout', () => {
  test('slowloris: 520 connections from 13 addresses, an octet every 150 ms, reconnecting when cut off', async () => {
    let result = { opened: 0, cut: 0 };
    const seen = await during(async () => {
      result = await attack({ mode: 'slowloris', from: '127.10.0', addresses: 13, perAddress: 40, ms: 3000, name: 'www.attack.test' });
    });
    expect({ failed: seen.failed }).toEqual({ failed: [] });
    expect(seen.answered).toBeGreaterThan(2);
    // The server cut the trickling connections: each needs ~4 s to send its query, and gets 400 ms.
    expect(result.cut).toBeGreaterThan(400);
    expect(seen.peakKiB).toBeLessThan(baselineKiB + 64 * 1024);
    expect(await settledKiB()).toBeLessThanOrEqual(baselineKiB * 1.2);
  }, 60_000);

  test('idle flood: 700 connections from 14 addresses that send nothing', async () => {
    let result = { opened: 0, cut: 0 };
    const seen = await during(async () => {
      result = await attack({ mode: 'idle', from: '127.11.0', addresses: 14, perAddress: 50, ms: 2000, name: 'www.attack.test' });
    });
    expect({ failed: seen.failed }).toEqual({ failed: [] });
    expect(seen.answered).toBeGreaterThan(2);
    // Past the cap of 512, newcomers made room: some of the flood's own connections were closed.
    expect(result.opened).toBeGreaterThan(512);
    expect(result.cut).toBeGreaterThan(0);
    expect(seen.peakKiB).toBeLessThan(baselineKiB + 64 * 1024);
    expect(await settledKiB()).toBeLessThanOrEqual(baselineKiB * 1.2);
  }, 60_000);

  test('pipelining: 200 connections from 10 addresses, each writing 5,000 big-answer queries without reading', async () => {
    const seen = await during(async () => {
      await attack({ mode: 'pipeline', from: '127.12.0', addresses: 10, perAddress: 20, ms: 3000, name: 'big.attack.test', queries: 5000 });
    });
    expect({ failed: seen.failed }).toEqual({ failed: [] });
    expect(seen.answered).toBeGreaterThan(2);
    // Bounded, not 1 GiB. This peak is mostly V8's heap growth, not pending answers (200 x 64 KiB):
    // measured +66 to +71 MiB, and +47 MiB with maxPendingBytes at 1e9 over these 3 s, so it does
    // not tell back-pressure apart; e2e/tcp.test.ts "back-pressure (maxPendingBytes)" does.
    expect(seen.peakKiB).toBeLessThan(baselineKiB + 96 * 1024);
    expect(await settledKiB()).toBeLessThanOrEqual(baselineKiB * 1.2);
  }, 60_000);
});
