// Rate-limited logging for events a client can cause once per packet (a refused transfer, a
// NOTIFY from a stranger, a malformed query): a flood of them must not become a flood of log
// lines. Each message text is its own bucket: the first `burst` lines of a window are written,
// the rest are counted, and when the window ends one summary line says how many were left out:
//
//   ... info NOTIFY refused zone=example.com. client=192.0.2.7 reason="not a zone we are secondary for"
//   ... info NOTIFY refused: … and 9,950 more in the last 10 s
//
// Message texts are constants in the code, so the buckets are few and bounded.

import type { LogFields, Logger, LogLevel } from '../log.js';

export interface LogLimitOptions {
  /** Lines per message text written per window. */
  readonly burst: number;
  readonly windowMs: number;
  /** Milliseconds; default Date.now. */
  readonly now?: () => number;
}

export const DEFAULT_LOG_LIMIT: LogLimitOptions = { burst: 10, windowMs: 10_000 };

interface Bucket {
  level: LogLevel;
  windowStart: number;
  written: number;
  suppressed: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * A Logger that writes through `log` with each message text limited to `burst` lines per
 * window, and the number left out summarised once the window ends. `close()` writes the
 * summaries still pending and stops their timers.
 */
export class LimitedLogger implements Logger {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly log: Logger, private readonly options: LogLimitOptions = DEFAULT_LOG_LIMIT) {
    this.now = options.now ?? Date.now;
  }

  debug(msg: string, fields?: LogFields): void {
    if (this.allow('debug', msg)) this.log.debug(msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    if (this.allow('info', msg)) this.log.info(msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    if (this.allow('warn', msg)) this.log.warn(msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    if (this.allow('error', msg)) this.log.error(msg, fields);
  }

  /**
   * Whether a line with this text may be written now; counts it otherwise. For callers that
   * would build fields only to have them dropped.
   */
  allow(level: LogLevel, msg: string): boolean {
    const now = this.now();
    let b = this.buckets.get(msg);
    if (b === undefined) {
      b = { level, windowStart: now, written: 0, suppressed: 0, timer: undefined };
      this.buckets.set(msg, b);
    } else if (now - b.windowStart >= this.options.windowMs) {
      this.summarize(msg, b);
      b.windowStart = now;
      b.written = 0;
    }
    if (b.written < this.options.burst) {
      b.written++;
      return true;
    }
    b.suppressed++;
    b.level = level;
    if (b.timer === undefined) {
      const bucket = b;
      b.timer = setTimeout(() => {
        bucket.timer = undefined;
        this.summarize(msg, bucket);
      }, Math.max(0, b.windowStart + this.options.windowMs - now));
      b.timer.unref();
    }
    return false;
  }

  /** Writes pending summaries and stops the timers. */
  close(): void {
    for (const [msg, b] of this.buckets) this.summarize(msg, b);
  }

  private summarize(msg: string, b: Bucket): void {
    if (b.timer !== undefined) {
      clearTimeout(b.timer);
      b.timer = undefined;
    }
    if (b.suppressed === 0) return;
    const seconds = Math.round(this.options.windowMs / 1000);
    this.log[b.level](`${msg}: … and ${b.suppressed.toLocaleString('en-US')} more in the last ${seconds} s`);
    b.suppressed = 0;
  }
}
