// A Logger that records each line as "level message {fields}" (debug dropped), for tests that
// assert on what was logged.

import type { Logger } from '../../src/log.js';

export function linesLogger(lines: string[]): Logger {
  const rec = (level: string) => (msg: string, f?: Record<string, unknown>) => lines.push(`${level} ${msg} ${JSON.stringify(f ?? {})}`);
  return { debug() {}, info: rec('info'), warn: rec('warn'), error: rec('error') };
}
