// A small, self-contained DNS wire toolkit for the differential tests: query encoding (also for
// deliberately odd probes), a strict response parser that keeps what a comparison needs (raw
// question bytes, owner case, canonical RDATA), and UDP/TCP exchanges that report "no reply".
//
// Written for test use only and independent of src/wire, so that a bug in our encoder cannot
// hide itself by being decoded with the same code. Names are wire-format binary strings
// (latin1: one character per octet, length-prefixed labels, root octet at the end).

import dgram from 'node:dgram';
import net from 'node:net';

export const T = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, PTR: 12, HINFO: 13, MINFO: 14, MX: 15, TXT: 16,
  RP: 17, AFSDB: 18, RT: 21, SIG: 24, PX: 26, AAAA: 28, NXT: 30, SRV: 33, NAPTR: 35, KX: 36, A6: 38,
  DNAME: 39, OPT: 41, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, CAA: 257, IXFR: 251, AXFR: 252, ANY: 255,
} as const;

const TYPE_NAMES = new Map<number, string>(Object.entries(T).map(([k, v]) => [v, k]));

export function typeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

export function className(cls: number): string {
  return cls === 1 ? 'IN' : cls === 3 ? 'CH' : cls === 4 ? 'HS' : cls === 254 ? 'NONE' : cls === 255 ? 'ANY' : `CLASS${cls}`;
}

export const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET',
  'NXRRSET', 'NOTAUTH', 'NOTZONE', 'RCODE11', 'RCODE12', 'RCODE13', 'RCODE14', 'RCODE15', 'BADVERS'];

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

// ---------------------------------------------------------------------------------- names

/** Wire-format name as a latin1 string. */
export type WireName = string;

export const ROOT_NAME: WireName = '\x00';

export function labelsOf(name: WireName): string[] {
  const out: string[] = [];
  for (let i = 0; name.charCodeAt(i) !== 0; i += name.charCodeAt(i) + 1) out.push(name.slice(i + 1, i + 1 + name.charCodeAt(i)));
  return out;
}

export function fromLabels(labels: readonly string[]): WireName {
  let out = '';
  for (const l of labels) {
    if (l.length < 1 || l.length > 63) throw new RangeError(`label length ${l.length}`);
    out += String.fromCharCode(l.length) + l;
  }
  if (out.length + 1 > 255) throw new RangeError('name longer than 255 octets');
  return out + '\x00';
}

export function prepend(label: string, name: WireName): WireName {
  return fromLabels([label, ...labelsOf(name)]);
}

export function parentOf(name: WireName): WireName | undefined {
  return name.length <= 1 ? undefined : name.slice(name.charCodeAt(0) + 1);
}

export function lowerName(name: WireName): WireName {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Presentation format (RFC 1035 §5.1 escapes for dots, backslashes and non-printables). */
export function nameText(name: WireName): string {
  const ls = labelsOf(name);
  if (ls.length === 0) return '.';
  return ls.map((l) => Array.from(l, (ch) => {
    const c = ch.charCodeAt(0);
    if (ch === '.' || ch === '\\' || ch === '"' || ch === '(' || ch === ')' || ch === ';' || ch === '@' || ch === '$') return '\\' + ch;
    if (c <= 0x20 || c >= 0x7f) return '\\' + String(c).padStart(3, '0');
    return ch;
  }).join('')).join('.') + '.';
}

// ---------------------------------------------------------------------------------- queries

export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, Z: 0x0040, AD: 0x0020, CD: 0x0010 } as const;
export const EDNS_DO = 0x8000;

export interface OptSpec {
  udpSize?: number;
  version?: number;
  do?: boolean;
  /** Extra bits of the EDNS flags field (besides DO). */
  flags?: number;
  /** Raw option TLVs. */
  options?: Buffer;
}

export function optRR(o: OptSpec = {}): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const b = Buffer.alloc(11);
  b[0] = 0; // root owner
  b.writeUInt16BE(T.OPT, 1);
  b.writeUInt16BE(o.udpSize ?? 1232, 3);
  b[5] = 0; // extended rcode
  b[6] = o.version ?? 0;
  b.writeUInt16BE(((o.do ? EDNS_DO : 0) | (o.flags ?? 0)) & 0xffff, 7);
  b.writeUInt16BE(opts.length, 9);
  return Buffer.concat([b, opts]);
}

export function questionBytes(name: WireName, type: number, cls = 1): Buffer {
  const q = Buffer.alloc(name.length + 4);
  q.write(name, 0, 'latin1');
  q.writeUInt16BE(type, name.length);
  q.writeUInt16BE(cls, name.length + 2);
  return q;
}

/** A message built from parts; counts are given explicitly so probes can lie about them. */
export function rawMessage(p: {
  id: number; flags?: number; qd?: Buffer[]; qdcount?: number; ancount?: number; ns?: Buffer[]; nscount?: number;
  ar?: Buffer[]; arcount?: number; trailer?: Buffer;
}): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(p.id & 0xffff, 0);
  h.writeUInt16BE(p.flags ?? 0, 2);
  h.writeUInt16BE(p.qdcount ?? (p.qd ?? []).length, 4);
  h.writeUInt16BE(p.ancount ?? 0, 6);
  h.writeUInt16BE(p.nscount ?? (p.ns ?? []).length, 8);
  h.writeUInt16BE(p.arcount ?? (p.ar ?? []).length, 10);
  return Buffer.concat([h, ...(p.qd ?? []), ...(p.ns ?? []), ...(p.ar ?? []), p.trailer ?? Buffer.alloc(0)]);
}

export function encodeQuery(q: { id: number; name: WireName; type: number; cls?: number; flags?: number; edns?: OptSpec }): Buffer {
  return rawMessage({ id: q.id, flags: q.flags ?? 0, qd: [questionBytes(q.name, q.type, q.cls ?? 1)], ar: q.edns ? [optRR(q.edns)] : [] });
}

// ---------------------------------------------------------------------------------- responses

export interface ParsedRR {
  /** Owner as sent (case kept), decompressed. */
  owner: WireName;
  type: number;
  cls: number;
  ttl: number;
  /** RDATA with names decompressed and, for the RFC 4034 §6.2 types, lower-cased; hex. */
  canon: string;
  /** Human-readable one-line form. */
  text: string;
  /** For CNAME and DNAME: the target name (case kept). */
  target?: WireName;
}

export interface ParsedOpt {
  udpSize: number;
  extRcode: number;
  version: number;
  flags: number;
  options: Array<{ code: number; data: Buffer }>;
}

export interface ParsedResponse {
  id: number;
  flags: number;
  opcode: number;
  /** Full rcode: header 4 bits plus the OPT's extended rcode (RFC 6891 §6.1.3). */
  rcode: number;
  qdcount: number;
  /** Raw question section (what the client sent must come back octet for octet). */
  question: Buffer;
  answer: ParsedRR[];
  authority: ParsedRR[];
  /** Additional section without the OPT. */
  additional: ParsedRR[];
  opt: ParsedOpt | undefined;
  size: number;
}

export class WireError extends Error {}

/** Reads a possibly compressed name; returns the name and the offset after it in place. */
export function readName(msg: Buffer, offset: number, end = msg.length): [WireName, number] {
  let out = '';
  let pos = offset;
  let after = -1;
  let jumps = 0;
  for (;;) {
    if (pos >= end) throw new WireError(`name runs past the end at ${pos}`);
    const len = msg[pos]!;
    if (len === 0) {
      pos += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= end) throw new WireError('truncated compression pointer');
      const ptr = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (after < 0) after = pos + 2;
      if (++jumps > 64 || ptr >= pos) throw new WireError(`bad compression pointer ${ptr} at ${pos}`);
      pos = ptr;
      continue;
    }
    if (len & 0xc0) throw new WireError(`label type 0x${len.toString(16)}`);
    if (pos + 1 + len > end) throw new WireError('label runs past the end');
    out += String.fromCharCode(len) + msg.toString('latin1', pos + 1, pos + 1 + len);
    if (out.length + 1 > 255) throw new WireError('name longer than 255 octets');
    pos += 1 + len;
  }
  return [out + '\x00', after >= 0 ? after : pos];
}

/** RDATA layouts: names ('n') and fixed octet counts, then the rest verbatim. */
const LAYOUT: Record<number, ReadonlyArray<'n' | number>> = {
  [T.NS]: ['n'], [T.CNAME]: ['n'], [T.PTR]: ['n'], [T.DNAME]: ['n'], [T.MB]: ['n'], [T.MG]: ['n'], [T.MR]: ['n'],
  [T.SOA]: ['n', 'n'], [T.MINFO]: ['n', 'n'], [T.RP]: ['n', 'n'],
  [T.MX]: [2, 'n'], [T.AFSDB]: [2, 'n'], [T.RT]: [2, 'n'], [T.KX]: [2, 'n'], [T.PX]: [2, 'n', 'n'],
  [T.SRV]: [6, 'n'],
};
/** RFC 4034 §6.2 (as updated by RFC 6840 §5.1): names in these RDATA compare case-insensitively. */
const CANON_LOWER = new Set<number>([T.NS, T.CNAME, T.SOA, T.MB, T.MG, T.MR, T.PTR, T.MINFO, T.MX, T.RP, T.AFSDB,
  T.RT, T.PX, T.KX, T.SRV, T.DNAME, T.NAPTR]);

function canonRdata(msg: Buffer, type: number, start: number, end: number): { canon: Buffer; text: string; firstName?: WireName } {
  const layout = type === T.NAPTR ? undefined : LAYOUT[type];
  const parts: Buffer[] = [];
  const text: string[] = [];
  let pos = start;
  let firstName: WireName | undefined;
  const lower = CANON_LOWER.has(type);
  const takeName = () => {
    const [n, next] = readName(msg, pos, end);
    firstName ??= n;
    parts.push(Buffer.from(lower ? lowerName(n) : n, 'latin1'));
    text.push(nameText(n));
    pos = next;
  };
  if (type === T.NAPTR) {
    // order, preference, then three character-strings, then the replacement name
    if (pos + 4 > end) throw new WireError('NAPTR too short');
    parts.push(msg.subarray(pos, pos + 4));
    pos += 4;
    for (let i = 0; i < 3; i++) {
      if (pos >= end || pos + 1 + msg[pos]! > end) throw new WireError('NAPTR string overrun');
      parts.push(msg.subarray(pos, pos + 1 + msg[pos]!));
      pos += 1 + msg[pos]!;
    }
    takeName();
  } else if (layout) {
    for (const f of layout) {
      if (f === 'n') takeName();
      else {
        if (pos + f > end) throw new WireError(`${typeName(type)} RDATA too short`);
        parts.push(msg.subarray(pos, pos + f));
        text.push(msg.subarray(pos, pos + f).toString('hex'));
        pos += f;
      }
    }
  }
  if (pos > end) throw new WireError('RDATA overrun');
  const rest = msg.subarray(pos, end);
  parts.push(rest);
  const canon = Buffer.concat(parts);
  let shown: string;
  if (type === T.A && canon.length === 4) shown = Array.from(canon).join('.');
  else if (type === T.AAAA && canon.length === 16) shown = (canon.toString('hex').match(/.{4}/g) ?? []).join(':');
  else if (type === T.TXT || type === T.HINFO) shown = txtText(rest);
  else shown = [...text, rest.length ? rest.toString('hex') : ''].filter(Boolean).join(' ');
  return { canon, text: shown, firstName };
}

function txtText(b: Buffer): string {
  const out: string[] = [];
  let p = 0;
  while (p < b.length) {
    const n = b[p]!;
    const s = b.subarray(p + 1, p + 1 + n);
    out.push('"' + Array.from(s, (c) => (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c ? '\\' + String(c).padStart(3, '0') : String.fromCharCode(c))).join('') + '"');
    p += 1 + n;
  }
  const joined = out.join(' ');
  return joined.length > 80 ? `${joined.slice(0, 60)}...(${b.length} octets)` : joined;
}

/** Parses a response strictly; throws WireError on anything malformed (including trailing octets). */
export function parseResponse(msg: Buffer): ParsedResponse {
  if (msg.length < 12) throw new WireError(`response of ${msg.length} octets`);
  const flags = msg.readUInt16BE(2);
  const qdcount = msg.readUInt16BE(4);
  const counts = [msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
  let pos = 12;
  for (let i = 0; i < qdcount; i++) {
    pos = readName(msg, pos)[1] + 4;
    if (pos > msg.length) throw new WireError('question runs past the end');
  }
  const question = msg.subarray(12, pos);
  const sections: ParsedRR[][] = [[], [], []];
  let opt: ParsedOpt | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      const [owner, after] = readName(msg, pos);
      if (after + 10 > msg.length) throw new WireError('RR header runs past the end');
      const type = msg.readUInt16BE(after);
      const cls = msg.readUInt16BE(after + 2);
      const ttl = msg.readUInt32BE(after + 4);
      const rdlen = msg.readUInt16BE(after + 8);
      const start = after + 10;
      const end = start + rdlen;
      if (end > msg.length) throw new WireError('RDATA runs past the end');
      if (type === T.OPT) {
        if (s !== 2) throw new WireError('OPT outside the additional section');
        if (opt) throw new WireError('two OPT RRs');
        if (owner !== ROOT_NAME) throw new WireError('OPT owner is not the root');
        const options: ParsedOpt['options'] = [];
        let p = start;
        while (p < end) {
          if (p + 4 > end) throw new WireError('EDNS option header overrun');
          const code = msg.readUInt16BE(p);
          const len = msg.readUInt16BE(p + 2);
          if (p + 4 + len > end) throw new WireError('EDNS option overrun');
          options.push({ code, data: msg.subarray(p + 4, p + 4 + len) });
          p += 4 + len;
        }
        opt = { udpSize: cls, extRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, options };
      } else {
        const { canon, text, firstName } = canonRdata(msg, type, start, end);
        sections[s]!.push({
          owner, type, cls, ttl, canon: canon.toString('hex'),
          text: `${nameText(owner)} ${ttl} ${className(cls)} ${typeName(type)} ${text}`,
          ...(type === T.CNAME || type === T.DNAME ? { target: firstName } : {}),
        });
      }
      pos = end;
    }
  }
  if (pos !== msg.length) throw new WireError(`${msg.length - pos} trailing octets`);
  return {
    id: msg.readUInt16BE(0),
    flags,
    opcode: (flags >>> 11) & 0xf,
    rcode: (flags & 0xf) | ((opt?.extRcode ?? 0) << 4),
    qdcount,
    question,
    answer: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
    opt,
    size: msg.length,
  };
}

// ---------------------------------------------------------------------------------- transports

export interface Endpoint {
  host: string;
  port: number;
}

/** One UDP exchange; resolves undefined if no reply with the query's ID came within `timeoutMs`. */
export function udpAsk(ep: Endpoint, msg: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(ep.host.includes(':') ? 'udp6' : 'udp4');
    let done = false;
    const finish = (r: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('message', (reply) => {
      if (msg.length < 2 || (reply.length >= 2 && reply[0] === msg[0] && reply[1] === msg[1])) finish(reply);
    });
    sock.send(msg, ep.port, ep.host);
  });
}

/** One TCP exchange (one framed message, one framed reply); undefined if the server closed or timed out. */
export function tcpAsk(ep: Endpoint, msg: Buffer, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ep.host, port: ep.port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (r: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) finish(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
  });
}

/** Retries UDP on silence (loopback rarely loses, but a busy CI box might); TCP is asked once. */
export async function ask(ep: Endpoint, msg: Buffer, tcp: boolean, timeoutMs = 1500, tries = 3): Promise<Buffer | undefined> {
  if (tcp) return tcpAsk(ep, msg, timeoutMs * 2);
  for (let i = 0; i < tries; i++) {
    const r = await udpAsk(ep, msg, timeoutMs);
    if (r) return r;
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
