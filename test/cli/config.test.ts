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
    expect(cfg.tcp).toEqual({ idleTimeoutMs: 5000, maxConnections: 10 });
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
  ];
  test.each(bad)('%s is an error naming its path', (_name, value, message) => {
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(message);
  });

  test('text that is not JSON says so', () => {
    expect(() => parseConfig('{ listen: [', '/x', 'my.json')).toThrow(/my\.json: not valid JSON/);
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
