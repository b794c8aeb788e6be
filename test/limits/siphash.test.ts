// SipHash-2-4 against the reference implementation's test vectors (vectors.h of
// github.com/veorq/SipHash: key 00 01 .. 0f, input 00 01 .. len-1, output as it writes it).

import { expect, test } from '@jest/globals';
import { SipHashKey, siphash24 } from '../../src/limits/siphash.js';

const KEY = new SipHashKey(Uint8Array.from({ length: 16 }, (_, i) => i));
const INPUT = Uint8Array.from({ length: 64 }, (_, i) => i);

// Lengths on each side of the 8-octet block boundary, and the longest.
const VECTORS: Array<[number, string]> = [
  [0, '310e0edd47db6f72'],
  [1, 'fd67dc93c539f874'],
  [3, '2d7efbd796666785'],
  [4, 'b7877127e09427cf'],
  [7, '37d1018bf50002ab'],
  [8, '6224939a79f5f593'],
  [9, 'b0e4a90bdf82009e'],
  [15, 'e545be4961ca29a1'],
  [16, 'db9bc2577fcc2a3f'],
  [20, '98eea21af25cd6be'],
  [62, '575ff28e60381be5'],
  [63, '724506eb4c328a95'],
];

test.each(VECTORS)('SipHash-2-4 of %d octets', (length, hex) => {
  const out = new Uint8Array(10).fill(0xee);
  siphash24(KEY, INPUT, length, out, 1);
  expect(Buffer.from(out).toString('hex')).toBe(`ee${hex}ee`);
});

test('a key must be 16 octets', () => {
  expect(() => new SipHashKey(new Uint8Array(15))).toThrow('16 octets');
});
