// `zonedns check` on zones signed at test time by dnssec-signzone and ldns-signzone, then broken
// on purpose one way per case: each break gets our warning, at the file:line of the record it is
// about, AND the real tools (dnssec-verify, ldns-verify-zone) reject the same file, so what we
// warn about is what they would. Correctly signed zones get no warning and pass both tools.

import { afterAll, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCheck } from '../../src/cli/check.js';
import { nameFromText } from '../../src/dns/name.js';
import { base32HexEncode } from '../../src/dns/rdata/encoding.js';
import { nsec3Hash } from '../../src/dnssec/nsec3-hash.js';
import { describeWithPeers } from '../support/peers.js';
import { bindKey, DNSSEC_TOOLS, dnssecVerify, ldnsVerifyZone, mustRun, type ToolRun } from './support/dnssec-tools.js';

const ZONE = `$ORIGIN example.com.
$TTL 3600
@ IN SOA ns1 hostmaster 2026010101 7200 3600 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.1
mail A 192.0.2.5
www A 192.0.2.2
*.wild TXT "w"
a.b.c AAAA 2001:db8::1
sub NS ns.sub
ns.sub A 192.0.2.3
sec NS ns.sec
sec DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sec A 192.0.2.4
alias CNAME www
`;

type Base = 'nsec' | 'nsec3' | 'expired' | 'soon';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let prepared: Promise<{ dir: string; files: Record<Base, string> }> | undefined;
/** Signs the zone four ways, once (on first use: jest starts concurrent tests before beforeAll). */
function prepare(): Promise<{ dir: string; files: Record<Base, string> }> {
  prepared ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zonedns-dnssec-check-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'example.com.zone'), ZONE);
    const key = await bindKey(dir, 'example.com');
    const bind = (out: string, extra: string[]) => mustRun('dnssec-signzone', ['-q', '-S', '-z', '-O', 'full', '-K', dir, '-o', 'example.com', '-f', out, ...extra, 'example.com.zone'], dir);
    const now = Math.floor(Date.now() / 1000);
    await Promise.all([
      bind('nsec.signed', []),
      bind('nsec3.signed', ['-3', '-']),
      bind('soon.signed', ['-e', 'now+3d']),
      // dnssec-signzone will not write signatures that are already expired; ldns-signzone will.
      mustRun('ldns-signzone', ['-i', String(now - 30 * 86400), '-e', String(now - 86400), '-f', 'expired.signed', '-o', 'example.com', 'example.com.zone', key], dir),
    ]);
    return { dir, files: { nsec: 'nsec.signed', nsec3: 'nsec3.signed', soon: 'soon.signed', expired: 'expired.signed' } };
  })();
  return prepared;
}

/** A record line of a signed file: owner, type, RDATA (one record per line in these files). */
function fields(line: string): { owner: string; type: string; rdata: string } | undefined {
  const m = /^(\S+)\s+\d+\s+IN\s+(\S+)\s+(.*)$/.exec(line);
  return m === null ? undefined : { owner: m[1]!.toLowerCase(), type: m[2]!, rdata: m[3]! };
}

/** Drops the records at `owner` of `type`, or RRSIGs covering `type` when `type` is 'RRSIG X'. */
function drop(owner: string, type: string) {
  return (lines: string[]) => lines.filter((l) => {
    const f = fields(l);
    if (f === undefined || f.owner !== owner) return true;
    if (type.startsWith('RRSIG ')) return !(f.type === 'RRSIG' && f.rdata.startsWith(type.slice(6) + ' '));
    return f.type !== type;
  });
}

/** Rewrites the RDATA of the records at `owner` of `type`. */
function edit(owner: string, type: string, rewrite: (rdata: string) => string) {
  return (lines: string[]) => lines.map((l) => {
    const f = fields(l);
    return f !== undefined && f.owner === owner && f.type === type ? l.replace(f.rdata, rewrite(f.rdata)) : l;
  });
}

/** The owner of the NSEC3 record for `name` (no salt, no extra iterations: dnssec-signzone -3 -). */
function nsec3Owner(name: string): string {
  return `${base32HexEncode(nsec3Hash(nameFromText(name), '', 0).toString('latin1')).toLowerCase()}.example.com.`;
}

interface Case {
  name: string;
  base: Base;
  break?: (lines: string[]) => string[];
  /** Our warning; undefined: none at all. */
  warning?: RegExp;
  /** What the line the warning points at holds. */
  at?: RegExp;
  /** Whether dnssec-verify accepts the file (it does not look at signatures expiring soon). */
  bindAccepts: boolean;
  /** ldns-verify-zone arguments. */
  ldnsArgs?: string[];
}

const CASES: Case[] = [
  { name: 'a zone signed with NSEC', base: 'nsec', bindAccepts: true },
  { name: 'a zone signed with NSEC3', base: 'nsec3', bindAccepts: true },
  {
    name: 'an RRset whose RRSIG was removed', base: 'nsec', break: drop('www.example.com.', 'RRSIG A'),
    warning: /www\.example\.com\. A has no RRSIG/, at: /^www\.example\.com\.\s.*\sA\s+192\.0\.2\.2$/, bindAccepts: false,
  },
  {
    name: 'a zone cut DS whose RRSIG was removed', base: 'nsec3', break: drop('sec.example.com.', 'RRSIG DS'),
    warning: /sec\.example\.com\. DS has no RRSIG/, at: /^sec\.example\.com\.\s.*\sDS\s/, bindAccepts: false,
  },
  {
    name: 'expired signatures', base: 'expired',
    warning: /RRSIG example\.com\. SOA \(key \d+\) expired /, at: /^example\.com\.\s.*\sRRSIG\s+SOA /, bindAccepts: false,
  },
  {
    name: 'signatures expiring within 7 days', base: 'soon', ldnsArgs: ['-e', 'P7D'],
    warning: /RRSIG example\.com\. SOA \(key \d+\) expires .* within 7 days/, at: /^example\.com\.\s.*\sRRSIG\s+SOA /, bindAccepts: true,
  },
  {
    name: 'a name whose NSEC was removed', base: 'nsec', break: (l) => drop('www.example.com.', 'RRSIG NSEC')(drop('www.example.com.', 'NSEC')(l)),
    warning: /no NSEC at www\.example\.com\./, at: /^www\.example\.com\.\s.*\sA\s+192\.0\.2\.2$/, bindAccepts: false,
  },
  {
    name: 'an NSEC whose next name skips a name', base: 'nsec', break: edit('ns1.example.com.', 'NSEC', (r) => r.replace(/^\S+/, 'www.example.com.')),
    warning: /NSEC chain broken at ns1\.example\.com\.: its NSEC points to www\.example\.com\., but the next name in the zone is sec\.example\.com\./,
    at: /^ns1\.example\.com\.\s.*\sNSEC\s+www\.example\.com\./, bindAccepts: false,
  },
  {
    name: 'a name whose NSEC3 was removed', base: 'nsec3',
    break: (l) => drop(nsec3Owner('www.example.com.'), 'RRSIG NSEC3')(drop(nsec3Owner('www.example.com.'), 'NSEC3')(l)),
    warning: /no NSEC3 for www\.example\.com\./, at: /^www\.example\.com\.\s.*\sA\s+192\.0\.2\.2$/, bindAccepts: false,
  },
  {
    name: 'an NSEC3PARAM that matches no chain', base: 'nsec3', break: edit('example.com.', 'NSEC3PARAM', () => '1 0 0 AABB'),
    warning: /NSEC3PARAM 1 0 AABB matches no NSEC3 chain/, at: /\sNSEC3PARAM\s+1 0 0 AABB$/, bindAccepts: false,
  },
];

function warningsOf(dir: string, file: string): Array<{ line: number; message: string }> {
  const out = runCheck({ paths: [path.join(dir, file)], origin: 'example.com' });
  expect(out.code).toBe(0); // warnings, not errors: the zone still loads
  return out.stderr.split('\n').flatMap((l) => {
    const m = /^.*?:(\d+): warning: (.*)$/.exec(l);
    return m === null ? [] : [{ line: Number(m[1]), message: m[2]! }];
  });
}

function verdict(run: ToolRun): string {
  return run.status === 0 ? 'accepts' : 'rejects';
}

describeWithPeers('zonedns check warns about signed zones as dnssec-verify and ldns-verify-zone judge them', DNSSEC_TOOLS, () => {
  test.concurrent.each(CASES)('$name', async (c) => {
    const { dir, files } = await prepare();
    let file = files[c.base];
    if (c.break !== undefined) {
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
      file = `${c.name.replace(/\W+/g, '-')}.signed`;
      writeFileSync(path.join(dir, file), c.break(lines).join('\n'));
    }
    const warnings = warningsOf(dir, file);
    const [bind, ldns] = await Promise.all([dnssecVerify(dir, 'example.com', file), ldnsVerifyZone(dir, file, c.ldnsArgs)]);
    if (c.warning === undefined) {
      expect(warnings).toEqual([]);
      expect({ bind: verdict(bind), ldns: verdict(ldns), output: bind.stdout + bind.stderr + ldns.stdout + ldns.stderr }).toMatchObject({ bind: 'accepts', ldns: 'accepts' });
      return;
    }
    const ours = warnings.find((w) => c.warning!.test(w.message));
    expect({ warnings, found: ours !== undefined }).toMatchObject({ found: true });
    const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
    expect(lines[ours!.line - 1]).toMatch(c.at!);
    expect({ bind: verdict(bind), output: bind.stdout + bind.stderr }).toMatchObject({ bind: c.bindAccepts ? 'accepts' : 'rejects' });
    expect({ ldns: verdict(ldns), output: ldns.stdout + ldns.stderr }).toMatchObject({ ldns: 'rejects' });
  });
});
