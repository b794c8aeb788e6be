// IPv4/IPv6 text parsing and printing, checked against the WHATWG URL parser's IPv6 handling.

import { describe, expect, test } from '@jest/globals';
import { ipv4ToBytes, ipv6ToText, parseIPv4, parseIPv6 } from '../../../src/dns/rdata/address.js';
import { hex } from './tokenize.js';

/** WHATWG URL's canonical IPv6 text (longest zero run compressed, never a dotted quad). */
function urlIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

describe('parseIPv4', () => {
  test.each([
    ['0.0.0.0', '00000000'],
    ['192.0.2.1', 'C0000201'],
    ['255.255.255.255', 'FFFFFFFF'],
    ['10.0.0.10', '0A00000A'],
  ])('%s', (text, want) => {
    expect(hex(ipv4ToBytes(parseIPv4(text)))).toBe(want);
  });

  test.each(['', '1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.4.', '256.0.0.0', '00.1.2.3', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4a', '1.2.3.0x4'])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBe(-1);
  });
});

describe('parseIPv6 / ipv6ToText', () => {
  test.each(['::', '::1', '1::', '2001:db8::', '2001:db8:0:1:1:1:1:1', '2001:db8::1:0:0:1', 'fe80::1:2:3:4', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '1:0:0:2::3'])(
    'agrees with the URL parser on %s',
    (text) => {
      const bytes = parseIPv6(text)!;
      expect(bytes).toHaveLength(16);
      expect(ipv6ToText(bytes)).toBe(urlIPv6(text));
    },
  );

  test.each([
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['2001:0DB8:0000::0001', '2001:db8::1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ])('%s prints as %s (BIND inet_ntop rules)', (text, printed) => {
    expect(ipv6ToText(parseIPv6(text)!)).toBe(printed);
  });

  test.each(['', ':', ':::', '1:::2', '1::2::3', ':1::', '1::2:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::', '::1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4', 'fe80::1%eth0', '::ffff:01.2.3.4'])(
    'rejects %j',
    (text) => {
      expect(parseIPv6(text)).toBeUndefined();
    },
  );

  test('random addresses round-trip through text', () => {
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16;
    for (let n = 0; n < 2000; n++) {
      let bytes = '';
      for (let g = 0; g < 8; g++) {
        // Plenty of zero groups so every compression case turns up.
        const w = rand() % 3 === 0 ? 0 : rand() & 0xffff;
        bytes += String.fromCharCode(w >>> 8, w & 0xff);
      }
      const text = ipv6ToText(bytes);
      expect(hex(parseIPv6(text)!)).toBe(hex(bytes));
      if (!text.includes('.')) expect(text).toBe(urlIPv6(text));
    }
  });
});
