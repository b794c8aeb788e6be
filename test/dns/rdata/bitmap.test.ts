// RFC 4034 §4.1.2 type bit maps, with the example of RFC 4034 §4.3.

import { describe, expect, test } from '@jest/globals';
import { RRType } from '../../../src/dns/constants.js';
import { RdataError, typeBitmapFromTypes, typesFromTypeBitmap } from '../../../src/dns/rdata/index.js';
import { hex, unhex } from './tokenize.js';

describe('type bit maps', () => {
  test('RFC 4034 §4.3 example: A MX RRSIG NSEC TYPE1234', () => {
    const bitmap = typeBitmapFromTypes([RRType.A, RRType.MX, RRType.RRSIG, RRType.NSEC, 1234]);
    expect(hex(bitmap)).toBe('0006400100000003' + '041B' + '00'.repeat(26) + '20');
    expect(typesFromTypeBitmap(bitmap)).toEqual([1, 15, 46, 47, 1234]);
  });

  test('order and duplicates do not matter', () => {
    expect(typeBitmapFromTypes([47, 1, 46, 1, 15])).toBe(typeBitmapFromTypes([1, 15, 46, 47]));
  });

  test('empty set is an empty bitmap', () => {
    expect(typeBitmapFromTypes([])).toBe('');
    expect(typesFromTypeBitmap('')).toEqual([]);
  });

  test('type 0, 255, 256 and 65535 land in the right windows', () => {
    const types = [0, 255, 256, 65535];
    const bitmap = typeBitmapFromTypes(types);
    expect(hex(bitmap)).toBe('0020' + '80' + '00'.repeat(30) + '01' + '010180' + 'FF20' + '00'.repeat(31) + '01');
    expect(typesFromTypeBitmap(bitmap)).toEqual(types);
  });

  test('type numbers outside 0-65535 are a programming error', () => {
    expect(() => typeBitmapFromTypes([65536])).toThrow(RangeError);
    expect(() => typeBitmapFromTypes([-1])).toThrow(RangeError);
  });

  test('every single type round-trips', () => {
    for (let t = 0; t <= 0xffff; t += 97) expect(typesFromTypeBitmap(typeBitmapFromTypes([t]))).toEqual([t]);
  });

  test.each([
    ['window out of order', '0101400001 40', 'out of order'],
    ['repeated window', '000140000140', 'out of order'],
    ['zero length', '0000', 'length 0'],
    ['length over 32', '0021' + '00'.repeat(32) + '01', 'length 33'],
    ['trailing zero octet', '00024000', 'ends in a zero octet'],
    ['runs past the end', '000340', 'runs past the end'],
    ['truncated header', '00', 'inside a window header'],
  ])('rejects %s', (_name, bitmapHex, message) => {
    expect(() => typesFromTypeBitmap(unhex(bitmapHex.replace(/ /g, '')))).toThrow(RdataError);
    expect(() => typesFromTypeBitmap(unhex(bitmapHex.replace(/ /g, '')))).toThrow(message);
  });
});
