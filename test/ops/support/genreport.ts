// ISC's EDNS compliance tester, genreport (https://gitlab.isc.org/isc-projects/DNS-Compliance-Testing,
// read from its GitHub mirror damaestro/DNS-Compliance-Testing, genreport.c), reproduced for the
// tests it runs on NSID and EXPIRE: the query bytes of its `opts[]` entries ednsnsid, ednsexpire,
// edns1nsid, edns1expire and optlist, and the checks its process() makes on the reply, giving the
// tags it prints (`ok`, `nsid`, `expire`, or what failed: `noaa`, `nosoa`, `mbz`, ...). Only the
// parts that apply to these tests: an authoritative server (not `recursive`), no TSIG, over UDP
// (genreport retries over TCP on TC, which an SOA never needs here).

import { HEADER_SIZE } from '../../../src/wire/index.js';
import { udpExchange } from '../../support/server.js';

/** One row of genreport's opts[] (the fields these tests use). */
interface GenreportTest {
  readonly name: string;
  /** OPT RDATA, as genreport writes it. */
  readonly rdata: Buffer;
  readonly version: number;
  /** Sends a client cookie (optlist): a cookie in the reply must echo it. */
  readonly cookie: boolean;
}

const option = (code: number, data = ''): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff, data.length >> 8, data.length & 0xff]), Buffer.from(data, 'latin1')]);
const NSID = option(3);
const EXPIRE = option(9);
const ECS = option(8, '\x00\x01\x00\x00');
const COOKIE = option(10, '\x01\x02\x03\x04\x05\x06\x07\x08');

/** The tests of genreport on NSID and EXPIRE, with `dig` lines it documents them by. */
export const GENREPORT_TESTS: readonly GenreportTest[] = [
  { name: 'ednsnsid', rdata: NSID, version: 0, cookie: false }, // dig +edns=0 +nocookie +noad +norec +nsid SOA <zone>
  { name: 'ednsexpire', rdata: EXPIRE, version: 0, cookie: false }, // dig +edns=0 +nocookie +noad +norec +expire SOA <zone>
  { name: 'edns1nsid', rdata: NSID, version: 1, cookie: false }, // dig +edns=1 +noednsneg +nocookie +noad +norec +nsid SOA <zone>
  { name: 'edns1expire', rdata: EXPIRE, version: 1, cookie: false }, // dig +edns=1 +noednsneg +nocookie +noad +norec +expire SOA <zone>
  { name: 'optlist', rdata: Buffer.concat([NSID, ECS, EXPIRE, COOKIE]), version: 0, cookie: true }, // ... +nsid +subnet=0.0.0.0/0 +expire +cookie=0102030405060708 SOA <zone>
];

const SOA = 6;
const OPT = 41;
const BADVERS = 16;
const BADCOOKIE = 23;

/** res_mkquery(QUERY, zone, IN, SOA) with RD cleared, then genreport's OPT: size 4096, TTL = version << 16. */
export function genreportQuery(t: GenreportTest, zone: string, id: number): Buffer {
  const labels = zone.replace(/\.$/, '').split('.').filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const header = Buffer.from([id >> 8, id & 0xff, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(OPT, 1);
  opt.writeUInt16BE(4096, 3);
  opt.writeUInt32BE(t.version << 16, 5);
  opt.writeUInt16BE(t.rdata.length, 9);
  return Buffer.concat([header, qname, Buffer.from([0, SOA, 0, 1]), opt, t.rdata]);
}

/** An uncompressed or compressed name's text (lower case, no final dot) and where it ends, as dn_expand. */
function expand(msg: Buffer, at: number): [string, number] {
  const labels: string[] = [];
  let p = at;
  let end = -1;
  for (let hops = 0; hops < 128; hops++) {
    if (p >= msg.length) throw new Error('malformed');
    const len = msg[p]!;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= msg.length) throw new Error('malformed');
      if (end < 0) end = p + 2;
      p = ((len & 0x3f) << 8) | msg[p + 1]!;
      continue;
    }
    if (len === 0) return [labels.join('.').toLowerCase(), end < 0 ? p + 1 : end];
    if (p + 1 + len > msg.length) throw new Error('malformed');
    labels.push(msg.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
  throw new Error('malformed');
}

/** genreport's process() for one of GENREPORT_TESTS: the tags it adds for this reply ("malformed" on a parse error). */
export function genreportTags(t: GenreportTest, zone: string, buf: Buffer): string[] {
  const tags: string[] = [];
  const z = zone.replace(/\.$/, '').toLowerCase();
  try {
    const qr = (buf[2]! >> 7) & 1;
    const opcode = (buf[2]! >> 3) & 0xf;
    const aa = (buf[2]! >> 2) & 1;
    const rd = buf[2]! & 1;
    const zbit = (buf[3]! >> 6) & 1;
    const ad = (buf[3]! >> 5) & 1;
    const cd = (buf[3]! >> 4) & 1;
    let rcode = buf[3]! & 0xf;
    const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
    if (qr !== 1) throw new Error('malformed');
    let cp = HEADER_SIZE;
    for (let i = 0; i < counts[0]!; i++) {
      const [name, next] = expand(buf, cp);
      if (next + 4 > buf.length) throw new Error('malformed');
      if (name !== z || buf.readUInt16BE(next) !== SOA) return ['mismatch'];
      cp = next + 4;
    }
    let seensoa = false;
    let seenopt = false;
    let seennsid = false;
    let seenexpire = false;
    let seencookie = false;
    let goodcookie = false;
    let seenecs = false;
    let seenecho = false;
    let ednsttl = 0;
    let ok = true;
    for (let section = 1; section <= 3; section++) {
      for (let i = 0; i < counts[section]!; i++) {
        const [name, at] = expand(buf, cp);
        if (at + 10 > buf.length) throw new Error('malformed');
        const type = buf.readUInt16BE(at);
        const ttl = buf.readUInt32BE(at + 4);
        const rdlen = buf.readUInt16BE(at + 8);
        const start = at + 10;
        if (start + rdlen > buf.length) throw new Error('malformed');
        if (section === 1 && type === SOA && name === z) seensoa = true;
        if (section === 3 && type === OPT) {
          if (seenopt) throw new Error('malformed');
          seenopt = true;
          ednsttl = ttl;
          let o = start;
          while (start + rdlen - o >= 4) {
            const code = buf.readUInt16BE(o);
            const len = buf.readUInt16BE(o + 2);
            o += 4;
            if (start + rdlen - o < len) throw new Error('malformed');
            if (code === 3 && len > 0) seennsid = true;
            if (code === 8) seenecs = true;
            if (code === 9 && len === 4) seenexpire = true;
            if (code === 10 && len >= 16 && len <= 40) {
              seencookie = true;
              if (buf.subarray(o, o + 8).equals(Buffer.from('0102030405060708', 'hex'))) goodcookie = true;
              else if (t.cookie) ok = false;
            }
            if (code === 100) seenecho = true;
            o += len;
          }
          if (o !== start + rdlen) throw new Error('malformed');
        }
        cp = start + rdlen;
      }
    }
    if (cp !== buf.length) throw new Error('malformed');
    rcode += (ednsttl & 0xff000000) >>> 20;
    const fail = (tag: string) => { tags.push(tag); ok = false; };
    if (opcode !== 0) fail(`opcode${opcode}`);
    if (t.version === 0 && ((rcode !== 0 && !t.cookie) || (rcode !== 0 && (rcode !== BADCOOKIE || !seencookie) && t.cookie))) fail(`rcode${rcode}`);
    if (t.version !== 0 && rcode !== BADVERS) fail(`rcode${rcode}`);
    const ednsvers = (ednsttl >>> 16) & 0xff;
    if (seenopt && ednsvers !== 0) fail('version-not-zero');
    if (seenopt && ((ednsvers < t.version && rcode !== BADVERS) || (ednsvers >= t.version && rcode === BADVERS))) fail('badversion');
    if (!seenopt) fail('noopt');
    if (t.version === 0 && !seensoa && rcode === 0) fail('nosoa');
    if (seensoa && (t.version !== 0 || rcode !== 0)) fail('soa');
    if (seenecho) fail('echoed');
    if (!aa && t.version === 0 && rcode === 0) fail('noaa');
    if (rd) fail('rd');
    if (ad) fail('ad');
    if (cd) fail('cd');
    if (zbit) fail('z');
    if ((ednsttl & 0x7fff) !== 0) fail('mbz');
    if (ok) tags.push('ok');
    if (seennsid) tags.push('nsid');
    if (seenexpire) tags.push('expire');
    if (seencookie && goodcookie && t.cookie) tags.push(rcode === BADCOOKIE ? 'cookie+badcookie' : 'cookie');
    else if (seencookie && t.cookie) tags.push(rcode === BADCOOKIE ? 'cookie-mismatch+badcookie' : 'cookie-mismatch');
    else if (seencookie) tags.push('cookie');
    if (seenecs) tags.push('subnet');
    return tags;
  } catch {
    return ['malformed'];
  }
}

/** Runs the tests against host:port for `zone`, as `genreport` would print them: `ednsnsid=ok,nsid ...`. */
export async function genreport(host: string, port: number, zone: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let id = 0x4242;
  for (const t of GENREPORT_TESTS) {
    const reply = await udpExchange(host, port, genreportQuery(t, zone, id++));
    out[t.name] = genreportTags(t, zone, reply).join(',');
  }
  return out;
}
