// $GENERATE (BIND syntax). Expected records were checked against named-compilezone 9.18.

import { describe, expect, test } from '@jest/globals';
import { classToString, typeToString } from '../../src/dns/constants.js';
import { nameFromText, nameToText } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { compileTemplate, expandTemplate, parseRange } from '../../src/zone/generate.js';
import { MAX_GENERATE_RECORDS, parseZone, type ParseResult } from '../../src/zone/parse.js';

const ORIGIN = nameFromText('example.com.');
const HEAD = '$TTL 600\n@ SOA ns hostmaster 1 2 3 4 5\n';

function recordLines(result: ParseResult): string[] {
  return result.records
    .filter((r) => r.type !== 6)
    .map((r) => `${nameToText(r.owner)} ${r.ttl} ${classToString(r.class)} ${typeToString(r.type)} ${rdataToText(r.type, r.rdata)}`);
}

interface Case {
  name: string;
  line: string;
  records?: string[];
  error?: string;
}

const cases: Case[] = [
  {
    name: '$ in owner and RDATA',
    line: '$GENERATE 0-2 host$ A 192.0.2.$',
    records: ['host0.example.com. 600 IN A 192.0.2.0', 'host1.example.com. 600 IN A 192.0.2.1', 'host2.example.com. 600 IN A 192.0.2.2'],
  },
  {
    name: '${offset}, ${offset,width}, ${offset,width,d}',
    line: '$GENERATE 8-9 host${-7,3} A 192.0.2.${1,0,d}',
    records: ['host001.example.com. 600 IN A 192.0.2.9', 'host002.example.com. 600 IN A 192.0.2.10'],
  },
  {
    name: 'step, octal, and TTL then class',
    line: '$GENERATE 1-5/2 z${-1,3,o} 30 IN A 192.0.2.$',
    records: ['z000.example.com. 30 IN A 192.0.2.1', 'z002.example.com. 30 IN A 192.0.2.3', 'z004.example.com. 30 IN A 192.0.2.5'],
  },
  {
    name: 'class then TTL, hex lower and upper case',
    line: '$GENERATE 10-11 x${0,2,x} IN 40 TXT y${0,4,X}',
    records: ['x0a.example.com. 40 IN TXT "y000A"', 'x0b.example.com. 40 IN TXT "y000B"'],
  },
  {
    name: 'nibble mode for ip6.arpa owners (width counts characters, dots included)',
    line: '$GENERATE 1024-1025 ${0,7,n}.y AAAA 2001:db8::${0,4,x}',
    records: ['0.0.4.0.y.example.com. 600 IN AAAA 2001:db8::400', '1.0.4.0.y.example.com. 600 IN AAAA 2001:db8::401'],
  },
  {
    name: 'upper-case nibbles, width 0',
    line: '$GENERATE 170-170 ${0,0,N} TXT x',
    records: ['A.A.example.com. 600 IN TXT "x"'],
  },
  {
    name: '\\$ is a literal $ and $$ too',
    line: '$GENERATE 1-1 w$$ CNAME z\\$$',
    records: ['w\\$.example.com. 600 IN CNAME z\\$1.example.com.'],
  },
  {
    name: 'a quoted RDATA template is re-read as fields (BIND): "10 mx$"',
    line: '$GENERATE 1-2 x$ MX "10 mx$"',
    records: ['x1.example.com. 600 IN MX 10 mx1.example.com.', 'x2.example.com. 600 IN MX 10 mx2.example.com.'],
  },
  {
    name: 'a quoted template with escaped quotes makes one TXT string',
    line: '$GENERATE 1-1 t$ TXT "\\"a b$\\""',
    records: ['t1.example.com. 600 IN TXT "a b1"'],
  },
  {
    name: 'several RDATA tokens (an extension: BIND wants one token)',
    line: '$GENERATE 1-2 x$ MX 10 mx$',
    records: ['x1.example.com. 600 IN MX 10 mx1.example.com.', 'x2.example.com. 600 IN MX 10 mx2.example.com.'],
  },
  {
    name: '@ as the owner template, and a negative decimal offset',
    line: '$GENERATE 5-5 @ PTR ${-10}',
    records: ['example.com. 600 IN PTR -5.example.com.'],
  },
  { name: 'a single number is not a range', line: '$GENERATE 5 x$ A 192.0.2.1', error: 'invalid $GENERATE range "5"' },
  { name: 'a reversed range', line: '$GENERATE 7-5 x$ A 192.0.2.1', error: 'start is after stop' },
  { name: 'step 0', line: '$GENERATE 1-2/0 x$ A 192.0.2.1', error: 'step must be 1' },
  { name: 'unterminated ${', line: '$GENERATE 1-2 x${0,3,x A 192.0.2.$', error: 'unterminated "${"' },
  { name: 'unknown base', line: '$GENERATE 1-2 x${0,3,q} A 192.0.2.$', error: 'invalid "${0,3,q}"' },
  { name: 'too many modifiers', line: '$GENERATE 1-2 x${1,2,d,e} A 192.0.2.$', error: 'invalid "${1,2,d,e}"' },
  { name: 'missing RDATA', line: '$GENERATE 1-2 x$ A', error: '$GENERATE needs a range' },
  { name: 'a class mismatch', line: '$GENERATE 1-2 x$ CH A 192.0.2.$', error: 'class mismatch' },
  { name: 'an RDATA error is reported once, not per iteration', line: '$GENERATE 1-300 x$ A 192.0.2.$', error: 'A' },
  {
    name: `more than ${MAX_GENERATE_RECORDS} records from one directive`,
    line: '$GENERATE 0-70000 x$ A 192.0.2.1',
    error: `would create 70001 records; the limit is ${MAX_GENERATE_RECORDS} per directive`,
  },
  { name: 'an owner template that makes a bad name', line: '$GENERATE 1-2 x$..y A 192.0.2.1', error: 'empty label' },
];

describe('$GENERATE', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const r = parseZone(HEAD + c.line + '\n', { origin: ORIGIN });
    if (c.error !== undefined) {
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0]).toMatchObject({ severity: 'error', line: 3 });
      expect(r.diagnostics[0].message).toContain(c.error);
      if (c.records !== undefined) expect(recordLines(r)).toEqual(c.records);
    } else {
      expect(r.diagnostics).toEqual([]);
      expect(recordLines(r)).toEqual(c.records);
      for (const rec of r.records.slice(1)) expect(rec.line).toBe(3);
    }
  });

  test('exactly the limit is allowed', () => {
    const r = parseZone(HEAD + `$GENERATE 1-${MAX_GENERATE_RECORDS} h$ A 192.0.2.1\n`, { origin: ORIGIN });
    expect(r.diagnostics).toEqual([]);
    expect(r.records).toHaveLength(MAX_GENERATE_RECORDS + 1);
  });

  test('$GENERATE does not change the owner inherited by the next line', () => {
    const r = parseZone(HEAD + 'www A 192.0.2.1\n$GENERATE 1-1 g$ A 192.0.2.$\n  TXT "still www"\n', { origin: ORIGIN });
    expect(r.diagnostics).toEqual([]);
    expect(recordLines(r)).toEqual(['www.example.com. 600 IN A 192.0.2.1', 'g1.example.com. 600 IN A 192.0.2.1', 'www.example.com. 600 IN TXT "still www"']);
  });
});

describe('generate.ts helpers', () => {
  test('parseRange', () => {
    expect(parseRange('1-10')).toEqual({ start: 1, stop: 10, step: 1 });
    expect(parseRange('0-100/5')).toEqual({ start: 0, stop: 100, step: 5 });
    expect(parseRange('1-2147483648')).toMatch(/at most 2147483647/);
    expect(parseRange('a-b')).toMatch(/invalid/);
  });

  test('expandTemplate', () => {
    const t = compileTemplate('a$b${1}c${0,4}d${0,3,x}e${0,1,o}\\$f$$');
    if (typeof t === 'string') throw new Error(t);
    expect(expandTemplate(t, 9)).toBe('a9b10c0009d009e11\\$f\\$');
    const n = compileTemplate('${0,0,n}');
    if (typeof n === 'string') throw new Error(n);
    expect(expandTemplate(n, 0)).toBe('0');
    expect(expandTemplate(n, 0x1234)).toBe('4.3.2.1');
    const w = compileTemplate('${0,6,n}');
    if (typeof w === 'string') throw new Error(w);
    expect(expandTemplate(w, 0x400)).toBe('0.0.4.');
    const neg = compileTemplate('${-10,3}');
    if (typeof neg === 'string') throw new Error(neg);
    expect(expandTemplate(neg, 5)).toBe('-05');
  });
});
