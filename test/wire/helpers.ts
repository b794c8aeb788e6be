// Builders for wire tests: hand-made query bytes and RRs with hand-made RDATA, so these tests
// depend on nothing but src/dns and src/wire.

import { toBuffer, u16, u32, type Bytes } from '../../src/dns/bytes.js';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText, type Name } from '../../src/dns/name.js';
import type { RR } from '../../src/wire/writer.js';

export const n = (text: string): Name => nameFromText(text);

export function rr(owner: string, type: number, ttl: number, rdata: Bytes): RR {
  return { owner: n(owner), type, class: 1, ttl, rdata };
}

export const rd = {
  a: (ip: string): Bytes => String.fromCharCode(...ip.split('.').map(Number)),
  aaaa: (ip: string): Bytes => {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return groups.map((g) => u16(parseInt(g, 16))).join('');
  },
  name: (text: string): Bytes => n(text),
  mx: (pref: number, host: string): Bytes => u16(pref) + n(host),
  soa: (mname: string, rname: string, serial: number, refresh: number, retry: number, expire: number, minimum: number): Bytes =>
    n(mname) + n(rname) + u32(serial) + u32(refresh) + u32(retry) + u32(expire) + u32(minimum),
  txt: (...strings: string[]): Bytes => strings.map((s) => String.fromCharCode(s.length) + s).join(''),
  srv: (prio: number, weight: number, port: number, target: string): Bytes => u16(prio) + u16(weight) + u16(port) + n(target),
};

export interface QueryOptions {
  id?: number;
  flags?: number;
  qname?: string;
  qtype?: number;
  qclass?: number;
  /** Header counts; default: derived from what is added. */
  qdcount?: number;
  ancount?: number;
  nscount?: number;
  arcount?: number;
  /** Raw bytes appended after the question. */
  after?: Bytes;
  /** Adds an OPT (and counts it in ARCOUNT unless arcount is given). */
  edns?: { udpSize?: number; version?: number; do?: boolean; flags?: number; options?: { code: number; data: Bytes }[]; owner?: Bytes };
}

export function optRR(e: NonNullable<QueryOptions['edns']>): Bytes {
  const opts = (e.options ?? []).map((o) => u16(o.code) + u16(o.data.length) + o.data).join('');
  const flags = (e.flags ?? 0) | (e.do ? 0x8000 : 0);
  return (e.owner ?? '\x00') + u16(RRType.OPT) + u16(e.udpSize ?? 1232) + '\x00' + String.fromCharCode(e.version ?? 0) + u16(flags) + u16(opts.length) + opts;
}

export function question(qname = 'www.example.com.', qtype = 1, qclass = 1): Bytes {
  return n(qname) + u16(qtype) + u16(qclass);
}

export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): Bytes {
  return u16(id) + u16(flags) + u16(qd) + u16(an) + u16(ns) + u16(ar);
}

export function query(o: QueryOptions = {}): Buffer {
  const q = question(o.qname, o.qtype, o.qclass);
  const opt = o.edns ? optRR(o.edns) : '';
  const body = q + (o.after ?? '') + opt;
  const h = header(o.id ?? 0x1234, o.flags ?? 0x0100, o.qdcount ?? 1, o.ancount ?? 0, o.nscount ?? 0, o.arcount ?? (o.edns ? 1 : 0));
  return toBuffer(h + body);
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (h: string): Buffer => Buffer.from(h, 'hex');
