// Name compression in transfer messages, checked from the outside: every message the writer
// produces (AXFR streams of several zones and message sizes, and ordinary answers) is walked name
// by name, and each name must point at the first place its longest already-written suffix was
// written in full (RFC 1035 §4.1.4), compare case-insensitively, and keep the case it was given.
// That is what the writer's compression table must do whatever its data structure (a Map of
// suffix strings before, a hash table over the message's own bytes now), including after a put()
// that did not fit was taken back.

import { describe, expect, it } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText, type Name } from '../../src/dns/name.js';
import { encodeResponse, type RR } from '../../src/wire/writer.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { axfrMessages } from '../../src/xfr/axfr.js';
import { optRR, questionBytes, rawMessage } from '../interop/support/wire.js';
import { name, zoneFromText } from '../support/zones.js';
import { bigZoneText, decoded, snapshotKeys, answers, keyOfParsed } from './support/xfr.js';

/** RDATA layouts whose names may be compressed (RFC 3597 §4): octets before the first name, names. */
const COMPRESSIBLE: Record<number, [number, number]> = {
  [RRType.NS]: [0, 1],
  [RRType.CNAME]: [0, 1],
  [RRType.PTR]: [0, 1],
  [RRType.MX]: [2, 1],
  [RRType.SOA]: [0, 2],
};

const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** The name at `at` decompressed, as wire text (labels with length octets, root included). */
function nameAt(m: Buffer, at: number): string {
  let out = '';
  for (let q = at, hops = 0; hops < 200; hops++) {
    const len = m[q]!;
    if ((len & 0xc0) === 0xc0) {
      q = ((len & 0x3f) << 8) | m[q + 1]!;
      continue;
    }
    out += m.toString('latin1', q, q + len + 1);
    if (len === 0) return out;
    q += len + 1;
  }
  throw new Error(`pointer loop at ${at}`);
}

/**
 * Checks one message; returns problems (empty: fine). `registered`: folded suffix -> first offset
 * at which it was written in full (only offsets a pointer can reach).
 */
function checkMessage(m: Buffer): string[] {
  const problems: string[] = [];
  const registered = new Map<string, number>();
  /** Walks the name at `at`: checks and registers it; returns the offset after it. */
  const walk = (at: number, where: string): number => {
    const full: number[] = [];
    let q = at;
    let pointer = -1;
    for (;;) {
      const len = m[q]!;
      if ((len & 0xc0) === 0xc0) {
        pointer = ((len & 0x3f) << 8) | m[q + 1]!;
        q += 2;
        break;
      }
      if (len === 0) {
        q += 1;
        break;
      }
      full.push(q);
      q += len + 1;
    }
    for (const p of full) {
      const suffix = fold(nameAt(m, p));
      const seen = registered.get(suffix);
      if (seen !== undefined) problems.push(`${where}: suffix ${JSON.stringify(suffix)} written in full at ${p}, already at ${seen}`);
    }
    if (pointer >= 0) {
      if (pointer >= at) problems.push(`${where}: pointer forward to ${pointer}`);
      const suffix = fold(nameAt(m, pointer));
      const first = registered.get(suffix);
      if (first !== pointer) problems.push(`${where}: points at ${pointer} for ${JSON.stringify(suffix)}, first written at ${first}`);
    }
    for (const p of full) {
      const suffix = fold(nameAt(m, p));
      if (p <= 0x3fff && !registered.has(suffix)) registered.set(suffix, p);
    }
    return q;
  };
  const qd = m.readUInt16BE(4);
  const rrs = m.readUInt16BE(6) + m.readUInt16BE(8) + m.readUInt16BE(10);
  let o = 12;
  for (let i = 0; i < qd; i++) o = walk(o, 'question') + 4;
  for (let i = 0; i < rrs; i++) {
    o = walk(o, `RR ${i} owner`);
    const type = m.readUInt16BE(o);
    const rdlen = m.readUInt16BE(o + 8);
    o += 10;
    const layout = COMPRESSIBLE[type];
    if (layout !== undefined) {
      let r = o + layout[0];
      for (let k = 0; k < layout[1]; k++) r = walk(r, `RR ${i} RDATA name ${k}`);
    }
    o += rdlen;
  }
  if (o !== m.length) problems.push(`message ends at ${m.length}, records at ${o}`);
  return problems;
}

function axfrQuery(zone: string, edns: boolean) {
  return decoded(rawMessage({ id: 7, qd: [questionBytes(name(zone), RRType.AXFR)], ar: edns ? [optRR({ udpSize: 1232 })] : [] }));
}

/** A zone whose names share suffixes in many ways, in mixed case, with every compressible type. */
function tangledZone(): string {
  const labels = ['a', 'B', 'cc', 'DdD', 'eE', 'www', 'Mail', 'x-y', 'ns1', 'Sub'];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pick = (): string => labels[rnd(labels.length)]! + (rnd(2) ? String(rnd(40)) : '');
  const lines = ['$ORIGIN Tangled.Example.', '$TTL 300', '@ SOA Ns1 HostMaster.TANGLED.example. 1 3600 900 604800 300', '@ NS ns1', '@ NS NS2.Other.TEST.', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < 6000; i++) {
    const owner = Array.from({ length: 1 + rnd(4) }, pick).join('.');
    switch (rnd(7)) {
      case 0:
        lines.push(`${owner} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
        break;
      case 1:
        lines.push(`${owner} MX ${rnd(50)} ${pick()}.${['', 'TANGLED.example.', 'other.Test.'][rnd(3)]}`.replace(/\.$/, rnd(2) ? '.' : ''));
        break;
      case 2:
        lines.push(`${owner} PTR ${pick()}.${pick()}.OTHER.test.`);
        break;
      case 3:
        lines.push(`${owner} SRV 0 5 ${i} ${pick()}.TANGLED.EXAMPLE.`);
        break;
      case 4:
        // A name of its own: a CNAME shares its owner with nothing (RFC 1034 §3.6.2).
        lines.push(`alias${i}.${owner} CNAME ${pick()}.${pick()}`);
        break;
      case 5:
        lines.push(`${owner} TXT "t${i}"`);
        break;
      default:
        lines.push(`${owner} AAAA 2001:db8::${i.toString(16)}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('compression in AXFR messages: longest suffix, first offset, case kept', () => {
  const zones: Array<[string, ZoneSnapshot]> = [
    ['big.test', zoneFromText('big.test', bigZoneText(6000))],
    ['Tangled.Example', zoneFromText('Tangled.Example', tangledZone())],
  ];
  for (const [origin, snap] of zones) {
    for (const size of [512, 4096, 16384, 65535]) {
      for (const edns of [false, true]) {
        it(`${origin}, ${size}-octet messages${edns ? ', EDNS' : ''}`, () => {
          const messages = [...axfrMessages(snap, axfrQuery(origin.toUpperCase(), edns), { maxMessageSize: size })];
          const problems = messages.flatMap((m, i) => checkMessage(m).map((p) => `message ${i}: ${p}`));
          expect(problems.slice(0, 5)).toEqual([]);
          // And the records are the zone's, owners in the zone's case (or the question's, at the apex).
          expect(answers(messages).slice(0, -1).map(keyOfParsed).sort()).toEqual(snapshotKeys(snap));
        });
      }
    }
  }
});

describe('compression in ordinary answers', () => {
  const rr = (owner: string, type: number, rdata: string): RR => ({ owner: nameFromText(owner), type, class: 1, ttl: 60, rdata });
  const wire = (text: string): string => nameFromText(text) as string;
  it('MX, NS, SOA and CNAME targets against the question and each other, any case', () => {
    const answer = [
      [rr('WWW.Example.COM.', RRType.CNAME, wire('host.example.com.'))],
      [rr('host.EXAMPLE.com.', RRType.MX, '\x00\x0a' + wire('Mail.example.com.')), rr('host.example.com.', RRType.MX, '\x00\x14' + wire('mail.other.org.'))],
    ];
    const authority = [[rr('example.com.', RRType.NS, wire('NS1.example.com.')), rr('example.com.', RRType.NS, wire('ns2.OTHER.org.'))]];
    const additional = [[rr('ns1.example.COM.', RRType.A, '\xc0\x00\x02\x01')], [rr('Mail.Example.Com.', RRType.SOA, wire('ns1.example.com.') + wire('h.example.com.') + '\x00'.repeat(20))]];
    const msg = encodeResponse(
      { id: 1, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0, question: { name: nameFromText('www.EXAMPLE.com.') as Name, qtype: 1, qclass: 1 }, answer, authority, additional },
      4096,
    );
    expect(checkMessage(msg)).toEqual([]);
    // The answer's owner is a pointer to the question: it reads in the question's case.
    expect(nameAt(msg, 12 + 21)).toBe(wire('www.EXAMPLE.com.'));
  });
});
