// Byte-level DNS for the e2e tests: hand-built queries (including malformed ones, which no DNS
// library will encode) and a strict, independent response parser. Nothing here imports the code
// under test except the numeric constants, so a bug in src/wire cannot hide in both directions.

import { RRType } from '../../../src/dns/constants.js';

export const QR = 0x8000;
export const AA = 0x0400;
export const TC = 0x0200;
export const RD = 0x0100;
export const RA = 0x0080;
export const Z = 0x0040;
export const AD = 0x0020;
export const CD = 0x0010;
export const DO = 0x8000;

// ---------------------------------------------------------------------------------------------
// Encoding

/** A presentation name (`WwW.TrIcKy.TeSt`, trailing dot optional) as uncompressed wire, case kept. */
export function encodeName(text: string): Buffer {
  const t = text.endsWith('.') ? text.slice(0, -1) : text;
  if (t === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of t.split('.')) {
    const b = Buffer.from(label, 'latin1');
    if (b.length === 0 || b.length > 63) throw new RangeError(`bad label "${label}" in ${text}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export interface HeaderFields {
  id: number;
  /** The whole flags word (QR, opcode, AA, TC, RD, ...). */
  flags: number;
  qd: number;
  an: number;
  ns: number;
  ar: number;
}

export function header(h: HeaderFields): Buffer {
  return Buffer.concat([u16(h.id), u16(h.flags), u16(h.qd), u16(h.an), u16(h.ns), u16(h.ar)]);
}

export function flagsWord(opts: { qr?: boolean; opcode?: number; aa?: boolean; tc?: boolean; rd?: boolean; ra?: boolean; z?: boolean; ad?: boolean; cd?: boolean; rcode?: number }): number {
  return (opts.qr ? QR : 0) | ((opts.opcode ?? 0) & 0xf) << 11 | (opts.aa ? AA : 0) | (opts.tc ? TC : 0) | (opts.rd ? RD : 0)
    | (opts.ra ? RA : 0) | (opts.z ? Z : 0) | (opts.ad ? AD : 0) | (opts.cd ? CD : 0) | ((opts.rcode ?? 0) & 0xf);
}

export function questionBytes(name: string | Buffer, qtype: number, qclass = 1): Buffer {
  return Buffer.concat([typeof name === 'string' ? encodeName(name) : name, u16(qtype), u16(qclass)]);
}

export interface OptFields {
  udpSize?: number;
  version?: number;
  do?: boolean;
  /** Raw 16-bit flags (DO included when `do` is also set). */
  flags?: number;
  extRcode?: number;
  options?: Array<{ code: number; data: Buffer }>;
  /** Owner bytes; default the root. */
  owner?: Buffer;
  /** Override RDLENGTH (to make options overrun it). */
  rdlength?: number;
}

export function optRR(o: OptFields = {}): Buffer {
  const opts = Buffer.concat((o.options ?? []).map((x) => Buffer.concat([u16(x.code), u16(x.data.length), x.data])));
  const flags = (o.flags ?? 0) | (o.do ? DO : 0);
  return Buffer.concat([
    o.owner ?? Buffer.from([0]), u16(RRType.OPT), u16(o.udpSize ?? 1232),
    Buffer.from([o.extRcode ?? 0, o.version ?? 0]), u16(flags), u16(o.rdlength ?? opts.length), opts,
  ]);
}

/** A resource record with raw owner and RDATA bytes. */
export function rawRR(owner: Buffer | string, type: number, cls: number, ttl: number, rdata: Buffer): Buffer {
  return Buffer.concat([typeof owner === 'string' ? encodeName(owner) : owner, u16(type), u16(cls), u32(ttl), u16(rdata.length), rdata]);
}

export interface QueryOpts {
  id?: number;
  opcode?: number;
  rd?: boolean;
  cd?: boolean;
  ad?: boolean;
  z?: boolean;
  qr?: boolean;
  qclass?: number;
  edns?: OptFields;
  /** Records for the answer / authority / additional sections (the OPT goes after `additional`). */
  answer?: Buffer[];
  authority?: Buffer[];
  additional?: Buffer[];
}

let nextId = 1;
/** A fresh query ID, never 0 so that an all-zero reply cannot pass for an echo. */
export function freshId(): number {
  nextId = (nextId * 48271) % 0x7fffffff;
  return (nextId % 0xfffe) + 1;
}

/** A standard query, built by hand. `type` is a mnemonic or a number. */
export function query(name: string | Buffer, type: string | number, o: QueryOpts = {}): Buffer {
  const qtype = typeof type === 'number' ? type : typeNumber(type);
  const additional = [...(o.additional ?? []), ...(o.edns ? [optRR(o.edns)] : [])];
  return Buffer.concat([
    header({
      id: o.id ?? freshId(),
      flags: flagsWord({ qr: o.qr, opcode: o.opcode, rd: o.rd ?? false, cd: o.cd, ad: o.ad, z: o.z }),
      qd: 1, an: o.answer?.length ?? 0, ns: o.authority?.length ?? 0, ar: additional.length,
    }),
    questionBytes(name, qtype, o.qclass ?? 1),
    ...(o.answer ?? []), ...(o.authority ?? []), ...additional,
  ]);
}

export function typeNumber(mnemonic: string): number {
  const n = (RRType as Record<string, number>)[mnemonic.toUpperCase()];
  if (n === undefined) throw new RangeError(`unknown type ${mnemonic}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Strict response parsing

export class WireError extends Error {}

export interface ParsedName {
  /** Lower-cased presentation form, with the trailing dot (`www.tricky.test.`). */
  text: string;
  /** Case-preserving presentation form. */
  raw: string;
  /** Octets after the name's in-line part. */
  next: number;
}

/**
 * Reads a (possibly compressed) name strictly: labels 1-63, no 0x40/0x80 label types, every
 * pointer strictly backward and outside the header, at most 255 octets decompressed.
 */
export function readWireName(msg: Buffer, offset: number): ParsedName {
  const labelsRaw: string[] = [];
  let pos = offset;
  let next = -1;
  let total = 0;
  let runStart = offset;
  for (let hops = 0; ; ) {
    if (pos >= msg.length) throw new WireError(`name at ${offset} runs past the end`);
    const len = msg[pos]!;
    if (len === 0) {
      total += 1;
      if (next < 0) next = pos + 1;
      break;
    }
    if (len >= 0xc0) {
      if (pos + 1 >= msg.length) throw new WireError(`pointer at ${pos} truncated`);
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= runStart || target < 12) throw new WireError(`pointer at ${pos} to ${target} is not strictly backward`);
      if (++hops > 127) throw new WireError('too many pointer hops');
      if (next < 0) next = pos + 2;
      pos = runStart = target;
      continue;
    }
    if (len > 63) throw new WireError(`label type 0x${(len & 0xc0).toString(16)} at ${pos}`);
    if (pos + 1 + len > msg.length) throw new WireError(`label at ${pos} runs past the end`);
    labelsRaw.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    total += len + 1;
    if (total > 255) throw new WireError(`name at ${offset} longer than 255 octets`);
    pos += len + 1;
  }
  const raw = labelsRaw.length === 0 ? '.' : labelsRaw.join('.') + '.';
  return { text: raw.toLowerCase(), raw, next };
}

export interface ParsedRR {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdataOffset: number;
  rdata: Buffer;
  /** RDATA in presentation form for the types the tests look at (see rdataText). */
  text: string;
}

export interface ParsedOpt {
  udpSize: number;
  extRcode: number;
  version: number;
  flags: number;
  do: boolean;
  rdata: Buffer;
}

export interface ParsedResponse {
  length: number;
  id: number;
  flags: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** Header rcode (low 4 bits). */
  rcode: number;
  /** Header rcode combined with the OPT's extended rcode (RFC 6891 §6.1.3). */
  fullRcode: number;
  counts: { qd: number; an: number; ns: number; ar: number };
  question?: { name: string; raw: string; qtype: number; qclass: number; bytes: Buffer };
  answer: ParsedRR[];
  authority: ParsedRR[];
  /** Additional records without the OPT. */
  additional: ParsedRR[];
  opt?: ParsedOpt;
}

/** Parses a response, throwing WireError on anything malformed (and on trailing octets). */
export function parseResponse(msg: Buffer): ParsedResponse {
  if (msg.length < 12) throw new WireError(`reply of ${msg.length} octets has no header`);
  const flags = msg.readUInt16BE(2);
  const counts = { qd: msg.readUInt16BE(4), an: msg.readUInt16BE(6), ns: msg.readUInt16BE(8), ar: msg.readUInt16BE(10) };
  if (counts.qd > 1) throw new WireError(`QDCOUNT ${counts.qd} in a response`);
  let pos = 12;
  let question: ParsedResponse['question'];
  if (counts.qd === 1) {
    const n = readWireName(msg, pos);
    if (n.next + 4 > msg.length) throw new WireError('question truncated');
    question = { name: n.text, raw: n.raw, qtype: msg.readUInt16BE(n.next), qclass: msg.readUInt16BE(n.next + 2), bytes: msg.subarray(pos, n.next + 4) };
    pos = n.next + 4;
  }
  const sections: ParsedRR[][] = [[], [], []];
  let opt: ParsedOpt | undefined;
  const total = counts.an + counts.ns + counts.ar;
  for (let i = 0; i < total; i++) {
    const sec = i < counts.an ? 0 : i < counts.an + counts.ns ? 1 : 2;
    const n = readWireName(msg, pos);
    if (n.next + 10 > msg.length) throw new WireError(`record ${i} header truncated`);
    const type = msg.readUInt16BE(n.next);
    const cls = msg.readUInt16BE(n.next + 2);
    const ttl = msg.readUInt32BE(n.next + 4);
    const rdlen = msg.readUInt16BE(n.next + 8);
    const rdataOffset = n.next + 10;
    if (rdataOffset + rdlen > msg.length) throw new WireError(`record ${i} RDATA runs past the end`);
    const rdata = msg.subarray(rdataOffset, rdataOffset + rdlen);
    if (type === RRType.OPT) {
      if (sec !== 2) throw new WireError('OPT outside the additional section');
      if (opt) throw new WireError('two OPT records');
      if (n.text !== '.') throw new WireError('OPT owner is not the root');
      opt = { udpSize: cls, extRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, do: (ttl & DO) !== 0, rdata };
    } else {
      if (ttl > 0x7fffffff) throw new WireError(`record ${i} TTL ${ttl} above 2^31-1`);
      sections[sec]!.push({ name: n.text, type, class: cls, ttl, rdataOffset, rdata, text: rdataText(msg, type, rdataOffset, rdlen) });
    }
    pos = rdataOffset + rdlen;
  }
  if (pos !== msg.length) throw new WireError(`${msg.length - pos} trailing octets`);
  const rcode = flags & 0xf;
  return {
    length: msg.length,
    id: msg.readUInt16BE(0),
    flags,
    qr: (flags & QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & AA) !== 0,
    tc: (flags & TC) !== 0,
    rd: (flags & RD) !== 0,
    ra: (flags & RA) !== 0,
    z: (flags & Z) !== 0,
    ad: (flags & AD) !== 0,
    cd: (flags & CD) !== 0,
    rcode,
    fullRcode: ((opt?.extRcode ?? 0) << 4) | rcode,
    counts,
    question,
    answer: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
    opt,
  };
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // Longest run of zero groups -> '::' (RFC 5952), enough for test addresses.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Presentation form of the RDATA types the tests compare; `\#` hex for the rest. */
export function rdataText(msg: Buffer, type: number, offset: number, length: number): string {
  const rd = msg.subarray(offset, offset + length);
  switch (type) {
    case RRType.A:
      if (length !== 4) throw new WireError(`A RDATA of ${length} octets`);
      return [...rd].join('.');
    case RRType.AAAA:
      if (length !== 16) throw new WireError(`AAAA RDATA of ${length} octets`);
      return ipv6Text(rd);
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
    case RRType.DNAME: {
      const n = readWireName(msg, offset);
      if (n.next !== offset + length) throw new WireError(`type ${type} RDATA length mismatch`);
      return n.text;
    }
    case RRType.MX: {
      const n = readWireName(msg, offset + 2);
      if (n.next !== offset + length) throw new WireError('MX RDATA length mismatch');
      return `${msg.readUInt16BE(offset)} ${n.text}`;
    }
    case RRType.SOA: {
      const m = readWireName(msg, offset);
      const r = readWireName(msg, m.next);
      if (r.next + 20 !== offset + length) throw new WireError('SOA RDATA length mismatch');
      const nums = [0, 4, 8, 12, 16].map((k) => msg.readUInt32BE(r.next + k));
      return `${m.text} ${r.text} ${nums.join(' ')}`;
    }
    case RRType.TXT: {
      const strings: string[] = [];
      for (let p = 0; p < length; ) {
        const l = rd[p]!;
        if (p + 1 + l > length) throw new WireError('TXT string runs past its RDATA');
        strings.push(JSON.stringify(rd.toString('latin1', p + 1, p + 1 + l)));
        p += 1 + l;
      }
      return strings.join(' ');
    }
    default:
      return `\\# ${length} ${rd.toString('hex')}`;
  }
}

/** `name TYPE rdata` per record, for compact comparisons. */
export function lines(rrs: readonly ParsedRR[]): string[] {
  return rrs.map((r) => `${r.name} ${typeName(r.type)} ${r.text}`);
}

export function typeName(type: number): string {
  for (const [k, v] of Object.entries(RRType)) if (v === type) return k;
  return `TYPE${type}`;
}

/** Groups consecutive records with the same owner and type into RRsets (`name TYPE`). */
export function rrsetKeys(rrs: readonly ParsedRR[]): string[] {
  const out: string[] = [];
  for (const r of rrs) {
    const k = `${r.name} ${typeName(r.type)}`;
    if (out[out.length - 1] !== k) out.push(k);
  }
  return out;
}
