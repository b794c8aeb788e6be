// `serve` gives back the memory a zone load leaves behind (src/server/memory.ts): after the
// initial load; and a reload leaves none behind (the new zone comes packed, its nodes made when
// asked for: zone/packed.ts) — never losing the zone. The GC is the udp_batch addon's (skipped
// visibly without it; a failure in CI).

import { afterEach, expect, test } from '@jest/globals';
import { describeNative } from '../support/native.js';
import { cleanupDaemons, hasA, startDaemon } from './support/daemon.js';
import { expectRssBackTo, rssKiB } from './support/rss.js';

afterEach(cleanupDaemons);

/** A zone big enough that loading it grows the young generation (as the 100k bench zone does). */
function bigZone(names: number, extra = ''): string {
  const lines = ['$ORIGIN big.test.', '$TTL 300', '@ SOA ns.big.test. host.big.test. 1 3600 600 86400 300', '@ NS ns', 'ns A 192.0.2.1'];
  for (let i = 0; i < names; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `h${i} AAAA 2001:db8::${i.toString(16)}`);
  return lines.join('\n') + '\n' + extra;
}

describeNative('memory given back after loading', () => {
  test('after the initial load and after a big reload; the zone answers throughout', async () => {
    const d = await startDaemon({
      bundled: false,
      files: { 'big.test.zone': bigZone(60_000) },
      args: ['--log-level', 'debug'],
      readyTimeoutMs: 30_000,
    });
    // Before listening: the ready line comes after it.
    const loading = d.logLines(/ debug memory reduced after=loading /);
    expect(loading).toHaveLength(1);
    expect(loading[0]).toMatch(/rssMiB=[\d.]+ nowMiB=[\d.]+ ms=\d+/);
    expect(hasA('10.0.234.95')(await d.query('h59999.big.test', 'A'))).toBe(true);

    await d.waitForLog(/ debug load worker (ended|kept warm) /, { timeoutMs: 10_000 });
    const baseline = rssKiB(d.pid);
    for (let i = 1; i <= 3; i++) {
      const since = d.mark();
      d.write('big.test.zone', bigZone(60_000, `added A 192.0.2.${i}\n`));
      await d.waitFor('added.big.test', 'A', hasA(`192.0.2.${i}`), 30_000);
      await d.waitForLog(/ debug load worker (ended|kept warm) /, { since, timeoutMs: 10_000 });
    }
    await expectRssBackTo(d, baseline, 'three reloads of the 120k-record zone');
    expect(hasA('10.0.234.95')(await d.query('h59999.big.test', 'A', { transport: 'tcp' }))).toBe(true);
  }, 90_000);
});
