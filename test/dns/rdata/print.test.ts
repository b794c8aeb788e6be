// rdataToText on its own: RFC 3597 output for unknown types and malformed RDATA, BIND-style
// escaping of character-strings, names printed absolute and escaped.

import { describe, expect, test } from '@jest/globals';
import { RRType } from '../../../src/dns/constants.js';
import { nameFromText } from '../../../src/dns/name.js';
import { parseRdata, rdataToText } from '../../../src/dns/rdata/index.js';
import { ORIGIN, tokenize, unhex } from './tokenize.js';

describe('RFC 3597 output', () => {
  test('unknown types print as \\# len HEX', () => {
    expect(rdataToText(65534, unhex('abcdef'))).toBe('\\# 3 ABCDEF');
    expect(rdataToText(65534, '')).toBe('\\# 0');
    expect(rdataToText(RRType.CERT, unhex('0001'))).toBe('\\# 2 0001');
  });

  test.each([
    ['A of 5 octets', RRType.A, '0102030405'],
    ['AAAA of 4 octets', RRType.AAAA, '01020304'],
    ['MX without a name', RRType.MX, '000A'],
    ['NS with a compression pointer', RRType.NS, 'C00C'],
    ['SOA with trailing data', RRType.SOA, '0000' + '00000001' + '00000002' + '00000003' + '00000004' + '00000005' + 'FF'],
    ['TXT whose string runs past the end', RRType.TXT, '0561'],
    ['empty TXT', RRType.TXT, ''],
    ['LOC version 1', RRType.LOC, '01' + '00'.repeat(15)],
    ['LOC bad precision', RRType.LOC, '00A01613' + '80000000' + '80000000' + '00989680'],
    ['NSEC with windows out of order', RRType.NSEC, '00' + '01014000014000'],
    ['DS without digest', RRType.DS, '00010501'],
    ['CAA with an empty tag', RRType.CAA, '0000'],
    ['ZONEMD with a short digest', RRType.ZONEMD, '00000001' + '0101' + 'AB'],
  ])('malformed %s falls back to \\#', (_name, type, rdataHex) => {
    const rdata = unhex(rdataHex);
    const text = rdataToText(type, rdata);
    expect(text).toBe(rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${rdataHex.toUpperCase()}`);
  });

  test('\\# input for a known type prints in its normal form', () => {
    const rdata = parseRdata(RRType.MX, tokenize('\\# 16 000A 046D61696C 076578616D706C6500'), ORIGIN);
    expect(rdataToText(RRType.MX, rdata)).toBe('10 mail.example.');
  });
});

describe('character-strings', () => {
  test('quotes and backslashes escaped, non-printables as \\DDD, the rest verbatim', () => {
    const rdata = '\x0b' + 'a"b\\c;( )@$' + '\x03' + '\x00\x7f\xff';
    expect(rdataToText(RRType.TXT, rdata)).toBe('"a\\"b\\\\c;( )@$" "\\000\\127\\255"');
  });

  test('a 255-octet string is fine; DKIM keys split in several strings stay split', () => {
    const long = 'p'.repeat(255);
    const rdata = parseRdata(RRType.TXT, tokenize(`"v=DKIM1; k=rsa; " "${long}" "${long}"`), ORIGIN);
    expect(rdata.length).toBe(1 + 16 + 2 * 256);
    expect(rdataToText(RRType.TXT, rdata)).toBe(`"v=DKIM1; k=rsa; " "${long}" "${long}"`);
  });

  test('length is counted after decoding escapes', () => {
    const escaped = '\\065'.repeat(255);
    expect(parseRdata(RRType.TXT, tokenize(`"${escaped}"`), ORIGIN)).toBe('\xff' + 'A'.repeat(255));
  });

  test('octets 0x80-0xFF in the token text are octets (zone files are read as latin1)', () => {
    expect(parseRdata(RRType.TXT, tokenize('"\xc3\xa9"'), ORIGIN)).toBe('\x02\xc3\xa9');
  });

  test('HINFO, NAPTR and CAA print their strings quoted', () => {
    expect(rdataToText(RRType.HINFO, parseRdata(RRType.HINFO, tokenize('INTEL-386 "Linux 6"'), ORIGIN))).toBe('"INTEL-386" "Linux 6"');
    expect(rdataToText(RRType.CAA, parseRdata(RRType.CAA, tokenize('0 issuewild ";"'), ORIGIN))).toBe('0 issuewild ";"');
  });
});

describe('names', () => {
  test('case is kept as written, on the wire and in print', () => {
    const rdata = parseRdata(RRType.CNAME, tokenize('WWW.Example.COM.'), ORIGIN);
    expect(rdata).toBe(nameFromText('WWW.Example.COM.'));
    expect(rdataToText(RRType.CNAME, rdata)).toBe('WWW.Example.COM.');
  });

  test('special characters print escaped and parse back', () => {
    const rdata = parseRdata(RRType.PTR, tokenize('a\\.b\\032c\\"d\\;e.example.'), ORIGIN);
    const text = rdataToText(RRType.PTR, rdata);
    expect(text).toBe('a\\.b\\032c\\"d\\;e.example.');
    expect(parseRdata(RRType.PTR, tokenize(text), ORIGIN)).toBe(rdata);
  });

  test('@ is the origin in every name field', () => {
    expect(rdataToText(RRType.SOA, parseRdata(RRType.SOA, tokenize('@ @ 1 2 3 4 5'), ORIGIN))).toBe('example. example. 1 2 3 4 5');
    expect(rdataToText(RRType.SRV, parseRdata(RRType.SRV, tokenize('1 1 1 @'), ORIGIN))).toBe('1 1 1 example.');
  });
});
