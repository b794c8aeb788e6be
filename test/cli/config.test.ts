// The JSON configuration: what it accepts, and errors that name the path of the bad value.

import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameToText } from '../../src/dns/name.js';
import { ConfigError } from '../../src/errors.js';
import { loadConfigFile, parseConfig } from '../../src/cli/config.js';

describe('parseConfig', () => {
  test('reads every documented key, resolving paths against the file\'s directory', () => {
    const cfg = parseConfig(JSON.stringify({
      $comment: 'ok',
      listen: ['127.0.0.1:53', '[::1]:53'],
      zonesDir: 'zones',
      zones: [{ file: 'db.example.org', origin: 'example.org', rotate: 'none', serial: 'auto' }],
      rotate: 'random',
      serial: 'unixtime',
      maxUdp: 1400,
      log: { level: 'debug', format: 'json', queries: true },
      tcp: { idleTimeoutMs: 5000, maxConnections: 10 },
    }), '/etc/zonedns');
    expect(cfg.listen).toEqual(['127.0.0.1:53', '[::1]:53']);
    expect(cfg.zonesDir).toBe('/etc/zonedns/zones');
    expect(cfg.zones).toHaveLength(1);
    expect(cfg.zones[0].file).toBe('/etc/zonedns/db.example.org');
    expect(nameToText(cfg.zones[0].origin!)).toBe('example.org.');
    expect(cfg.zones[0].rotate).toBe('none');
    expect(cfg.zones[0].serial).toBe('auto');
    expect(cfg.rotate).toBe('random');
    expect(cfg.serial).toBe('unixtime');
    expect(cfg.maxUdp).toBe(1400);
    expect(cfg.log).toEqual({ level: 'debug', format: 'json', queries: true });
    expect(cfg.tcp).toEqual({ idleTimeoutMs: 5000, queryTimeoutMs: 3000, maxConnections: 10, maxConnectionsPerClient: 64, maxPendingBytes: 131072 });
  });

  test('rrl, cookies and the TCP defences: defaults filled in, or turned off', () => {
    const cfg = parseConfig(JSON.stringify({
      tcp: { queryTimeoutMs: 2000, maxConnectionsPerClient: 16, maxPendingBytes: 65536 },
      rrl: { responsesPerSecond: 50, ipv6PrefixLength: 48 },
      cookies: { secret: 'e5e973e5a6b2a43f48e7dc849e37bfcf', previousSecrets: ['dd3bdf9344b678b185a6f5cb60fca715'] },
    }), '/x');
    expect(cfg.tcp).toEqual({ idleTimeoutMs: 10000, queryTimeoutMs: 2000, maxConnections: 512, maxConnectionsPerClient: 16, maxPendingBytes: 65536 });
    expect(cfg.rrl).toEqual({ enabled: true, responsesPerSecond: 50, slip: 2, windowSeconds: 15, ipv4PrefixLength: 24, ipv6PrefixLength: 48, tableSize: 65536 });
    expect(Buffer.from(cfg.cookies!.secret!).toString('hex')).toBe('e5e973e5a6b2a43f48e7dc849e37bfcf');
    expect(cfg.cookies!.previousSecrets!.map((k) => Buffer.from(k).toString('hex'))).toEqual(['dd3bdf9344b678b185a6f5cb60fca715']);
    const off = parseConfig(JSON.stringify({ rrl: { enabled: false }, cookies: { enabled: false } }), '/x');
    expect([off.rrl.enabled, off.cookies]).toEqual([false, undefined]);
    // On by default, with a random cookie secret.
    const none = parseConfig('{}', '/x');
    expect([none.rrl.enabled, none.rrl.responsesPerSecond, none.cookies]).toEqual([true, 200, { secret: undefined, previousSecrets: [] }]);
  });

  test('an empty object is a valid configuration', () => {
    expect(parseConfig('{}', '/x')).toMatchObject({ zones: [], log: {} });
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['unknown top-level key', { listn: [] }, /^listn: unknown key/],
    ['unknown zone key', { zones: [{ file: 'a', orign: 'x' }] }, /^zones\[0\]\.orign: unknown key/],
    ['bad rotate in the second zone', { zones: [{ file: 'a' }, { file: 'b', rotate: 'sometimes' }] }, /^zones\[1\]\.rotate: expected one of cyclic, random, none/],
    ['zone without file', { zones: [{ origin: 'example.com' }] }, /^zones\[0\]\.file: required/],
    ['bad origin', { zones: [{ file: 'a', origin: 'a..b' }] }, /^zones\[0\]\.origin: bad domain name/],
    ['listen not an array', { listen: '127.0.0.1:53' }, /^listen: expected a non-empty array/],
    ['maxUdp out of range', { maxUdp: 100 }, /^maxUdp: expected an integer from 512 to 65535/],
    ['bad log level', { log: { level: 'loud' } }, /^log\.level: expected one of debug, info, warn, error/],
    ['bad serial policy', { serial: 'sometimes' }, /^serial: expected one of keep, auto, unixtime/],
    ['queries not boolean', { log: { queries: 'yes' } }, /^log\.queries: expected true or false/],
    ['top level not an object', [], /expected an object/],
    ['rrl rate of 0', { rrl: { responsesPerSecond: 0 } }, /^rrl\.responsesPerSecond: expected an integer from 1 to 10000000/],
    ['unknown rrl key', { rrl: { rate: 5 } }, /^rrl\.rate: unknown key/],
    ['an IPv6 RRL prefix over /64', { rrl: { ipv6PrefixLength: 80 } }, /^rrl\.ipv6PrefixLength: expected an integer from 16 to 64/],
    ['a cookie secret that is not 128 bits of hex', { cookies: { secret: 'abc' } }, /^cookies\.secret: expected 32 hexadecimal digits/],
    ['a previous cookie secret that is not hex', { cookies: { previousSecrets: ['x'.repeat(32)] } }, /^cookies\.previousSecrets\[0\]: expected 32 hexadecimal digits/],
    ['a TCP output cap under one message', { tcp: { maxPendingBytes: 1000 } }, /^tcp\.maxPendingBytes: expected an integer from 65536/],
  ];
  test.each(bad)('%s is an error naming its path', (_name, value, message) => {
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(message);
  });

  test('an unknown key is named with the allowed ones, ahead of other problems in its object', () => {
    expect(() => parseConfig(JSON.stringify({ log: { levle: 'x' } }), '/x')).toThrow(/^log\.levle: unknown key \(allowed: level, format, queries\)$/);
    expect(() => parseConfig(JSON.stringify({ zones: [{ fiel: 'a' }] }), '/x')).toThrow(/^zones\[0\]\.fiel: unknown key \(allowed: file, origin, /);
  });

  const badValues: Array<[unknown, string]> = [
    [{ maxUdp: 1.5 }, 'maxUdp: expected an integer from 512 to 65535'],
    [{ maxUdp: '1232' }, 'maxUdp: expected an integer from 512 to 65535'],
    [{ tcp: { maxConnections: 100_001 } }, 'tcp.maxConnections: expected an integer from 1 to 100000'],
    [{ tcp: 5 }, 'tcp: expected an object'],
    [{ zonesDir: '' }, 'zonesDir: expected a non-empty string'],
    [{ listen: [] }, 'listen: expected a non-empty array of "ADDR:PORT"'],
    [{ zones: {} }, 'zones: expected an array of zones'],
    [{ notify: [{ address: '192.0.2.1', key: 5 }] }, 'notify[0].key: expected a non-empty string'],
    [{ notify: [true] }, 'notify[0]: expected a non-empty string "ADDR[:PORT]" or an object { "address": "ADDR[:PORT]", "key": "name" }'],
    [{ keys: [{ name: 'k' }] }, 'keys[0].secret: required'],
  ];
  test.each(badValues)('%j: %s', (value, message) => {
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(new ConfigError(message));
  });

  test('defaults come from the schema', () => {
    const cfg = parseConfig('{}', '/x');
    expect(cfg).toMatchObject({
      listen: ['127.0.0.1:5353', '[::1]:5353'], rotate: 'cyclic', serial: 'keep', maxUdp: 1232, udpBackend: 'auto',
      log: { level: 'info', format: 'text', queries: false }, tcp: { idleTimeoutMs: 10_000, maxConnections: 512 },
      journal: { maxEntries: 100, maxBytes: 16 << 20 },
    });
    expect(parseConfig('{ "log": { "queries": true } }', '/x').log).toEqual({ level: 'info', format: 'text', queries: true });
  });

  // Text that is not JSON: file:line:column and what was expected there.
  const notJson: Array<[string, string]> = [
    ['{ listen: [', '1:3: not valid JSON: expected a key in double quotes, found "l"'],
    ['{\n  "rotate": "none"\n  "serial": "auto"\n}', '3:3: not valid JSON: expected "," or "}", found "\\""'],
    ['{\n  "zones": [\n    { "file": "a" },\n  ]\n}', '4:3: not valid JSON: comma before "]"'],
    ['{ "log": { "queries": true, } }', '1:29: not valid JSON: comma before "}"'],
    ['{ "maxUdp": 01232 }', '1:13: not valid JSON: bad number'],
    ['{ "rotate": \'none\' }', '1:13: not valid JSON: expected a value'],
    ['{ "rotate": "no\tne" }', '1:16: not valid JSON: control character "\\t" in a string'],
    ['{ "rotate": "none" }\n}', '2:1: not valid JSON: unexpected "}" after the end of the JSON value'],
    ['{ "zones": [', '1:13: not valid JSON: expected a value (a "string", number, true, false, null, {...} or [...]), found the end of the file'],
    ['{ "$comment": "open', '1:15: not valid JSON: string not closed'],
    ['', '1:1: not valid JSON: expected a value'],
    ['['.repeat(100_000), '1:100001: not valid JSON: expected a value'],
  ];
  test.each(notJson)('not JSON: %j', (text, message) => {
    expect(() => parseConfig(text, '/x', 'my.json')).toThrow(ConfigError);
    expect(() => parseConfig(text, '/x', 'my.json')).toThrow(`my.json:${message}`);
  });

  test('a byte order mark before the JSON is allowed', () => {
    expect(parseConfig('\uFEFF{ "rotate": "none" }', '/x').rotate).toBe('none');
  });
});

describe('loadConfigFile', () => {
  test('errors carry the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-config-'));
    const file = join(dir, 'zonedns.json');
    writeFileSync(file, JSON.stringify({ rotate: 'x' }));
    expect(() => loadConfigFile(file)).toThrow(`${file}: rotate: expected one of`);
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/missing\.json: no such file/);
  });

  test('the shipped example configuration is valid', () => {
    const cfg = loadConfigFile(new URL('../../contrib/zonedns.json', import.meta.url).pathname);
    expect(cfg.listen).toEqual(['0.0.0.0:53', '[::]:53']);
  });
});
