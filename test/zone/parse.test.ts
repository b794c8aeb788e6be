// Zone file parser, table-driven: each case is zone text and either the exact records it yields
// (written as presentation text `owner ttl class type rdata`, printed with rdataToText) or the
// exact diagnostics (severity, line, message substring). SOA records are left out of the
// comparison unless a case sets `withSoa`, so most cases can share one header.

import { describe, expect, test } from '@jest/globals';
import { classToString, typeToString } from '../../src/dns/constants.js';
import { nameFromText, nameToText, type Name } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { parseZone, type ParseOptions, type ParseResult } from '../../src/zone/parse.js';

/** Template tag for zone text: raw backslashes, and the first newline dropped so line 1 is the first line. */
function zone(strings: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw(strings, ...values).replace(/^\n/, '');
}

const ORIGIN = nameFromText('example.com.');
/** Shared header: lines 1-2. */
const HEAD = '$TTL 3600\n@ IN SOA ns1 host 1 7200 3600 1209600 300\n';

function recordLines(result: ParseResult, withSoa = true): string[] {
  return result.records
    .filter((r) => withSoa || r.type !== 6)
    .map((r) => `${nameToText(r.owner)} ${r.ttl} ${classToString(r.class)} ${typeToString(r.type)} ${rdataToText(r.type, r.rdata)}`);
}

type Expected = [severity: 'error' | 'warning', line: number, message: string];

interface Case {
  name: string;
  text: string;
  /** Parse options; origin defaults to example.com. unless `noOrigin`. */
  opts?: ParseOptions;
  noOrigin?: boolean;
  withSoa?: boolean;
  /** Exact records (in file order). When `diagnostics` is absent there must be none. */
  records?: string[];
  /** Exact diagnostics in order: severity, line, and a substring of the message. */
  diagnostics?: Expected[];
  /** Expected ParseResult.origin as text. */
  origin?: string;
}

function run(c: Case): ParseResult {
  const opts: ParseOptions = { ...(c.noOrigin ? {} : { origin: ORIGIN }), ...c.opts };
  return parseZone(c.text, opts);
}

function check(c: Case): void {
  const result = run(c);
  const got = result.diagnostics.map((d) => [d.severity, d.line, d.message] as const);
  const want = c.diagnostics ?? [];
  expect(got.length === want.length ? null : got).toBeNull(); // shows all diagnostics on mismatch
  want.forEach(([severity, line, message], i) => {
    expect({ severity: got[i][0], line: got[i][1] }).toEqual({ severity, line });
    expect(got[i][2]).toContain(message);
  });
  if (c.records !== undefined) expect(recordLines(result, c.withSoa ?? false)).toEqual(c.records);
  if (c.origin !== undefined) expect(result.origin === undefined ? undefined : nameToText(result.origin)).toBe(c.origin);
}

// ---- directives ------------------------------------------------------------------------------

const directives: Case[] = [
  {
    name: '$ORIGIN absolute sets the origin for relative owners',
    text: HEAD + zone`
$ORIGIN example.net.
www A 192.0.2.1
`,
    records: ['www.example.net. 3600 IN A 192.0.2.1'],
  },
  {
    name: '$ORIGIN relative to the current origin',
    text: HEAD + zone`
$ORIGIN sub
www A 192.0.2.1
$ORIGIN deeper
x A 192.0.2.2
`,
    records: ['www.sub.example.com. 3600 IN A 192.0.2.1', 'x.deeper.sub.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'C1 $ORIGIN change keeps the origin of earlier records',
    text: HEAD + zone`
www A 192.0.2.1
$ORIGIN sub.example.com.
host A 192.0.2.2
`,
    records: ['www.example.com. 3600 IN A 192.0.2.1', 'host.sub.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: '$ORIGIN is case-insensitive and @ names the current origin',
    text: HEAD + zone`
$origin sub
@ A 192.0.2.1
`,
    records: ['sub.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'C1 $TTL change applies from that line on',
    text: HEAD + zone`
a1 A 192.0.2.1
$TTL 60
a2 A 192.0.2.2
`,
    records: ['a1.example.com. 3600 IN A 192.0.2.1', 'a2.example.com. 60 IN A 192.0.2.2'],
  },
  {
    name: '$TTL with units: 1h30m, 2w, 1D, mixed case, 1w1w',
    text: HEAD + zone`
$TTL 1h30m
a A 192.0.2.1
$TTL 2w
b A 192.0.2.2
$TTL 1D
c A 192.0.2.3
$TTL 1H1m1S
d A 192.0.2.4
$TTL 1w1w
e A 192.0.2.5
`,
    records: [
      'a.example.com. 5400 IN A 192.0.2.1',
      'b.example.com. 1209600 IN A 192.0.2.2',
      'c.example.com. 86400 IN A 192.0.2.3',
      'd.example.com. 3661 IN A 192.0.2.4',
      'e.example.com. 1209600 IN A 192.0.2.5',
    ],
  },
  {
    name: '$TTL 1h30 (a bare number after units) is an error, as in BIND',
    text: HEAD + '$TTL 1h30\n',
    diagnostics: [['error', 3, '$TTL "1h30" is not a TTL']],
  },
  {
    name: '$TTL above 2^31-1 is read as 0 with a warning (RFC 2181 §8, as BIND and Knot); over 32 bits is an error',
    text: HEAD + zone`
$TTL 4294967295
a A 192.0.2.1
$TTL 4294967296
$TTL 2147483647
b A 192.0.2.2
`,
    diagnostics: [
      ['warning', 3, '$TTL "4294967295" is larger than 2147483647; using 0 (RFC 2181 §8)'],
      ['error', 5, '$TTL "4294967296" does not fit in 32 bits'],
    ],
    records: ['a.example.com. 0 IN A 192.0.2.1', 'b.example.com. 2147483647 IN A 192.0.2.2'],
  },
  {
    name: '$TTL and $ORIGIN need exactly one argument',
    text: HEAD + zone`
$TTL
$ORIGIN a. b.
$TTL 60 ; a comment is not an argument
a A 192.0.2.1
`,
    diagnostics: [
      ['error', 3, '$TTL takes one TTL, got 0 arguments'],
      ['error', 4, '$ORIGIN takes one domain name, got 2 arguments'],
    ],
    records: ['a.example.com. 60 IN A 192.0.2.1'],
  },
  {
    name: 'unknown directive',
    text: HEAD + '$FOO 30\n',
    diagnostics: [['error', 3, 'unknown directive "$FOO"']],
  },
  {
    name: 'a directive must start in column 1',
    text: HEAD + '  $TTL 30\n',
    diagnostics: [['error', 3, 'directive "$TTL" must start in column 1']],
  },
];

// ---- owners ----------------------------------------------------------------------------------

const owners: Case[] = [
  {
    name: 'C1 @, absolute and relative names',
    text: HEAD + zone`
@ A 192.0.2.1
mail.example.com. A 192.0.2.2
www CNAME web
web A 192.0.2.3
`,
    records: [
      'example.com. 3600 IN A 192.0.2.1',
      'mail.example.com. 3600 IN A 192.0.2.2',
      'www.example.com. 3600 IN CNAME web.example.com.',
      'web.example.com. 3600 IN A 192.0.2.3',
    ],
  },
  {
    name: 'C1 omitted owner inherits the previous owner, of any type',
    text: HEAD + zone`
www A 192.0.2.1
    AAAA 2001:db8::1
	TXT "hi"
ftp A 192.0.2.2
    MX 5 mx.example.net.
`,
    records: [
      'www.example.com. 3600 IN A 192.0.2.1',
      'www.example.com. 3600 IN AAAA 2001:db8::1',
      'www.example.com. 3600 IN TXT "hi"',
      'ftp.example.com. 3600 IN A 192.0.2.2',
      'ftp.example.com. 3600 IN MX 5 mx.example.net.',
    ],
  },
  {
    name: 'C1 omitted owner right after $ORIGIN keeps the old absolute owner (BIND warns)',
    text: HEAD + zone`
www A 192.0.2.1
$ORIGIN sub.example.com.
  A 192.0.2.2
  A 192.0.2.3
`,
    diagnostics: [['warning', 5, 'record with inherited owner www.example.com. immediately after $ORIGIN sub.example.com.']],
    records: ['www.example.com. 3600 IN A 192.0.2.1', 'www.example.com. 3600 IN A 192.0.2.2', 'www.example.com. 3600 IN A 192.0.2.3'],
  },
  {
    name: 'an owner-less line with no previous owner is an error',
    text: '$TTL 300\n  A 192.0.2.1\n',
    diagnostics: [['error', 2, 'no owner name']],
    records: [],
  },
  {
    name: 'C1 reverse zone: numeric owners in column 1 are names, not TTLs',
    text: HEAD + zone`
$ORIGIN 2.0.192.in-addr.arpa.
1 PTR www.example.com.
3com A 192.0.2.3
10 300 PTR ten.example.com.
`,
    records: [
      '1.2.0.192.in-addr.arpa. 3600 IN PTR www.example.com.',
      '3com.2.0.192.in-addr.arpa. 3600 IN A 192.0.2.3',
      '10.2.0.192.in-addr.arpa. 300 IN PTR ten.example.com.',
    ],
  },
  {
    name: 'C1 PTR with an absolute owner is not re-qualified',
    text: HEAD + '1.2.0.192.in-addr.arpa. PTR www.example.com.\n',
    records: ['1.2.0.192.in-addr.arpa. 3600 IN PTR www.example.com.'],
  },
  {
    name: 'C1 escaped dot and \\DDD in owners',
    text: HEAD + zone`
a\.b A 192.0.2.1
a\046c A 192.0.2.2
sp\032ace A 192.0.2.3
`,
    records: ['a\\.b.example.com. 3600 IN A 192.0.2.1', 'a\\.c.example.com. 3600 IN A 192.0.2.2', 'sp\\032ace.example.com. 3600 IN A 192.0.2.3'],
  },
  {
    name: 'C1 wildcards, trailing comments and mixed case are kept',
    text: HEAD + zone`
*.Wild A 192.0.2.1 ; trailing comment
WWW.Example.COM. A 192.0.2.2;no space before the comment
`,
    records: ['*.Wild.example.com. 3600 IN A 192.0.2.1', 'WWW.Example.COM. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'a quoted owner is a name (BIND accepts it)',
    text: HEAD + '"quoted" A 192.0.2.1\n',
    records: ['quoted.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'root owner "."',
    text: HEAD + '. A 192.0.2.1\n',
    records: ['. 3600 IN A 192.0.2.1'],
  },
];

// ---- TTL and class ---------------------------------------------------------------------------

const ttlAndClass: Case[] = [
  {
    name: 'C1 class before TTL, TTL before class, either alone',
    text: HEAD + zone`
c1 IN 300 A 192.0.2.1
c2 300 IN A 192.0.2.2
c3 IN A 192.0.2.3
c4 300 A 192.0.2.4
c5 A 192.0.2.5
`,
    records: [
      'c1.example.com. 300 IN A 192.0.2.1',
      'c2.example.com. 300 IN A 192.0.2.2',
      'c3.example.com. 3600 IN A 192.0.2.3',
      'c4.example.com. 300 IN A 192.0.2.4',
      'c5.example.com. 3600 IN A 192.0.2.5',
    ],
  },
  {
    name: 'C1 lower-case and mixed-case types and classes',
    text: HEAD + zone`
low in a 192.0.2.1
low2 a 192.0.2.2
low3 A 192.0.2.3
low4 cname low3
m1 In Mx 10 low3
`,
    records: [
      'low.example.com. 3600 IN A 192.0.2.1',
      'low2.example.com. 3600 IN A 192.0.2.2',
      'low3.example.com. 3600 IN A 192.0.2.3',
      'low4.example.com. 3600 IN CNAME low3.example.com.',
      'm1.example.com. 3600 IN MX 10 low3.example.com.',
    ],
  },
  {
    name: 'C1 TTL units on records',
    text: HEAD + zone`
u 1d A 192.0.2.1
v 2H IN A 192.0.2.2
w IN 1w2d A 192.0.2.3
`,
    records: ['u.example.com. 86400 IN A 192.0.2.1', 'v.example.com. 7200 IN A 192.0.2.2', 'w.example.com. 777600 IN A 192.0.2.3'],
  },
  {
    name: 'a record TTL above 2^31-1 is 0 with a warning; 2^32 and 1w written past 32 bits are errors',
    text: HEAD + 'big 2147483648 A 192.0.2.1\nok 2147483647 A 192.0.2.2\nover 4294967296 A 192.0.2.3\nweeks 100000000W A 192.0.2.4\n',
    diagnostics: [
      ['warning', 3, 'TTL "2147483648" is larger than 2147483647; using 0 (RFC 2181 §8)'],
      ['error', 5, 'TTL "4294967296" does not fit in 32 bits'],
      ['error', 6, 'TTL "100000000W" does not fit in 32 bits'],
    ],
    records: ['big.example.com. 0 IN A 192.0.2.1', 'ok.example.com. 2147483647 IN A 192.0.2.2'],
  },
  {
    name: 'no $TTL and no TTL on the SOA: SOA MINIMUM is the default, with a warning (BIND)',
    text: zone`
@ IN SOA ns1 host 1 7200 3600 1209600 300
@ 600 NS ns1
ns1 A 192.0.2.1
`,
    withSoa: true,
    diagnostics: [['warning', 1, 'no TTL specified; using SOA MINIMUM (300) instead']],
    records: [
      'example.com. 300 IN SOA ns1.example.com. host.example.com. 1 7200 3600 1209600 300',
      'example.com. 600 IN NS ns1.example.com.',
      'ns1.example.com. 300 IN A 192.0.2.1',
    ],
  },
  {
    name: 'no $TTL, SOA with a TTL: each record defaults to the previous TTL (RFC 1035 §5.1)',
    text: zone`
@ 500 IN SOA ns1 host 1 7200 3600 1209600 300
@ 600 NS ns1
ns1 A 192.0.2.1
www 700 A 192.0.2.2
    AAAA 2001:db8::2
`,
    records: ['example.com. 600 IN NS ns1.example.com.', 'ns1.example.com. 600 IN A 192.0.2.1', 'www.example.com. 700 IN A 192.0.2.2', 'www.example.com. 700 IN AAAA 2001:db8::2'],
  },
  {
    name: 'no TTL anywhere before a non-SOA record is an error',
    text: 'www A 192.0.2.1\n@ IN SOA ns1 host 1 2 3 4 5\nx A 192.0.2.2\n',
    diagnostics: [
      ['error', 1, 'no TTL specified'],
      ['warning', 2, 'no TTL specified; using SOA MINIMUM (5) instead'],
    ],
    records: ['x.example.com. 5 IN A 192.0.2.2'],
  },
  {
    name: 'options.defaultTtl is the initial $TTL',
    text: 'www A 192.0.2.1\n',
    opts: { defaultTtl: 42 },
    records: ['www.example.com. 42 IN A 192.0.2.1'],
  },
  {
    name: 'C1 a classless SOA, then records without class',
    text: zone`
$TTL 3600
@ SOA ns1 host 1 2 3 4 5
www A 192.0.2.1
`,
    withSoa: true,
    records: ['example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 2 3 4 5', 'www.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'C1 a CH record in an IN zone is a class mismatch (BIND: bad class)',
    text: HEAD + 'version.bind. CH TXT "v1"\nok A 192.0.2.1\n',
    diagnostics: [['error', 3, 'class mismatch: CH record in a IN zone']],
    records: ['ok.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'a CH-only zone parses (serving only IN is the server\'s decision)',
    text: '$TTL 0\nversion.bind. CH TXT "v1"\nhostname.bind. TXT "h"\n',
    noOrigin: true,
    records: ['version.bind. 0 CH TXT "v1"', 'hostname.bind. 0 CH TXT "h"'],
  },
  {
    name: 'RFC 3597 TYPEnnn and CLASSnnn',
    text: HEAD + zone`
x TYPE65534 \# 3 abcdef
y CLASS1 TYPE1 \# 4 01020304
z class1 type16 \# 3 026869
`,
    records: ['x.example.com. 3600 IN TYPE65534 \\# 3 ABCDEF', 'y.example.com. 3600 IN A 1.2.3.4', 'z.example.com. 3600 IN TXT "hi"'],
  },
  {
    name: 'a second class or TTL is reported as not a type',
    text: HEAD + 'x IN IN A 192.0.2.1\ny 30 40 A 192.0.2.1\n',
    diagnostics: [
      ['error', 3, 'unknown RR type "IN" (a second class?)'],
      ['error', 4, 'unknown RR type "40" (a second TTL?)'],
    ],
    records: [],
  },
  {
    name: 'a token in the TTL slot that starts with a digit must be a TTL',
    text: HEAD + 'www 1.2.3.4\n  3com A 192.0.2.1\n',
    diagnostics: [
      ['error', 3, '"1.2.3.4" is not a TTL, class or RR type'],
      ['error', 4, '"3com" is not a TTL, class or RR type'],
    ],
  },
  {
    name: 'unknown type and meta-types',
    text: HEAD + 'x FOO 1\ny AXFR \\# 0\nz ANY A 192.0.2.1\nw TYPE255 \\# 0\n',
    diagnostics: [
      ['error', 3, 'unknown RR type "FOO"'],
      ['error', 4, 'AXFR is a meta-type'],
      ['error', 5, 'class mismatch: ANY record in a IN zone'],
      ['error', 6, 'ANY is a meta-type'],
    ],
  },
  {
    name: 'missing type',
    text: HEAD + 'www 300 IN\n',
    diagnostics: [['error', 3, 'missing RR type after "IN"']],
  },
];

// ---- lexical syntax --------------------------------------------------------------------------

const lexical: Case[] = [
  {
    name: 'C1 multi-line SOA with comments inside the parentheses',
    text: zone`
$TTL 3600
@ IN SOA ns1 host (
        2024010101 ; serial
        7200       ; refresh (2h)
        3600       ; retry
        1209600    ; expire ( unbalanced in a comment is fine
        300 )      ; minimum
www A 192.0.2.1
`,
    withSoa: true,
    records: ['example.com. 3600 IN SOA ns1.example.com. host.example.com. 2024010101 7200 3600 1209600 300', 'www.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'C1 SOA timer fields with units',
    text: zone`
$TTL 1h
@ SOA ns1 host ( 1 2h 1h 2w 5m )
`,
    withSoa: true,
    records: ['example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 7200 3600 1209600 300'],
  },
  {
    name: 'C1 parentheses around a single field, and a record starting with (',
    text: HEAD + zone`
p A ( 192.0.2.7 )
( q A 192.0.2.8 )
`,
    records: ['p.example.com. 3600 IN A 192.0.2.7', 'q.example.com. 3600 IN A 192.0.2.8'],
  },
  {
    name: 'nested parentheses are an error (Knot; RFC 1035 §5.1 has one level), and the entry ends at the last )',
    text: HEAD + 'x TXT ( ( "a" )\n )\ny A 192.0.2.1\n',
    diagnostics: [['error', 3, 'nested parentheses: "(" inside the "(" at line 3']],
    records: ['y.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'inside parentheses a quoted string may span lines (Knot), with a warning',
    text: HEAD + 'x TXT (\n"first\nsecond"\nthird\n)\ny A 192.0.2.1\n',
    diagnostics: [['warning', 4, 'the quoted string that opens here continues on line 5']],
    records: ['x.example.com. 3600 IN TXT "first\\010second" "third"', 'y.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'a quote right after a closing quote is an error, and the line after it still parses',
    text: HEAD + 'x TXT """\ny A 192.0.2.1\nz TXT "a""b"\n',
    diagnostics: [
      ['error', 3, 'a quoted string right after another'],
      ['error', 5, 'a quoted string right after another'],
    ],
    records: ['y.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'C1 owner containing "soa" before a parenthesised SOA',
    text: zone`
$TTL 3600
mysoa A 192.0.2.1
@ IN SOA ns1 host (
 1 2 3 4 5 )
`,
    withSoa: true,
    records: ['mysoa.example.com. 3600 IN A 192.0.2.1', 'example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 2 3 4 5'],
  },
  {
    name: 'C1 TXT with several strings',
    text: HEAD + 't1 TXT "part one" "part two"\n',
    records: ['t1.example.com. 3600 IN TXT "part one" "part two"'],
  },
  {
    name: 'C1 ; and \\" inside quotes are data',
    text: HEAD + zone`
t2 TXT "a;b" "say \"hi\"" ; real comment
t3 TXT "paren ( inside" unquoted\;semi
`,
    records: ['t2.example.com. 3600 IN TXT "a;b" "say \\"hi\\""', 't3.example.com. 3600 IN TXT "paren ( inside" "unquoted;semi"'],
  },
  {
    name: 'C1 \\DDD in TXT',
    text: HEAD + 't4 TXT "caf\\195\\169"\n',
    records: ['t4.example.com. 3600 IN TXT "caf\\195\\169"'],
  },
  {
    name: 'raw UTF-8 is allowed inside quoted strings (kept as octets)',
    text: HEAD + 't5 TXT "caf\xc3\xa9"\n',
    records: ['t5.example.com. 3600 IN TXT "caf\\195\\169"'],
  },
  {
    name: 'a quote inside an unquoted token starts a new field (BIND)',
    text: HEAD + 't6 TXT abc"def"ghi\n',
    records: ['t6.example.com. 3600 IN TXT "abc" "def" "ghi"'],
  },
  {
    name: 'C1 CRLF line endings',
    text: '$TTL 3600\r\n@ IN SOA ns1 host 1 2 3 4 5\r\nwww A 192.0.2.1\r\n  TXT "x" ; c\r\n\r\n',
    records: ['www.example.com. 3600 IN A 192.0.2.1', 'www.example.com. 3600 IN TXT "x"'],
  },
  {
    name: 'tabs separate fields and a leading tab means no owner',
    text: HEAD + 'www\tIN\t300\tA\t192.0.2.1\n\tA\t192.0.2.2\n',
    records: ['www.example.com. 300 IN A 192.0.2.1', 'www.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'blank lines and comment-only lines (indented or not) are ignored and do not reset the owner',
    text: HEAD + 'www A 192.0.2.1\n\n; comment\n   ; indented comment\n \t \n  A 192.0.2.2\n',
    records: ['www.example.com. 3600 IN A 192.0.2.1', 'www.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'missing final newline: the last record still counts',
    text: HEAD + 'www A 192.0.2.1',
    records: ['www.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'a UTF-8 byte order mark at the start is skipped (as octets or decoded)',
    text: '\xef\xbb\xbf' + HEAD + 'www A 192.0.2.1\n',
    records: ['www.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'a decoded U+FEFF byte order mark is skipped too',
    text: '\ufeff' + HEAD + 'www A 192.0.2.1\n',
    records: ['www.example.com. 3600 IN A 192.0.2.1'],
  },
];

// ---- RDATA handed to the type parsers --------------------------------------------------------

const rdataCases: Case[] = [
  {
    name: 'C1 CAA and SRV',
    text: HEAD + zone`
@ CAA 0 issue "letsencrypt.org"
_sip._tcp SRV 10 60 5060 sip
`,
    records: ['example.com. 3600 IN CAA 0 issue "letsencrypt.org"', '_sip._tcp.example.com. 3600 IN SRV 10 60 5060 sip.example.com.'],
  },
  {
    name: 'C1 DS digest split in two tokens',
    text: HEAD + 'sub2 DS 60485 13 2 2BB183AF5F22588179A53B0A98631FAD 1A292118A0D5E8D6A8B69E3B8E5F8556\n',
    records: ['sub2.example.com. 3600 IN DS 60485 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118A0D5E8D6A8B69E3B8E5F8556'],
  },
  {
    name: 'C1 TLSA and DNSKEY in parentheses after a one-line SOA keep the SOA intact',
    text: zone`
$TTL 3600
@ IN SOA ns1 host 1 2 3 4 5
_443._tcp TLSA 3 1 1 (
  0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B566 64C5D3D6 )
@ DNSKEY 257 3 13 (
  mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+
  KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ) ; KSK
`,
    withSoa: true,
    records: [
      'example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 2 3 4 5',
      '_443._tcp.example.com. 3600 IN TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6',
      'example.com. 3600 IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
    ],
  },
  {
    name: 'C1 HINFO, NAPTR, SSHFP, URI, DNAME, RP, HTTPS, SVCB',
    text: HEAD + zone`
h HINFO "PC" "Linux"
n NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
s SSHFP 1 1 123456789ABCDEF67890123456789ABCDEF67890
_http._tcp URI 10 1 "https://www.example.com/"
d DNAME example.net.
r RP admin.example.com. txt.example.com.
@ HTTPS 1 . alpn="h2,h3"
_8443._foo SVCB 1 svc port=8443
`,
    records: [
      'h.example.com. 3600 IN HINFO "PC" "Linux"',
      'n.example.com. 3600 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
      's.example.com. 3600 IN SSHFP 1 1 123456789ABCDEF67890123456789ABCDEF67890',
      '_http._tcp.example.com. 3600 IN URI 10 1 "https://www.example.com/"',
      'd.example.com. 3600 IN DNAME example.net.',
      'r.example.com. 3600 IN RP admin.example.com. txt.example.com.',
      'example.com. 3600 IN HTTPS 1 . alpn="h2,h3"',
      '_8443._foo.example.com. 3600 IN SVCB 1 svc.example.com. port=8443',
    ],
  },
  {
    name: 'C1 LOC',
    text: HEAD + 'l LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n',
    records: ['l.example.com. 3600 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m'],
  },
  {
    name: 'C1 garbage lines are errors, not silently dropped or guessed',
    text: HEAD + 'this is not a record at all !!\nwww A\n',
    diagnostics: [
      ['error', 3, 'unknown RR type "is"'],
      ['error', 4, 'A'],
    ],
    records: [],
  },
  {
    name: 'an RDATA error points at the line of the offending field inside parentheses',
    text: HEAD + 'x MX (\n  10\n  bad..name )\n',
    diagnostics: [['error', 5, 'MX']],
  },
  {
    name: 'a bad address is an RDATA error that quotes it',
    text: HEAD + 'x A 999.1.1.1\n',
    diagnostics: [['error', 3, '999.1.1.1']],
  },
];

// ---- origin ----------------------------------------------------------------------------------

const originCases: Case[] = [
  {
    name: 'no origin: an absolute SOA owner provides it, also for relative names in its RDATA',
    text: '$TTL 300\nexample.org. IN SOA ns1 host 1 2 3 4 5\nwww A 192.0.2.1\n',
    noOrigin: true,
    withSoa: true,
    origin: 'example.org.',
    records: ['example.org. 300 IN SOA ns1.example.org. host.example.org. 1 2 3 4 5', 'www.example.org. 300 IN A 192.0.2.1'],
  },
  {
    name: 'no origin: the first $ORIGIN provides it',
    text: '$ORIGIN example.org.\n$TTL 300\n@ SOA ns1 host 1 2 3 4 5\n',
    noOrigin: true,
    origin: 'example.org.',
    records: [],
  },
  {
    name: 'the SOA owner is the zone origin even after $ORIGIN . (BIND dump style)',
    text: '$ORIGIN .\n$TTL 300\nexample.org IN SOA ns1.example.org. host.example.org. 1 2 3 4 5\n$ORIGIN example.org.\nwww A 192.0.2.1\n',
    noOrigin: true,
    origin: 'example.org.',
    records: ['www.example.org. 300 IN A 192.0.2.1'],
  },
  {
    name: 'a relative owner with no origin is an error',
    text: '$TTL 300\nwww A 192.0.2.1\n@ A 192.0.2.2\n',
    noOrigin: true,
    diagnostics: [
      ['error', 2, 'relative name "www" but there is no origin'],
      ['error', 3, '"@" used but there is no origin'],
    ],
    origin: undefined,
  },
  {
    name: 'a relative name in RDATA with no origin is an error',
    text: '$TTL 300\nwww.example.org. CNAME web\nok.example.org. CNAME web.example.org.\n',
    noOrigin: true,
    diagnostics: [['error', 2, 'CNAME data has a relative name (or "@") but there is no origin']],
    records: ['ok.example.org. 300 IN CNAME web.example.org.'],
  },
];

// ---- bad names -------------------------------------------------------------------------------

const badNames: Case[] = [
  {
    name: 'empty label',
    text: HEAD + 'a..b A 192.0.2.1\n',
    diagnostics: [['error', 3, 'empty label in "a..b"']],
  },
  {
    name: 'label longer than 63 octets (64 is too long, 63 is fine)',
    text: HEAD + `${'a'.repeat(64)} A 192.0.2.1\n${'b'.repeat(63)} A 192.0.2.1\n`,
    diagnostics: [['error', 3, 'label longer than 63 octets']],
    records: [`${'b'.repeat(63)}.example.com. 3600 IN A 192.0.2.1`],
  },
  {
    name: 'name longer than 255 octets',
    text: HEAD + `${Array(5).fill('a'.repeat(60)).join('.')} A 192.0.2.1\n`,
    diagnostics: [['error', 3, 'name longer than 255 octets']],
  },
  {
    name: 'a bad owner does not let the following owner-less lines inherit another owner',
    text: HEAD + 'ok A 192.0.2.1\nbad..owner A 192.0.2.2\n  A 192.0.2.3\nnext A 192.0.2.4\n',
    diagnostics: [['error', 4, 'empty label']],
    records: ['ok.example.com. 3600 IN A 192.0.2.1', 'next.example.com. 3600 IN A 192.0.2.4'],
  },
  {
    name: 'a raw non-ASCII octet outside quotes is an error that suggests \\DDD / punycode',
    text: HEAD + 'caf\xc3\xa9 A 192.0.2.1\nt TXT unquoted\xff\n',
    diagnostics: [
      ['error', 3, 'non-ASCII octet 0xC3 outside a quoted string (write it as \\195; IDNs need punycode)'],
      ['error', 4, 'non-ASCII octet 0xFF'],
    ],
  },
  {
    name: 'characters above U+00FF mean the text was not read as octets',
    text: HEAD + 'x TXT "\u20ac"\n',
    diagnostics: [['error', 3, 'character U+20AC is not an octet']],
  },
];

// ---- bad input -------------------------------------------------------------------------------

const badInput: Case[] = [
  {
    name: 'unbalanced ( at end of file: error at the line of the (',
    text: HEAD + 'www A 192.0.2.1\nx TXT ( "a"\n "b"\n',
    diagnostics: [['error', 4, 'unbalanced parentheses: "(" at line 4 is never closed']],
    records: ['www.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'unbalanced )',
    text: HEAD + 'x A 192.0.2.1 )\ny A 192.0.2.2\n',
    diagnostics: [['error', 3, 'unbalanced parentheses: ")" without "("']],
    records: ['y.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'unterminated quote: error at the line where it started, later lines still parse',
    text: HEAD + 'x TXT "abc\ny A 192.0.2.2\n',
    diagnostics: [['error', 3, 'unterminated quoted string']],
    records: ['y.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'unterminated quote inside parentheses: the string runs on (the newline is data) to the next quote',
    text: HEAD + 'x TXT ( "abc\n "def" )\ny A 192.0.2.2\n',
    diagnostics: [['error', 4, 'unterminated quoted string: the quote at line 4 never closes']],
  },
  {
    name: 'unterminated quote at end of file',
    text: HEAD + 'x TXT "abc',
    diagnostics: [['error', 3, 'unterminated quoted string']],
  },
  {
    name: 'a backslash at the end of a line escapes nothing',
    text: HEAD + 'x TXT abc\\\ny A 192.0.2.2\n',
    diagnostics: [['error', 3, 'backslash at the end of a line']],
    records: ['y.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'a NUL byte is a clear error, and parsing goes on',
    text: HEAD + 'x A 192.0.2.1\x00\ny A 192.0.2.2\n',
    diagnostics: [['error', 3, 'control character 0x00 (binary data?']],
    records: ['y.example.com. 3600 IN A 192.0.2.2'],
  },
  {
    name: 'every error is reported with its line, not only the first',
    text: HEAD + 'a..b A 192.0.2.1\nok A 192.0.2.1\nx FOO 1\ny 99999999999 A 192.0.2.1\nz A 192.0.2.1 )\n',
    diagnostics: [
      ['error', 3, 'empty label'],
      ['error', 5, 'unknown RR type "FOO"'],
      ['error', 6, 'TTL "99999999999" does not fit in 32 bits'],
      ['error', 7, 'unbalanced parentheses'],
    ],
    records: ['ok.example.com. 3600 IN A 192.0.2.1'],
  },
  {
    name: 'maxErrors stops the parse with a note',
    text: HEAD + 'a FOO\nb FOO\nc FOO\nd FOO\n',
    opts: { maxErrors: 2 },
    diagnostics: [
      ['error', 3, 'unknown RR type'],
      ['error', 4, 'unknown RR type'],
      ['warning', 4, 'too many errors (2); stopped reading the zone'],
    ],
  },
  {
    name: 'messages quote long text shortened and binary text escaped',
    text: HEAD + `x ${'Q'.repeat(100)} 1\n`,
    diagnostics: [['error', 3, `unknown RR type "${'Q'.repeat(60)}..."`]],
  },
];

describe('parseZone', () => {
  describe('directives', () => test.each(directives.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('owners', () => test.each(owners.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('TTL and class', () => test.each(ttlAndClass.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('lexical syntax', () => test.each(lexical.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('RDATA', () => test.each(rdataCases.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('origin', () => test.each(originCases.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('bad names', () => test.each(badNames.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
  describe('bad input', () => test.each(badInput.map((c) => [c.name, c] as const))('%s', (_n, c) => check(c)));
});

describe('parseZone records', () => {
  test('records carry file and the line where they start (multi-line records: the first line)', () => {
    const r = parseZone(HEAD + 'www A 192.0.2.1\nt TXT (\n "a"\n "b" )\n  A 192.0.2.2\n', { origin: ORIGIN, file: 'z.zone' });
    expect(r.diagnostics).toEqual([]);
    expect(r.records.map((x) => [x.file, x.line])).toEqual([
      ['z.zone', 2],
      ['z.zone', 3],
      ['z.zone', 4],
      ['z.zone', 7],
    ]);
  });

  test('diagnostics carry file, code and the column of the offending token', () => {
    const r = parseZone(HEAD + 'www   FOO 1\nbad..x A 192.0.2.1\n', { origin: ORIGIN, file: 'z.zone' });
    expect(r.diagnostics).toEqual([
      { severity: 'error', code: 'ZONE_SYNTAX', file: 'z.zone', line: 3, column: 7, message: 'unknown RR type "FOO"' },
      expect.objectContaining({ severity: 'error', code: 'BAD_NAME', file: 'z.zone', line: 4, column: 1 }),
    ]);
  });

  test('owners are absolute wire names, case preserved; equal owners are equal strings', () => {
    const r = parseZone(HEAD + 'Www A 192.0.2.1\n  A 192.0.2.2\nx A 192.0.2.3\nWww TXT "t"\n', { origin: ORIGIN });
    const owners = r.records.map((x) => x.owner);
    expect(owners[1]).toBe('\x03Www\x07example\x03com\x00' as Name);
    expect(owners[2]).toBe(owners[1]);
    expect(owners[4]).toBe(owners[1]);
  });

  test('a 10 MB single line is rejected quickly (linear time), and the next line still parses', () => {
    const cases = [`t TXT "${'a'.repeat(10_000_000)}"`, `${'a'.repeat(10_000_000)} A 192.0.2.1`, `t TXT ${'ab '.repeat(3_400_000)}`];
    for (const line of cases) {
      const started = performance.now();
      const r = parseZone(HEAD + line + '\nok A 192.0.2.1\n', { origin: ORIGIN });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0]).toMatchObject({ severity: 'error', line: 3 });
      expect(r.diagnostics[0].message).toMatch(/longer than/);
      expect(recordLines(r, false)).toEqual(['ok.example.com. 3600 IN A 192.0.2.1']);
    }
  });

  test('a 10 MB comment line is harmless', () => {
    const r = parseZone(HEAD + `; ${'x'.repeat(10_000_000)}\nok A 192.0.2.1\n`, { origin: ORIGIN });
    expect(r.diagnostics).toEqual([]);
    expect(r.records).toHaveLength(2);
  });

  test('C1 long lines: 40 and 250 character-strings of 255 octets, and a 64 KB line', () => {
    const s255 = 'x'.repeat(255);
    for (const n of [40, 250]) {
      const r = parseZone(HEAD + `t TXT ${Array(n).fill(`"${s255}"`).join(' ')}\n`, { origin: ORIGIN });
      expect(r.diagnostics).toEqual([]);
      expect(r.records[1].rdata.length).toBe(256 * n);
    }
    // 255 strings of 255 octets: a 65,280-character line, 65,280 octets of RDATA (the limit is 65,535).
    const r = parseZone(HEAD + `t TXT ${Array(255).fill(s255).join(' ')}\n`, { origin: ORIGIN });
    expect(r.diagnostics).toEqual([]);
    expect(r.records[1].rdata.length).toBe(256 * 255);
    const over = parseZone(HEAD + `t TXT ${Array(256).fill(s255).join(' ')}\n`, { origin: ORIGIN });
    expect(over.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'ZONE_RDATA', line: 3, message: 'TXT RDATA is 65536 octets; the limit is 65535' })]);
  });

  test('binary garbage: errors (capped by maxErrors), no exception', () => {
    let seed = 42;
    let garbage = '';
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      garbage += String.fromCharCode(seed >> 23);
    }
    const r = parseZone(garbage, { origin: ORIGIN });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.length).toBeLessThanOrEqual(100);
    for (const d of r.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
  });

  test('random mutations of a valid zone never throw', () => {
    const base = HEAD + 'www A 192.0.2.1\n  AAAA 2001:db8::1\nt TXT ( "a;b" "c\\"d" ) ; x\n$ORIGIN sub\n$GENERATE 1-3 h$ A 192.0.2.$\n';
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '()";\\\n\r\t $@.{}0123456789abcAZ\x00\xff';
    for (let i = 0; i < 2000; i++) {
      const chars = [...base];
      for (let k = 0; k < 3; k++) chars.splice(rnd(chars.length), rnd(2), alphabet[rnd(alphabet.length)]);
      expect(() => parseZone(chars.join(''), { origin: ORIGIN, readFile: () => '' })).not.toThrow();
    }
  });
});
