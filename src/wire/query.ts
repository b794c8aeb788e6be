// The strict decoder for UNTRUSTED queries. Never dns-packet on raw bytes (its decoder preallocates
// from header counts and can be driven into NaN offsets: see notes/packages.md §B).
//
// Work is bounded by the message length, never by header counts: the question is read in place,
// then at most MAX_RECORDS records are walked one by one with explicit bounds checks. Nothing
// here throws on any input; an unexpected exception becomes a drop.
//
// Order of checks (cross-checked against Knot 3.2 and NSD's query.c):
//   no 12-octet header, or QR=1 ........................ drop (never answer a response: loops)
//   QDCOUNT > 1 ........................................ FORMERR (RFC 9619 §2), nothing echoed
//   unreadable question / records / trailing octets ..... FORMERR, question echoed if it was read
//   OPT: not in additional, twice, owner not root,
//        options overrunning its RDATA .................. FORMERR (RFC 6891 §6.1.1)
//   COOKIE option of a length other than 8 or 16-40 .... FORMERR with an OPT (RFC 7873 §5.2.2)
//   TSIG: not the very last record ..................... FORMERR (RFC 8945 §5.1)
//   EDNS version > 0 ................................... BADVERS with an OPT (RFC 6891 §6.1.3)
//   opcode other than QUERY and NOTIFY ................. NOTIMP (RFC 1035 §4.1.1); for such opcodes
//                                                        the parse failures above answer NOTIMP too
//   QDCOUNT = 0 ........................................ FORMERR, OPT echoed (NO_QUESTION: with a
//                                                        COOKIE, the handler may answer it, RFC 7873 §5.4)
//   QUERY with ANCOUNT > 0, or NSCOUNT > 0 unless IXFR
//        (whose authority carries the client's SOA) ..... FORMERR (NSD does the same)

import { Opcode, Rcode, RRType } from '../dns/constants.js';
import type { Bytes } from '../dns/bytes.js';
import type { Name } from '../dns/name.js';
import { EDNS_COOKIE, EDNS_DO, Flag, HEADER_SIZE, NO_OPTIONS, OPCODE_MASK, OPCODE_SHIFT, Section, type EdnsOption } from './message.js';
import { lastScanned, nameScanReason, readName, scanName } from './wire-name.js';

/** Records (answer + authority + additional) a query may carry: IXFR's SOA, NOTIFY's SOA, OPT, TSIG. */
export const MAX_RECORDS = 8;
/** EDNS options kept per query; further ones are validated but not collected. */
export const MAX_EDNS_OPTIONS = 16;
/** The reason of the FORMERR for a message without a question (see RFC 7873 §5.4 in handle.ts). */
export const NO_QUESTION = 'no question';

export interface Question {
  /** QNAME exactly as the client sent it (case preserved, never compressed). */
  readonly name: Name;
  readonly qtype: number;
  readonly qclass: number;
  /** The raw question section (QNAME, QTYPE, QCLASS) to echo back. */
  readonly bytes: Bytes;
}

/** The client's OPT pseudo-RR (RFC 6891 §6.1.2-6.1.3). */
export interface EdnsInfo {
  /** Requestor's UDP payload size as sent; RFC 6891 §6.2.5 says to treat values < 512 as 512. */
  readonly udpSize: number;
  readonly version: number;
  /** DNSSEC OK (RFC 3225). */
  readonly do: boolean;
  /** The whole 16-bit flags field, so unknown flags are visible (they must not be echoed). */
  readonly flags: number;
  /** Upper 8 bits of the extended RCODE; meaningless in a query. */
  readonly extendedRcode: number;
  readonly options: readonly EdnsOption[];
  /**
   * The data of the first COOKIE option (RFC 7873 §5.2: the others are ignored): a client cookie
   * of 8 octets, or 16-40 with a server cookie. undefined without one (or when malformed: FORMERR).
   */
  readonly cookie: string | undefined;
}

/** Where the TSIG RR sits, for the TSIG work to verify the MAC (RFC 8945 §4.3.3, §5.1). */
export interface TsigPosition {
  /** Offset of the TSIG RR: the signed message is msg[0, offset) with ARCOUNT decremented. */
  readonly offset: number;
  readonly keyName: Name;
  readonly class: number;
  readonly ttl: number;
  readonly rdataOffset: number;
  readonly rdataLength: number;
}

/** A record other than OPT and TSIG: the SOA of an IXFR (RFC 1995 §3) or a NOTIFY (RFC 1996 §3.7). */
export interface MessageRecord {
  readonly section: Section;
  readonly owner: Name;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA lies in the original message and may hold compression pointers into it. */
  readonly rdataOffset: number;
  readonly rdataLength: number;
}

export interface DecodeDrop {
  readonly kind: 'drop';
  readonly reason: string;
}

/** A message we answer with an error: everything that could be read to build the reply. */
export interface DecodeError {
  readonly kind: 'error';
  readonly rcode: number;
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly question: Question | undefined;
  /** Only when the whole message parsed (Knot and NSD omit the OPT from a FORMERR otherwise). */
  readonly edns: EdnsInfo | undefined;
  readonly reason: string;
}

export interface DecodedQuery {
  readonly kind: 'query';
  readonly id: number;
  /** Opcode.QUERY or Opcode.NOTIFY; other opcodes come back as NOTIMP errors. */
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  /** RFC 6840 §5.7: the client understands the AD bit. */
  readonly ad: boolean;
  readonly question: Question;
  readonly edns: EdnsInfo | undefined;
  readonly tsig: TsigPosition | undefined;
  /** Non-OPT, non-TSIG records, in message order; undefined when there are none (the usual case). */
  readonly records: readonly MessageRecord[] | undefined;
}

export type DecodeResult = DecodeDrop | DecodeError | DecodedQuery;

/** Decodes a query from the network. Never throws. */
export function decodeQuery(msg: Uint8Array): DecodeResult {
  try {
    return decode(msg);
  } catch {
    // Unreachable by design; if a bug ever lands here, silence is the safe answer.
    return { kind: 'drop', reason: 'internal decoder error' };
  }
}

function latin1(msg: Uint8Array, start: number, end: number): string {
  if (Buffer.isBuffer(msg)) return msg.toString('latin1', start, end);
  return Buffer.from(msg.buffer, msg.byteOffset + start, end - start).toString('latin1');
}

function decode(msg: Uint8Array): DecodeResult {
  const len = msg.length;
  if (len < HEADER_SIZE) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const flags = (msg[2]! << 8) | msg[3]!;
  if (flags & Flag.QR) return { kind: 'drop', reason: 'QR=1: a response, not a query' };

  const id = (msg[0]! << 8) | msg[1]!;
  const opcode = (flags >>> OPCODE_SHIFT) & OPCODE_MASK;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  const ancount = (msg[6]! << 8) | msg[7]!;
  const nscount = (msg[8]! << 8) | msg[9]!;
  const arcount = (msg[10]! << 8) | msg[11]!;
  // NSD's reasoning: a new opcode may give the rest of the message another meaning, so for
  // opcodes we do not implement, anything we cannot read is NOTIMP rather than FORMERR.
  const supported = opcode === Opcode.QUERY || opcode === Opcode.NOTIFY;
  const parseRcode = supported ? Rcode.FORMERR : Rcode.NOTIMP;

  // RFC 9619 §2: more than one question is a format error, whichever question we might pick.
  if (qdcount > 1) return fail(id, flags, parseRcode, 'QDCOUNT > 1');

  let pos = HEADER_SIZE;
  let question: Question | undefined;
  if (qdcount === 1) {
    const nameEnd = scanName(msg, pos, len);
    // A pointer in the question can only point into the question itself (a loop) or the header;
    // scanName rejects both, so an accepted QNAME is always in place and uncompressed.
    if (nameEnd < 0) return fail(id, flags, parseRcode, `question: ${nameScanReason(nameEnd)}`);
    if (nameEnd + 4 > len) return fail(id, flags, parseRcode, 'question: truncated QTYPE/QCLASS');
    const bytes = latin1(msg, pos, nameEnd + 4);
    question = {
      name: bytes.slice(0, nameEnd - pos) as Name,
      qtype: (msg[nameEnd]! << 8) | msg[nameEnd + 1]!,
      qclass: (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!,
      bytes,
    };
    pos = nameEnd + 4;
  }

  const total = ancount + nscount + arcount;
  if (total > MAX_RECORDS) return fail(id, flags, parseRcode, `more than ${MAX_RECORDS} records after the question`, question);

  let edns: EdnsInfo | undefined;
  let tsig: TsigPosition | undefined;
  let records: MessageRecord[] | undefined;
  for (let i = 0; i < total; i++) {
    const section: Section = i < ancount ? Section.ANSWER : i < ancount + nscount ? Section.AUTHORITY : Section.ADDITIONAL;
    const start = pos;
    const nameEnd = scanName(msg, pos, len);
    if (nameEnd < 0) return fail(id, flags, parseRcode, `record owner: ${nameScanReason(nameEnd)}`, question);
    if (nameEnd + 10 > len) return fail(id, flags, parseRcode, 'record header truncated', question);
    const type = (msg[nameEnd]! << 8) | msg[nameEnd + 1]!;
    const cls = (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!;
    const ttl = ((msg[nameEnd + 4]! << 24) >>> 0) + ((msg[nameEnd + 5]! << 16) | (msg[nameEnd + 6]! << 8) | msg[nameEnd + 7]!);
    const rdlen = (msg[nameEnd + 8]! << 8) | msg[nameEnd + 9]!;
    const rdStart = nameEnd + 10;
    const rdEnd = rdStart + rdlen;
    if (rdEnd > len) return fail(id, flags, parseRcode, 'RDATA runs past the end of the message', question);

    if (type === RRType.OPT) {
      // RFC 6891 §6.1.1: at most one OPT, only in the additional section, owned by the root.
      if (section !== Section.ADDITIONAL) return fail(id, flags, parseRcode, 'OPT outside the additional section', question);
      if (edns !== undefined) return fail(id, flags, parseRcode, 'more than one OPT', question);
      if (lastScanned.length !== 1) return fail(id, flags, parseRcode, 'OPT owner is not the root', question);
      const options = readOptions(msg, rdStart, rdEnd);
      if (options === undefined) return fail(id, flags, parseRcode, 'EDNS option runs past the OPT RDATA', question);
      const cookie = firstCookie(options);
      const cookieOk = cookie === undefined || cookie.length === 8 || (cookie.length >= 16 && cookie.length <= 40);
      edns = {
        udpSize: cls,
        extendedRcode: ttl >>> 24,
        version: (ttl >>> 16) & 0xff,
        do: (ttl & EDNS_DO) !== 0,
        flags: ttl & 0xffff,
        options,
        cookie: cookieOk ? cookie : undefined,
      };
      if (!cookieOk) return fail(id, flags, parseRcode, 'COOKIE option is not 8 or 16-40 octets (RFC 7873 §5.2.2)', question, edns);
    } else if (type === RRType.TSIG) {
      // RFC 8945 §5.1: one TSIG, and it must be the last record of the message.
      if (i !== total - 1 || section !== Section.ADDITIONAL) return fail(id, flags, parseRcode, 'TSIG is not the last record', question);
      const key = readName(msg, start, len);
      if (typeof key === 'number') return fail(id, flags, parseRcode, 'TSIG key name unreadable', question);
      tsig = { offset: start, keyName: key.name, class: cls, ttl, rdataOffset: rdStart, rdataLength: rdlen };
    } else {
      const owner = readName(msg, start, len);
      if (typeof owner === 'number') return fail(id, flags, parseRcode, 'record owner unreadable', question);
      (records ??= []).push({ section, owner: owner.name, type, class: cls, ttl, rdataOffset: rdStart, rdataLength: rdlen });
    }
    pos = rdEnd;
  }
  // Knot answers FORMERR to octets after the last record; so do we.
  if (pos !== len) return fail(id, flags, parseRcode, 'trailing octets after the last record', question);

  // RFC 6891 §6.1.3: we implement version 0; a higher version gets BADVERS (before NOTIMP, as Knot).
  if (edns !== undefined && edns.version > 0) return fail(id, flags, Rcode.BADVERS, `EDNS version ${edns.version}`, question, edns);
  if (!supported) return fail(id, flags, Rcode.NOTIMP, `opcode ${opcode} not implemented`, question, edns);
  if (question === undefined) return fail(id, flags, Rcode.FORMERR, NO_QUESTION, undefined, edns);
  if (opcode === Opcode.QUERY && (ancount > 0 || (nscount > 0 && question.qtype !== RRType.IXFR))) {
    return fail(id, flags, Rcode.FORMERR, 'records in the answer or authority section of a query', question, edns);
  }

  return {
    kind: 'query',
    id,
    opcode,
    rd: (flags & Flag.RD) !== 0,
    cd: (flags & Flag.CD) !== 0,
    ad: (flags & Flag.AD) !== 0,
    question,
    edns,
    tsig,
    records,
  };
}

// A plain function rather than a closure over the header fields: no allocation on the success path.
function fail(id: number, flags: number, rcode: number, reason: string, question?: Question, edns?: EdnsInfo): DecodeError {
  const opcode = (flags >>> OPCODE_SHIFT) & OPCODE_MASK;
  return { kind: 'error', rcode, id, opcode, rd: (flags & Flag.RD) !== 0, cd: (flags & Flag.CD) !== 0, question, edns, reason };
}

function firstCookie(options: readonly EdnsOption[]): string | undefined {
  for (let i = 0; i < options.length; i++) if (options[i]!.code === EDNS_COOKIE) return options[i]!.data;
  return undefined;
}

/** Options of an OPT RDATA, or undefined if one runs past its end. */
function readOptions(msg: Uint8Array, start: number, end: number): readonly EdnsOption[] | undefined {
  if (start === end) return NO_OPTIONS;
  const out: EdnsOption[] = [];
  let p = start;
  while (p < end) {
    if (p + 4 > end) return undefined;
    const code = (msg[p]! << 8) | msg[p + 1]!;
    const olen = (msg[p + 2]! << 8) | msg[p + 3]!;
    if (p + 4 + olen > end) return undefined;
    if (out.length < MAX_EDNS_OPTIONS) out.push({ code, data: latin1(msg, p + 4, p + 4 + olen) });
    p += 4 + olen;
  }
  return out;
}
