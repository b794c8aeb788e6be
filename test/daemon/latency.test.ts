// Reload latency of a real `zonedns serve` process: time from writeFileSync of the zone file to
// the first answer on the wire that carries the new data. Measured and printed, not asserted
// (the floor is the watcher's 150 ms debounce; the rest depends on the machine's load).

import { afterAll, expect, test } from '@jest/globals';
import { BUNDLED_SERIAL, cleanupDaemons, exampleA, exampleZone, hasA, startDaemon } from './support/daemon.js';

afterAll(cleanupDaemons);

test('reload latency over 10 in-place edits of example.com (printed)', async () => {
  const d = await startDaemon();
  const samples: number[] = [];
  for (let i = 1; i <= 10; i++) {
    const addr = `192.0.2.${200 + i}`;
    const text = exampleZone(BUNDLED_SERIAL + i, addr);
    const t0 = performance.now();
    d.write('example.com.zone', text);
    await d.waitFor('example.com', 'A', hasA(...exampleA(addr)), 5000, { intervalMs: 5 });
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = (sorted[4] + sorted[5]) / 2;
  const f = (n: number) => `${n.toFixed(0)} ms`;
  console.log(`reload latency, writeFileSync -> first new answer (10 edits, 5 ms polling): `
    + `min ${f(sorted[0])}, median ${f(median)}, max ${f(sorted[9])}; all: ${samples.map((s) => s.toFixed(0)).join(' ')}`);
  expect(samples).toHaveLength(10);
  expect(d.logLines(/ info zone reloaded zone=example\.com\. /)).toHaveLength(10);
});
