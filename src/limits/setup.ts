// Building the per-packet defences from the server's settings: the cookie secret (configured,
// or random and rolled over on a timer), the rate limiter, the per-packet log of the query path.

import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { CoarseClock } from './clock.js';
import { ServerCookies } from './cookies.js';
import { LimitedLogger } from './log-limit.js';
import { QueryLimits } from './query-limits.js';
import { ResponseRateLimiter, type RrlOptions } from './rrl.js';

export interface CookieSettings {
  /**
   * The server secret (16 octets). Servers that share it accept each other's cookies (RFC 9018
   * §5: anycast). Absent: a random one, replaced every `rotateSeconds`.
   */
  readonly secret?: Uint8Array;
  /** Secrets replaced recently, still accepted while clients' cookies move to the new one. */
  readonly previousSecrets?: readonly Uint8Array[];
  /** How often a random secret is replaced (the previous one stays accepted). */
  readonly rotateSeconds?: number;
}

/** RFC 9018 §5 leaves it to the operator; Knot rotates its random secret every 26 hours. */
export const DEFAULT_COOKIE_ROTATION_SECONDS = 24 * 3600;

export interface LimitsSettings {
  readonly rrl?: RrlOptions;
  readonly cookies?: CookieSettings;
  readonly log: Logger;
  readonly maxUdp: number;
}

export interface RunningLimits {
  readonly limits: QueryLimits;
  /** Stops the clock and the secret's rotation, and writes pending log summaries. */
  close(): void;
}

export function startLimits(settings: LimitsSettings): RunningLimits {
  const log = new LimitedLogger(settings.log);
  const clock = new CoarseClock();
  let cookies: ServerCookies | undefined;
  let rotation: NodeJS.Timeout | undefined;
  const c = settings.cookies;
  if (c !== undefined) {
    cookies = new ServerCookies({ secret: c.secret ?? randomBytes(16), previous: c.previousSecrets, now: clock.seconds });
    if (c.secret === undefined) {
      const next = cookies;
      rotation = setInterval(() => next.rotate(randomBytes(16)), (c.rotateSeconds ?? DEFAULT_COOKIE_ROTATION_SECONDS) * 1000);
      rotation.unref();
    }
  }
  const rrl = settings.rrl === undefined ? undefined : new ResponseRateLimiter(settings.rrl, clock.now);
  return {
    limits: new QueryLimits({ rrl, cookies, log, maxUdp: settings.maxUdp }),
    close: () => {
      if (rotation !== undefined) clearInterval(rotation);
      clock.close();
      log.close();
    },
  };
}
