// Zone keys in BIND's key-file format: made, written (the private file readable by its owner
// only), read back to the same key; and every way a key directory can be wrong is an error that
// names the file, never a silently new key (the DS at the parent names the old one).

import { describe, expect, test } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../src/dns/name.js';
import { CSK_FLAGS, generateKey, keyFileTexts, KeyFileError, readKey, writeKeyFiles, zoneKey } from '../../src/dnssec/keys.js';
import { keyTag } from '../../src/dnssec/key-tag.js';
import { tempDir } from './support/signing.js';

const ORIGIN = nameFromText('Example.TEST.');
const WHEN = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));

describe.each(['ecdsap256sha256', 'ed25519'] as const)('%s keys', (algorithm) => {
  test('are written as BIND writes them and read back to the same key', () => {
    const dir = tempDir();
    const key = generateKey(ORIGIN, algorithm, dir);
    writeKeyFiles(key, WHEN);
    const number = algorithm === 'ed25519' ? 15 : 13;
    const base = `Kexample.test.+0${number}+${String(key.tag).padStart(5, '0')}`;
    expect(readdirSync(dir).sort()).toEqual([`${base}.key`, `${base}.private`]);
    expect(statSync(join(dir, `${base}.private`)).mode & 0o777).toBe(0o600);
    const privateText = readFileSync(join(dir, `${base}.private`), 'utf8');
    expect(privateText).toMatch(new RegExp(`^Private-key-format: v1\\.3\\nAlgorithm: ${number} \\((ECDSAP256SHA256|ED25519)\\)\\nPrivateKey: [A-Za-z0-9+/]{43}=\\nCreated: 20261201120000\\n`));
    expect(readFileSync(join(dir, `${base}.key`), 'utf8')).toMatch(new RegExp(`\\nexample\\.test\\. IN DNSKEY 257 3 ${number} \\S+\\n$`));
    const back = readKey(ORIGIN, join(dir, base));
    expect(back.dnskey).toBe(key.dnskey);
    expect(back.tag).toBe(keyTag(key.dnskey));
    expect((key.dnskey.charCodeAt(0) << 8) | key.dnskey.charCodeAt(1)).toBe(CSK_FLAGS);
    expect(key.dnskey.length).toBe(4 + (algorithm === 'ed25519' ? 32 : 64));
  });

  test('zoneKey makes one the first time and then always finds that one', () => {
    const dir = tempDir();
    const first = zoneKey(dir, ORIGIN, algorithm, WHEN);
    expect(first.created).toBe(true);
    const again = zoneKey(dir, ORIGIN, algorithm, WHEN);
    expect(again.created).toBe(false);
    expect(again.key.dnskey).toBe(first.key.dnskey);
  });
});

describe('a key directory that cannot be used is an error naming the file', () => {
  function withKey(): { dir: string; path: string } {
    const dir = tempDir();
    const { key } = zoneKey(dir, ORIGIN, 'ecdsap256sha256', WHEN);
    return { dir, path: key.path };
  }

  const cases: Array<{ name: string; spoil: (path: string) => void; error: RegExp }> = [
    { name: 'a private file with a bad key', spoil: (p) => writeFileSync(`${p}.private`, readFileSync(`${p}.private`, 'utf8').replace(/PrivateKey: \S+/, 'PrivateKey: AAAA')), error: /\.private: bad private key: an ECDSA P-256 private key is 32 octets, not 3/ },
    { name: 'a private file that is not a key file', spoil: (p) => writeFileSync(`${p}.private`, 'hello\n'), error: /\.private:1: not a "Name: value" line/ },
    { name: 'a private file without PrivateKey', spoil: (p) => writeFileSync(`${p}.private`, 'Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n'), error: /\.private: no PrivateKey line/ },
    { name: 'a .key file whose key is another one', spoil: (p) => writeFileSync(`${p}.key`, readFileSync(`${p}.key`, 'utf8').replace(/DNSKEY 257 3 13 \S+/, `DNSKEY 257 3 13 ${'A'.repeat(86)}==`)), error: /\.key: the public key does not belong to the private key/ },
    { name: 'a private key of an algorithm zonedns does not sign with', spoil: (p) => writeFileSync(`${p}.private`, readFileSync(`${p}.private`, 'utf8').replace('Algorithm: 13 (ECDSAP256SHA256)', 'Algorithm: 8 (RSASHA256)')), error: /\.private: algorithm 8 \(RSASHA256\) is not one zonedns signs with/ },
  ];

  test.each(cases)('$name', ({ spoil, error }) => {
    const { dir, path } = withKey();
    spoil(path);
    expect(() => zoneKey(dir, ORIGIN, 'ecdsap256sha256', WHEN)).toThrow(error);
    expect(() => zoneKey(dir, ORIGIN, 'ecdsap256sha256', WHEN)).toThrow(KeyFileError);
    // And no second key was made beside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.private'))).toHaveLength(1);
  });

  test('a private file that cannot be read', () => {
    // (A directory in its place: unreadable even to root, which ignores file modes.)
    const { dir, path } = withKey();
    rmSync(`${path}.private`);
    mkdirSync(`${path}.private`);
    expect(() => zoneKey(dir, ORIGIN, 'ecdsap256sha256', WHEN)).toThrow(/\.private: cannot read: EISDIR/);
  });

  test('a key of another algorithm than configured is refused, not replaced', () => {
    const { dir } = withKey();
    expect(() => zoneKey(dir, ORIGIN, 'ed25519', WHEN)).toThrow(/is algorithm 13 \(ECDSAP256SHA256\), but the configuration asks for ed25519; algorithm rollovers are not supported/);
  });

  test('two keys for the zone are refused', () => {
    const { dir } = withKey();
    const other = generateKey(ORIGIN, 'ecdsap256sha256', dir);
    writeKeyFiles(other, WHEN);
    expect(() => zoneKey(dir, ORIGIN, 'ecdsap256sha256', WHEN)).toThrow(/2 keys for example\.test\. .*keep one \(key rollovers are not supported\)/);
  });

  test('keys of other zones are not this zone\'s', () => {
    const { dir } = withKey();
    const other = zoneKey(dir, nameFromText('other.test.'), 'ecdsap256sha256', WHEN);
    expect(other.created).toBe(true);
    expect(keyFileTexts(other.key, WHEN).publicText).toContain('other.test. IN DNSKEY 257 3 13');
  });
});
