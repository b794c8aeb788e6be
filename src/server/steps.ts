// Optional steps of the answer path that other rooms provide (ops/ today): what handle.ts asks of
// them, and nothing more. Absent, the path is as if they did not exist.

import type { DecodedQuery, Transport } from '../wire/index.js';
import type { ZoneHandle } from '../zone/registry.js';

/**
 * Counts every message and what became of it (ops/query-counters.ts). The handler notes what it
 * learns about the message in two plain fields as it goes, then hands over the reply: no call and
 * no allocation per query beyond count() itself, which resets the fields.
 */
export interface QueryMeter {
  /** The zone the message was answered from, once the handler knows it. */
  zone: ZoneHandle | undefined;
  /** The reply came from the answer cache. */
  cacheHit: boolean;
  /** One message answered with `reply` (undefined: nothing was sent back). */
  count(reply: Uint8Array | undefined, transport: Transport): void;
  /** One message answered with a stream of messages (a zone transfer over TCP); `query` is the request. */
  countStream(query: Uint8Array): void;
}

/**
 * The server's identity (ops/identity.ts): CHAOS-class TXT answers (id.server, hostname.bind,
 * version.bind) and the EDNS options that say who answered and for how long the zone is good:
 * NSID (RFC 5001) and EXPIRE (RFC 7314).
 */
export interface IdentityStep {
  /** The whole reply to a query of class CH (RFC 1035 §3.2.4). */
  chaos(query: DecodedQuery, maxUdp: number): Buffer;
  /** Octets the answer must leave free for the options this query asks for; 0 when none. */
  reserve(query: DecodedQuery): number;
  /** The finished reply with those options added to its OPT. */
  finish(reply: Buffer, query: DecodedQuery): Buffer;
}
