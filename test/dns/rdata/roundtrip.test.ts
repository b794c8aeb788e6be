// Randomized round trips: valid wire RDATA -> rdataToText -> tokens -> parseRdata must give the
// same octets. Random octets exercise the escaping of character-strings, names and SVCB values.

import { describe, expect, test } from '@jest/globals';
import { u16, u32 } from '../../../src/dns/bytes.js';
import { RRType } from '../../../src/dns/constants.js';
import { parseRdata, rdataToText } from '../../../src/dns/rdata/index.js';
import { hex, ORIGIN, tokenize } from './tokenize.js';

let seed = 20240101;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
}
function octets(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand(256));
  return s;
}
function charString(max: number): string {
  const n = rand(max + 1);
  return String.fromCharCode(n) + octets(n);
}
function name(): string {
  let s = '';
  const labels = rand(4);
  for (let i = 0; i < labels; i++) {
    const n = 1 + rand(10);
    s += String.fromCharCode(n) + octets(n);
  }
  return s + '\x00';
}

function roundTrip(type: number, rdata: string): void {
  const text = rdataToText(type, rdata);
  expect(text.startsWith('\\#')).toBe(false);
  expect(hex(parseRdata(type, tokenize(text), ORIGIN))).toBe(hex(rdata));
}

const ROUNDS = 300;

describe('random round trips', () => {
  test('TXT with arbitrary octets', () => {
    for (let k = 0; k < ROUNDS; k++) {
      let rdata = charString(255);
      for (let j = rand(3); j > 0; j--) rdata += charString(40);
      roundTrip(RRType.TXT, rdata);
    }
  });

  test('names with arbitrary octets (MX, SOA, RP)', () => {
    for (let k = 0; k < ROUNDS; k++) {
      roundTrip(RRType.MX, u16(rand(65536)) + name());
      roundTrip(RRType.SOA, name() + name() + u32(rand(2 ** 31) * 2) + u32(rand(1e9)) + u32(rand(1e9)) + u32(rand(1e9)) + u32(rand(1e9)));
      roundTrip(RRType.RP, name() + name());
    }
  });

  test('NAPTR, HINFO, CAA, URI strings', () => {
    for (let k = 0; k < ROUNDS; k++) {
      roundTrip(RRType.NAPTR, u16(rand(65536)) + u16(rand(65536)) + charString(20) + charString(20) + charString(60) + name());
      roundTrip(RRType.HINFO, charString(30) + charString(30));
      roundTrip(RRType.CAA, String.fromCharCode(rand(256)) + '\x05issue' + octets(rand(80)));
      roundTrip(RRType.URI, u16(rand(65536)) + u16(rand(65536)) + octets(rand(80)));
    }
  });

  test('LOC anywhere on (and off) the globe', () => {
    const precision = (): number => (rand(10) === 0 ? 0 : ((1 + rand(9)) << 4) | rand(10));
    for (let k = 0; k < ROUNDS; k++) {
      const lat = 0x80000000 + rand(2 * 90 * 3600000 + 1) - 90 * 3600000;
      const lon = 0x80000000 + rand(2 * 180 * 3600000 + 1) - 180 * 3600000;
      const alt = rand(2 ** 31) * 2 + rand(2);
      roundTrip(RRType.LOC, String.fromCharCode(0, precision(), precision(), precision()) + u32(lat) + u32(lon) + u32(alt));
    }
  });

  test('SVCB with random alpn ids and opaque values', () => {
    for (let k = 0; k < ROUNDS; k++) {
      let alpn = '';
      for (let j = 1 + rand(3); j > 0; j--) {
        const n = 1 + rand(8);
        alpn += String.fromCharCode(n) + octets(n);
      }
      const opaque = octets(rand(30));
      const rdata = u16(1 + rand(65535)) + name() + u16(1) + u16(alpn.length) + alpn + u16(3) + u16(2) + u16(rand(65536)) + u16(65000 + rand(500)) + u16(opaque.length) + opaque;
      roundTrip(RRType.SVCB, rdata);
    }
  });

  test('AAAA, NSEC3 and RRSIG', () => {
    for (let k = 0; k < ROUNDS; k++) {
      roundTrip(RRType.AAAA, octets(16));
      const salt = octets(rand(10));
      const hash = octets(20);
      roundTrip(RRType.NSEC3, '\x01' + String.fromCharCode(rand(2)) + u16(rand(100)) + String.fromCharCode(salt.length) + salt + '\x14' + hash + '\x00\x02\x60\x01');
      roundTrip(RRType.RRSIG, u16(1 + rand(300)) + '\x0d\x02' + u32(rand(86400)) + u32(rand(2 ** 31) * 2) + u32(rand(2 ** 31) * 2) + u16(rand(65536)) + name() + octets(1 + rand(64)));
    }
  });
});
