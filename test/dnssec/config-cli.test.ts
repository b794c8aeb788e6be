// The "dnssec" configuration keys (server-wide and per zone, with path-named errors) and the
// `zonedns dnssec ds` / `zonedns dnssec status` commands over a state directory.

import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../src/cli/config.js';
import { runDnssecDs, runDnssecStatus } from '../../src/cli/dnssec.js';
import { nameFromText } from '../../src/dns/name.js';
import { zoneKey } from '../../src/dnssec/keys.js';
import { DEFAULT_SIGN_POLICY } from '../../src/dnssec/sign-zone.js';
import { dsText, keysDir } from '../../src/dnssec/zone-signer.js';
import { ConfigError } from '../../src/errors.js';
import { tempDir } from './support/signing.js';

describe('"dnssec" in the configuration', () => {
  test('true takes the defaults: ECDSA P-256, NSEC, 14 days, refresh 7 days before expiry', () => {
    const cfg = parseConfig(JSON.stringify({ dnssec: true, stateDir: 'state' }), '/etc/zonedns');
    expect(cfg.dnssec).toEqual({ algorithm: 'ecdsap256sha256', nsec: 'nsec', signatureValidity: 14 * 86400, refresh: 7 * 86400 });
    expect(cfg.dnssec).toEqual(DEFAULT_SIGN_POLICY);
  });

  test('an object sets what it names; durations with units ("14d", "1w", "36h")', () => {
    const cfg = parseConfig(JSON.stringify({
      stateDir: 'state',
      zones: [
        { file: 'a.zone', dnssec: { algorithm: 'ed25519', nsec: 'nsec3', signatureValidity: '3w', refresh: '10d' } },
        { file: 'b.zone', dnssec: false },
        { file: 'c.zone' },
      ],
    }), '/etc/zonedns');
    expect(cfg.zones.map((z) => z.dnssec)).toEqual([{ algorithm: 'ed25519', nsec: 'nsec3', signatureValidity: 21 * 86400, refresh: 864000 }, false, undefined]);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no stateDir for the server-wide default', { dnssec: true }, /^dnssec: needs "stateDir"/],
    ['no stateDir for a zone', { zones: [{ file: 'a', dnssec: true }] }, /^zones\[0\]\.dnssec: needs "stateDir"/],
    ['an unknown algorithm', { stateDir: 's', dnssec: { algorithm: 'rsasha256' } }, /^dnssec\.algorithm: expected one of ecdsap256sha256, ed25519/],
    ['an unknown denial', { stateDir: 's', dnssec: { nsec: 'nsec5' } }, /^dnssec\.nsec: expected one of nsec, nsec3/],
    ['an unknown key', { stateDir: 's', zones: [{ file: 'a', dnssec: { salt: 'ab' } }] }, /^zones\[0\]\.dnssec\.salt: unknown key/],
    ['a duration that is not one', { stateDir: 's', dnssec: { signatureValidity: 'two weeks' } }, /^dnssec\.signatureValidity: expected a duration/],
    ['refresh not shorter than the validity', { stateDir: 's', dnssec: { signatureValidity: '7d', refresh: '7d' } }, /^dnssec\.refresh: refresh \(604800 s before expiry\) must be at least an hour shorter than signatureValidity/],
    ['refresh under an hour', { stateDir: 's', dnssec: { refresh: '60s' } }, /^dnssec\.refresh: must be at least an hour/],
    ['a secondary zone', { stateDir: 's', zones: [{ file: 'a', origin: 'x.test', primaries: ['192.0.2.1'], dnssec: true }] }, /^zones\[0\]\.dnssec: not supported on a zone with primaries/],
    ['not a boolean or an object', { stateDir: 's', dnssec: 'yes' }, /^dnssec: expected true, false, or \{ "algorithm", "nsec", "signatureValidity", "refresh" \}/],
  ];
  test.each(bad)('%s is an error naming its path', (_name, value, message) => {
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(ConfigError);
    expect(() => parseConfig(JSON.stringify(value), '/x')).toThrow(message);
  });
});

describe('zonedns dnssec ds / status', () => {
  const origin = nameFromText('example.test.');

  test('ds prints the DS of the zone\'s key, from --state-dir or the configuration\'s stateDir', () => {
    const dir = tempDir();
    const { key } = zoneKey(keysDir(join(dir, 'state')), origin, 'ecdsap256sha256', new Date());
    const expected = `${dsText(origin, key.dnskey)}\n`;
    expect(runDnssecDs('example.test', { stateDir: join(dir, 'state') })).toEqual({ code: 0, stdout: expected, stderr: '' });
    writeFileSync(join(dir, 'zonedns.json'), JSON.stringify({ stateDir: 'state' }));
    expect(runDnssecDs('example.test.', { config: join(dir, 'zonedns.json') }).stdout).toBe(expected);
    expect(expected).toMatch(new RegExp(`^example\\.test\\. IN DS ${key.tag} 13 2 [0-9A-F]{64}\\n$`));
  });

  test('ds for a zone without a key, and without a state directory, says so', () => {
    const dir = tempDir();
    expect(runDnssecDs('example.test', { stateDir: dir })).toMatchObject({ code: 1, stderr: expect.stringMatching(/no key for example\.test\. in .*keys/) });
    expect(runDnssecDs('example.test', {})).toMatchObject({ code: 2, stderr: expect.stringContaining('give --config FILE or --state-dir DIR') });
  });

  test('status lists what each signed zone\'s status file says', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'example.test.dnssec.json'), JSON.stringify({
      zone: 'example.test.', algorithm: 'ECDSAP256SHA256', keyTag: 4242, serial: 7, signedAt: '2026-12-01T00:00:00.000Z',
      earliestExpiry: '2026-12-12T00:00:00.000Z', nextRefresh: '2026-12-05T00:00:00.000Z',
    }));
    const out = runDnssecStatus({ stateDir: dir });
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n')[1]).toMatch(/^example\.test\.\s+ECDSAP256SHA256\s+4242\s+7\s+2026-12-05T00:00:00\.000Z\s+2026-12-12T00:00:00\.000Z$/);
    expect(JSON.parse(runDnssecStatus({ stateDir: dir, json: true }).stdout).zones[0].keyTag).toBe(4242);
    expect(runDnssecStatus({ stateDir: tempDir() }).stdout).toMatch(/^no signed zones in /);
  });
});
