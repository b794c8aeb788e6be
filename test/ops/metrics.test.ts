// The metrics registry (ops/metrics.ts) on its own: counters kept by other rooms (rate limits,
// cookies, TCP limits) join the scrape through `extra`, read at each scrape, zero samples left out.

import { expect, test } from '@jest/globals';
import { createMetrics, type CounterSource } from '../../src/ops/metrics.js';
import { QueryCounters } from '../../src/ops/query-counters.js';
import { ZoneBook } from '../../src/ops/zone-book.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { samples } from './support/ops.js';

test('extra counter sources are exported, read again at each scrape', async () => {
  const kept = { slipped: 0, dropped: 3 };
  const rrl: CounterSource = {
    name: 'zonedns_rrl_responses_total', help: 'Responses the rate limit slipped or dropped.', labelNames: ['action'],
    read: () => Object.entries(kept).map(([action, v]) => [{ action }, v] as const),
  };
  const metrics = createMetrics({
    registry: new ZoneRegistry(), book: new ZoneBook(), counters: new QueryCounters(), stateWriteFailures: () => ({}),
    startTime: 0, version: '0.0.0', extra: [rrl],
  });
  let text = await metrics.metrics();
  expect(text).toContain('# TYPE zonedns_rrl_responses_total counter');
  expect(samples(text).get('zonedns_rrl_responses_total{action="dropped"}')).toBe(3);
  expect(samples(text).has('zonedns_rrl_responses_total{action="slipped"}')).toBe(false);
  kept.slipped = 5;
  text = await metrics.metrics();
  expect(samples(text).get('zonedns_rrl_responses_total{action="slipped"}')).toBe(5);
});
