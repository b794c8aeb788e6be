// `zonedns check` as a user runs it: a real process (bin/zonedns over the built dist/), its exit
// code, stdout and stderr. Exit codes: 0 every zone loads, 1 a zone has errors, 2 usage error.
// Needs no peer; `npm test` builds dist/ first.

import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ZONES_DIR = path.join(ROOT, 'zones');
const EXAMPLE = 'zones/example.com.zone';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/zonedns ARGS` from the repository root. Asynchronous, and the tests are
 * concurrent: each run is a Node start, which is most of this suite's time.
 */
function zonedns(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'zonedns'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Runs that read only the bundled zones/ are shared between the tests that make them. */
const shared = new Map<string, Promise<Run>>();
function zonednsShared(...args: string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let p = shared.get(key);
  if (p === undefined) shared.set(key, (p = zonedns(...args)));
  return p;
}

/** The bundled zone files and the origin each one's name gives (`example.com.zone` -> example.com). */
const BUNDLED = readdirSync(ZONES_DIR)
  .filter((f) => f.endsWith('.zone'))
  .sort()
  .map((f) => ({ file: `zones/${f}`, origin: f.replace(/\.zone$/, '') }));

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function loadedLine(origin: string): RegExp {
  return new RegExp(`^zone ${escapeRegExp(origin)}/IN: loaded serial (\\d+) \\((\\d+) records\\)$`, 'm');
}

/** The SOA serial as written in a zone file (the first number after `SOA mname rname`). */
function serialInFile(file: string): number {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/;.*$/gm, '');
  const m = /\bSOA\s+\S+\s+\S+\s*\(?\s*(\d+)/.exec(text);
  if (m === null) throw new Error(`no SOA serial in ${file}`);
  return Number(m[1]);
}

// Zones made up by the tests go in a scratch directory, one subdirectory per test so concurrent
// tests never share a file. Made at load time: jest starts concurrent tests before beforeAll.
const scratch = mkdtempSync(path.join(tmpdir(), 'zonedns-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchCount = 0;

function scratchFile(name: string, text: string): string {
  const dir = path.join(scratch, String(++scratchCount));
  mkdirSync(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A good zone with relative names only: where it lands depends on the origin it is given. */
const RELATIVE_ZONE = [
  '$TTL 300',
  '@    IN SOA ns hostmaster 7 3600 900 604800 300',
  '     IN NS  ns',
  'ns   IN A   192.0.2.53',
  'www  IN A   192.0.2.80',
  '',
].join('\n');

/** Line 6 puts a CNAME next to an A record. */
const BROKEN_ZONE = [
  '$ORIGIN broken.test.',
  '$TTL 300',
  '@    IN SOA ns hostmaster 1 3600 900 604800 300',
  '     IN NS  ns',
  'ns   IN A   192.0.2.53',
  'ns   IN CNAME elsewhere.example.',
  '',
].join('\n');

describe('zonedns check on good zones', () => {
  test.concurrent('the bundled zones directory loads: one "loaded serial" line per zone, then OK, exit 0', async () => {
    expect(BUNDLED.length).toBeGreaterThan(0);
    const r = await zonedns('check', 'zones');
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/: warning: /.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    for (const z of BUNDLED) expect(r.stdout).toMatch(loadedLine(z.origin));
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(BUNDLED.length + 1);
    expect(out[out.length - 1]).toBe('OK');
  });

  for (const z of BUNDLED) {
    test.concurrent(`${z.file} loads on its own with the serial in its SOA and as many records as --print shows`, async () => {
      const [r, print] = await Promise.all([zonedns('check', z.file), zonednsShared('check', '--print', z.file)]);
      expect(r.status).toBe(0);
      const m = loadedLine(z.origin).exec(r.stdout);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBe(serialInFile(z.file));
      const printed = print.stdout.trimEnd().split('\n');
      expect(Number(m![2])).toBe(printed.length);
      expect(r.stdout.trimEnd().split('\n').pop()).toBe('OK');
    });
  }

  test.concurrent('several files in one call each get their line, and one OK', async () => {
    const r = await zonedns('check', ...BUNDLED.map((z) => z.file));
    expect(r.status).toBe(0);
    for (const z of BUNDLED) expect(r.stdout).toMatch(loadedLine(z.origin));
    expect(r.stdout.match(/^OK$/gm)).toHaveLength(1);
  });

  test.concurrent('a zone that loads with warnings exits 0 and prints each warning as file:line: warning:', async () => {
    const file = scratchFile('warn.test.zone', RELATIVE_ZONE + 'www  IN MX  10 nomail\n');
    const r = await zonedns('check', file);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${escapeRegExp(file)}:6: warning: .*nomail\\.warn\\.test\\..*no address records`, 'm'));
    expect(r.stdout).toMatch(/^OK$/m);
  });
});

describe('zonedns check on broken zones and bad usage', () => {
  test.concurrent('a broken zone exits 1 with file:line: message on stderr and no OK', async () => {
    const file = scratchFile('broken.test.zone', BROKEN_ZONE);
    const r = await zonedns('check', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${escapeRegExp(file)}:6: CNAME and other data at ns\\.broken\\.test\\.$`, 'm'));
    expect(r.stderr).toContain(`zone broken.test/IN: not loaded due to errors (${file})`);
    expect(r.stdout).not.toMatch(/^OK$/m);
  });

  test.concurrent('one broken zone among good ones makes the whole check exit 1', async () => {
    const file = scratchFile('broken.test.zone', BROKEN_ZONE);
    const r = await zonedns('check', EXAMPLE, file);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(loadedLine('example.com'));
    expect(r.stdout).not.toMatch(/^OK$/m);
  });

  test.concurrent('a syntax error is reported with its line and column', async () => {
    const file = scratchFile('syntax.test.zone', RELATIVE_ZONE + 'bad  IN A   192.0.2.300\n');
    const r = await zonedns('check', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${escapeRegExp(file)}:6:\\d+: A: bad IPv4 address "192\\.0\\.2\\.300"`, 'm'));
  });

  test.concurrent('a missing file exits 2 and says so', async () => {
    const r = await zonedns('check', 'zones/no-such.zone');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('zones/no-such.zone: no such file or directory');
    expect(r.stdout).toBe('');
  });

  test.concurrent('an unknown flag exits 2 and names the flag', async () => {
    const r = await zonedns('check', EXAMPLE, '--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^zonedns: Unknown arguments?: bogus\b/m);
    expect(r.stdout).toBe('');
  });

  test.concurrent('an unknown flag before the file exits 2 too', async () => {
    // yargs reads the file as the unknown flag's value here.
    const r = await zonedns('check', '--bogus', EXAMPLE);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\bbogus\b/);
    expect(r.stdout).toBe('');
  });

  test.concurrent('check without a file exits 2 and says what to give', async () => {
    const r = await zonedns('check');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^zonedns( check)?: \S/);
    expect(r.stdout).toBe('');
  });

  test.concurrent('a malformed --origin exits 2', async () => {
    const r = await zonedns('check', '--origin', 'a..b', EXAMPLE);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad --origin "a\.\.b"/);
  });

  test.concurrent('--origin with a directory exits 2, as an origin names one zone', async () => {
    const r = await zonedns('check', '--origin', 'example.com', 'zones');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--origin applies to a single zone file/);
  });

  test.concurrent('no command at all exits 2 and asks for one', async () => {
    const r = await zonedns();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Give a command: serve, check, dev or ctl/);
  });
});

describe('zonedns check --json', () => {
  interface JsonDiagnostic {
    severity: string;
    code: string;
    file: string;
    line: number;
    column?: number;
    message: string;
  }
  interface JsonResult {
    ok: boolean;
    zones: {
      file: string;
      origin: string | null;
      loaded: boolean;
      serial: number | null;
      records: number | null;
      errors: JsonDiagnostic[];
      warnings: JsonDiagnostic[];
    }[];
  }

  test.concurrent('a good zone gives ok: true with its origin, serial and record count, and exit 0', async () => {
    const r = await zonedns('check', '--json', EXAMPLE);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as JsonResult;
    expect(json.ok).toBe(true);
    expect(json.zones).toHaveLength(1);
    expect(json.zones[0]).toMatchObject({ file: EXAMPLE, origin: 'example.com.', loaded: true, serial: serialInFile(EXAMPLE), errors: [] });
    expect(json.zones[0]!.records).toBeGreaterThan(0);
  });

  test.concurrent('a broken zone gives ok: false and each error with its line, and exit 1', async () => {
    const file = scratchFile('broken.test.zone', BROKEN_ZONE);
    const r = await zonedns('check', '--json', file);
    expect(r.status).toBe(1);
    const json = JSON.parse(r.stdout) as JsonResult;
    expect(json.ok).toBe(false);
    expect(json.zones[0]).toMatchObject({ file, loaded: false, serial: null, records: null });
    expect(json.zones[0]!.errors).toEqual([
      expect.objectContaining({ severity: 'error', file, line: 6, message: expect.stringContaining('CNAME and other data') }),
    ]);
  });

  test.concurrent('the bundled directory gives one entry per zone file', async () => {
    const r = await zonedns('check', '--json', 'zones');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as JsonResult;
    expect(json.ok).toBe(true);
    expect(json.zones.map((z) => z.origin)).toEqual(BUNDLED.map((z) => `${z.origin}.`));
  });

  test.concurrent('warnings are listed apart from errors, with their line', async () => {
    const file = scratchFile('warn.test.zone', RELATIVE_ZONE + 'www  IN MX  10 nomail\n');
    const json = JSON.parse((await zonedns('check', '--json', file)).stdout) as JsonResult;
    expect(json.ok).toBe(true);
    expect(json.zones[0]!.errors).toEqual([]);
    expect(json.zones[0]!.warnings).toEqual([expect.objectContaining({ severity: 'warning', line: 6 })]);
  });
});

describe('zonedns check --print', () => {
  test.concurrent('every line is owner, TTL, class, type and RDATA, tab-separated, with an absolute owner', async () => {
    const r = await zonednsShared('check', '--print', EXAMPLE);
    expect(r.status).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out.length).toBeGreaterThan(5);
    for (const line of out) {
      const f = line.split('\t');
      expect({ line, fields: f.length }).toEqual({ line, fields: 5 });
      expect({ line, owner: f[0]!.endsWith('.') }).toEqual({ line, owner: true });
      expect({ line, ttl: /^\d+$/.test(f[1]!) }).toEqual({ line, ttl: true });
      expect({ line, cls: f[2] }).toEqual({ line, cls: 'IN' });
    }
    expect(r.stdout).not.toMatch(/^OK$/m);
  });

  test.concurrent('names written relative in the file come out absolute, in owners and in RDATA', async () => {
    // example.com.zone: `www IN CNAME example.com.` and `@ IN MX 10 mail1`.
    const r = await zonednsShared('check', '--print', EXAMPLE);
    expect(r.stdout).toContain('www.example.com.\t3600\tIN\tCNAME\texample.com.\n');
    expect(r.stdout).toContain('example.com.\t3600\tIN\tMX\t10 mail1.example.com.\n');
  });

  test.concurrent('the TTL is explicit on every line, from $TTL or from the record', async () => {
    const file = scratchFile('ttl.test.zone', RELATIVE_ZONE + 'short 60 IN A 192.0.2.9\n');
    const r = await zonedns('check', '--print', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('www.ttl.test.\t300\tIN\tA\t192.0.2.80\n');
    expect(r.stdout).toContain('short.ttl.test.\t60\tIN\tA\t192.0.2.9\n');
  });

  test.concurrent('the SOA comes with the apex, in canonical name order', async () => {
    const r = await zonednsShared('check', '--print', EXAMPLE);
    const owners = r.stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]!);
    expect(owners[0]).toBe('example.com.');
    expect(r.stdout).toMatch(/^example\.com\.\t\d+\tIN\tSOA\t/m);
  });
});

describe('zonedns check --origin', () => {
  test.concurrent('without --origin the zone takes its origin from the file name', async () => {
    const file = scratchFile('example.com.zone', RELATIVE_ZONE);
    const r = await zonedns('check', '--print', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('www.example.com.\t300\tIN\tA\t192.0.2.80\n');
  });

  test.concurrent('--origin overrides the origin the file name gives', async () => {
    const file = scratchFile('example.com.zone', RELATIVE_ZONE);
    const r = await zonedns('check', '--print', '--origin', 'example.net', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('www.example.net.\t300\tIN\tA\t192.0.2.80\n');
    expect(r.stdout).toMatch(/^example\.net\.\t300\tIN\tSOA\tns\.example\.net\. hostmaster\.example\.net\. 7 /m);
    expect(r.stdout).not.toContain('example.com.');
  });

  test.concurrent('-o is the short form, and a trailing dot is optional', async () => {
    const file = scratchFile('example.com.zone', RELATIVE_ZONE);
    const [a, b] = await Promise.all([zonedns('check', '-o', 'example.net.', file), zonedns('check', '--origin', 'example.net', file)]);
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(loadedLine('example.net'));
    expect(b.stdout).toBe(a.stdout);
  });

  // Only ORIGIN.zone names a zone: db.example, zone.db and hosts once loaded as the zones
  // example., zone. and hosts. and exited 0.
  test.concurrent.each(['db.example', 'zone.db', 'example.com', 'hosts'])('a file named %s without $ORIGIN: exit 2, asks for --origin, guesses nothing', async (fileName) => {
    const file = scratchFile(fileName, RELATIVE_ZONE);
    const r = await zonedns('check', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`zonedns check: ${file}: cannot tell which zone this is (no $ORIGIN or absolute SOA owner, and only a file named ORIGIN.zone names its zone): give --origin NAME\n`);
    expect(r.stdout).not.toMatch(/loaded|OK/);
  });

  test.concurrent('--json: the same exit 2, the zone with no origin', async () => {
    const file = scratchFile('db.example', RELATIVE_ZONE);
    const json = await zonedns('check', '--json', file);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, zones: [{ file, origin: null, loaded: false }] });
  });

  test.concurrent('a file not named ORIGIN.zone loads with $ORIGIN, or with --origin', async () => {
    const file = scratchFile('db.example', RELATIVE_ZONE);
    const withOrigin = scratchFile('db.example', `$ORIGIN named.test.\n${RELATIVE_ZONE}`);
    const [given, inFile] = await Promise.all([zonedns('check', '--origin', 'example', file), zonedns('check', withOrigin)]);
    expect(given.status).toBe(0);
    expect(given.stdout).toMatch(loadedLine('example'));
    expect(inFile.status).toBe(0);
    expect(inFile.stdout).toMatch(loadedLine('named.test'));
  });

  test.concurrent('a configured zone without an origin: the message names the configuration', async () => {
    const zoneFile = scratchFile('db.listed', RELATIVE_ZONE);
    const config = path.join(path.dirname(zoneFile), 'zonedns.json');
    writeFileSync(config, JSON.stringify({ zones: [{ file: 'db.listed' }] }));
    const r = await zonedns('check', '--config', config);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`give the zone an "origin" in ${config}\n`);
  });

  test.concurrent('--origin names the zone in the "loaded serial" line', async () => {
    const file = scratchFile('db.anything', RELATIVE_ZONE);
    const r = await zonedns('check', '--origin', 'override.test', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^zone override\.test\/IN: loaded serial 7 \(4 records\)$/m);
  });
});

describe('zonedns help and version', () => {
  test.concurrent('--help exits 0 and lists the check command', async () => {
    const r = await zonedns('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ +zonedns check\b/m);
    expect(r.stdout).toMatch(/^ +zonedns serve\b/m);
  });

  test.concurrent('check --help exits 0 and lists --origin, --json and --print', async () => {
    const r = await zonedns('check', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--origin', '--json', '--print']) expect(r.stdout).toContain(flag);
  });

  test.concurrent('--version exits 0 and prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await zonedns('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
