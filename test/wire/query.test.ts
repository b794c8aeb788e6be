import { describe, expect, it } from '@jest/globals';
import { toBuffer, u16, u32 } from '../../src/dns/bytes.js';
import { Opcode, Rcode, RRType } from '../../src/dns/constants.js';
import { nameKey } from '../../src/dns/name.js';
import { decodeQuery, MAX_RECORDS, type DecodeResult, type DecodedQuery, type DecodeError } from '../../src/wire/query.js';
import { Section } from '../../src/wire/message.js';
import { header, n, optRR, query, question } from './helpers.js';

function asQuery(r: DecodeResult): DecodedQuery {
  if (r.kind !== 'query') throw new Error(`expected a query, got ${r.kind}: ${'reason' in r ? r.reason : ''}`);
  return r;
}
function asError(r: DecodeResult): DecodeError {
  if (r.kind !== 'error') throw new Error(`expected an error, got ${r.kind}`);
  return r;
}

const A_RECORD = '\xc0\x0c' + u16(1) + u16(1) + u32(60) + u16(4) + '\x01\x02\x03\x04';
const TSIG_RR = n('key.') + u16(RRType.TSIG) + u16(255) + u32(0) + u16(0);

describe('decodeQuery: well-formed queries', () => {
  it('reads header, question and flags', () => {
    const q = asQuery(decodeQuery(query({ id: 0xbeef, flags: 0x0130 })));
    expect(q.id).toBe(0xbeef);
    expect(q.opcode).toBe(Opcode.QUERY);
    expect([q.rd, q.cd, q.ad]).toEqual([true, true, true]);
    expect(q.question.name).toBe(n('www.example.com.'));
    expect(q.question.qtype).toBe(1);
    expect(q.question.qclass).toBe(1);
    expect(q.question.bytes).toBe(question());
    expect(q.edns).toBeUndefined();
    expect(q.tsig).toBeUndefined();
    expect(q.records).toBeUndefined();
  });

  it('preserves the case of the question (0x20 randomisation)', () => {
    const q = asQuery(decodeQuery(query({ qname: 'WwW.ExAmPlE.cOm.' })));
    expect(q.question.name).toBe(n('WwW.ExAmPlE.cOm.'));
    expect(q.question.bytes).toBe(question('WwW.ExAmPlE.cOm.'));
    expect(nameKey(q.question.name)).toBe(n('www.example.com.'));
  });

  it('reads a root question', () => {
    const q = asQuery(decodeQuery(query({ qname: '.', qtype: RRType.NS })));
    expect(q.question.name).toBe('\x00');
    expect(q.question.qtype).toBe(RRType.NS);
  });

  it('reads the OPT: payload size, version, DO bit, unknown flags, options', () => {
    const cookie = 'abcdefgh';
    const q = asQuery(
      decodeQuery(query({ edns: { udpSize: 4096, do: true, flags: 0x0001, options: [{ code: 10, data: cookie }, { code: 3, data: '' }] } })),
    );
    expect(q.edns).toEqual({
      udpSize: 4096,
      version: 0,
      do: true,
      flags: 0x8001,
      extendedRcode: 0,
      options: [
        { code: 10, data: cookie },
        { code: 3, data: '' },
      ],
      cookie,
    });
  });

  it('keeps the first COOKIE option (RFC 7873 §5.2): a client cookie, or one with a server cookie', () => {
    const opts = (...data: string[]) => data.map((d) => ({ code: 10, data: d }));
    expect(asQuery(decodeQuery(query({ edns: { options: opts('12345678', 'x'.repeat(7)) } }))).edns?.cookie).toBe('12345678');
    expect(asQuery(decodeQuery(query({ edns: { options: opts('c'.repeat(40)) } }))).edns?.cookie).toBe('c'.repeat(40));
    expect(asQuery(decodeQuery(query({ edns: { options: opts('c'.repeat(16)) } }))).edns?.cookie).toBe('c'.repeat(16));
    expect(asQuery(decodeQuery(query({ edns: {} }))).edns?.cookie).toBeUndefined();
  });

  it('reads an OPT without the DO bit and without options', () => {
    const q = asQuery(decodeQuery(query({ edns: { udpSize: 512 } })));
    expect(q.edns?.do).toBe(false);
    expect(q.edns?.options).toEqual([]);
    expect(q.edns?.udpSize).toBe(512);
  });

  it('accepts an OPT whose owner is a pointer to a root octet', () => {
    // The root octet that ends the question's QNAME is at 12 + 17 - 1 = 28.
    const q = asQuery(decodeQuery(query({ edns: { owner: '\xc0\x1c' } })));
    expect(q.edns).toBeDefined();
  });

  it('locates a TSIG that is the last record, after the OPT', () => {
    const msg = query({ arcount: 2, edns: {}, after: '' });
    const withTsig = Buffer.concat([msg, toBuffer(TSIG_RR)]);
    const q = asQuery(decodeQuery(withTsig));
    expect(q.tsig).toEqual({ offset: msg.length, keyName: n('key.'), class: 255, ttl: 0, rdataOffset: withTsig.length, rdataLength: 0 });
    expect(q.edns).toBeDefined();
  });

  it('exposes the SOA an IXFR query carries in its authority section (RFC 1995 §3)', () => {
    const soa = '\xc0\x0c' + u16(RRType.SOA) + u16(1) + u32(0) + u16(22) + '\x00\x00' + u32(42) + u32(0).repeat(4);
    const q = asQuery(decodeQuery(query({ qname: 'example.com.', qtype: RRType.IXFR, nscount: 1, after: soa })));
    expect(q.records).toEqual([
      { section: Section.AUTHORITY, owner: n('example.com.'), type: RRType.SOA, class: 1, ttl: 0, rdataOffset: 12 + 17 + 12, rdataLength: 22 },
    ]);
  });

  it('decodes a NOTIFY with the SOA in its answer section (RFC 1996 §3.7)', () => {
    const soa = '\xc0\x0c' + u16(RRType.SOA) + u16(1) + u32(3600) + u16(22) + '\x00\x00' + u32(7) + u32(0).repeat(4);
    const q = asQuery(decodeQuery(query({ flags: Opcode.NOTIFY << 11 | 0x0400, qname: 'example.com.', qtype: RRType.SOA, ancount: 1, after: soa })));
    expect(q.opcode).toBe(Opcode.NOTIFY);
    expect(q.records?.[0]?.section).toBe(Section.ANSWER);
  });

  it('ignores a non-OPT record in the additional section of a query (as Knot does)', () => {
    const q = asQuery(decodeQuery(query({ arcount: 1, after: A_RECORD })));
    expect(q.records).toHaveLength(1);
  });

  it('reads a plain Uint8Array and a view into a larger buffer (as the TCP deframer hands out)', () => {
    const msg = query({ qname: 'Mixed.Case.example.' });
    expect(asQuery(decodeQuery(new Uint8Array(msg))).question.name).toBe(n('Mixed.Case.example.'));
    const view = Buffer.concat([Buffer.from('junkjunk'), msg]).subarray(8);
    expect(asQuery(decodeQuery(view)).question.bytes).toBe(question('Mixed.Case.example.'));
    const big = Buffer.concat([Buffer.from('junk'), msg]);
    const u8view = new Uint8Array(big.buffer, big.byteOffset + 4, msg.length);
    expect(asQuery(decodeQuery(u8view)).question.bytes).toBe(question('Mixed.Case.example.'));
  });

  it('accepts a query whose header carries stray bits (TC, Z, RCODE) as Knot does', () => {
    expect(decodeQuery(query({ flags: 0x0100 | 0x0200 | 0x0040 | 0x0005 })).kind).toBe('query');
  });
});

describe('decodeQuery: dropped without an answer', () => {
  it.each([
    ['an empty message', Buffer.alloc(0)],
    ['11 octets', Buffer.alloc(11)],
    ['QR=1 (a response: answering it could loop)', query({ flags: 0x8100 })],
    ['QR=1 even when otherwise malformed', toBuffer(header(1, 0x8000, 2, 0, 0, 0))],
  ])('%s', (_label, msg) => {
    expect(decodeQuery(msg).kind).toBe('drop');
  });
});

describe('decodeQuery: answered with an error rcode', () => {
  const longName = ('\x3f' + 'a'.repeat(63)).repeat(4) + '\x00'; // 257 octets
  const cases: [string, Buffer, number, { question?: boolean; edns?: boolean }?][] = [
    ['QDCOUNT 0 (header only)', toBuffer(header(1, 0x0100, 0, 0, 0, 0)), Rcode.FORMERR],
    ['QDCOUNT 0 with an OPT (OPT echoed)', toBuffer(header(1, 0x0100, 0, 0, 0, 1) + optRR({})), Rcode.FORMERR, { edns: true }],
    ['QDCOUNT 2 (RFC 9619)', query({ qdcount: 2, after: question() }), Rcode.FORMERR],
    ['QDCOUNT 2 with one question', query({ qdcount: 2 }), Rcode.FORMERR],
    ['question truncated inside the name', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\x03www\x07exa'), Rcode.FORMERR],
    ['header only with QDCOUNT 1', toBuffer(header(1, 0x100, 1, 0, 0, 0)), Rcode.FORMERR],
    ['label type 0x40 (extended label)', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\x40' + 'a'.repeat(64) + '\x00' + u16(1) + u16(1)), Rcode.FORMERR],
    ['label type 0x80 (reserved)', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\x80abc\x00' + u16(1) + u16(1)), Rcode.FORMERR],
    ['pointer to itself (a loop)', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\xc0\x0c' + u16(1) + u16(1)), Rcode.FORMERR],
    ['pointer back to its own first label (a loop)', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\x03www\xc0\x0c' + u16(1) + u16(1)), Rcode.FORMERR],
    ['forward pointer', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\xc0\x12' + u16(1) + u16(1) + '\x03com\x00'), Rcode.FORMERR],
    ['pointer into the header', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\xc0\x02' + u16(1) + u16(1)), Rcode.FORMERR],
    ['pointer cut after its first octet', toBuffer(header(1, 0x100, 1, 0, 0, 0) + '\x03www\xc0'), Rcode.FORMERR],
    ['name longer than 255 octets', toBuffer(header(1, 0x100, 1, 0, 0, 0) + longName + u16(1) + u16(1)), Rcode.FORMERR],
    ['QTYPE truncated', toBuffer(header(1, 0x100, 1, 0, 0, 0) + n('www.example.com.') + '\x00'), Rcode.FORMERR],
    ['QCLASS truncated', toBuffer(header(1, 0x100, 1, 0, 0, 0) + n('www.example.com.') + u16(1) + '\x00'), Rcode.FORMERR],
    ['trailing octets after the question (Knot: FORMERR)', query({ after: '\x01\x02\x03' }), Rcode.FORMERR, { question: true }],
    ['trailing octets after the OPT (no OPT echoed, as Knot)', Buffer.concat([query({ edns: {} }), Buffer.from([1])]), Rcode.FORMERR, { question: true }],
    ['ARCOUNT 1 but nothing follows', query({ arcount: 1 }), Rcode.FORMERR, { question: true }],
    ['two OPT RRs (RFC 6891 §6.1.1)', query({ arcount: 2, after: optRR({}), edns: {} }), Rcode.FORMERR, { question: true }],
    ['OPT owned by a non-root name', query({ edns: { owner: '\xc0\x0c' } }), Rcode.FORMERR, { question: true }],
    ['OPT in the answer section', query({ ancount: 1, arcount: 0, edns: {} }), Rcode.FORMERR, { question: true }],
    ['OPT in the authority section', query({ nscount: 1, arcount: 0, edns: {} }), Rcode.FORMERR, { question: true }],
    ['OPT RDLENGTH past the end', query({ arcount: 1, after: '\x00' + u16(41) + u16(1232) + u32(0) + u16(16) }), Rcode.FORMERR, { question: true }],
    ['EDNS option overrunning the OPT RDATA', query({ arcount: 1, after: '\x00' + u16(41) + u16(1232) + u32(0) + u16(8) + u16(10) + u16(16) + 'abcd' }), Rcode.FORMERR, { question: true }],
    ['EDNS option header cut short', query({ arcount: 1, after: '\x00' + u16(41) + u16(1232) + u32(0) + u16(2) + u16(10) }), Rcode.FORMERR, { question: true }],
    ['TSIG before the OPT (RFC 8945 §5.1)', query({ arcount: 2, after: TSIG_RR, edns: {} }), Rcode.FORMERR, { question: true }],
    ['TSIG in the answer section', query({ ancount: 1, after: TSIG_RR }), Rcode.FORMERR, { question: true }],
    ['record owner with a forward pointer', query({ arcount: 1, after: '\xc0\xff' + u16(1) + u16(1) + u32(0) + u16(0) }), Rcode.FORMERR, { question: true }],
    ['record header truncated', query({ arcount: 1, after: '\xc0\x0c' + u16(1) }), Rcode.FORMERR, { question: true }],
    ['ANCOUNT 1 in a QUERY (NSD: FORMERR)', query({ ancount: 1, after: A_RECORD }), Rcode.FORMERR, { question: true }],
    ['NSCOUNT 1 in a non-IXFR QUERY (NSD: FORMERR)', query({ nscount: 1, after: A_RECORD }), Rcode.FORMERR, { question: true }],
    ['COOKIE of 7 octets (RFC 7873 §5.2.2)', query({ edns: { options: [{ code: 10, data: '1234567' }] } }), Rcode.FORMERR, { question: true, edns: true }],
    ['COOKIE of 9 octets: a server cookie under 8', query({ edns: { options: [{ code: 10, data: '123456789' }] } }), Rcode.FORMERR, { question: true, edns: true }],
    ['COOKIE of 15 octets', query({ edns: { options: [{ code: 10, data: '1'.repeat(15) }] } }), Rcode.FORMERR, { question: true, edns: true }],
    ['COOKIE of 41 octets: a server cookie over 32', query({ edns: { options: [{ code: 10, data: '1'.repeat(41) }] } }), Rcode.FORMERR, { question: true, edns: true }],
    ['empty COOKIE option', query({ edns: { options: [{ code: 10, data: '' }] } }), Rcode.FORMERR, { question: true, edns: true }],
    ['EDNS version 1 → BADVERS (RFC 6891 §6.1.3)', query({ edns: { version: 1 } }), Rcode.BADVERS, { question: true, edns: true }],
    ['EDNS version 1 beats NOTIMP (as Knot)', query({ flags: 15 << 11, edns: { version: 1 } }), Rcode.BADVERS, { question: true, edns: true }],
    ['opcode IQUERY (1) → NOTIMP', query({ flags: 1 << 11 }), Rcode.NOTIMP, { question: true }],
    ['opcode STATUS (2) → NOTIMP', query({ flags: 2 << 11 }), Rcode.NOTIMP, { question: true }],
    ['opcode UPDATE (5) → NOTIMP', query({ flags: 5 << 11, qtype: RRType.SOA, ancount: 1, after: A_RECORD }), Rcode.NOTIMP, { question: true }],
    ['unknown opcode 15 → NOTIMP with the OPT', query({ flags: 15 << 11, edns: {} }), Rcode.NOTIMP, { question: true, edns: true }],
    ['unknown opcode with an unreadable body is still NOTIMP', toBuffer(header(1, 15 << 11, 1, 0, 0, 0) + '\x80abc'), Rcode.NOTIMP],
    ['NOTIFY without a question → FORMERR', toBuffer(header(1, Opcode.NOTIFY << 11, 0, 0, 0, 0)), Rcode.FORMERR],
    [`more than ${MAX_RECORDS} records`, query({ arcount: MAX_RECORDS + 1, after: A_RECORD.repeat(MAX_RECORDS + 1) }), Rcode.FORMERR, { question: true }],
    ['29-octet query with every count at 0xffff', toBuffer(header(1, 0x100, 0xffff, 0xffff, 0xffff, 0xffff) + question('example.com.')), Rcode.FORMERR],
    ['29-octet query with ARCOUNT 0xffff', toBuffer(header(1, 0x100, 1, 0, 0, 0xffff) + question('example.com.')), Rcode.FORMERR, { question: true }],
    ['29-octet query with ANCOUNT 0xffff', toBuffer(header(1, 0x100, 1, 0xffff, 0, 0) + question('example.com.')), Rcode.FORMERR, { question: true }],
  ];

  // Every row gets all four values: jest would take a missing trailing one for a `done` callback.
  const rows = cases.map(([label, msg, rcode, echo]) => [label, msg, rcode, echo ?? {}] as const);
  it.each(rows)('%s', (_label, msg, rcode, echo) => {
    const e = asError(decodeQuery(msg));
    expect(e.rcode).toBe(rcode);
    expect(e.id).toBe((msg[0]! << 8) | msg[1]!);
    expect(e.question !== undefined).toBe(echo.question ?? false);
    expect(e.edns !== undefined).toBe(echo.edns ?? false);
    expect(e.reason.length).toBeGreaterThan(0);
  });

  it('keeps what is needed for the reply: id, opcode, RD, CD, question bytes', () => {
    const e = asError(decodeQuery(query({ id: 0x4242, flags: 15 << 11 | 0x0110, qname: 'ExAmple.COM.' })));
    expect(e).toMatchObject({ id: 0x4242, opcode: 15, rd: true, cd: true, rcode: Rcode.NOTIMP });
    expect(e.question?.bytes).toBe(question('ExAmple.COM.'));
  });

  it('BADVERS keeps the version and DO bit the client sent', () => {
    const e = asError(decodeQuery(query({ edns: { version: 3, do: true } })));
    expect(e.edns).toMatchObject({ version: 3, do: true });
  });
});
