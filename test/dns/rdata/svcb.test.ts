// SVCB/HTTPS details the table cannot show: the token shapes a zone tokenizer may produce for
// quoted values, wire ordering of params, AliasMode, and printing of odd values.

import { describe, expect, test } from '@jest/globals';
import { RRType } from '../../../src/dns/constants.js';
import { parseRdata, rdataToText, type RdataToken } from '../../../src/dns/rdata/index.js';
import { hex, ORIGIN, tokenize, unhex } from './tokenize.js';

const tok = (text: string, quoted = false): RdataToken => ({ text, quoted, column: 1 });
const https = (tokens: RdataToken[]): string => hex(parseRdata(RRType.HTTPS, tokens, ORIGIN));

describe('SvcParam value shapes', () => {
  const want = https([tok('1'), tok('.'), tok('alpn=h2,h3')]);

  test('key="value" as one unquoted token holding the quotes', () => {
    expect(https([tok('1'), tok('.'), tok('alpn="h2,h3"')])).toBe(want);
  });

  test('key= followed by a quoted token', () => {
    expect(https([tok('1'), tok('.'), tok('alpn='), tok('h2,h3', true)])).toBe(want);
  });

  test('quoted value with a space, both shapes', () => {
    const a = https([tok('1'), tok('.'), tok('key65002='), tok('a b', true)]);
    const b = https([tok('1'), tok('.'), tok('key65002="a b"')]);
    expect(a).toBe(b);
    expect(a).toBe('0001' + '00' + 'FDEA0003612062');
  });

  test('key= followed by an unquoted token is an empty value, then the next param', () => {
    expect(https([tok('1'), tok('.'), tok('key65001='), tok('port=53')])).toBe('0001' + '00' + '000300020035' + 'FDE90000');
  });

  test('escaped quote at the end of an in-token quoted value is not its closing quote', () => {
    expect(() => https([tok('1'), tok('.'), tok('key65000="a\\"')])).toThrow('unterminated quoted value');
    expect(https([tok('1'), tok('.'), tok('key65000="a\\""')])).toBe('0001' + '00' + 'FDE800026122');
  });
});

describe('SvcParams on the wire', () => {
  test('sorted by key whatever the written order (RFC 9460 §2.2)', () => {
    const a = https(tokenize('1 . port=443 alpn=h2 ipv4hint=192.0.2.1 mandatory=alpn'));
    const b = https(tokenize('1 . mandatory=alpn alpn=h2 port=443 ipv4hint=192.0.2.1'));
    expect(a).toBe(b);
    expect(a).toBe('00010000000002000100010003026832000300' + '0201BB' + '00040004C0000201');
  });

  test('mandatory keys are sorted too', () => {
    expect(rdataToText(RRType.HTTPS, parseRdata(RRType.HTTPS, tokenize('1 . mandatory=key65000,port,alpn alpn=h2 port=1 key65000'), ORIGIN))).toBe(
      '1 . mandatory=alpn,port,key65000 alpn="h2" port=1 key65000',
    );
  });

  test('AliasMode (priority 0) with params is accepted without complaint', () => {
    expect(rdataToText(RRType.HTTPS, parseRdata(RRType.HTTPS, tokenize('0 svc.example.net. alpn=h2 port=8443'), ORIGIN))).toBe('0 svc.example.net. alpn="h2" port=8443');
  });

  test('a known key written as keyNNNNN is parsed by its format', () => {
    expect(https(tokenize('1 . key3=53'))).toBe(https(tokenize('1 . port=53')));
  });

  test('target relative to the origin and @', () => {
    expect(rdataToText(RRType.SVCB, parseRdata(RRType.SVCB, tokenize('1 svc'), ORIGIN))).toBe('1 svc.example.');
    expect(rdataToText(RRType.SVCB, parseRdata(RRType.SVCB, tokenize('0 @'), ORIGIN))).toBe('0 example.');
  });
});

describe('SVCB printing', () => {
  test('alpn ids holding commas and backslashes get both escape levels (RFC 9460 A.1)', () => {
    // ids "a,b" and "c\" on the wire.
    const rdata = unhex('0001' + '00' + '00010007' + '03612C62' + '02635C');
    const text = rdataToText(RRType.SVCB, rdata);
    expect(text).toBe('1 . alpn="a\\\\,b,c\\\\\\\\"');
    expect(hex(parseRdata(RRType.SVCB, tokenize(text), ORIGIN))).toBe(hex(rdata));
  });

  test('unknown keys print quoted with escapes; empty ones bare', () => {
    const rdata = unhex('0001' + '00' + 'FDE8' + '0003' + '0A2220' + 'FDE9' + '0000');
    expect(rdataToText(RRType.SVCB, rdata)).toBe('1 . key65000="\\010\\" " key65001');
  });

  test('keys out of order on the wire fall back to RFC 3597 form', () => {
    const rdata = unhex('0001' + '00' + '0003' + '0002' + '0035' + '0001' + '0003' + '026832');
    expect(rdataToText(RRType.SVCB, rdata)).toBe('\\# 16 0001000003000200350001000302683' + '2');
  });

  test('a port value of the wrong size falls back to RFC 3597 form', () => {
    expect(rdataToText(RRType.HTTPS, unhex('000100000300010035'))).toBe('\\# 9 000100000300010035');
  });
});
