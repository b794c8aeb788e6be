// Every guard of the query path (src/wire/query.ts decode order, src/server/handle.ts guard()),
// probed over real UDP and TCP sockets from ONE table: each row is a raw query and what must come
// back (or that nothing must). Every reply is parsed strictly (test/e2e/support/wire.ts) and
// checked for the header invariants of an authoritative server: QR=1, ID and opcode echoed,
// RD copied, RA=0, Z=0, AD=0.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { TRICKY_ZONE, startE2eServer, type E2eServer } from './support/server.js';
import { TcpClient, UdpClient, framed } from './support/net.js';
import {
  encodeName, flagsWord, header, lines, optRR, parseResponse, query, questionBytes, rawRR, u16, u32,
  type ParsedResponse,
} from './support/wire.js';

type Transport = 'udp' | 'tcp';

const NOERROR = 0, FORMERR = 1, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5, NOTAUTH = 9, BADVERS = 16;
const QUERY = 0, IQUERY = 1, STATUS = 2, NOTIFY = 4, UPDATE = 5;

interface Expect {
  /** Full rcode (header + OPT extended rcode). */
  rcode: number;
  aa: boolean;
  /** 'echo': the question section is the query's question, byte for byte. */
  question: 'echo' | 'none';
  /** Expected OPT in the reply: absent, or present with this DO bit. */
  /** `ede`: the one option expected, an RFC 8914 Extended DNS Error with this info-code. */
  opt: 'none' | { do: boolean; ede?: number };
  an?: number;
  ns?: number;
  ar?: number;
  more?: (r: ParsedResponse, t: Transport) => void;
}

interface Case {
  name: string;
  msg: Buffer;
  expect: 'drop' | Expect | ((t: Transport) => Expect);
}

// --- raw query pieces -----------------------------------------------------------------------

const ID = 0xbeef;
const hdr = (o: { id?: number; opcode?: number; rd?: boolean; qr?: boolean; qd?: number; an?: number; ns?: number; ar?: number } = {}) =>
  header({ id: o.id ?? ID, flags: flagsWord({ qr: o.qr, opcode: o.opcode, rd: o.rd }), qd: o.qd ?? 1, an: o.an ?? 0, ns: o.ns ?? 0, ar: o.ar ?? 0 });
const q = (name: string, type: string | number, o: Parameters<typeof query>[2] = {}) => query(name, type, { id: ID, ...o });
const soaRdata = Buffer.concat([encodeName('ns1.tricky.test'), encodeName('hostmaster.tricky.test'), u32(2026112401), u32(7200), u32(900), u32(1209600), u32(300)]);
const soaRR = rawRR('tricky.test', RRType.SOA, 1, 3600, soaRdata);
const label = (n: number, ch = 'a') => ch.repeat(n);
/** 3 x 63 + 49 + "tricky.test": exactly 255 octets on the wire. */
const NAME_255 = `${label(63)}.${label(63, 'b')}.${label(63, 'c')}.${label(49, 'd')}.tricky.test`;
const NAME_256 = `${label(63)}.${label(63, 'b')}.${label(63, 'c')}.${label(50, 'd')}.tricky.test`;

// --- expectations ---------------------------------------------------------------------------

/** Header-only error reply echoing the question (and an OPT iff the query's was usable). */
const err = (rcode: number, extra: Partial<Expect> = {}): Expect => ({ rcode, aa: false, question: 'echo', opt: 'none', an: 0, ns: 0, ar: 0, ...extra });
/** Error reply with no question section (the question could not be read, or QDCOUNT != 1). */
const errNoQ = (rcode: number, extra: Partial<Expect> = {}): Expect => err(rcode, { question: 'none', ...extra });
const withOpt = (e: Expect, d = false, ede?: number): Expect => ({ ...e, opt: { do: d, ede }, ar: 1 });

const cases: Case[] = [
  // ---- dropped: no header, or a response (answering responses makes reflection loops)
  { name: 'QR=1 query-shaped message is dropped', msg: q('tricky.test', 'A', { qr: true }), expect: 'drop' },
  {
    name: 'QR=1 full response (AA, NOERROR, an answer) is dropped',
    msg: Buffer.concat([
      header({ id: ID, flags: flagsWord({ qr: true, aa: true }), qd: 1, an: 1, ns: 0, ar: 0 }),
      questionBytes('tricky.test', RRType.A), rawRR(Buffer.from([0xc0, 12]), RRType.A, 1, 60, Buffer.from([192, 0, 2, 1])),
    ]),
    expect: 'drop',
  },
  { name: 'QR=1 NOTIFY response is dropped', msg: q('tricky.test', 'SOA', { qr: true, opcode: NOTIFY }), expect: 'drop' },
  { name: 'QR=1 with a malformed question is dropped, not FORMERR', msg: Buffer.concat([hdr({ qr: true }), Buffer.from([3, 0x77])]), expect: 'drop' },
  { name: 'empty message (0 octets) is dropped', msg: Buffer.alloc(0), expect: 'drop' },
  { name: '1-octet message is dropped', msg: Buffer.from([0xbe]), expect: 'drop' },
  { name: '11-octet message (header short by one) is dropped', msg: hdr().subarray(0, 11), expect: 'drop' },

  // ---- malformed question: FORMERR echoing ID and opcode, no question
  { name: 'truncated QNAME -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from('\x03www\x06tricky', 'latin1')]), expect: errNoQ(FORMERR) },
  { name: 'truncated QNAME in a NOTIFY -> FORMERR with opcode 4', msg: Buffer.concat([hdr({ opcode: NOTIFY }), Buffer.from('\x06tricky\x04te', 'latin1')]), expect: errNoQ(FORMERR) },
  { name: 'QNAME label length past the end -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([40, 0x61, 0x62, 0])]), expect: errNoQ(FORMERR) },
  { name: 'truncated QTYPE/QCLASS -> FORMERR', msg: Buffer.concat([hdr(), encodeName('tricky.test'), Buffer.from([0, 1, 0])]), expect: errNoQ(FORMERR) },
  { name: 'label type 0x40 (extended label) -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([0x41, 0x61, 0]), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  { name: 'label type 0x80 (reserved) -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([0x81, 0x61, 0]), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  { name: 'compression pointer to itself -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([0xc0, 12]), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  { name: 'compression pointer loop a -> a -> ... -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([1, 0x61, 0xc0, 12]), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  { name: 'forward compression pointer -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([0xc0, 18]), u16(1), u16(1), Buffer.from([0])]), expect: errNoQ(FORMERR) },
  { name: 'compression pointer into the header -> FORMERR', msg: Buffer.concat([hdr(), Buffer.from([0xc0, 2]), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  { name: 'QNAME of 256 octets -> FORMERR', msg: Buffer.concat([hdr(), encodeName(NAME_256), u16(1), u16(1)]), expect: errNoQ(FORMERR) },
  {
    name: 'QNAME of exactly 255 octets is accepted (wildcard NODATA, AA=1)',
    msg: Buffer.concat([hdr(), encodeName(NAME_255), u16(1), u16(1)]),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 0, ns: 1, ar: 0, more: (r) => expect(lines(r.authority)[0]).toMatch(/^tricky\.test\. SOA /) },
  },
  { name: 'octets after the question -> FORMERR (question echoed)', msg: Buffer.concat([q('tricky.test', 'A'), Buffer.from([0])]), expect: err(FORMERR) },

  // ---- question counts (RFC 9619)
  { name: 'QDCOUNT=0 -> FORMERR', msg: hdr({ qd: 0 }), expect: errNoQ(FORMERR) },
  { name: 'QDCOUNT=0 with an OPT -> FORMERR with our OPT', msg: Buffer.concat([hdr({ qd: 0, ar: 1 }), optRR({ do: true })]), expect: withOpt(errNoQ(FORMERR), true) },
  {
    name: 'QDCOUNT=2 -> FORMERR, nothing echoed',
    msg: Buffer.concat([hdr({ qd: 2 }), questionBytes('tricky.test', RRType.A), questionBytes('web.tricky.test', RRType.A)]),
    expect: errNoQ(FORMERR),
  },
  {
    name: 'QDCOUNT=2 with an OPT -> FORMERR, no OPT',
    msg: Buffer.concat([hdr({ qd: 2, ar: 1 }), questionBytes('tricky.test', RRType.A), questionBytes('web.tricky.test', RRType.A), optRR()]),
    expect: errNoQ(FORMERR),
  },

  // ---- other records in a query
  { name: 'ANCOUNT=1 in a QUERY -> FORMERR', msg: q('tricky.test', 'A', { answer: [soaRR] }), expect: err(FORMERR) },
  { name: 'NSCOUNT=1 in a non-IXFR QUERY -> FORMERR', msg: q('tricky.test', 'A', { authority: [soaRR] }), expect: err(FORMERR) },
  { name: 'more than 8 records -> FORMERR', msg: q('tricky.test', 'A', { additional: Array.from({ length: 9 }, () => soaRR) }), expect: err(FORMERR) },
  { name: 'ANCOUNT larger than the records present -> FORMERR', msg: Buffer.concat([hdr({ an: 1 }), questionBytes('tricky.test', RRType.A)]), expect: err(FORMERR) },
  { name: 'OPT in the authority section -> FORMERR', msg: q('tricky.test', 'IXFR', { authority: [optRR()] }), expect: err(FORMERR) },
  { name: 'OPT owner not the root -> FORMERR, no OPT', msg: q('tricky.test', 'A', { edns: { owner: encodeName('tricky.test') } }), expect: err(FORMERR) },
  { name: 'two OPT RRs -> FORMERR, no OPT', msg: q('tricky.test', 'A', { additional: [optRR({ do: true })], edns: { do: true } }), expect: err(FORMERR) },
  {
    name: 'EDNS option overrunning the OPT RDATA -> FORMERR',
    msg: q('tricky.test', 'A', { edns: { options: [{ code: 10, data: Buffer.alloc(8) }], rdlength: 6 } }),
    expect: err(FORMERR),
  },
  {
    name: 'TSIG not the last record -> FORMERR',
    msg: q('tricky.test', 'A', { additional: [rawRR('key.', RRType.TSIG, 255, 0, Buffer.alloc(0))], edns: {} }),
    expect: err(FORMERR),
  },

  // ---- EDNS version (RFC 6891 §6.1.3)
  {
    name: 'EDNS version 1 -> BADVERS (header 0, OPT extended rcode 1, version 0), DO echoed',
    msg: q('tricky.test', 'A', { edns: { version: 1, do: true } }),
    expect: withOpt(err(BADVERS), true),
  },
  { name: 'EDNS version 255 -> BADVERS', msg: q('tricky.test', 'A', { edns: { version: 255 } }), expect: withOpt(err(BADVERS)) },
  { name: 'EDNS version 1 beats an unknown opcode: BADVERS, not NOTIMP', msg: q('tricky.test', 'SOA', { opcode: UPDATE, edns: { version: 1 } }), expect: withOpt(err(BADVERS)) },
  { name: 'EDNS version 1 out of zone is still BADVERS', msg: q('example.com', 'A', { edns: { version: 1 } }), expect: withOpt(err(BADVERS)) },

  // ---- opcodes
  { name: 'opcode 1 (IQUERY) -> NOTIMP', msg: q('tricky.test', 'A', { opcode: IQUERY }), expect: err(NOTIMP) },
  { name: 'opcode 2 (STATUS) -> NOTIMP', msg: q('tricky.test', 'A', { opcode: STATUS }), expect: err(NOTIMP) },
  { name: 'opcode 3 (unassigned) -> NOTIMP', msg: q('tricky.test', 'A', { opcode: 3 }), expect: err(NOTIMP) },
  { name: 'opcode 5 (UPDATE) -> NOTIMP', msg: q('tricky.test', 'SOA', { opcode: UPDATE }), expect: err(NOTIMP) },
  { name: 'opcode 5 (UPDATE) with a prerequisite and an update -> NOTIMP', msg: q('tricky.test', 'SOA', { opcode: UPDATE, answer: [soaRR], authority: [soaRR] }), expect: err(NOTIMP) },
  { name: 'opcode 6 (DSO) -> NOTIMP', msg: q('tricky.test', 'A', { opcode: 6 }), expect: err(NOTIMP) },
  { name: 'opcode 15 -> NOTIMP', msg: q('tricky.test', 'A', { opcode: 15 }), expect: err(NOTIMP) },
  { name: 'opcode STATUS with an unreadable question -> NOTIMP, not FORMERR', msg: Buffer.concat([hdr({ opcode: STATUS }), Buffer.from([0x41, 0])]), expect: errNoQ(NOTIMP) },
  { name: 'opcode UPDATE with QDCOUNT=2 -> NOTIMP', msg: Buffer.concat([hdr({ opcode: UPDATE, qd: 2 }), questionBytes('tricky.test', RRType.SOA), questionBytes('tricky.test', RRType.SOA)]), expect: errNoQ(NOTIMP) },
  { name: 'opcode UPDATE with an OPT -> NOTIMP with our OPT', msg: q('tricky.test', 'SOA', { opcode: UPDATE, edns: { do: true } }), expect: withOpt(err(NOTIMP), true) },
  { name: 'NOTIFY -> NOTAUTH', msg: q('tricky.test', 'SOA', { opcode: NOTIFY, answer: [soaRR] }), expect: err(NOTAUTH) },
  { name: 'NOTIFY without the SOA -> NOTAUTH', msg: q('tricky.test', 'SOA', { opcode: NOTIFY }), expect: err(NOTAUTH) },
  { name: 'NOTIFY for a zone not ours -> NOTAUTH', msg: q('example.com', 'SOA', { opcode: NOTIFY, edns: {} }), expect: withOpt(err(NOTAUTH)) },

  // ---- classes
  { name: 'class CH -> REFUSED', msg: q('tricky.test', 'A', { qclass: 3 }), expect: err(REFUSED) },
  { name: 'class CH version.bind TXT -> REFUSED', msg: q('version.bind', 'TXT', { qclass: 3 }), expect: err(REFUSED) },
  { name: 'class HS -> REFUSED', msg: q('tricky.test', 'A', { qclass: 4 }), expect: err(REFUSED) },
  { name: 'class ANY -> REFUSED', msg: q('tricky.test', 'A', { qclass: 255 }), expect: err(REFUSED) },
  { name: 'class NONE -> REFUSED', msg: q('tricky.test', 'A', { qclass: 254 }), expect: err(REFUSED) },
  { name: 'class 0 -> REFUSED', msg: q('tricky.test', 'A', { qclass: 0 }), expect: err(REFUSED) },

  // ---- zone transfers (handle.ts guard): AXFR is TCP-only (RFC 5936 §4.2), so over UDP it is
  // NOTIMP (as Knot and NSD answer); over TCP AXFR, and IXFR on either transport, are REFUSED
  // until transfers are allowed per zone. The guard runs before the zone lookup.
  { name: 'AXFR', msg: q('tricky.test', 'AXFR'), expect: (t) => err(t === 'udp' ? NOTIMP : REFUSED) },
  { name: 'AXFR with EDNS', msg: q('tricky.test', 'AXFR', { edns: { do: true } }), expect: (t) => withOpt(err(t === 'udp' ? NOTIMP : REFUSED), true) },
  { name: 'AXFR for a zone not ours', msg: q('example.com', 'AXFR'), expect: (t) => err(t === 'udp' ? NOTIMP : REFUSED) },
  { name: 'IXFR with the client SOA in authority -> REFUSED', msg: q('tricky.test', 'IXFR', { authority: [soaRR] }), expect: err(REFUSED) },
  // Malformed before policy, as Knot and NSD answer: whether the client may transfer is not asked.
  { name: 'IXFR without an SOA -> FORMERR', msg: q('tricky.test', 'IXFR'), expect: err(FORMERR) },
  { name: 'IXFR without an SOA for a zone not ours -> FORMERR', msg: q('example.com', 'IXFR'), expect: err(FORMERR) },

  // ---- meta and pseudo types as QTYPE
  { name: 'QTYPE OPT -> FORMERR', msg: q('tricky.test', RRType.OPT), expect: err(FORMERR) },
  { name: 'QTYPE TSIG -> FORMERR', msg: q('tricky.test', RRType.TSIG), expect: err(FORMERR) },
  { name: 'QTYPE TKEY -> FORMERR', msg: q('tricky.test', RRType.TKEY), expect: err(FORMERR) },
  { name: 'QTYPE MAILA -> NOTIMP', msg: q('tricky.test', RRType.MAILA), expect: err(NOTIMP) },
  { name: 'QTYPE MAILB -> NOTIMP', msg: q('tricky.test', RRType.MAILB), expect: err(NOTIMP) },

  // ---- EDNS echo (RFC 6891 §7, RFC 3225 §3)
  {
    name: 'no OPT in the query -> no OPT in the reply',
    msg: q('tricky.test', 'A'),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 3, ns: 0, ar: 0 },
  },
  {
    name: 'OPT (4096, DO=1) -> our OPT: 1232, DO=1, version 0',
    msg: q('tricky.test', 'A', { edns: { udpSize: 4096, do: true } }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: { do: true }, an: 3, ns: 0, ar: 1 },
  },
  {
    name: 'OPT (512, DO=0) -> our OPT: 1232, DO=0',
    msg: q('tricky.test', 'A', { edns: { udpSize: 512 } }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: { do: false }, an: 3, ns: 0, ar: 1 },
  },
  {
    name: 'OPT with payload size 0 (treated as 512) -> our OPT',
    msg: q('tricky.test', 'A', { edns: { udpSize: 0 } }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: { do: false }, an: 3, ns: 0, ar: 1 },
  },
  {
    name: 'OPT with every flag bit set -> only DO echoed (Z flags zero)',
    msg: q('tricky.test', 'A', { edns: { flags: 0xffff } }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: { do: true }, an: 3, ns: 0, ar: 1 },
  },
  {
    name: 'OPT with unknown options -> options not echoed',
    msg: q('tricky.test', 'A', { edns: { options: [{ code: 65001, data: Buffer.from('hello') }, { code: 3, data: Buffer.alloc(0) }] } }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: { do: false }, an: 3, ns: 0, ar: 1 },
  },
  // A name in none of our zones: EDE 20, Not Authoritative, as Knot adds (RFC 8914 §4.21).
  { name: 'OPT on a REFUSED reply, with EDE 20', msg: q('example.com', 'A', { edns: { do: true } }), expect: withOpt(err(REFUSED), true, 20) },
  { name: 'OPT on a NOTIMP reply', msg: q('tricky.test', 'A', { opcode: STATUS, edns: {} }), expect: withOpt(err(NOTIMP)) },
  { name: 'OPT on a REFUSED class CH reply', msg: q('tricky.test', 'A', { qclass: 3, edns: {} }), expect: withOpt(err(REFUSED)) },

  // ---- header flags and authority
  {
    name: 'RD=1 copied on an answer, RA=0',
    msg: q('tricky.test', 'A', { rd: true }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 3 },
  },
  {
    name: 'RD=1 copied on a REFUSED reply, RA=0',
    msg: q('example.com', 'A', { rd: true }),
    expect: err(REFUSED),
  },
  {
    name: 'RD=1 copied on a FORMERR reply',
    msg: Buffer.concat([hdr({ rd: true }), Buffer.from([0xc0, 12]), u16(1), u16(1)]),
    expect: errNoQ(FORMERR),
  },
  {
    name: 'Z and AD set in the query -> both clear in the reply',
    msg: q('tricky.test', 'A', { z: true, ad: true }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 3 },
  },
  {
    name: 'CD=1 copied on an answer (RFC 4035 §3.1.6)',
    msg: q('tricky.test', 'A', { cd: true }),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 3, more: (r) => expect(r.cd).toBe(true) },
  },
  {
    name: 'AA=1 on NXDOMAIN, SOA in authority',
    msg: q('nope.web.tricky.test', 'A'),
    expect: {
      rcode: NXDOMAIN, aa: true, question: 'echo', opt: 'none', an: 0, ns: 1, ar: 0,
      more: (r) => expect(lines(r.authority)).toEqual(['tricky.test. SOA ns1.tricky.test. hostmaster.tricky.test. 2026112401 7200 900 1209600 300']),
    },
  },
  {
    name: 'AA=1 on NODATA, SOA in authority',
    msg: q('web.tricky.test', 'MX'),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 0, ns: 1, ar: 0, more: (r) => expect(r.authority[0]!.type).toBe(RRType.SOA) },
  },
  {
    name: 'AA=1 on a wildcard answer',
    msg: q('anything.tricky.test', 'TXT'),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 1, more: (r) => expect(lines(r.answer)).toEqual(['anything.tricky.test. TXT "wildcard at apex"']) },
  },
  {
    name: 'AA=0 on a referral: NS in authority, glue in additional',
    msg: q('host.sub.tricky.test', 'A'),
    expect: {
      rcode: NOERROR, aa: false, question: 'echo', opt: 'none', an: 0, ns: 3,
      more: (r) => {
        expect(lines(r.authority).sort()).toEqual(['sub.tricky.test. NS ns1.sub.tricky.test.', 'sub.tricky.test. NS ns1.tricky.test.', 'sub.tricky.test. NS ns2.sub.tricky.test.']);
        expect(lines(r.additional)).toEqual(expect.arrayContaining(['ns1.sub.tricky.test. A 192.0.2.201', 'ns2.sub.tricky.test. AAAA 2001:db8::202']));
      },
    },
  },
  {
    name: 'AA=0 on a referral at the cut itself',
    msg: q('sub.tricky.test', 'A', { edns: {} }),
    expect: { rcode: NOERROR, aa: false, question: 'echo', opt: { do: false }, an: 0, ns: 3 },
  },
  {
    name: 'AA=1 for DS at the cut (parent side, RFC 4035 §3.1.4.1)',
    msg: q('sub.tricky.test', 'DS'),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 1 },
  },
  {
    name: 'AA=1 when an in-zone CNAME leads to a referral',
    msg: q('tosub.tricky.test', 'A'),
    expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 1, ns: 3, more: (r) => expect(lines(r.answer)).toEqual(['tosub.tricky.test. CNAME host.sub.tricky.test.']) },
  },
  {
    name: 'question echoed byte for byte in the client case (WwW.TrIcKy.TeSt)',
    msg: q('WwW.TrIcKy.TeSt', 'A'),
    expect: {
      rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 3,
      more: (r) => {
        expect(r.question!.raw).toBe('WwW.TrIcKy.TeSt.');
        const got = lines(r.answer);
        expect(got[0]).toBe('www.tricky.test. CNAME web.tricky.test.');
        expect(got.slice(1).sort()).toEqual(['web.tricky.test. A 192.0.2.80', 'web.tricky.test. A 192.0.2.81']);
      },
    },
  },
  { name: 'name outside our zones -> REFUSED, RA=0, AA=0', msg: q('www.example.com', 'A'), expect: err(REFUSED) },
  { name: 'root name -> REFUSED', msg: q('.', 'NS'), expect: err(REFUSED) },
  { name: 'a parent of our zone -> REFUSED', msg: q('test', 'SOA'), expect: err(REFUSED) },
  { name: 'ID 0 echoed', msg: query('tricky.test', 'SOA', { id: 0 }), expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 1 } },
  { name: 'ID 0xffff echoed', msg: query('tricky.test', 'SOA', { id: 0xffff }), expect: { rcode: NOERROR, aa: true, question: 'echo', opt: 'none', an: 1 } },
  { name: 'ID 0xffff echoed on FORMERR', msg: Buffer.concat([hdr({ id: 0xffff, qd: 0 })]), expect: errNoQ(FORMERR) },
];

// --- runner ---------------------------------------------------------------------------------

let srv: E2eServer;
let udp: UdpClient;

beforeAll(async () => {
  srv = await startE2eServer([{ origin: 'tricky.test', text: TRICKY_ZONE }]);
  udp = await UdpClient.open(srv.host, srv.port);
});
afterAll(async () => {
  await udp.close();
  await srv.close();
  expect(srv.logged).toEqual([]);
});

/** The valid query sent after a dropped one: its answer must be the first thing to come back. */
const probe = (id: number) => query('web.tricky.test', 'A', { id });
let probeId = 0x7000;

function checkReply(raw: Buffer, c: Case, t: Transport): void {
  const e = typeof c.expect === 'function' ? c.expect(t) : (c.expect as Expect);
  const r = parseResponse(raw); // strict: throws on anything malformed
  const qFlags = c.msg.readUInt16BE(2);
  // Invariants of every reply.
  expect({ qr: r.qr, id: r.id, opcode: r.opcode, rd: r.rd, ra: r.ra, z: r.z, ad: r.ad, tc: r.tc }).toEqual({
    qr: true, id: c.msg.readUInt16BE(0), opcode: (qFlags >> 11) & 0xf, rd: (qFlags & 0x0100) !== 0, ra: false, z: false, ad: false, tc: false,
  });
  if (t === 'udp') expect(raw.length).toBeLessThanOrEqual(512);
  expect(r.fullRcode).toBe(e.rcode);
  expect(r.aa).toBe(e.aa);
  if (e.question === 'echo') {
    // The query's question section, byte for byte (case and all).
    const qEnd = 12 + r.question!.bytes.length;
    expect(r.counts.qd).toBe(1);
    expect(raw.subarray(12, qEnd).equals(c.msg.subarray(12, qEnd))).toBe(true);
  } else {
    expect(r.counts.qd).toBe(0);
  }
  if (e.opt === 'none') {
    expect(r.opt).toBeUndefined();
  } else {
    expect(r.opt).toBeDefined();
    // Options: none, or the one EDE (code 15, length 2, the info-code, no text).
    const options = e.opt.ede === undefined ? '' : Buffer.from([0, 15, 0, 2, e.opt.ede >> 8, e.opt.ede & 0xff]).toString('hex');
    expect({ udpSize: r.opt!.udpSize, version: r.opt!.version, flags: r.opt!.flags, options: r.opt!.rdata.toString('hex') }).toEqual({
      udpSize: 1232, version: 0, flags: e.opt.do ? 0x8000 : 0, options,
    });
    // BADVERS: header rcode 0 and extended rcode 1 (RFC 6891 §6.1.3); otherwise no extension.
    expect(r.opt!.extRcode).toBe(e.rcode >> 4);
  }
  if (e.rcode > 15) expect(r.rcode).toBe(e.rcode & 0xf);
  if (e.an !== undefined) expect(r.counts.an).toBe(e.an);
  if (e.ns !== undefined) expect(r.counts.ns).toBe(e.ns);
  if (e.ar !== undefined) expect(r.counts.ar).toBe(e.ar);
  e.more?.(r, t);
}

async function runUdp(c: Case): Promise<void> {
  const before = udp.messages.length;
  if (c.expect === 'drop') {
    await udp.send(c.msg);
    expect(await udp.silentFor(300)).toBe(true);
    // The server is still there and the dropped message produced nothing, even late.
    const id = probeId++;
    const reply = await udp.exchange(probe(id));
    expect(parseResponse(reply).answer.length).toBe(2);
    expect(udp.messages.slice(before)).toEqual([reply]);
    return;
  }
  await udp.send(c.msg);
  const raw = await udp.waitFor((_m) => udp.messages.length > before, 2000, c.name);
  expect(udp.messages.length).toBe(before + 1);
  checkReply(raw, c, 'udp');
}

async function runTcp(c: Case): Promise<void> {
  const conn = await TcpClient.connect(srv.host, srv.port);
  try {
    if (c.expect === 'drop') {
      // The dropped message and a valid query in one write: the first frame back must answer the
      // valid query, and the connection must stay open and usable.
      const id = probeId++;
      await conn.write(Buffer.concat([framed(c.msg), framed(probe(id))]));
      const first = await conn.next();
      expect(first.readUInt16BE(0)).toBe(id);
      expect(parseResponse(first).answer.length).toBe(2);
      const again = await conn.exchange(probe(id + 1000));
      expect(again.readUInt16BE(0)).toBe(id + 1000);
      expect(conn.replies.length).toBe(2);
      return;
    }
    const raw = await conn.exchange(c.msg);
    checkReply(raw, c, 'tcp');
    // Errors do not close the connection: a following query is answered on it.
    const id = probeId++;
    const next = await conn.exchange(probe(id));
    expect(next.readUInt16BE(0)).toBe(id);
    expect(conn.replies.length).toBe(2);
  } finally {
    conn.destroy();
  }
}

describe.each<[Transport, (c: Case) => Promise<void>]>([['udp', runUdp], ['tcp', runTcp]])('guards over %s', (_t, run) => {
  test.each(cases.map((c) => [c.name, c]))('%s', async (_name, c) => {
    await run(c as Case);
  });
});
