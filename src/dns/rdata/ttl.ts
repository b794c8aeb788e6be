// TTL-style durations in RDATA (the SOA timers): the same syntax as a record's TTL (dns/ttl.ts:
// seconds, or number+unit groups like `1h30m`), bounded by the 32-bit field instead of RFC 2181's
// 31-bit TTL limit.

import { parseTtl } from '../ttl.js';

/** Seconds for the text, or undefined if it is not a duration or exceeds 2^32-1. */
export function parseDuration(text: string): number | undefined {
  const seconds = parseTtl(text);
  return Number.isFinite(seconds) && seconds <= 0xffffffff ? seconds : undefined;
}
