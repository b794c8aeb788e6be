// TSIG keys: parseTsigKey, BIND key files (tsig-keygen's output, live when tsig-keygen is
// installed), the keyring.

import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { inspect } from 'node:util';
import { nameFromText, nameToText } from '../../src/dns/name.js';
import { ConfigError } from '../../src/errors.js';
import { decodeQuery } from '../../src/wire/query.js';
import {
  parseBindKeyFile,
  parseTsigAlgorithm,
  parseTsigKey,
  TSIG_ALGORITHMS,
  TsigKeyFileError,
  TsigKeyring,
  type TsigAlgorithm,
  type TsigKey,
} from '../../src/tsig/keys.js';
import { signRequest, verifyRequest } from '../../src/tsig/tsig.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { query } from '../wire/helpers.js';

const SECRET = 'jGQ8OMuo+qQ9p4XIp9maSjv6XqdkHz8DOfDpFGsYDoM=';

function roundTrip(key: TsigKey, verifier: TsigKey = key): boolean {
  const signed = signRequest(query(), key, 1_700_000_000);
  const d = decodeQuery(signed.message);
  if (d.kind !== 'query' || d.tsig === undefined) throw new Error('no TSIG');
  return verifyRequest(signed.message, d.tsig, new TsigKeyring([verifier]), 1_700_000_000).ok;
}

function parseError(text: string): TsigKeyFileError {
  try {
    parseBindKeyFile(text, 'keys.conf');
  } catch (e) {
    if (e instanceof TsigKeyFileError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseTsigKey', () => {
  it('every algorithm, default hmac-sha256, names absolute with or without the dot', () => {
    const k = parseTsigKey('tsig-key', undefined, SECRET);
    expect(k.algorithm.id).toBe('hmac-sha256');
    expect(k.name).toBe(nameFromText('tsig-key.'));
    expect(k.macSize).toBe(32);
    expect(k.secret.export().toString('base64')).toBe(SECRET);
    for (const id of Object.keys(TSIG_ALGORITHMS) as TsigAlgorithm[]) {
      const key = parseTsigKey('k.example.', id, SECRET);
      expect(key.algorithm).toBe(TSIG_ALGORITHMS[id]);
      expect(key.macSize).toBe(TSIG_ALGORITHMS[id].size);
      expect(roundTrip(key)).toBe(true);
    }
  });

  it('algorithm spellings: case, trailing dot, the long MD5 name, truncation suffixes', () => {
    const ok = (t: string): [string, number] => {
      const a = parseTsigAlgorithm(t);
      if (typeof a === 'string') throw new Error(a);
      return [a.algorithm.id, a.macSize];
    };
    expect(ok('HMAC-SHA512')).toEqual(['hmac-sha512', 64]);
    expect(ok('hmac-sha1.')).toEqual(['hmac-sha1', 20]);
    expect(ok('hmac-md5.sig-alg.reg.int')).toEqual(['hmac-md5', 16]);
    expect(ok('HMAC-MD5.SIG-ALG.REG.INT.')).toEqual(['hmac-md5', 16]);
    expect(ok('hmac-sha256-128')).toEqual(['hmac-sha256', 16]);
    expect(ok('hmac-md5-80')).toEqual(['hmac-md5', 10]);
    expect(ok('hmac-sha512-256')).toEqual(['hmac-sha512', 32]);
    expect(TSIG_ALGORITHMS['hmac-md5'].wireName).toBe(nameFromText('hmac-md5.sig-alg.reg.int.'));
    expect(parseTsigAlgorithm('hmac-sha256-120')).toMatch(/from 128 to 256/);
    expect(parseTsigAlgorithm('hmac-sha256-260')).toMatch(/multiple of 8/);
    expect(parseTsigAlgorithm('hmac-sha256-264')).toMatch(/from 128 to 256/);
    expect(parseTsigAlgorithm('hmac-md5-72')).toMatch(/from 80 to 128/);
    expect(parseTsigAlgorithm('gss-tsig')).toMatch(/unknown TSIG algorithm "gss-tsig"/);
  });

  it('bad secrets and names are ConfigErrors', () => {
    expect(() => parseTsigKey('k', 'hmac-sha256', '')).toThrow(/secret is empty/);
    expect(() => parseTsigKey('k', 'hmac-sha256', 'not base64!')).toThrow(/not valid base64/);
    expect(() => parseTsigKey('k', 'hmac-sha256', 'abc')).toThrow(/not valid base64/);
    expect(() => parseTsigKey('k', 'rsa', SECRET)).toThrow(ConfigError);
    expect(() => parseTsigKey('a..b', 'hmac-sha256', SECRET)).toThrow(/TSIG key name "a..b"/);
    // Whitespace inside the base64 is fine (BIND allows it too).
    expect(parseTsigKey('k', 'hmac-sha256', 'jGQ8OMuo+qQ9p4XIp9maSjv6 XqdkHz8DOfDpFGsYDoM=').secret.export().toString('base64')).toBe(SECRET);
  });

  it('the secret does not show when a key is logged', () => {
    const k = parseTsigKey('k', 'hmac-sha256', SECRET);
    expect(inspect(k, { depth: 5 })).not.toContain(SECRET.slice(0, 10));
    expect(JSON.stringify(k)).not.toContain(SECRET.slice(0, 10));
  });
});

describe('parseBindKeyFile', () => {
  it("reads tsig-keygen's output", () => {
    const keys = parseBindKeyFile(`key "tsig-key" {\n\talgorithm hmac-sha256;\n\tsecret "${SECRET}";\n};\n`);
    expect(keys).toHaveLength(1);
    expect(nameToText(keys[0]!.name)).toBe('tsig-key.');
    expect(keys[0]!.algorithm.id).toBe('hmac-sha256');
    expect(keys[0]!.secret.export().toString('base64')).toBe(SECRET);
  });

  it('several keys, comments, quoted algorithm, clauses in any order, one line', () => {
    const text = [
      '# transfer keys',
      'key "xfr.example." {',
      '  secret "6kWbRBR8joI5nYcrhSeEFQ=="; // md5 for an old peer',
      '  algorithm "hmac-md5";',
      '};',
      '/* a',
      '   block comment */',
      'key notify-key { algorithm HMAC-SHA512-256; secret "' + SECRET + '"; };',
    ].join('\n');
    const keys = parseBindKeyFile(text);
    expect(keys.map((k) => [nameToText(k.name), k.algorithm.id, k.macSize])).toEqual([
      ['xfr.example.', 'hmac-md5', 16],
      ['notify-key.', 'hmac-sha512', 32],
    ]);
  });

  it('an empty file or one with only comments has no keys', () => {
    expect(parseBindKeyFile('')).toEqual([]);
    expect(parseBindKeyFile('# nothing\n// here\n')).toEqual([]);
  });

  it('errors say file and line', () => {
    const cases: [string, string][] = [
      ['key "a" {\n algorithm hmac-sha256\n secret "x";\n};', "keys.conf:3: expected ';' after the algorithm of key \"a\", found 'secret'"],
      ['key "a" {\n algorithm hmac-sha256;\n};', 'keys.conf:1: key "a" has no secret'],
      ['key "a" {\n secret "' + SECRET + '";\n};', 'keys.conf:1: key "a" has no algorithm'],
      ['key "a" {\n algorithm hmac-sha256;\n secret "' + SECRET + '";\n}', "keys.conf:4: expected ';' after the '}' closing key \"a\", found the end of the file"],
      ['\n\nkey "a" {\n algorithm hmac-sha256;\n secret "' + SECRET + '";\n', 'keys.conf:5: key "a" (line 3) is not closed with \'};\''],
      ['key "a" {\n algorithm hmac-sha256;\n keyid 5;\n};', "keys.conf:3: unknown clause 'keyid' in key \"a\" (expected 'algorithm' or 'secret')"],
      ['key "a" {\n algorithm hmac-sha999;\n secret "' + SECRET + '";\n};', 'keys.conf:2: unknown TSIG algorithm "hmac-sha999"'],
      ['key "a" {\n algorithm hmac-sha256;\n secret "@@@@";\n};', 'keys.conf:3: key "a": the secret is not valid base64'],
      ['key "a" {\n algorithm hmac-sha256;\n algorithm hmac-sha1;\n};', 'keys.conf:3: key "a" has a second algorithm (first on line 2)'],
      ['options {\n};', "keys.conf:1: expected a 'key' statement, found 'options'"],
      ['key "a" {\n secret "abc\n', 'keys.conf:2: unterminated quoted string'],
      ['/* open\n\nkey', 'keys.conf:1: unterminated /* comment'],
      ['key {', "keys.conf:1: expected a key name after \"key\", found '{'"],
      [
        `key "A.example" { algorithm hmac-sha1; secret "${SECRET}"; };\n\nkey "a.EXAMPLE." { algorithm hmac-sha1; secret "${SECRET}"; };`,
        'keys.conf:3: key "a.EXAMPLE." is defined twice (first on line 1)',
      ],
    ];
    for (const [text, message] of cases) {
      const e = parseError(text);
      expect(e.message).toContain(message);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.line).toBe(Number(/keys\.conf:(\d+)/.exec(message)![1]));
    }
  });
});

describe('TsigKeyring', () => {
  it('finds keys case-insensitively and refuses duplicates', () => {
    const a = parseTsigKey('Xfr.Example.', 'hmac-sha256', SECRET);
    const ring = new TsigKeyring([a]);
    expect(ring.get(nameFromText('xfr.example.'))).toBe(a);
    expect(ring.get(nameFromText('XFR.EXAMPLE.'))).toBe(a);
    expect(ring.get(nameFromText('other.example.'))).toBeUndefined();
    expect(() => ring.add(parseTsigKey('xfr.example', 'hmac-sha1', SECRET))).toThrow(/defined twice/);
    expect(ring.size).toBe(1);
    expect([...ring]).toEqual([a]);
  });
});

describeWithPeers('tsig-keygen output', ['tsig-keygen'], () => {
  const keygen = findProgram('tsig-keygen')!;
  for (const id of Object.keys(TSIG_ALGORITHMS) as TsigAlgorithm[]) {
    it(`tsig-keygen -a ${id}: parses and signs`, () => {
      const text = execFileSync(keygen, ['-a', id, `${id}.keys.example.`], { encoding: 'utf8' });
      const [key] = parseBindKeyFile(text, 'tsig-keygen');
      expect(key!.algorithm.id).toBe(id);
      expect(nameToText(key!.name)).toBe(`${id}.keys.example.`);
      expect(key!.secret.export().length).toBe(TSIG_ALGORITHMS[id].size);
      expect(roundTrip(key!)).toBe(true);
    });
  }

  it('several keys from several runs, concatenated', () => {
    const text = ['a.example.', 'b.example.', 'c.example.'].map((n) => execFileSync(keygen, [n], { encoding: 'utf8' })).join('');
    const keys = parseBindKeyFile(text);
    expect(keys.map((k) => nameToText(k.name))).toEqual(['a.example.', 'b.example.', 'c.example.']);
    expect(roundTrip(keys[0]!, keys[1]!)).toBe(false);
  });
});
