// The parser's fast paths for common RDATA (src/zone/parse-quick.ts) and owner names
// (src/zone/parse-name.ts) must give exactly what the codecs give, or step aside.

import { describe, expect, test } from '@jest/globals';
import { RRType } from '../../src/dns/constants.js';
import { nameFromText, type Name } from '../../src/dns/name.js';
import { parseRdata } from '../../src/dns/rdata/index.js';
import { nameAt } from '../../src/zone/parse-name.js';
import { quickRdata } from '../../src/zone/parse-quick.js';
import { Tokenizer } from '../../src/zone/tokenizer.js';
import { name } from '../support/zones.js';

const ORIGIN = name('Example.test');

/** The RDATA tokens of `text` (one entry, no owner). */
function tokens(text: string): Tokenizer {
  const tk = new Tokenizer(` ${text}\n`);
  expect(tk.next()).toBe(true);
  expect(tk.issue).toBeUndefined();
  return tk;
}

const quick = (type: number, text: string): string | undefined => quickRdata(tokens(text), 0, type, ORIGIN);

function viaCodec(type: number, text: string): string | Error {
  try {
    return parseRdata(type, tokens(text).rdataTokens(0), ORIGIN);
  } catch (e) {
    return e as Error;
  }
}

const A = RRType.A;
const AAAA = RRType.AAAA;
const NS = RRType.NS;
const CNAME = RRType.CNAME;
const PTR = RRType.PTR;
const MX = RRType.MX;

describe('quickRdata', () => {
  // [type, text, takes the fast path]
  test.each([
    [A, '192.0.2.1', true],
    [A, '0.0.0.0', true],
    [A, '255.255.255.255', true],
    [A, '256.0.0.1', false],
    [A, '01.2.3.4', false],
    [A, '1.2.3', false],
    [A, '"192.0.2.1"', false],
    [A, '192.0.2.1 extra', false],
    [A, '\\# 4 c0000201', false],
    [AAAA, '2001:db8::1', true],
    [AAAA, '::', true],
    [AAAA, '::ffff:192.0.2.1', true],
    [AAAA, 'FE80::A:b', true],
    [AAAA, '2001:db8:::1', false],
    [AAAA, '\\# 16 20010db8000000000000000000000001', false],
    [NS, 'ns1', true],
    [NS, 'NS1.Example.NET.', true],
    [NS, '@', true],
    [NS, '.', true],
    [NS, 'a\\.b.example.', true],
    [NS, 'a\\046b', true],
    [NS, '\\# 1 00', false],
    [NS, '"quoted"', false],
    [NS, 'a..b', false],
    [NS, `${'x'.repeat(64)}.example.`, false],
    [NS, `${'x'.repeat(63)}.example.`, true],
    [CNAME, 'edge4172.cdn.example.net.', true],
    [CNAME, 'www', true],
    [PTR, 'host1.example.', true],
    [MX, '10 mail', true],
    [MX, '0 .', true],
    [MX, '010 Mail.Example.test.', true],
    [MX, '65535 mx', true],
    [MX, '65536 mx', false],
    [MX, '-1 mx', false],
    [MX, '10', false],
    [MX, '10 mail extra', false],
    [MX, '"10" mail', false],
    [MX, '10 "mail"', false],
    [RRType.TXT, 'text', false],
  ] as const)('%i %s', (type, text, fast) => {
    const got = quick(type, text);
    expect(got !== undefined).toBe(fast);
    if (got !== undefined) expect(got).toBe(viaCodec(type, text));
  });

  test('relative names without an origin come out with the parser\'s stand-in origin, as from the codec', () => {
    const NO_ORIGIN = '\x0b\x00no-origin\x00\x00' as Name;
    const tk = tokens('ns1');
    expect(quickRdata(tk, 0, NS, NO_ORIGIN)).toBe(parseRdata(NS, tk.rdataTokens(0), NO_ORIGIN));
  });
});

describe('nameAt', () => {
  const longest = `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.${'w'.repeat(61)}.`;
  test.each([
    'www', 'WWW.Example.test.', '@', '.', 'a.b.c', '*.wild', '_sip._tcp', 'a\\.b', 'a\\032b.example.', longest,
  ].map((text) => [text.length > 40 ? `${text.length} characters` : text, text]))('%s: what nameFromText gives', (_, text) => {
    const src = `  ${text}  `;
    const expected = text === '@' ? ORIGIN : nameFromText(text, ORIGIN);
    expect(nameAt(src, 2, 2 + text.length, ORIGIN)).toBe(expected);
  });

  test.each([
    ['an empty label', 'a..b', /empty label/],
    ['a leading dot', '.a', /empty label/],
    ['a 64-octet label', `${'x'.repeat(64)}.`, /label longer than 63/],
    ['256 octets', `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.${'w'.repeat(62)}.`, /longer than 255/],
    ['over 255 octets with the origin', `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.${'w'.repeat(50)}`, /longer than 255 octets.*origin appended/],
    ['a 5000-character token', 'x'.repeat(5000), /longer than 255/],
  ] as const)('%s: an error', (_, text, message) => {
    expect(() => nameAt(text, 0, text.length, ORIGIN)).toThrow(message);
  });

  test('a relative name needs an origin', () => {
    expect(() => nameAt('www', 0, 3, undefined)).toThrow(/no origin/);
    expect(nameAt('www.', 0, 4, undefined)).toBe(name('www'));
  });
});
