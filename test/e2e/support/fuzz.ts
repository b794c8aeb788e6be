// Seeded random DNS messages for the robustness tests: a corpus of valid (and valid-looking)
// queries, and mutators that break them the ways a hostile or broken client would.

import { RRType } from '../../../src/dns/constants.js';
import { encodeName, flagsWord, header, optRR, query, questionBytes, rawRR, u16, u32 } from './wire.js';

/**
 * xorshift32: small, fast, good enough for fuzzing, and reproducible from its seed. (No Math.*
 * calls: under jest's vm context Math.imul and friends cost ~0.5 us each, 20x a plain run.)
 */
export class Prng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0 || 0x2545f491;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s;
    return (s >>> 0) / 4294967296;
  }

  /** Integer in [0, n), n <= 2^31. */
  int(n: number): number {
    return (this.next() * n) | 0;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

const soa = rawRR('tricky.test', RRType.SOA, 1, 3600, Buffer.concat([
  encodeName('ns1.tricky.test'), encodeName('hostmaster.tricky.test'), u32(1), u32(7200), u32(900), u32(1209600), u32(300),
]));

/** Valid and nearly valid queries covering every path of the handler. */
export function corpus(): Buffer[] {
  const names = [
    'tricky.test', 'WwW.TrIcKy.TeSt', 'web.tricky.test', 'chain1.tricky.test', 'out.tricky.test', 'dangling.tricky.test',
    'loop1.tricky.test', 'tosub.tricky.test', 'c.a.b.tricky.test', 'a.b.tricky.test', 'x.wild.tricky.test', 'exists.wild.tricky.test',
    'x.cnamewild.tricky.test', 'host.sub.tricky.test', 'sub.tricky.test', 'x.other.tricky.test', 'x.legacy.tricky.test',
    '_sip._tcp.tricky.test', 'big.tricky.test', 'nope.web.tricky.test', 'anything.tricky.test', 'www.example.com', '.',
  ];
  const types = ['A', 'AAAA', 'MX', 'NS', 'SOA', 'TXT', 'CNAME', 'DNAME', 'SRV', 'DS', 'ANY', 'AXFR', 'IXFR'];
  const out: Buffer[] = [];
  for (const n of names) {
    for (const t of types) {
      out.push(query(n, t));
      out.push(query(n, t, { rd: true, edns: { udpSize: 1232, do: true } }));
    }
    out.push(query(n, 'A', { edns: { udpSize: 512, options: [{ code: 10, data: Buffer.alloc(8, 7) }, { code: 3, data: Buffer.alloc(0) }] } }));
  }
  out.push(query('tricky.test', 'SOA', { opcode: 4, answer: [soa] }));
  out.push(query('tricky.test', 'SOA', { opcode: 5, authority: [soa] }));
  out.push(query('tricky.test', 'IXFR', { authority: [soa], edns: {} }));
  out.push(query('tricky.test', 'A', { additional: [rawRR('key.example', RRType.TSIG, 255, 0, Buffer.alloc(30, 1))] }));
  out.push(query('tricky.test', 'A', { edns: { version: 1 } }));
  // DNS cookies (RFC 7873): a client cookie, with server cookies of every allowed length (one
  // shaped like ours), a malformed length, and the cookie-only query of §5.4.
  const cookie = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));
  for (const n of [8, 16, 24, 40, 12]) out.push(query('web.tricky.test', 'A', { edns: { options: [{ code: 10, data: cookie(n) }] } }));
  out.push(query('web.tricky.test', 'A', { edns: { options: [{ code: 10, data: Buffer.concat([cookie(8), Buffer.from([1, 0, 0, 0]), u32(Math.floor(Date.now() / 1000)), cookie(8)]) }] } }));
  out.push(Buffer.concat([header({ id: 1, flags: 0, qd: 0, an: 0, ns: 0, ar: 1 }), optRR({ options: [{ code: 10, data: cookie(8) }] })]));
  // A compressed owner in the additional section (pointer to the question name).
  out.push(Buffer.concat([
    header({ id: 1, flags: flagsWord({ rd: true }), qd: 1, an: 0, ns: 0, ar: 2 }), questionBytes('web.tricky.test', 1),
    rawRR(Buffer.from([0xc0, 12]), RRType.A, 1, 60, Buffer.from([1, 2, 3, 4])), optRR({ do: true }),
  ]));
  return out;
}

export type Mutator = (m: Buffer, r: Prng, corpus: readonly Buffer[]) => Buffer;

const mutators: Record<string, Mutator> = {
  bitFlips(m, r) {
    const b = Buffer.from(m);
    if (b.length === 0) return b;
    for (let i = 1 + r.int(8); i > 0; i--) b[r.int(b.length)]! ^= 1 << r.int(8);
    return b;
  },
  randomBytes(m, r) {
    const b = Buffer.from(m);
    if (b.length === 0) return b;
    for (let i = 1 + r.int(4); i > 0; i--) b[r.int(b.length)] = r.int(256);
    return b;
  },
  truncate(m, r) {
    return Buffer.from(m.subarray(0, r.int(m.length + 1)));
  },
  extend(m, r) {
    return Buffer.concat([m, r.bytes(1 + r.int(64))]);
  },
  randomCounts(m, r) {
    const b = Buffer.from(m);
    if (b.length < 12) return b;
    for (let i = 1 + r.int(3); i > 0; i--) {
      const v = r.next() < 0.8 ? r.int(4) : r.next() < 0.5 ? 0xffff : r.int(0x10000);
      b.writeUInt16BE(v, 4 + 2 * r.int(4));
    }
    return b;
  },
  pointerInjection(m, r) {
    const b = Buffer.from(m);
    if (b.length < 14) return b;
    const at = 12 + r.int(b.length - 13);
    // Mostly plausible targets inside the message (backward, forward, self), sometimes anywhere.
    const target = r.next() < 0.8 ? r.int(b.length) : r.int(0x4000);
    b[at] = 0xc0 | (target >> 8);
    b[at + 1] = target & 0xff;
    return b;
  },
  randomLengths(m, r) {
    const b = Buffer.from(m);
    if (b.length < 13) return b;
    const at = 12 + r.int(b.length - 12);
    // A label length, an extended label type, or the high/low octet of a 16-bit length.
    b[at] = r.pick([r.int(64), 63, 64, 0x40 | r.int(64), 0x80 | r.int(64), 0xff, 0, 1]);
    return b;
  },
  garbage(_m, r) {
    return r.bytes(r.int(600));
  },
  splice(m, r, c) {
    const other = r.pick(c);
    return Buffer.concat([m.subarray(0, r.int(m.length + 1)), other.subarray(r.int(other.length + 1))]);
  },
  headerFlags(m, r) {
    const b = Buffer.from(m);
    if (b.length < 4) return b;
    b.writeUInt16BE(r.int(0x10000) & (r.next() < 0.7 ? 0x7fff : 0xffff), 2);
    return b;
  },
  duplicateRegion(m, r) {
    if (m.length === 0) return Buffer.from(m);
    const from = r.int(m.length);
    const to = from + r.int(m.length - from + 1);
    const at = r.int(m.length + 1);
    return Buffer.concat([m.subarray(0, at), m.subarray(from, to), m.subarray(at)]);
  },
  deleteRegion(m, r) {
    if (m.length === 0) return Buffer.from(m);
    const from = r.int(m.length);
    const to = from + r.int(Math.min(16, m.length - from) + 1);
    return Buffer.concat([m.subarray(0, from), m.subarray(to)]);
  },
  hugeName(m, r) {
    // A long run of labels where the question name was: > 255 octets or > 127 labels.
    if (m.length < 12) return Buffer.from(m);
    const name = Buffer.alloc(1024, 0x61);
    let p = 0;
    for (let i = 40 + r.int(100); i > 0; i--) {
      const len = 1 + r.int(5);
      name[p] = len;
      p += len + 1;
    }
    name[p++] = 0;
    return Buffer.concat([m.subarray(0, 12), name.subarray(0, p), u16(1), u16(1)]);
  },
};

/** Offset just past an uncompressed QNAME at 12, or -1. */
function qnameEnd(m: Buffer): number {
  let p = 12;
  while (p < m.length && m[p]! !== 0 && m[p]! < 64) p += m[p]! + 1;
  return p < m.length && m[p] === 0 ? p + 1 : -1;
}

/** Mutations that keep the message well-formed, so the resolver and writer get exercised too. */
const mild: Record<string, Mutator> = {
  randomQtype(m, r) {
    const b = Buffer.from(m);
    const end = qnameEnd(b);
    if (end < 0 || end + 2 > b.length) return b;
    b.writeUInt16BE(r.next() < 0.5 ? r.pick([1, 2, 5, 6, 12, 15, 16, 28, 33, 39, 43, 46, 48, 64, 65, 99, 255, 256, 257]) : r.int(0x10000), end);
    return b;
  },
  qnameCharacters(m, r) {
    const b = Buffer.from(m);
    const end = qnameEnd(b);
    if (end < 0) return b;
    for (let p = 12; b[p]! !== 0; p += b[p]! + 1) {
      for (let k = p + 1; k <= p + b[p]!; k++) if (r.next() < 0.2) b[k] = r.next() < 0.5 ? b[k]! ^ 0x20 : r.int(256);
    }
    return b;
  },
  qnamePrefix(m, r) {
    // A random extra label in front of the name: wildcards, NXDOMAIN, below cuts, DNAME.
    const end = qnameEnd(m);
    if (end < 0 || m.length < 12) return Buffer.from(m);
    const label = Buffer.from(r.pick(['x', '*', 'www', 'a.b', 'ns1', 'deep.er']).split('.').map((l) => String.fromCharCode(l.length) + l).join(''), 'latin1');
    return Buffer.concat([m.subarray(0, 12), label, m.subarray(12)]);
  },
  ednsPayload(m, r) {
    // The OPT's CLASS (payload size) when the message ends with a bare OPT.
    const b = Buffer.from(m);
    if (b.length >= 23 && b[b.length - 11] === 0 && b.readUInt16BE(b.length - 10) === 41) b.writeUInt16BE(r.pick([0, 1, 511, 512, 513, 700, 1232, 1233, 4096, 65535]), b.length - 8);
    return b;
  },
};

export const MUTATOR_NAMES = Object.keys(mutators);
const MILD_NAMES = Object.keys(mild);
const ALL_NAMES = [...MUTATOR_NAMES, ...MILD_NAMES];

/**
 * A mutation of a random corpus entry: a third of the time 1-2 mild (structure-keeping)
 * mutations, otherwise 1-3 of any kind (garbage included).
 */
export function mutate(r: Prng, c: readonly Buffer[]): Buffer {
  let m = r.pick(c);
  if (r.next() < 0.33) {
    for (let i = 1 + r.int(2); i > 0; i--) m = mild[r.pick(MILD_NAMES)]!(m, r, c);
    return m;
  }
  for (let i = 1 + r.int(3); i > 0; i--) {
    const name = r.pick(ALL_NAMES);
    m = (mutators[name] ?? mild[name])!(m, r, c);
  }
  return m;
}

/** True when a server must not answer `msg` at all (no header, or QR=1). */
export function mustDrop(msg: Buffer): boolean {
  return msg.length < 12 || (msg[2]! & 0x80) !== 0;
}
