// Deterministic fuzzing of the query decoder: random and mutated packets must never make it throw,
// must always give one of the three kinds, and every answerable result must encode into a
// response that dns-packet (safe here: we made those bytes) can decode.

import { describe, expect, it } from '@jest/globals';
import * as dnsPacket from 'dns-packet';
import { toBuffer, u16, u32 } from '../../src/dns/bytes.js';
import { Rcode, RRType } from '../../src/dns/constants.js';
import { buildErrorResponse } from '../../src/wire/error-response.js';
import { decodeQuery, type DecodeResult } from '../../src/wire/query.js';
import { responseSizeLimit } from '../../src/wire/size-limit.js';
import { encodeResponse } from '../../src/wire/writer.js';
import { n, query } from './helpers.js';
import { seededRandom as prng } from '../support/rng.js';


const soaRdata = '\xc0\x0c\xc0\x0c' + u32(1) + u32(2) + u32(3) + u32(4) + u32(5);
const seeds: Buffer[] = [
  query(),
  query({ qname: 'WwW.ExAmPlE.CoM.', qtype: RRType.AAAA }),
  query({ edns: { udpSize: 4096, do: true, options: [{ code: 10, data: 'abcdefgh' }, { code: 8, data: '\x00\x01\x18\x00\xc0\x00\x02' }] } }),
  Buffer.concat([query({ arcount: 2, edns: {} }), toBuffer(n('key.example.') + u16(RRType.TSIG) + u16(255) + u32(0) + u16(6) + 'abcdef')]),
  query({ qname: 'example.com.', qtype: RRType.IXFR, nscount: 1, after: '\xc0\x0c' + u16(RRType.SOA) + u16(1) + u32(0) + u16(soaRdata.length) + soaRdata }),
  query({ flags: 4 << 11, qname: 'example.com.', qtype: RRType.SOA, ancount: 1, after: '\xc0\x0c' + u16(RRType.SOA) + u16(1) + u32(0) + u16(soaRdata.length) + soaRdata }),
  query({ edns: { owner: '\xc0\x1c' } }),
  query({ qname: '.', qtype: RRType.NS }),
];

function mutate(rand: () => number, input: Buffer): Buffer {
  let b = Buffer.from(input);
  const pick = (max: number): number => Math.floor(rand() * max);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (pick(8)) {
      case 0: // bit flip
        if (b.length) b[pick(b.length)]! ^= 1 << pick(8);
        break;
      case 1: // interesting byte
        if (b.length) b[pick(b.length)] = [0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xff, 0x29][pick(8)]!;
        break;
      case 2: // truncate
        b = b.subarray(0, pick(b.length + 1));
        break;
      case 3: // insert random octets
        {
          const at = pick(b.length + 1);
          const ins = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
          b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        }
        break;
      case 4: // a count field
        if (b.length >= 12) b.writeUInt16BE([0, 1, 2, 3, 0xffff][pick(5)]!, 4 + 2 * pick(4));
        break;
      case 5: // a compression pointer anywhere
        if (b.length >= 2) {
          const at = pick(b.length - 1);
          b[at] = 0xc0 | pick(4);
          b[at + 1] = pick(256);
        }
        break;
      case 6: // splice with another seed
        {
          const other = seeds[pick(seeds.length)]!;
          const at = pick(b.length + 1);
          b = Buffer.concat([b.subarray(0, at), other.subarray(pick(other.length + 1))]);
        }
        break;
      default: // opcode / flags
        if (b.length >= 4) b.writeUInt16BE(pick(0x10000) & 0x7fff, 2);
    }
  }
  return b;
}

function randomPacket(rand: () => number): Buffer {
  const len = Math.floor(rand() * 80);
  const b = Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
  // Half of them get a plausible header so they reach the body.
  if (len >= 12 && rand() < 0.5) {
    b[2]! &= 0x7f;
    b.writeUInt16BE(1, 4);
    b.writeUInt16BE(Math.floor(rand() * 3), 6);
    b.writeUInt16BE(Math.floor(rand() * 3), 8);
    b.writeUInt16BE(Math.floor(rand() * 3), 10);
  }
  return b;
}

function respond(r: Exclude<DecodeResult, { kind: 'drop' }>): Buffer[] {
  if (r.kind === 'error') return [buildErrorResponse(r)];
  const limit = responseSizeLimit('udp', r.edns?.udpSize);
  const answer = [[{ owner: r.question.name, type: RRType.A, class: 1, ttl: 60, rdata: '\xc0\x00\x02\x01' }]];
  const ok = encodeResponse(
    {
      id: r.id,
      opcode: r.opcode,
      flags: { aa: true, rd: r.rd, ad: false, cd: r.cd },
      rcode: Rcode.NOERROR,
      question: r.question,
      answer,
      edns: r.edns && { udpSize: 1232, do: r.edns.do },
    },
    limit,
  );
  if (ok.length > limit) throw new Error(`response of ${ok.length} over limit ${limit}`);
  return [ok, buildErrorResponse(r, Rcode.REFUSED)];
}

describe('decodeQuery fuzz (20,000 packets, seeded)', () => {
  it('never throws, always classifies, and every reply decodes', () => {
    const rand = prng(0x5eed);
    const kinds = { drop: 0, error: 0, query: 0 };
    const failures: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const pkt = i % 4 === 0 ? randomPacket(rand) : mutate(rand, seeds[i % seeds.length]!);
      let r: DecodeResult;
      try {
        r = decodeQuery(pkt);
      } catch (e) {
        failures.push(`decode threw on ${pkt.toString('hex')}: ${String(e)}`);
        continue;
      }
      if (r.kind !== 'drop' && r.kind !== 'error' && r.kind !== 'query') {
        failures.push(`unknown kind on ${pkt.toString('hex')}`);
        continue;
      }
      kinds[r.kind]++;
      if (r.kind === 'drop') continue;
      try {
        for (const resp of respond(r)) {
          const d = dnsPacket.decode(resp);
          if (d.id !== r.id || d.type !== 'response') failures.push(`bad reply header for ${pkt.toString('hex')}`);
        }
      } catch (e) {
        failures.push(`reply failed for ${pkt.toString('hex')}: ${String(e)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The corpus reaches every outcome, not just the early exits.
    expect(kinds.drop).toBeGreaterThan(500);
    expect(kinds.error).toBeGreaterThan(2000);
    expect(kinds.query).toBeGreaterThan(1000);
  });
});
