// Strict hex, base64 and base32hex (RFC 4648 §10 test vectors).

import { describe, expect, test } from '@jest/globals';
import { base32HexDecode, base32HexEncode, base64Decode, hexDecode } from '../../../src/dns/rdata/encoding.js';
import { parseDuration } from '../../../src/dns/rdata/index.js';
import { parseSigTime, sigTimeToText } from '../../../src/dns/rdata/sigtime.js';

describe('base32hex (printed without padding)', () => {
  test.each([
    ['', ''],
    ['f', 'CO'],
    ['fo', 'CPNG'],
    ['foo', 'CPNMU'],
    ['foob', 'CPNMUOG'],
    ['fooba', 'CPNMUOJ1'],
    ['foobar', 'CPNMUOJ1E8'],
  ])('%j <-> %s', (plain, encoded) => {
    expect(base32HexEncode(plain)).toBe(encoded);
    expect(base32HexDecode(encoded)).toBe(plain);
    expect(base32HexDecode(encoded.toLowerCase())).toBe(plain);
  });

  test.each(['C', 'CPN', 'CPNMUO', 'CP', 'W0', 'cpnmuoj1e9', 'CPNG===', 'CPNG=====', 'CP=NG===', '========'])('rejects %s', (text) => {
    expect(base32HexDecode(text)).toBeUndefined();
  });

  test.each([['CPNG====', 'fo'], ['CPNMU===', 'foo'], ['CPNMUOG=', 'foob'], ['00======', '\x00']])('reads RFC 4648 padding too: %s', (text, plain) => {
    expect(base32HexDecode(text)).toBe(plain);
  });
});

describe('base64 and hex are strict', () => {
  test('valid', () => {
    expect(base64Decode('Zm9vYmFy')).toBe('foobar');
    expect(base64Decode('Zm9vYg==')).toBe('foob');
    expect(base64Decode('')).toBe('');
    expect(hexDecode('00ffAa')).toBe('\x00\xff\xaa');
  });
  test.each(['Zm9vYg', 'Zm9v Yg==', 'Zm9vYg=', 'Zm9=Yg==', 'Zm9vY*==', '===='])('base64 rejects %j', (text) => {
    expect(base64Decode(text)).toBeUndefined();
  });
  test.each(['0', 'gg', '0x00', '00 11'])('hex rejects %j', (text) => {
    expect(hexDecode(text)).toBeUndefined();
  });
});

describe('durations (SOA timers)', () => {
  test.each([
    ['0', 0],
    ['3600', 3600],
    ['1h30m', 5400],
    ['2w', 1209600],
    ['1D', 86400],
    ['1w2d3h4m5s', 788645],
    ['4294967295', 4294967295],
  ])('%s = %d', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  test.each(['', 'h', '1x', '1h1', '-1', '4294967296', '7102w', '1.5h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('RRSIG times', () => {
  test.each([
    ['19700101000000', 0],
    ['20240101000000', 1704067200],
    ['20240229235959', 1709251199],
    ['21060207062815', 0xffffffff],
    ['1704067200', 1704067200],
    ['0', 0],
  ])('%s = %d', (text, v) => {
    expect(parseSigTime(text)).toBe(v);
  });

  test('dates from 2106 on wrap modulo 2^32 (RFC 4034 §3.1.5 serial arithmetic)', () => {
    expect(parseSigTime('21060207062816')).toBe(0);
  });

  test('prints as YYYYMMDDHHmmSS from 1970', () => {
    expect(sigTimeToText(0)).toBe('19700101000000');
    expect(sigTimeToText(1704067200)).toBe('20240101000000');
    expect(sigTimeToText(0xffffffff)).toBe('21060207062815');
  });

  test.each(['19691231235959', '20241301000000', '20240100000000', '20230229000000', '20240101240000', '2024010100000', '12345678901', 'x'])('rejects %s', (text) => {
    expect(parseSigTime(text)).toBeUndefined();
  });
});
