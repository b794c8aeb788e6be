// The per-packet log: a burst of lines per message text per window, the rest counted and
// summarised in one line when the window ends.

import { expect, jest, test } from '@jest/globals';
import { LimitedLogger } from '../../src/limits/log-limit.js';
import type { LogFields, Logger } from '../../src/log.js';

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => lines.push(`${level} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return { log: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }, lines };
}

test('10,000 refusals in one window: the first lines, then one summary when the window ends', () => {
  jest.useFakeTimers();
  try {
    let now = 0;
    const { log, lines } = recorder();
    const limited = new LimitedLogger(log, { burst: 3, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 10_000; i++) limited.info('NOTIFY refused', { client: `192.0.2.${i % 250}` });
    limited.warn('AXFR refused', { client: '192.0.2.1' });
    expect(lines).toEqual([
      'info NOTIFY refused {"client":"192.0.2.0"}',
      'info NOTIFY refused {"client":"192.0.2.1"}',
      'info NOTIFY refused {"client":"192.0.2.2"}',
      'warn AXFR refused {"client":"192.0.2.1"}',
    ]);
    now = 10_000;
    jest.advanceTimersByTime(10_000);
    expect(lines.slice(4)).toEqual(['info NOTIFY refused: … and 9,997 more in the last 10 s']);
    // A new window writes again.
    limited.info('NOTIFY refused', { client: '192.0.2.9' });
    expect(lines).toHaveLength(6);
    limited.close();
    expect(lines).toHaveLength(6);
  } finally {
    jest.useRealTimers();
  }
});

test('close() writes the summaries still pending', () => {
  const { log, lines } = recorder();
  const limited = new LimitedLogger(log, { burst: 1, windowMs: 60_000 });
  for (let i = 0; i < 5; i++) limited.debug('malformed query');
  limited.close();
  expect(lines).toEqual(['debug malformed query', 'debug malformed query: … and 4 more in the last 60 s']);
});
