// Conformance against BIND's named-checkzone. Each real-world zone in test/fixtures/conformance/
// is loaded by `named-checkzone -D -o -` and by `zonedns check --print`; both dumps become sets
// of `owner ttl class type rdata` lines and must be equal. Broken zones must be refused by both,
// and ours must name the right file:line. Signed zones are made at test time with ldns and BIND
// tools and compared the same way.
//
// Normalisation is deliberately thin, so that any difference in how we print a record shows up:
// - owners are lower-cased (BIND keeps the case of each record's owner as written, we keep the
//   case of the first record of a name);
// - runs of blanks outside quoted strings become one space;
// - inside one hex or base64 field (the trailing key, digest, fingerprint or signature of the
//   types in BLOB_AFTER, and RFC 3597 `\#` data) blanks are removed: BIND's dump cuts those
//   fields into 56-character chunks, zonedns prints them whole, and RFC 4034 §2.2 and friends say
//   blanks inside them carry no data.
// Nothing else: RDATA names keep their case (BIND does not lower-case them either), numbers,
// escapes, quoting and SvcParams must match BIND's text exactly.

import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWithPeers, findProgram } from '../support/peers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'conformance');
const ZONEDNS = path.join(ROOT, 'bin', 'zonedns');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to completion. Asynchronous so that independent runs overlap: each zonedns run
 * is a Node process start, and the tests below make a few dozen of them.
 */
function run(program: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function tool(name: string): string {
  const p = findProgram(name);
  if (p === undefined) throw new Error(`${name} is not installed`);
  return p;
}

/**
 * named-checkzone, run in the zone file's directory: BIND resolves `$INCLUDE` against the working
 * directory, zonedns against the including file's directory, so this makes both read the same file.
 * `-i local` keeps BIND's integrity checks inside the zone (no lookups of out-of-zone names).
 */
function namedCheckzone(origin: string, file: string, dump: boolean): Promise<Run> {
  const args = ['-i', 'local', ...(dump ? ['-D', '-o', '-'] : []), origin, path.basename(file)];
  return run(tool('named-checkzone'), args, path.dirname(file));
}

function zonedns(args: readonly string[], cwd = ROOT): Promise<Run> {
  return run(process.execPath, [ZONEDNS, ...args], cwd);
}

/** Runs a preparation step (key generation, signing) and fails loudly if it fails. */
async function mustRun(program: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await run(tool(program), args, cwd);
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

// ---- normalisation -----------------------------------------------------------------------------

/** Types whose RDATA ends in one hex or base64 field, and how many fields come before it. */
const BLOB_AFTER: Readonly<Record<string, number>> = {
  DS: 3, CDS: 3, DLV: 3, SSHFP: 2, TLSA: 3, SMIMEA: 3, DNSKEY: 3, CDNSKEY: 3, KEY: 3,
  RRSIG: 8, OPENPGPKEY: 0, ZONEMD: 3,
};

/** Splits presentation RDATA on blanks outside double quotes; escapes and quotes are kept. */
function rdataFields(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let open = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      open = true;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
      open = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (open) out.push(cur);
      cur = '';
      open = false;
    } else {
      cur += c;
      open = true;
    }
  }
  if (open) out.push(cur);
  return out;
}

/** Where the trailing blob starts, or -1 when this RDATA has none. */
function blobStart(type: string, fields: readonly string[]): number {
  if (fields[0] === '\\#') return 2;
  return BLOB_AFTER[type] ?? -1;
}

interface DumpRecord {
  owner: string;
  ttl: number;
  cls: string;
  type: string;
  fields: string[];
  /** The trailing hex/base64 field was written as more than one chunk. */
  splitBlob: boolean;
}

/** Parses a one-record-per-line dump (BIND `-D`, zonedns `--print`, or a signer's output). */
function parseDump(text: string): DumpRecord[] {
  const out: DumpRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith(';')) continue;
    const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (m === null) throw new Error(`cannot read dump line: ${JSON.stringify(line)}`);
    const type = m[4]!;
    let fields = rdataFields(m[5] ?? '');
    const blob = blobStart(type, fields);
    const splitBlob = blob >= 0 && fields.length > blob + 1;
    if (splitBlob) fields = [...fields.slice(0, blob), fields.slice(blob).join('')];
    out.push({ owner: m[1]!.toLowerCase(), ttl: Number(m[2]), cls: m[3]!, type, fields, splitBlob });
  }
  return out;
}

function recordText(r: DumpRecord): string {
  return `${r.owner} ${r.ttl} ${r.cls} ${r.type} ${r.fields.join(' ')}`;
}

/** Sorted normalised lines: equal arrays mean equal sets, and jest shows a readable diff. */
function lines(records: readonly DumpRecord[]): string[] {
  return records.map(recordText).sort();
}

interface Both {
  bind: DumpRecord[];
  ours: DumpRecord[];
  bindRun: Run;
  oursRun: Run;
}

/** Both tools' runs per file: several tests look at one zone, and each run costs a process. */
const loaded = new Map<string, Promise<{ bindRun: Run; oursRun: Run }>>();

/** Loads one zone file with both tools (once per file); both must accept it. */
async function loadBoth(origin: string, file: string): Promise<Both> {
  const key = `${origin} ${file}`;
  let runs = loaded.get(key);
  if (runs === undefined) {
    runs = Promise.all([namedCheckzone(origin, file, true), zonedns(['check', '--print', '--origin', origin, file])]).then(
      ([bindRun, oursRun]) => ({ bindRun, oursRun }),
    );
    loaded.set(key, runs);
  }
  const { bindRun, oursRun } = await runs;
  expect({ tool: 'named-checkzone', status: bindRun.status, stderr: bindRun.stderr }).toMatchObject({ status: 0 });
  expect({ tool: 'zonedns', status: oursRun.status, stderr: oursRun.stderr }).toMatchObject({ status: 0 });
  return { bind: parseDump(bindRun.stdout), ours: parseDump(oursRun.stdout), bindRun, oursRun };
}

/** The RRSIG's TTL replaced by a marker; everything else (including its RDATA) is kept. */
function maskRrsigTtl(r: DumpRecord): DumpRecord {
  return r.type === 'RRSIG' ? { ...r, ttl: -1 } : r;
}

// ---- the zones ---------------------------------------------------------------------------------

interface ConformanceZone {
  file: string;
  origin: string;
  what: string;
}

const ZONES: readonly ConformanceZone[] = [
  { file: 'website.zone', origin: 'example.com', what: 'a small website zone (SOA in parentheses, MX, SPF, CAA, SRV)' },
  { file: 'reverse-v4.zone', origin: '113.0.203.in-addr.arpa', what: 'an in-addr.arpa zone with numeric owners and an RFC 2317 $GENERATE' },
  { file: 'reverse-v6.zone', origin: '8.b.d.0.1.0.0.2.ip6.arpa', what: 'an ip6.arpa zone with nibble owners' },
  { file: 'mail.zone', origin: 'example.org', what: 'a mail zone with split DKIM keys, DMARC, MTA-STS, TLS-RPT and DANE' },
  { file: 'delegations.zone', origin: 'example.net', what: 'a parent zone with glue, sibling glue, DS records, a wildcard and a DNAME' },
  { file: 'kitchen-sink.zone', origin: 'sink.example', what: 'a kitchen-sink zone with every supported type, $INCLUDE, $GENERATE and escapes' },
];

describeWithPeers('zonedns check --print agrees with named-checkzone -D', ['named-checkzone'], () => {
  for (const z of ZONES) {
    test.concurrent(`${z.what} gives the same records in both`, async () => {
      const both = await loadBoth(z.origin, path.join(FIXTURES, z.file));
      expect(both.bind.length).toBeGreaterThan(5);
      expect(lines(both.ours)).toEqual(lines(both.bind));
    });
  }

  test.concurrent('zonedns prints every hex and base64 field whole, where BIND cuts it into chunks', async () => {
    const both = await loadBoth('sink.example', path.join(FIXTURES, 'kitchen-sink.zone'));
    expect(both.ours.filter((r) => r.splitBlob).map(recordText)).toEqual([]);
    // The kitchen sink has blobs long enough for BIND to cut, so the normaliser is exercised.
    expect(both.bind.some((r) => r.splitBlob)).toBe(true);
  });

  test.concurrent('an $INCLUDEd $TTL ends with the include in zonedns but outlives it in BIND (a deliberate difference)', async () => {
    // src/zone/parse.ts: "an included file cannot change the TTLs of the file that includes it".
    const both = await loadBoth('ttl.example', path.join(FIXTURES, 'include-ttl.zone'));
    const after = (rs: DumpRecord[]) => rs.find((r) => r.owner === 'after.ttl.example.')?.ttl;
    expect(after(both.bind)).toBe(60);
    expect(after(both.ours)).toBe(3600);
    const rest = (rs: DumpRecord[]) => lines(rs.filter((r) => r.owner !== 'after.ttl.example.'));
    expect(rest(both.ours)).toEqual(rest(both.bind));
  });

  test.concurrent('an RRset written with different TTLs gets the lowest in zonedns; BIND keeps the prior TTL for adjacent records', async () => {
    // Deliberate difference. BIND: "ttl-mismatch.zone:11: TTL set to prior TTL (3600)", so web
    // keeps 3600, but it takes the lowest for records of one RRset written apart (api: 60).
    // zonedns always takes the lowest and warns (src/zone/build.ts; the loader issue asks for
    // it): one rule, and caches never hold a record longer than any line of the file says.
    const both = await loadBoth('mismatch.example', path.join(FIXTURES, 'ttl-mismatch.zone'));
    const web = (rs: DumpRecord[]) => rs.filter((r) => r.owner === 'web.mismatch.example.').map((r) => r.ttl);
    expect(web(both.bind)).toEqual([3600, 3600]);
    expect(web(both.ours)).toEqual([90, 90]);
    const rest = (rs: DumpRecord[]) => lines(rs.filter((r) => r.owner !== 'web.mismatch.example.'));
    expect(rest(both.ours)).toEqual(rest(both.bind));
  });

  test.concurrent('records whose RDATA names differ only in case are one record for the types RFC 4034 §6.2 case-folds, as in BIND', async () => {
    // Which of the two spellings survives is BIND's choice (its sort is not stable), so this
    // compares how many records each owner and type has, not their text.
    const both = await loadBoth('case.example', path.join(FIXTURES, 'case-duplicates.zone'));
    const count = (rs: DumpRecord[]) => rs.map((r) => `${r.owner} ${r.type}`).sort();
    expect(count(both.ours)).toEqual(count(both.bind));
  });
});

// ---- broken zones ------------------------------------------------------------------------------

interface BrokenZone {
  file: string;
  what: string;
  /** Line zonedns must report, as `broken/FILE:LINE:` at the start of a stderr line. */
  line: number;
  message: RegExp;
  /** Line BIND reports, when it reports one. */
  bindLine?: number;
}

const BROKEN: readonly BrokenZone[] = [
  { file: 'cname-and-other.zone', what: 'a CNAME next to other data', line: 8, message: /CNAME and other data/, bindLine: 8 },
  { file: 'no-soa.zone', what: 'a zone without SOA', line: 4, message: /no SOA record at the zone apex/ },
  { file: 'two-soa.zone', what: 'a second SOA at the apex', line: 7, message: /multiple SOA records/, bindLine: 7 },
  { file: 'two-cnames.zone', what: 'a second CNAME at one name', line: 8, message: /multiple CNAME records/, bindLine: 8 },
  { file: 'bad-ipv4.zone', what: 'the IPv4 address 999.1.1.1', line: 7, message: /bad IPv4 address "999\.1\.1\.1"/, bindLine: 7 },
  { file: 'long-label.zone', what: 'a 64-octet label', line: 7, message: /label longer than 63 octets/, bindLine: 7 },
  { file: 'unbalanced-parens.zone', what: 'a parenthesis that is never closed', line: 4, message: /"\(" at line 4 is never closed/ },
  { file: 'unknown-type.zone', what: 'an unknown record type', line: 7, message: /unknown RR type "FOO"/, bindLine: 7 },
  { file: 'missing-include.zone', what: 'an $INCLUDE of a missing file', line: 7, message: /cannot read .*does-not-exist\.inc.*no such file/, bindLine: 7 },
];

/** A promise made on first use and shared after. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `broken/FILE:LINE:` or `broken/FILE:LINE:COLUMN:` then the message, on one stderr line. */
function diagnosticAt(file: string, line: number, message: RegExp): RegExp {
  return new RegExp(`^broken/${escapeRegExp(file)}:${line}(?::\\d+)?: (?:.*)${message.source}`, 'm');
}

describeWithPeers('broken zones are refused by named-checkzone and by zonedns', ['named-checkzone'], () => {
  // One zonedns run checks every broken file (a Node start per file would dominate the suite's
  // time); each file gets its own diagnostics and its own "not loaded" line.
  const files = [...BROKEN.map((b) => b.file), 'out-of-zone.zone', 'no-apex-ns.zone'];
  const ours = once(() => zonedns(['check', '--origin', 'broken.example', ...files.map((f) => `broken/${f}`)], FIXTURES));

  /** The lines of the shared run's stderr about one file. */
  const aboutFile = (r: Run, file: string) =>
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith(`broken/${file}:`) || l.endsWith(`(broken/${file})`))
      .join('\n');

  test.concurrent('zonedns exits 1 and prints no OK when every zone is broken', async () => {
    const r = await ours();
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/^OK$/m);
  });

  for (const b of BROKEN) {
    test.concurrent(`${b.what} (${b.file}) is refused by both, and zonedns names line ${b.line}`, async () => {
      const [bind, r] = await Promise.all([namedCheckzone('broken.example', path.join(FIXTURES, 'broken', b.file), false), ours()]);
      expect({ tool: 'named-checkzone', status: bind.status }).toEqual({ tool: 'named-checkzone', status: 1 });
      if (b.bindLine !== undefined) expect(bind.stdout + bind.stderr).toContain(`${b.file}:${b.bindLine}:`);

      const mine = aboutFile(r, b.file);
      expect(mine).toMatch(diagnosticAt(b.file, b.line, b.message));
      expect(mine).toContain(`zone broken.example/IN: not loaded due to errors (broken/${b.file})`);
    });
  }

  test.concurrent('an apex without NS is refused by BIND but loads with a warning in zonedns, as in NSD and Knot (a verdict difference)', async () => {
    const [bind, r] = await Promise.all([namedCheckzone('broken.example', path.join(FIXTURES, 'broken', 'no-apex-ns.zone'), false), ours()]);
    expect(bind.status).toBe(1);
    expect(bind.stdout + bind.stderr).toContain('has no NS records');
    const mine = aboutFile(r, 'no-apex-ns.zone');
    expect(mine).toMatch(new RegExp(`^broken/no-apex-ns\\.zone:4(?::\\d+)?: warning: no NS records at the zone apex`, 'm'));
    expect(mine).not.toContain('not loaded');
  });

  test.concurrent('out-of-zone data is ignored with a warning by BIND but refuses the zone in zonedns (a verdict difference)', async () => {
    const [bind, r] = await Promise.all([namedCheckzone('broken.example', path.join(FIXTURES, 'broken', 'out-of-zone.zone'), false), ours()]);
    expect(bind.status).toBe(0);
    expect(bind.stdout + bind.stderr).toContain('out-of-zone.zone:7: ignoring out-of-zone data (www.example.com)');
    const mine = aboutFile(r, 'out-of-zone.zone');
    expect(mine).toMatch(diagnosticAt('out-of-zone.zone', 7, /out of zone data/));
    expect(mine).toContain('not loaded due to errors (broken/out-of-zone.zone)');
  });
});

// ---- zones signed at test time -----------------------------------------------------------------
//
// Signing happens once per block, on first use (not in beforeAll: jest starts concurrent tests
// before beforeAll hooks run). The temporary directories go in afterAll.

const signingDirs: string[] = [];
afterAll(() => {
  for (const dir of signingDirs) rmSync(dir, { recursive: true, force: true });
});

interface SignedZone {
  origin: string;
  file: string;
}

/** zonedns diagnostics on stderr that are errors, not warnings. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\S+:\d+(?::\d+)?: /.test(l) && !/^\S+:\d+(?::\d+)?: warning: /.test(l));
}

/** Checks shared by every signed zone. `types` must all appear in the signed output. */
function signedZoneTests(label: string, sign: () => Promise<SignedZone>, types: readonly string[]): void {
  const load = async () => {
    const { origin, file } = await sign();
    return loadBoth(origin, file);
  };

  test.concurrent(`zonedns reads the ${label} zone without errors, and it has the DNSSEC records the signer makes`, async () => {
    const both = await load();
    expect(errorLines(both.oursRun.stderr)).toEqual([]);
    const seen = new Set(both.ours.map((r) => r.type));
    for (const t of types) expect({ type: t, present: seen.has(t) }).toEqual({ type: t, present: true });
  });

  test.concurrent(`the ${label} zone gives the same records in both`, async () => {
    const both = await load();
    expect(lines(both.ours)).toEqual(lines(both.bind));
  });

  test.concurrent(`in the ${label} zone every RRSIG keeps the TTL of the RRset it covers (its original TTL field)`, async () => {
    // RFC 4034 §3 and RFC 4035 §2.2: the RRSIG's TTL equals the covered RRset's TTL, which the
    // signer also wrote in the RRSIG's original-TTL field.
    const { ours } = await load();
    const wrong = ours
      .filter((r) => r.type === 'RRSIG' && String(r.ttl) !== r.fields[3])
      .map((r) => `${r.owner} RRSIG ${r.fields[0]}: TTL ${r.ttl}, original TTL ${r.fields[3]}`);
    expect(wrong).toEqual([]);
  });

  test.concurrent(`apart from RRSIG TTLs, the ${label} zone prints exactly as BIND prints it`, async () => {
    // Guards the RDATA printers (RRSIG, NSEC, NSEC3, NSEC3PARAM, DNSKEY) while the RRSIG TTL
    // bug above is open; only the TTL column of RRSIG lines is masked.
    const both = await load();
    expect(lines(both.ours.map(maskRrsigTtl))).toEqual(lines(both.bind.map(maskRrsigTtl)));
  });
}

describeWithPeers('a zone signed by ldns-signzone (NSEC)', ['named-checkzone', 'ldns-keygen', 'ldns-signzone'], () => {
  const sign = once(async (): Promise<SignedZone> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zonedns-ldns-'));
    signingDirs.push(dir);
    copyFileSync(path.join(FIXTURES, 'website.zone'), path.join(dir, 'website.zone'));
    // ldns-keygen writes K<name>+<alg>+<tag>.{key,private,ds} in the working directory.
    const ksk = (await mustRun('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', 'example.com'], dir)).trim();
    const zsk = (await mustRun('ldns-keygen', ['-a', 'ECDSAP256SHA256', 'example.com'], dir)).trim();
    await mustRun('ldns-signzone', ['-o', 'example.com', '-f', 'website.signed', 'website.zone', ksk, zsk], dir);
    const file = path.join(dir, 'website.signed');
    expect(readFileSync(file, 'utf8')).toMatch(/\tRRSIG\t/);
    return { origin: 'example.com', file };
  });
  signedZoneTests('ldns-signed website', sign, ['DNSKEY', 'RRSIG', 'NSEC']);
});

describeWithPeers('a zone signed by dnssec-signzone (NSEC3 with opt-out)', ['named-checkzone', 'dnssec-keygen', 'dnssec-signzone'], () => {
  const sign = once(async (): Promise<SignedZone> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zonedns-bind-'));
    signingDirs.push(dir);
    copyFileSync(path.join(FIXTURES, 'delegations.zone'), path.join(dir, 'delegations.zone'));
    await mustRun('dnssec-keygen', ['-q', '-K', dir, '-a', 'ECDSAP256SHA256', '-f', 'KSK', 'example.net'], dir);
    await mustRun('dnssec-keygen', ['-q', '-K', dir, '-a', 'ECDSAP256SHA256', 'example.net'], dir);
    // -S: smart signing with the keys in -K; -3: NSEC3 with a salt and no extra iterations
    // (RFC 9276); -A: opt-out. BIND writes multi-line records with parentheses and comments.
    await mustRun(
      'dnssec-signzone',
      ['-q', '-S', '-K', dir, '-o', 'example.net', '-3', 'cafe', '-H', '0', '-A', '-f', 'delegations.signed', 'delegations.zone'],
      dir,
    );
    const file = path.join(dir, 'delegations.signed');
    expect(readFileSync(file, 'utf8')).toMatch(/RRSIG\s+\S+ \d+ \d+ \d+ \(\n/);
    return { origin: 'example.net', file };
  });
  signedZoneTests('BIND-signed delegations', sign, ['DNSKEY', 'RRSIG', 'NSEC3', 'NSEC3PARAM', 'DS']);
});

describe('the normaliser', () => {
  test('keeps quoted strings whole and joins only a trailing blob BIND has cut', () => {
    const [txt, ds, generic] = parseDump(
      [
        'A.Example.\t300 IN TXT\t"a  b" "c\\"  d"  e',
        'x.example. 300 IN DS 1 13 2 ABCD EF01',
        'y.example. 300 IN TYPE65534 \\# 4 0102 0304',
      ].join('\n'),
    );
    expect(recordText(txt!)).toBe('a.example. 300 IN TXT "a  b" "c\\"  d" e');
    expect(recordText(ds!)).toBe('x.example. 300 IN DS 1 13 2 ABCDEF01');
    expect(ds!.splitBlob).toBe(true);
    expect(recordText(generic!)).toBe('y.example. 300 IN TYPE65534 \\# 4 01020304');
  });

  test('refuses a line it cannot read instead of skipping it', () => {
    expect(() => parseDump('not a record')).toThrow(/cannot read dump line/);
  });
});
