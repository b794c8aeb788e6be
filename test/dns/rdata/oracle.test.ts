// dns-packet as an independent oracle: the wire RDATA we build from presentation text must
// decode (inside a packet) to the expected fields, and dns-packet's own encoding of those
// fields must equal our bytes.

import { describe, expect, test } from '@jest/globals';
import * as dnsPacket from 'dns-packet';
import { typeFromString } from '../../../src/dns/constants.js';
import { parseRdata } from '../../../src/dns/rdata/index.js';
import { hex, ORIGIN, tokenize } from './tokenize.js';

/** A response holding one answer at the root with the given RDATA. */
function wrap(type: number, rdata: string): Buffer {
  const head = Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt32BE(300, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([head, fixed, Buffer.from(rdata, 'latin1')]);
}

/** The RDATA dns-packet writes for an answer at the root. */
function dnsPacketRdata(answer: dnsPacket.Answer): string {
  const buf = dnsPacket.encode({ type: 'response', answers: [{ ...answer, name: '.' } as dnsPacket.Answer] });
  const len = buf.readUInt16BE(12 + 1 + 8);
  return hex(buf.subarray(23, 23 + len).toString('latin1'));
}

function dataOf(a: dnsPacket.Answer): unknown {
  return 'data' in a ? a.data : undefined;
}

interface OracleCase {
  text: string;
  answer: dnsPacket.Answer;
  /** dns-packet's decoded data when it differs from answer.data (defaults it fills in). */
  decoded?: unknown;
}

const b = (h: string): Buffer => Buffer.from(h, 'hex');
const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

const cases: OracleCase[] = [
  { text: '192.0.2.1', answer: { type: 'A', name: '.', data: '192.0.2.1' } },
  { text: '255.0.0.255', answer: { type: 'A', name: '.', data: '255.0.0.255' } },
  { text: '2001:db8::1', answer: { type: 'AAAA', name: '.', data: '2001:db8::1' } },
  { text: '2001:DB8:0:0:1:0:0:1', answer: { type: 'AAAA', name: '.', data: '2001:db8::1:0:0:1' } },
  { text: '::', answer: { type: 'AAAA', name: '.', data: '::' } },
  { text: 'fe80::1:2', answer: { type: 'AAAA', name: '.', data: 'fe80::1:2' } },
  { text: 'ns1', answer: { type: 'NS', name: '.', data: 'ns1.example' } },
  { text: 'Target.Example.NET.', answer: { type: 'CNAME', name: '.', data: 'Target.Example.NET' } },
  { text: 'host.example.', answer: { type: 'PTR', name: '.', data: 'host.example' } },
  { text: 'example.net.', answer: { type: 'DNAME', name: '.', data: 'example.net' } },
  { text: '10 mail', answer: { type: 'MX', name: '.', data: { preference: 10, exchange: 'mail.example' } } },
  { text: '0 .', answer: { type: 'MX', name: '.', data: { preference: 0, exchange: '' } }, decoded: { preference: 0, exchange: '.' } },
  {
    text: 'ns1 hostmaster 2024010101 1h30m 2w 1d 3600',
    answer: { type: 'SOA', name: '.', data: { mname: 'ns1.example', rname: 'hostmaster.example', serial: 2024010101, refresh: 5400, retry: 1209600, expire: 86400, minimum: 3600 } },
  },
  { text: 'ns hm 4294967295 0 0 0 0', answer: { type: 'SOA', name: '.', data: { mname: 'ns.example', rname: 'hm.example', serial: 4294967295, refresh: 0, retry: 0, expire: 0, minimum: 0 } } },
  { text: '"hello world"', answer: { type: 'TXT', name: '.', data: [b('68656c6c6f20776f726c64')] } },
  { text: '"a" "b\\"c" unquoted', answer: { type: 'TXT', name: '.', data: [b('61'), b('622263'), b('756e71756f746564')] } },
  { text: '"\\000\\255"', answer: { type: 'TXT', name: '.', data: [b('00ff')] } },
  { text: '""', answer: { type: 'TXT', name: '.', data: [b('')] } },
  { text: '0 5 5060 sip', answer: { type: 'SRV', name: '.', data: { priority: 0, weight: 5, port: 5060, target: 'sip.example' } } },
  { text: '65535 1 2 .', answer: { type: 'SRV', name: '.', data: { priority: 65535, weight: 1, port: 2, target: '' } }, decoded: { priority: 65535, weight: 1, port: 2, target: '.' } },
  {
    text: '0 issue "letsencrypt.org"',
    answer: { type: 'CAA', name: '.', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
    decoded: { flags: 0, tag: 'issue', value: 'letsencrypt.org', issuerCritical: false },
  },
  {
    text: '128 iodef "mailto:security@example.com"',
    answer: { type: 'CAA', name: '.', data: { flags: 128, tag: 'iodef', value: 'mailto:security@example.com' } },
    decoded: { flags: 128, tag: 'iodef', value: 'mailto:security@example.com', issuerCritical: true },
  },
  {
    text: '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118',
    answer: { type: 'DS', name: '.', data: { keyTag: 60485, algorithm: 5, digestType: 1, digest: b('2BB183AF5F22588179A53B0A98631FAD1A292118') } },
  },
  {
    text: '20326 RSASHA256 SHA-256 E06D44B80B8F1D39A95C0B0D7C65D084 58E880409BBC683457104237C7F8EC8D',
    answer: { type: 'DS', name: '.', data: { keyTag: 20326, algorithm: 8, digestType: 2, digest: b('E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D') } },
  },
  { text: '257 3 8 AwEAAQ==', answer: { type: 'DNSKEY', name: '.', data: { flags: 257, algorithm: 8, key: b64('AwEAAQ==') } } },
  {
    text: '256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8 KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==',
    answer: { type: 'DNSKEY', name: '.', data: { flags: 256, algorithm: 13, key: b64('oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==') } },
  },
  { text: 'host.example. A MX RRSIG NSEC', answer: { type: 'NSEC', name: '.', data: { nextDomain: 'host.example', rrtypes: ['A', 'MX', 'RRSIG', 'NSEC'] } } },
  { text: 'next NS SOA TXT AAAA RRSIG NSEC DNSKEY CAA', answer: { type: 'NSEC', name: '.', data: { nextDomain: 'next.example', rrtypes: ['NS', 'SOA', 'TXT', 'AAAA', 'RRSIG', 'NSEC', 'DNSKEY', 'CAA'] } } },
  {
    text: 'A 8 2 300 20300201000000 20240101000000 12345 example. dGVzdA==',
    answer: {
      type: 'RRSIG',
      name: '.',
      data: { typeCovered: 'A', algorithm: 8, labels: 2, originalTTL: 300, expiration: 1896134400, inception: 1704067200, keyTag: 12345, signersName: 'example', signature: b64('dGVzdA==') },
    },
  },
  {
    text: '1 1 12 aabbccdd 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG',
    answer: { type: 'NSEC3', name: '.', data: { algorithm: 1, flags: 1, iterations: 12, salt: b('aabbccdd'), nextDomain: b('17f3df17b2b2adaef615257de4d2020b80ac6c7c'), rrtypes: ['A', 'RRSIG'] } },
  },
  {
    text: '100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp.example.com.',
    answer: { type: 'NAPTR', name: '.', data: { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '!^.*$!sip:info@example.com!', replacement: '_sip._udp.example.com' } },
  },
  { text: '"PC" "Linux"', answer: { type: 'HINFO', name: '.', data: { cpu: 'PC', os: 'Linux' } } },
  { text: 'admin.example. txt', answer: { type: 'RP', name: '.', data: { mbox: 'admin.example', txt: 'txt.example' } } },
  {
    text: '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6',
    answer: { type: 'TLSA', name: '.', data: { usage: 3, selector: 1, matchingType: 1, certificate: b('0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6') } },
  },
  {
    text: '1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac',
    answer: { type: 'SSHFP', name: '.', data: { algorithm: 1, hash: 1, fingerprint: 'dd465c09cfa51fb45020cc83316fff21b9ec74ac' } },
    decoded: { algorithm: 1, hash: 1, fingerprint: 'DD465C09CFA51FB45020CC83316FFF21B9EC74AC' },
  },
];

describe('dns-packet agrees with our wire RDATA', () => {
  test.each(cases)('$answer.type $text', ({ text, answer, decoded }) => {
    const type = typeFromString(answer.type)!;
    const rdata = parseRdata(type, tokenize(text), ORIGIN);
    const packet = dnsPacket.decode(wrap(type, rdata));
    const got = packet.answers![0]!;
    expect(got.type).toBe(answer.type);
    expect(dataOf(got)).toEqual(decoded ?? dataOf(answer));
    expect(dnsPacketRdata(answer)).toBe(hex(rdata));
  });
});
