// A daemon's resident memory, for tests that check memory is given back.

import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Daemon } from './daemon.js';

export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))![1]);
}

/**
 * Waits (polling, up to `timeoutMs`: V8 and the system give memory back in their own time) for
 * the RSS to be back within 20 % of `baseline`; fails saying how far it is if it is not.
 */
export async function expectRssBackTo(d: Daemon, baseline: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let rss = rssKiB(d.pid);
  while (rss > baseline * 1.2 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    rss = rssKiB(d.pid);
  }
  expect({ what, baselineKiB: baseline, rssKiB: rss, within20pct: rss <= baseline * 1.2 }).toEqual({ what, baselineKiB: baseline, rssKiB: rss, within20pct: true });
}
