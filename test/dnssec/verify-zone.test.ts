// The DNSSEC zone checks (src/dnssec/verify-zone.ts) on a small NSEC-signed zone written by hand,
// broken one way per case. Signatures are not checked cryptographically, so the RRSIGs here carry
// a dummy signature; what matters is which RRsets have them, their times, and the NSEC chain.
// test/interop/dnssec-check.test.ts does the same on zones signed by BIND and ldns, next to
// dnssec-verify and ldns-verify-zone.

import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dnssecChecks } from '../../src/dnssec/verify-zone.js';
import { createLogger } from '../../src/log.js';
import { ZoneManager } from '../../src/reload/zones.js';
import { loadZoneText } from '../../src/zone/load.js';
import { ZoneRegistry } from '../../src/zone/registry.js';

/** 2026-12-01 00:00:00 UTC. */
const NOW = Date.UTC(2026, 11, 1) / 1000;
const DAY = 86400;
/** An ECDSA P-256 DNSKEY (BIND made it); its key tag is 14589. */
const DNSKEY = '257 3 13 kwyLxCI1KBkUu5dj1PNaivKuu3BSMJW2KdJqy5i7yCscXCzY4EiHYPJ69JVVUq7bV5SImnmW8p7qg0OK9NBZRw==';
const TAG = 14589;

function sig(owner: string, type: string, labels: number, expires = NOW + 30 * DAY, incepted = NOW - DAY, tag = TAG): string {
  return `${owner} RRSIG ${type} 13 ${labels} 300 ${expires} ${incepted} ${tag} example.test. AAAA`;
}

/** example.test, signed with NSEC: the chain is apex -> a.b -> ns -> sub -> www -> apex. */
const SIGNED = [
  '$ORIGIN example.test.',
  '$TTL 300',
  '@ SOA ns hostmaster 1 3600 600 86400 60',
  sig('@', 'SOA', 2),
  '@ NS ns',
  sig('@', 'NS', 2),
  `@ DNSKEY ${DNSKEY}`,
  sig('@', 'DNSKEY', 2),
  '@ NSEC a.b NS SOA RRSIG NSEC DNSKEY',
  sig('@', 'NSEC', 2),
  'a.b A 192.0.2.1',
  sig('a.b', 'A', 4),
  'a.b NSEC ns A RRSIG NSEC',
  sig('a.b', 'NSEC', 4),
  'ns A 192.0.2.2',
  sig('ns', 'A', 3),
  'ns NSEC sub A RRSIG NSEC',
  sig('ns', 'NSEC', 3),
  'sub NS ns.sub',
  'ns.sub A 192.0.2.3',
  'sub NSEC www NS RRSIG NSEC',
  sig('sub', 'NSEC', 3),
  'www A 192.0.2.4',
  sig('www', 'A', 3),
  'www NSEC @ A RRSIG NSEC',
  sig('www', 'NSEC', 3),
];

/** 1-based line of the first line of SIGNED that starts with `prefix`. */
function lineOf(prefix: string): number {
  return SIGNED.findIndex((l) => l.startsWith(prefix)) + 1;
}

function warnings(lines: readonly string[]): string[] {
  const result = loadZoneText(lines.join('\n') + '\n', { file: 'example.test.zone', inspect: dnssecChecks(() => NOW) });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.diagnostics.map((d) => `${d.line}: ${d.message}`);
}

const replace = (prefix: string, line: string | undefined) => (lines: string[]) =>
  lines.flatMap((l) => (l.startsWith(prefix) ? (line === undefined ? [] : [line]) : [l]));

interface Case {
  name: string;
  edit: (lines: string[]) => string[];
  /** Expected warnings, `line: message` matched against each pattern in order. */
  expected: Array<[number, RegExp]>;
}

const CASES: Case[] = [
  { name: 'a correctly signed zone', edit: (l) => l, expected: [] },
  {
    name: 'an RRset without RRSIG',
    edit: replace('www RRSIG A', undefined),
    expected: [[lineOf('www A'), /^www\.example\.test\. A has no RRSIG \(RFC 4035 §2\.2\)/]],
  },
  {
    name: 'an RRset signed only by a key that is not in the DNSKEY RRset',
    edit: replace('www RRSIG A', sig('www', 'A', 3, undefined, undefined, 1)),
    expected: [[lineOf('www A'), /^www\.example\.test\. A has no RRSIG by a key of algorithm 13 in the zone's DNSKEY RRset/]],
  },
  {
    name: 'an expired signature',
    edit: replace('www RRSIG A', sig('www', 'A', 3, NOW - 1, NOW - 10 * DAY)),
    expected: [[lineOf('www RRSIG A'), /^RRSIG www\.example\.test\. A \(key 14589\) expired 2026-11-30 23:59:59 UTC/]],
  },
  {
    name: 'a signature expiring within 7 days',
    edit: replace('ns RRSIG A', sig('ns', 'A', 3, NOW + 3 * DAY)),
    expected: [[lineOf('ns RRSIG A'), /^RRSIG ns\.example\.test\. A \(key 14589\) expires 2026-12-04 00:00:00 UTC, within 7 days/]],
  },
  {
    name: 'a signature not valid yet',
    edit: replace('ns RRSIG A', sig('ns', 'A', 3, NOW + 30 * DAY, NOW + DAY)),
    expected: [[lineOf('ns RRSIG A'), /^RRSIG ns\.example\.test\. A \(key 14589\) is not valid before 2026-12-02 00:00:00 UTC/]],
  },
  {
    name: 'a name missing from the NSEC chain',
    edit: (l) => replace('ns RRSIG NSEC', undefined)(replace('ns NSEC', undefined)(replace('a.b NSEC', 'a.b NSEC sub A RRSIG NSEC')(l))),
    expected: [
      [lineOf('a.b NSEC'), /^NSEC chain broken at a\.b\.example\.test\.: its NSEC points to sub\.example\.test\., but the next name in the zone is ns\.example\.test\./],
      [lineOf('ns A'), /^no NSEC at ns\.example\.test\.: the NSEC chain skips it/],
    ],
  },
  {
    name: 'an NSEC pointing past the next name',
    edit: replace('ns NSEC', 'ns NSEC www A RRSIG NSEC'),
    expected: [[lineOf('ns NSEC'), /^NSEC chain broken at ns\.example\.test\.: its NSEC points to www\.example\.test\., but the next name in the zone is sub\.example\.test\./]],
  },
  {
    name: 'an NSEC type bitmap that leaves out a type',
    edit: replace('www NSEC', 'www NSEC @ A NSEC'),
    expected: [[lineOf('www NSEC'), /^NSEC at www\.example\.test\. lists A NSEC, but the name has A RRSIG NSEC/]],
  },
  {
    name: 'an NSEC at a zone cut that lists the glue',
    edit: replace('sub NSEC', 'sub NSEC www NS A RRSIG NSEC'),
    expected: [[lineOf('sub NSEC'), /^NSEC at sub\.example\.test\. lists A NS RRSIG NSEC, but the name has NS RRSIG NSEC/]],
  },
  {
    name: 'RRSIGs without a DNSKEY',
    edit: replace('@ DNSKEY', undefined),
    expected: [[lineOf('@ RRSIG SOA'), /^the zone has RRSIG records but no DNSKEY at the apex example\.test\./]],
  },
  {
    name: 'a signed zone without NSEC or NSEC3',
    edit: (l) => l.filter((x) => !/ NSEC /.test(x)),
    expected: [[lineOf('@ SOA'), /^the zone is signed but has no NSEC or NSEC3 records/]],
  },
];

describe('DNSSEC checks of a signed zone', () => {
  test.each(CASES)('$name', ({ edit, expected }) => {
    const got = warnings(edit([...SIGNED]));
    expect(got).toHaveLength(expected.length);
    expected.forEach(([line, pattern], i) => {
      expect(got[i]).toMatch(new RegExp(`^${line}: ${pattern.source.slice(1)}`));
    });
  });

  test('an unsigned zone gets no DNSSEC warning', () => {
    expect(warnings(['$TTL 300', 'example.test. SOA ns.example.test. h.example.test. 1 2 3 4 5', 'example.test. NS ns.example.test.', 'ns.example.test. A 192.0.2.1'])).toEqual([]);
  });

  test('findings of one kind past the first 10 are counted in one line', () => {
    const expired = (l: string[]) => l.map((x) => x.replace(/ RRSIG (\S+) 13 (\d) 300 \d+ \d+ /, (_m, t: string, n: string) => ` RRSIG ${t} 13 ${n} 300 ${NOW - 1} ${NOW - 10 * DAY} `));
    const got = warnings(expired([...SIGNED]));
    expect(got).toHaveLength(11);
    expect(got.slice(0, 10).every((w) => / expired /.test(w))).toBe(true);
    expect(got[10]).toMatch(/^\d+: RRSIGs expired: 1 more besides the 10 listed$/);
  });

  test('the serve log warns at load (the checks run in the load worker), with file:line, and the zone is served', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-verify-'));
    try {
      const file = join(dir, 'example.test.zone');
      // Expired long ago, whatever the clock says now.
      writeFileSync(file, SIGNED.map((l) => l.replace(/^(www RRSIG A 13 3 300) \d+ \d+/, '$1 20200102000000 20200101000000')).join('\n') + '\n');
      const lines: string[] = [];
      const registry = new ZoneRegistry();
      const manager = new ZoneManager(registry, createLogger({ write: (l) => lines.push(l) }), undefined, [{ file }]);
      await manager.loadAll();
      await manager.close();
      expect(registry.size).toBe(1);
      expect(lines.filter((l) => / warn /.test(l))).toEqual([
        // (file and line lead the message in the text log; in JSON they are fields: ops/ logs)
        expect.stringContaining(`warn ${file}:${lineOf('www RRSIG A')}: RRSIG www.example.test. A (key 14589) expired 2020-01-02 00:00:00 UTC`),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
