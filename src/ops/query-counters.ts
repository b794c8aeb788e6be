// Per-zone query counters on the answer path: plain Float64Array cells incremented in place, read
// by the metrics endpoint only when it is scraped (metrics.ts turns them into Prometheus series
// in a collect callback). No prom-client call, no label string and no allocation per query.
//
// Labels stay bounded whatever the traffic (CoreDNS's rule, plugin/metrics/vars/monitor.go): the
// zone is the configured zone the query fell in, never the query name ("none" for names in no
// zone of ours, malformed and CHAOS queries); a QTYPE outside QTYPE_LABELS counts as "other", an
// RCODE outside RCODE_LABELS as "other". Like CoreDNS's dns_requests_total / dns_responses_total,
// the query type and the response code are two metrics, not one cross product: a zone costs 85
// cells (680 octets), allocated on its first query.
//
// Float64 cells count exactly up to 2^53; at a million queries a second that is 285 years.

import { nameKey, nameToText } from '../dns/name.js';
import { questionType, replyRcode, Flag, type Transport } from '../wire/index.js';
import type { QueryMeter } from '../server/steps.js';
import type { ZoneHandle } from '../zone/registry.js';

/** The QTYPEs with a label of their own; the rest are "other". */
export const QTYPE_LABELS = [
  'A', 'NS', 'CNAME', 'SOA', 'PTR', 'HINFO', 'MX', 'TXT', 'AAAA', 'LOC', 'SRV', 'NAPTR', 'DNAME', 'DS',
  'SSHFP', 'RRSIG', 'NSEC', 'DNSKEY', 'NSEC3', 'NSEC3PARAM', 'TLSA', 'CDS', 'CDNSKEY', 'SVCB', 'HTTPS',
  'IXFR', 'AXFR', 'ANY', 'CAA', 'other',
] as const;
const QTYPE_NUMBERS: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, LOC: 29, SRV: 33, NAPTR: 35,
  DNAME: 39, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, CDS: 59,
  CDNSKEY: 60, SVCB: 64, HTTPS: 65, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
};
const OTHER_QTYPE = QTYPE_LABELS.length - 1;
/** QTYPE -> its label's index (OTHER_QTYPE for the rest). */
const qtypeIndex = new Uint8Array(0x10000).fill(OTHER_QTYPE);
QTYPE_LABELS.forEach((label, i) => { if (label !== 'other') qtypeIndex[QTYPE_NUMBERS[label]!] = i; });

export const RCODE_LABELS = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'NOTAUTH', 'BADVERS', 'BADCOOKIE', 'other'] as const;
const OTHER_RCODE = RCODE_LABELS.length - 1;
function rcodeIndex(rcode: number): number {
  if (rcode <= 5) return rcode;
  return rcode === 9 ? 6 : rcode === 16 ? 7 : rcode === 23 ? 8 : OTHER_RCODE;
}

export const TRANSPORTS: readonly Transport[] = ['udp', 'tcp'];

// Cell layout of a zone's Float64Array; every pair is [udp, tcp].
const QTYPES = 0;
const RCODES = QTYPES + QTYPE_LABELS.length * 2;
const TRUNCATED = RCODES + RCODE_LABELS.length * 2;
const DROPPED = TRUNCATED + 2;
const CACHE_HITS = DROPPED + 2;
const CELLS = CACHE_HITS + 1;

/** The label of queries that fell in no zone of ours. */
export const NO_ZONE = 'none';

/** One zone's counters, as the metrics endpoint reads them. */
export interface ZoneQueryCounts {
  readonly zone: string;
  /** [qtype label index][transport] -> queries */
  queries(qtype: number, transport: number): number;
  responses(rcode: number, transport: number): number;
  truncated(transport: number): number;
  dropped(transport: number): number;
  readonly cacheHits: number;
}

class ZoneCells implements ZoneQueryCounts {
  readonly cells = new Float64Array(CELLS);
  constructor(readonly zone: string) {}
  queries(q: number, t: number): number { return this.cells[QTYPES + q * 2 + t]!; }
  responses(r: number, t: number): number { return this.cells[RCODES + r * 2 + t]!; }
  truncated(t: number): number { return this.cells[TRUNCATED + t]!; }
  dropped(t: number): number { return this.cells[DROPPED + t]!; }
  get cacheHits(): number { return this.cells[CACHE_HITS]!; }
}

export class QueryCounters implements QueryMeter {
  zone: ZoneHandle | undefined = undefined;
  cacheHit = false;
  private readonly none = new ZoneCells(NO_ZONE);
  /** Zone handle -> its cells: one Map lookup per query (the handle is the object the handler found). */
  private readonly byHandle = new Map<ZoneHandle, Float64Array>();
  /** Zone label -> cells: a zone removed and configured again (a new handle) counts on. */
  private readonly byLabel = new Map<string, ZoneCells>();

  count(reply: Uint8Array | undefined, transport: Transport): void {
    const cells = this.cellsOf(this.zone);
    this.zone = undefined;
    const t = transport === 'udp' ? 0 : 1;
    if (reply === undefined) {
      cells[DROPPED + t]!++;
      this.cacheHit = false;
      return;
    }
    const qtype = questionType(reply);
    cells[QTYPES + (qtype < 0 ? OTHER_QTYPE : qtypeIndex[qtype]!) * 2 + t]!++;
    cells[RCODES + rcodeIndex(replyRcode(reply)) * 2 + t]!++;
    if ((reply[2]! & (Flag.TC >>> 8)) !== 0) cells[TRUNCATED + t]!++;
    if (this.cacheHit) {
      cells[CACHE_HITS]!++;
      this.cacheHit = false;
    }
  }

  countStream(query: Uint8Array): void {
    const cells = this.cellsOf(this.zone);
    this.zone = undefined;
    const qtype = questionType(query);
    // A transfer's messages all say NOERROR (its errors are single messages, counted by count()).
    cells[QTYPES + (qtype < 0 ? OTHER_QTYPE : qtypeIndex[qtype]!) * 2 + 1]!++;
    cells[RCODES + 1]!++;
  }

  /**
   * Every zone counted so far, and "none". `current` (the zones served now) also forgets the
   * handles of zones no longer served, so a removed zone's handle is not kept alive by this map.
   */
  zones(current?: Iterable<ZoneHandle>): ZoneQueryCounts[] {
    if (current !== undefined) {
      const live = new Set(current);
      for (const h of this.byHandle.keys()) if (!live.has(h)) this.byHandle.delete(h);
    }
    return [this.none, ...this.byLabel.values()];
  }

  private cellsOf(handle: ZoneHandle | undefined): Float64Array {
    if (handle === undefined) return this.none.cells;
    return this.byHandle.get(handle) ?? this.track(handle);
  }

  private track(handle: ZoneHandle): Float64Array {
    const label = nameToText(nameKey(handle.origin));
    let zone = this.byLabel.get(label);
    if (zone === undefined) this.byLabel.set(label, (zone = new ZoneCells(label)));
    this.byHandle.set(handle, zone.cells);
    return zone.cells;
  }
}
