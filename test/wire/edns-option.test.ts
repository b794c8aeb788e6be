// Our options in an encoded reply: a COOKIE slot filled in place, or an option appended to an OPT
// that ends the message; anything else is left alone.

import { describe, expect, test } from '@jest/globals';
import { Rcode, RRType } from '../../src/dns/constants.js';
import { appendEdnsOption, fillEdnsOption } from '../../src/wire/edns-option.js';
import { decodeQuery, type DecodedQuery } from '../../src/wire/query.js';
import { buildErrorResponse, EDE_NOT_AUTHORITATIVE } from '../../src/wire/error-response.js';
import { encodeResponse } from '../../src/wire/writer.js';
import { appendTsigRecord } from '../../src/tsig/wire.js';
import { n, query, rd, rr } from './helpers.js';

const q = decodeQuery(query({ qname: 'www.example.com.', edns: {} })) as DecodedQuery;
const cookie = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
const answer = (options?: Array<{ code: number; data: string }>) => encodeResponse({
  id: 1, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0, question: q.question,
  answer: [[rr('www.example.com.', RRType.A, 300, rd.a('192.0.2.1'))]], edns: { udpSize: 1232, do: false, options },
}, 1232);

/** The options of the reply's OPT (its last record) as [code, hex]. */
function optionsOf(reply: Buffer): Array<[number, string]> {
  // Walk back to the OPT's fixed part (root, type 41) whose RDATA ends the message.
  for (let at = reply.length - 11; at >= 12; at--) {
    if (reply[at] === 0 && reply.readUInt16BE(at + 1) === RRType.OPT && at + 11 + reply.readUInt16BE(at + 9) === reply.length) {
      const out: Array<[number, string]> = [];
      for (let p = at + 11; p < reply.length; p += 4 + reply.readUInt16BE(p + 2)) out.push([reply.readUInt16BE(p), reply.subarray(p + 4, p + 4 + reply.readUInt16BE(p + 2)).toString('hex')]);
      return out;
    }
  }
  throw new Error('no OPT at the end');
}

describe('fillEdnsOption', () => {
  test('writes over the slot an answer was encoded with', () => {
    const reply = answer([{ code: 10, data: '\0'.repeat(24) }]);
    const before = Buffer.from(reply);
    expect(fillEdnsOption(reply, 10, cookie)).toBe(true);
    expect(optionsOf(reply)).toEqual([[10, Buffer.from(cookie).toString('hex')]]);
    expect(reply.subarray(0, reply.length - 24)).toEqual(before.subarray(0, before.length - 24));
  });

  test('finds the slot when options were appended after it (NSID, EXPIRE: ops/identity.ts)', () => {
    const nsid = Buffer.from('ns1');
    const reply = appendEdnsOption(answer([{ code: 10, data: '\0'.repeat(24) }]), 3, nsid)!;
    expect(fillEdnsOption(reply, 10, cookie)).toBe(true);
    expect(optionsOf(reply)).toEqual([[10, Buffer.from(cookie).toString('hex')], [3, nsid.toString('hex')]]);
  });

  test.each([
    ['no slot', answer()],
    ['no slot, another option appended', appendEdnsOption(answer(), 3, Buffer.from('ns1'))!],
    ['a slot of another size', answer([{ code: 10, data: '\0'.repeat(16) }])],
    ['another option', answer([{ code: 15, data: '\0'.repeat(24) }])],
    ['no OPT', encodeResponse({ id: 1, opcode: 0, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0, question: q.question }, 512)],
  ])('%s: false, nothing written', (_label, reply) => {
    const before = Buffer.from(reply);
    expect(fillEdnsOption(reply, 10, cookie)).toBe(false);
    expect(reply).toEqual(before);
  });
});

describe('appendEdnsOption', () => {
  test('to an OPT without options (the common case)', () => {
    const out = appendEdnsOption(answer(), 10, cookie)!;
    expect(optionsOf(out)).toEqual([[10, Buffer.from(cookie).toString('hex')]]);
  });

  test('after the options an OPT already has (an EDE)', () => {
    const out = appendEdnsOption(buildErrorResponse(q, Rcode.REFUSED, 1232, EDE_NOT_AUTHORITATIVE), 10, cookie)!;
    expect(optionsOf(out)).toEqual([[15, '0014'], [10, Buffer.from(cookie).toString('hex')]]);
  });

  test('not when the OPT is not the last record (a TSIG follows it) or there is none', () => {
    const signed = appendTsigRecord(answer(), { keyName: n('k.'), algorithm: n('hmac-sha256.'), timeSigned: 1, fudge: 300, mac: Buffer.alloc(32), originalId: 1, error: 0, otherData: Buffer.alloc(0) });
    expect(appendEdnsOption(signed, 10, cookie)).toBeUndefined();
    expect(appendEdnsOption(buildErrorResponse({ ...q, edns: undefined }, Rcode.FORMERR), 10, cookie)).toBeUndefined();
  });
});
