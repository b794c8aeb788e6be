import { describe, expect, it } from '@jest/globals';
import * as dnsPacket from 'dns-packet';
import { Rcode, RRType } from '../../src/dns/constants.js';
import { Section } from '../../src/wire/message.js';
import { responseSizeLimit } from '../../src/wire/size-limit.js';
import { encodeResponse, MessageWriter, type ResponseParts, type RRset } from '../../src/wire/writer.js';
import { u16, u32 } from '../../src/dns/bytes.js';
import { n, question, rd, rr } from './helpers.js';

const baseFlags = { aa: true, rd: true, ad: false, cd: false };
const q = { bytes: question('www.example.com.') };
const www4 = [10, 11, 12, 13].map((i) => rr('www.example.com.', RRType.A, 3600, rd.a(`192.0.2.${i}`)));

function parts(p: Partial<ResponseParts>): ResponseParts {
  return { id: 0x1234, opcode: 0, flags: baseFlags, rcode: 0, question: q, ...p };
}
const decode = (b: Buffer): dnsPacket.Packet => dnsPacket.decode(b);
const dataOf = (a: dnsPacket.Answer): unknown => ('data' in a ? a.data : undefined);
const tc = (b: Buffer): boolean => (b[2]! & 0x02) !== 0;
const counts = (b: Buffer): number[] => [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];

describe('encodeResponse: round trips through dns-packet', () => {
  it('header, flags and question', () => {
    const out = decode(encodeResponse(parts({ flags: { aa: true, rd: true, ad: true, cd: true } }), 512));
    expect(out.id).toBe(0x1234);
    expect(out.type).toBe('response');
    expect(out.flags! & 0x0400).toBeTruthy(); // AA
    expect(out.flags! & 0x0100).toBeTruthy(); // RD
    expect(out.flags! & 0x0080).toBeFalsy(); // RA
    expect(out.questions).toEqual([{ name: 'www.example.com', type: 'A', class: 'IN' }]);
  });

  it('a question given as fields is encoded like the echoed bytes', () => {
    const fromFields = encodeResponse(parts({ question: { name: n('www.example.com.'), qtype: 1, qclass: 1 }, answer: [www4] }), 512);
    expect(fromFields.equals(encodeResponse(parts({ answer: [www4] }), 512))).toBe(true);
  });

  it('4×A: 97 octets compressed against dns-packet’s 157 uncompressed', () => {
    const ours = encodeResponse(parts({ answer: [www4] }), 512);
    expect(ours.length).toBe(97);
    const theirs = dnsPacket.encode({
      id: 0x1234,
      type: 'response',
      flags: 0x0500,
      questions: [{ name: 'www.example.com', type: 'A', class: 'IN' }],
      answers: [10, 11, 12, 13].map((i) => ({ name: 'www.example.com', type: 'A' as const, class: 'IN' as const, ttl: 3600, data: `192.0.2.${i}` })),
    });
    expect(theirs.length).toBe(157);
    expect(decode(ours).answers).toEqual(decode(theirs).answers);
  });

  it('compressible RDATA: NS, CNAME, PTR, MX, SOA decode to the same names', () => {
    const soa = rr('example.com.', RRType.SOA, 300, rd.soa('ns1.example.com.', 'host\\.master.example.com.', 2024010101, 7200, 3600, 1209600, 300));
    const out = decode(
      encodeResponse(
        parts({
          answer: [
            [rr('www.example.com.', RRType.CNAME, 60, rd.name('web.example.com.'))],
            [rr('web.example.com.', RRType.MX, 60, rd.mx(10, 'mail.example.com.'))],
            [rr('4.3.2.1.in-addr.arpa.', RRType.PTR, 60, rd.name('web.example.com.'))],
          ],
          authority: [[rr('example.com.', RRType.NS, 60, rd.name('ns1.example.com.'))], [soa]],
        }),
        512,
      ),
    );
    expect(out.answers!.map((a) => [a.name, a.type, dataOf(a)])).toEqual([
      ['www.example.com', 'CNAME', 'web.example.com'],
      ['web.example.com', 'MX', { preference: 10, exchange: 'mail.example.com' }],
      ['4.3.2.1.in-addr.arpa', 'PTR', 'web.example.com'],
    ]);
    expect(out.authorities![0]).toMatchObject({ name: 'example.com', type: 'NS', data: 'ns1.example.com' });
    expect(out.authorities![1]).toMatchObject({
      type: 'SOA',
      ttl: 300,
      data: { mname: 'ns1.example.com', rname: 'host\\.master.example.com', serial: 2024010101, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 },
    });
  });

  it('SRV, DNAME and unknown types keep their names uncompressed (RFC 3597 §4)', () => {
    const srv = rd.srv(0, 5, 443, 'www.example.com.');
    const dname = rd.name('www.example.com.');
    const out = encodeResponse(
      parts({
        answer: [
          [rr('_https._tcp.www.example.com.', RRType.SRV, 60, srv)],
          [rr('www.example.com.', RRType.DNAME, 60, dname)],
          [rr('www.example.com.', 65280, 60, dname)],
        ],
      }),
      512,
    );
    const wire = out.toString('latin1');
    expect(wire.split(srv).length).toBe(2);
    expect(wire.split(u16len(dname) + dname).length).toBe(3); // DNAME and TYPE65280, each verbatim
    const d = decode(out);
    expect(dataOf(d.answers![0]!)).toMatchObject({ port: 443, target: 'www.example.com' });
    expect(dataOf(d.answers![1]!)).toBe('www.example.com');
  });

  it('compression is case-insensitive and copies the labels it writes in the case given', () => {
    const out = encodeResponse(
      parts({ question: { bytes: question('WWW.Example.COM.') }, answer: [[rr('www.example.com.', RRType.CNAME, 60, rd.name('Mail.EXAMPLE.com.'))]] }),
      512,
    );
    // Owner: a pointer to the question; CNAME target: "Mail" then a pointer to "Example.COM".
    expect(out.subarray(12 + 21, 12 + 21 + 2).toString('hex')).toBe('c00c');
    const d = decode(out);
    expect(d.answers![0]!.name).toBe('WWW.Example.COM');
    expect(dataOf(d.answers![0]!)).toBe('Mail.Example.COM');
  });

  it('the root as owner and as RDATA name', () => {
    const d = decode(encodeResponse(parts({ question: { bytes: question('.', RRType.NS) }, answer: [[rr('.', RRType.NS, 60, rd.name('.'))]] }), 512));
    expect(d.answers![0]).toMatchObject({ name: '.', type: 'NS', data: '.' });
  });

  it('RDATA that does not parse for a compressible type is copied as is', () => {
    const bad = '\x05abc'; // label runs past the end
    const out = encodeResponse(parts({ answer: [[rr('www.example.com.', RRType.NS, 60, bad)]] }), 512);
    expect(out.subarray(out.length - 4).toString('latin1')).toBe(bad);
    expect(out.readUInt16BE(out.length - 6)).toBe(4);
  });

  it('only offsets below 0x4000 become pointer targets (RFC 1035 §4.1.4)', () => {
    // ~600 distinct names, ~40 KiB over TCP: names written past 16 KiB cannot be pointed at.
    const rrsets: RRset[] = Array.from({ length: 600 }, (_, i) => [rr(`host${i}.example.com.`, RRType.TXT, 60, rd.txt('x'.repeat(40)))]);
    const again: RRset[] = Array.from({ length: 600 }, (_, i) => [rr(`host${i}.example.com.`, RRType.A, 60, rd.a('192.0.2.1'))]);
    const out = encodeResponse(parts({ answer: [...rrsets, ...again] }), responseSizeLimit('tcp', undefined));
    expect(out.length).toBeGreaterThan(0x4000 * 2);
    expect(tc(out)).toBe(false);
    const d = decode(out);
    expect(d.answers).toHaveLength(1200);
    d.answers!.forEach((a, i) => expect(a.name).toBe(`host${i % 600}.example.com`));
  });

  it('EDNS: OPT last, our payload size, DO copied, version 0, options written', () => {
    const out = encodeResponse(parts({ answer: [www4], edns: { udpSize: 1232, do: true, options: [{ code: 10, data: 'cookie!!' }] } }), 1232);
    const d = decode(out);
    const opt = d.additionals!.at(-1) as dnsPacket.OptAnswer;
    expect(opt.type).toBe('OPT');
    expect(opt.udpPayloadSize).toBe(1232);
    expect(opt.flags! & 0x8000).toBeTruthy();
    expect(opt.options).toEqual([{ code: 10, type: 'COOKIE', data: Buffer.from('cookie!!') }]);
  });

  it('an extended rcode goes into the OPT: BADVERS = header 0 + OPT extended rcode 1', () => {
    const out = encodeResponse(parts({ rcode: Rcode.BADVERS, edns: { udpSize: 1232, do: false } }), 512);
    expect(out[3]! & 0x0f).toBe(0);
    expect(out[out.length - 11 + 5]).toBe(1); // OPT TTL, first octet: extended rcode
    expect((decode(out).additionals![0] as dnsPacket.OptAnswer).extendedRcode).toBe(1);
  });

  it('refuses an extended rcode without an OPT to carry it', () => {
    expect(() => encodeResponse(parts({ rcode: Rcode.BADVERS }), 512)).toThrow(RangeError);
  });
});

describe('encodeResponse: size limit and truncation', () => {
  const bigTxt = [rr('www.example.com.', RRType.TXT, 60, rd.txt('a'.repeat(255), 'b'.repeat(255), 'c'.repeat(100)))];

  it('a TXT answer over 512 without EDNS: TC=1, header and question only', () => {
    const out = encodeResponse(parts({ answer: [bigTxt] }), responseSizeLimit('udp', undefined));
    expect(tc(out)).toBe(true);
    expect(counts(out)).toEqual([1, 0, 0, 0]);
    expect(out.length).toBe(12 + 21);
  });

  it('the same answer fits in 1232 with EDNS', () => {
    const out = encodeResponse(parts({ answer: [bigTxt], edns: { udpSize: 1232, do: false } }), responseSizeLimit('udp', 4096));
    expect(tc(out)).toBe(false);
    expect(counts(out)).toEqual([1, 1, 0, 1]);
    expect(out.length).toBeLessThanOrEqual(1232);
  });

  it('EDNS payload sizes below 512 count as 512 (RFC 6891 §6.2.5), ours caps the rest', () => {
    expect(responseSizeLimit('udp', 100)).toBe(512);
    expect(responseSizeLimit('udp', 4096)).toBe(1232);
    expect(responseSizeLimit('udp', 1000)).toBe(1000);
    expect(responseSizeLimit('tcp', 512)).toBe(65535);
  });

  it('on truncation the OPT is kept', () => {
    const out = encodeResponse(parts({ answer: [bigTxt], edns: { udpSize: 1232, do: true } }), 512);
    expect(tc(out)).toBe(true);
    expect(counts(out)).toEqual([1, 0, 0, 1]);
    expect(decode(out).additionals![0]!.type).toBe('OPT');
    expect(out.length).toBe(12 + 21 + 11);
  });

  it('the OPT space is reserved: an answer that would fit only without it truncates', () => {
    // 12 + 21 + RR(2 + 10 + rdlen) = 512 exactly without the OPT.
    const txt = [rr('www.example.com.', RRType.TXT, 60, rd.txt('a'.repeat(255), 'b'.repeat(210)))];
    expect(encodeResponse(parts({ answer: [txt] }), 512).length).toBe(512);
    const withOpt = encodeResponse(parts({ answer: [txt], edns: { udpSize: 1232, do: false } }), 512);
    expect(tc(withOpt)).toBe(true);
  });

  it('additional RRsets are dropped from the end before anything sets TC', () => {
    const glue = Array.from({ length: 40 }, (_, i) => [rr(`ns${i}.example.com.`, RRType.AAAA, 60, rd.aaaa(`2001:db8::${i}`))]);
    const out = encodeResponse(parts({ answer: [www4], additional: glue, edns: { udpSize: 1232, do: false } }), 512);
    expect(tc(out)).toBe(false);
    const [, an, , ar] = counts(out);
    expect(an).toBe(4);
    expect(ar).toBeGreaterThan(1);
    expect(ar).toBeLessThan(41);
    expect(out.length).toBeLessThanOrEqual(512);
    const names = decode(out).additionals!.filter((a) => a.type === 'AAAA').map((a) => a.name);
    expect(names).toEqual(glue.slice(0, names.length).map((_, i) => `ns${i}.example.com`)); // a prefix
  });

  it('required glue that does not fit sets TC (RFC 9471), keeping what was written', () => {
    const glue = Array.from({ length: 40 }, (_, i) => ({ rrs: [rr(`ns${i}.sub.example.com.`, RRType.AAAA, 60, rd.aaaa(`2001:db8::${i}`))], required: true }));
    const ns = glue.map((g) => rr('sub.example.com.', RRType.NS, 60, g.rrs[0]!.owner));
    const out = encodeResponse(parts({ flags: { ...baseFlags, aa: false }, authority: [ns], additional: glue }), 1232);
    expect(tc(out)).toBe(true);
    expect(counts(out)[2]).toBe(40);
    expect(counts(out)[3]).toBeGreaterThan(0);
  });

  it('an optional authority RRset that does not fit is left out without TC', () => {
    const soa = [rr('example.com.', RRType.SOA, 60, rd.soa(`${'m'.repeat(63)}.${'m'.repeat(63)}.example.com.`, `${'r'.repeat(63)}.${'r'.repeat(63)}.${'r'.repeat(63)}.example.com.`, 1, 2, 3, 4, 5))];
    const out = encodeResponse(parts({ answer: [bigTxt.map((r) => ({ ...r, rdata: rd.txt('x'.repeat(150)) }))], authority: [{ rrs: soa, required: false }] }), 512);
    expect(tc(out)).toBe(false);
    expect(counts(out)).toEqual([1, 1, 0, 0]);
  });

  it('a second answer RRset that does not fit: TC, the first kept (as Knot)', () => {
    const cname = [rr('www.example.com.', RRType.CNAME, 60, rd.name('big.example.com.'))];
    const out = encodeResponse(parts({ answer: [cname, bigTxt] }), 512);
    expect(tc(out)).toBe(true);
    expect(counts(out)).toEqual([1, 1, 0, 0]);
  });

  it('a forced TC (policy) is kept even when everything fits', () => {
    expect(tc(encodeResponse(parts({ flags: { ...baseFlags, tc: true } }), 512))).toBe(true);
  });

  it('reserve leaves room for a record appended later (TSIG)', () => {
    const txt = [rr('www.example.com.', RRType.TXT, 60, rd.txt('a'.repeat(255), 'b'.repeat(210)))];
    expect(tc(encodeResponse(parts({ answer: [txt] }), 512))).toBe(false);
    expect(tc(encodeResponse(parts({ answer: [txt], reserve: 1 }), 512))).toBe(true);
  });
});

describe('MessageWriter', () => {
  it('a put() that does not fit leaves no trace: later names are not pointed into the lost bytes', () => {
    const w = new MessageWriter();
    w.begin({ id: 1, opcode: 0, flags: baseFlags, rcode: 0 }, q, undefined, 200);
    const big = [rr('long-name-that-gets-registered.example.net.', RRType.TXT, 60, rd.txt('z'.repeat(200)))];
    expect(w.put(Section.ANSWER, big)).toBe(false);
    expect(w.length).toBe(12 + 21);
    const small = [rr('long-name-that-gets-registered.example.net.', RRType.A, 60, rd.a('192.0.2.1'))];
    expect(w.put(Section.ANSWER, small)).toBe(true);
    expect(w.put(Section.ANSWER, small)).toBe(true);
    const d = decode(w.finish());
    expect(d.answers!.map((a) => a.name)).toEqual(['long-name-that-gets-registered.example.net', 'long-name-that-gets-registered.example.net']);
  });

  it('fills message after message (the shape AXFR needs)', () => {
    const w = new MessageWriter();
    const rrs = Array.from({ length: 100 }, (_, i) => rr(`h${i}.example.com.`, RRType.A, 60, rd.a(`10.0.0.${i}`)));
    const messages: Buffer[] = [];
    let i = 0;
    while (i < rrs.length) {
      w.begin({ id: 7, opcode: 0, flags: baseFlags, rcode: 0 }, undefined, undefined, 512);
      while (i < rrs.length && w.put(Section.ANSWER, [rrs[i]!])) i++;
      messages.push(w.finish());
    }
    expect(messages.length).toBeGreaterThan(1);
    const names = messages.flatMap((m) => decode(m).answers!.map((a) => a.name));
    expect(names).toEqual(rrs.map((_, k) => `h${k}.example.com`));
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(512);
  });

  it('rejects sections out of order', () => {
    const w = new MessageWriter();
    w.begin({ id: 1, opcode: 0, flags: baseFlags, rcode: 0 }, q, undefined, 512);
    w.put(Section.AUTHORITY, www4);
    expect(() => w.put(Section.ANSWER, www4)).toThrow();
  });
});

function u16len(s: string): string {
  return String.fromCharCode(s.length >> 8, s.length & 0xff);
}

describe('DNSSEC units: an RRset and its RRSIGs (RFC 4035 §3.1.1)', () => {
  // RRSIG RDATA is copied as is (never compressed): fixed fields, the signer, a stand-in signature.
  const sig = (owner: string, covered: number, len = 100): RRset => {
    const fixed = u16(covered) + '\x0d\x03' + u32(3600) + u32(2000000000) + u32(1900000000) + u16(4242) + n('example.com.');
    return [rr(owner, RRType.RRSIG, 3600, fixed + 'S'.repeat(len - fixed.length))];
  };
  const a = (owner: string, ip: string): RRset => [rr(owner, RRType.A, 3600, rd.a(ip))];
  const unit = (rrs: RRset, sigs: RRset, required = true) => ({ rrs, sigs, required });
  const types = (b: Buffer, section: 'answers' | 'authorities' | 'additionals') => (decode(b)[section] ?? []).map((x) => `${x.name} ${x.type}`);

  it('a section\'s RRSIGs follow its RRsets, in the same order (Knot\'s layout)', () => {
    const out = encodeResponse(parts({
      answer: [unit([rr('www.example.com.', RRType.CNAME, 60, rd.name('web.example.com.'))], sig('www.example.com.', RRType.CNAME)), unit(a('web.example.com.', '192.0.2.1'), sig('web.example.com.', RRType.A))],
      additional: [unit(a('mail.example.com.', '192.0.2.25'), sig('mail.example.com.', RRType.A), false)],
    }), 1232);
    expect(types(out, 'answers')).toEqual(['www.example.com CNAME', 'web.example.com A', 'www.example.com RRSIG', 'web.example.com RRSIG']);
    expect(types(out, 'additionals')).toEqual(['mail.example.com A', 'mail.example.com RRSIG']);
    expect(tc(out)).toBe(false);
  });

  it('an RRset whose RRSIGs do not fit is not sent: TC=1 with the units before it', () => {
    // 12 + 21 (question) + 11 (OPT) = 44; a unit of A (31) + RRSIG (112) = 143.
    const answer = [unit(a('www.example.com.', '192.0.2.1'), sig('www.example.com.', RRType.A)), unit(a('two.example.com.', '192.0.2.2'), sig('two.example.com.', RRType.A))];
    const edns = { udpSize: 1232, do: true };
    const both = encodeResponse(parts({ answer, edns }), 1232);
    const room = both.length - 60; // the second A fits, its RRSIG does not
    const out = encodeResponse(parts({ answer, edns }), room);
    expect(tc(out)).toBe(true);
    expect(types(out, 'answers')).toEqual(['www.example.com A', 'www.example.com RRSIG']);
    expect(out.length).toBeLessThanOrEqual(room);
    // Not even the first unit fits: nothing but the question and the OPT.
    const none = encodeResponse(parts({ answer, edns }), 120);
    expect([tc(none), counts(none)]).toEqual([true, [1, 0, 0, 1]]);
  });

  it('optional additional units are left out whole, a smaller one after may still go in', () => {
    const additional = [
      unit(a('big.example.com.', '192.0.2.3'), sig('big.example.com.', RRType.A, 400), false),
      unit(a('small.example.com.', '192.0.2.4'), sig('small.example.com.', RRType.A, 40), false),
    ];
    const answer = [unit(a('www.example.com.', '192.0.2.1'), sig('www.example.com.', RRType.A))];
    const out = encodeResponse(parts({ answer, additional }), 300);
    expect(tc(out)).toBe(false);
    expect(types(out, 'answers')).toEqual(['www.example.com A', 'www.example.com RRSIG']);
    expect(types(out, 'additionals')).toEqual(['small.example.com A', 'small.example.com RRSIG']);
  });

  it('a unit left out takes its compression entries with it: later names point only at bytes sent', () => {
    const additional = [
      unit(a('long-name-that-is-left-out.example.com.', '192.0.2.3'), sig('long-name-that-is-left-out.example.com.', RRType.A, 300), false),
      unit(a('long-name-that-is-left-out.example.com.', '192.0.2.3'), [], false),
    ];
    const out = encodeResponse(parts({ additional }), 200);
    const back = decode(out);
    expect(back.additionals!.map((x) => `${x.name} ${x.type} ${String(dataOf(x))}`)).toEqual(['long-name-that-is-left-out.example.com A 192.0.2.3']);
  });

  it('required glue with RRSIGs that do not fit: TC=1', () => {
    const out = encodeResponse(parts({ additional: [unit(a('ns.sub.example.com.', '192.0.2.5'), sig('ns.sub.example.com.', RRType.A, 300), true)] }), 200);
    expect(tc(out)).toBe(true);
    expect(counts(out)).toEqual([1, 0, 0, 0]);
  });

  it('a MessageWriter checkpoint restores the message exactly', () => {
    const w = new MessageWriter();
    w.begin({ id: 1, opcode: 0, flags: baseFlags, rcode: 0 }, q, undefined, 512);
    w.put(Section.ANSWER, a('www.example.com.', '192.0.2.1'));
    const cp = w.checkpoint();
    w.put(Section.ANSWER, a('other.example.org.', '192.0.2.2'));
    w.restore(cp);
    w.put(Section.ANSWER, a('www.example.com.', '192.0.2.9'));
    const direct = new MessageWriter();
    direct.begin({ id: 1, opcode: 0, flags: baseFlags, rcode: 0 }, q, undefined, 512);
    direct.put(Section.ANSWER, a('www.example.com.', '192.0.2.1'));
    direct.put(Section.ANSWER, a('www.example.com.', '192.0.2.9'));
    expect(hexOf(w.finish())).toBe(hexOf(direct.finish()));
  });
});

const hexOf = (b: Buffer): string => b.toString('hex');
