// Helpers for the transfer tests: queries as the decoder sees them, transfer messages parsed with
// the independent test decoder (test/interop/support/wire.ts), and RR keys to compare zones.

import { RRType } from '../../../src/dns/constants.js';
import { nameKey, nameToText } from '../../../src/dns/name.js';
import { canonicalRdata } from '../../../src/dns/rdata/canonical.js';
import { decodeQuery, type DecodedQuery } from '../../../src/wire/index.js';
import type { RRset, ZoneSnapshot } from '../../../src/zone/snapshot.js';
import { name } from '../../support/zones.js';
import { optRR, parseResponse, questionBytes, rawMessage, type ParsedRR, type ParsedResponse } from '../../interop/support/wire.js';

/** SOA RR bytes (uncompressed) for an IXFR query's authority section. */
export function soaRecord(zone: string, serial: number): Buffer {
  const owner = Buffer.from(name(zone), 'latin1');
  const mname = Buffer.from(name(`ns.${zone}`), 'latin1');
  const rname = Buffer.from(name(`h.${zone}`), 'latin1');
  const counters = Buffer.alloc(20);
  counters.writeUInt32BE(serial >>> 0, 0);
  const rdata = Buffer.concat([mname, rname, counters]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(RRType.SOA, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(3600, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([owner, fixed, rdata]);
}

/** Raw query bytes: AXFR/IXFR (with the client's serial in authority for IXFR). */
export function transferQuery(zone: string, type: 'AXFR' | 'IXFR', opts: { id?: number; serial?: number; edns?: boolean; noSoa?: boolean } = {}): Buffer {
  const qtype = type === 'AXFR' ? RRType.AXFR : RRType.IXFR;
  const ns = type === 'IXFR' && !opts.noSoa ? [soaRecord(zone, opts.serial ?? 0)] : [];
  return rawMessage({ id: opts.id ?? 0x4242, flags: 0, qd: [questionBytes(name(zone), qtype)], ns, ar: opts.edns ? [optRR({ udpSize: 1232 })] : [] });
}

export function decoded(msg: Buffer): DecodedQuery {
  const d = decodeQuery(msg);
  if (d.kind !== 'query') throw new Error(`query did not decode: ${JSON.stringify(d)}`);
  return d;
}

export const parse = (m: Buffer): ParsedResponse => parseResponse(m);

/** Every answer RR of a message stream, in order. */
export function answers(messages: readonly Buffer[]): ParsedRR[] {
  return messages.flatMap((m) => parseResponse(m).answer);
}

/** `owner TYPE ttl canon-hex` for one parsed RR (owner lower-cased). */
export function keyOfParsed(rr: ParsedRR): string {
  return `${nameToText(nameKey(rr.owner as never))} ${rr.type} ${rr.ttl} ${rr.canon}`;
}

export function keyOfRdata(set: RRset, rdata: string): string {
  return `${nameToText(nameKey(set.owner))} ${set.type} ${set.ttl} ${Buffer.from(canonicalRdata(set.type, rdata), 'latin1').toString('hex')}`;
}

/** Every RR of a snapshot as keys (sorted). */
export function snapshotKeys(snap: ZoneSnapshot): string[] {
  const out: string[] = [];
  for (const node of snap.nodes.values()) for (const set of node.rrsets) for (const r of set.rdata) out.push(keyOfRdata(set, r));
  return out.sort();
}

/** Human-readable `owner TYPE` of a parsed RR. */
export function label(rr: ParsedRR): string {
  return rr.text;
}

export function collect(it: Iterable<Buffer>): Buffer[] {
  return [...it];
}

const SIG = 'A'.repeat(86) + '==';

/** A zone of exactly `total` records with glue, occluded data, RRSIG sets and one RRset > 64 KiB. */
export function bigZoneText(total: number, serial = 2024010101): string {
  const lines = [
    '$ORIGIN big.test.',
    '$TTL 3600',
    `@ SOA ns1 hostmaster ${serial} 3600 900 604800 300`,
    '@ NS ns1',
    '@ NS ns2',
    '@ RRSIG SOA 8 2 3600 20300101000000 20200101000000 12345 big.test. ' + SIG,
    '@ RRSIG NS 8 2 3600 20300101000000 20200101000000 12345 big.test. ' + SIG,
    'ns1 A 192.0.2.1',
    'ns2 A 192.0.2.2',
    'sub NS ns.sub',
    'sub NS ns.elsewhere.example.',
    'ns.sub A 192.0.2.53', // glue
    'deep.sub TXT "occluded"', // below the cut: still transferred
    'www A 192.0.2.80',
    'www RRSIG A 8 3 3600 20300101000000 20200101000000 12345 big.test. ' + SIG,
    'www MX 10 mail',
    'www RRSIG MX 8 3 3600 20300101000000 20200101000000 12345 big.test. ' + SIG,
    'mail A 192.0.2.25',
  ];
  // One RRset larger than a whole message: 300 TXT records of ~240 octets.
  for (let i = 0; i < 300; i++) lines.push(`huge TXT "${String(i).padStart(4, '0')}${'x'.repeat(236)}"`);
  let n = lines.length - 2; // records so far (minus the two directives)
  for (let i = 0; n < total; i++) {
    const kind = i % 4;
    if (kind === 0) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    else if (kind === 1) lines.push(`h${i} AAAA 2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`);
    else if (kind === 2) lines.push(`svc${i} SRV 0 5 443 h${i - 2}`);
    else lines.push(`t${i}.deep.tree TXT "record ${i}"`);
    n++;
  }
  return lines.join('\n') + '\n';
}

