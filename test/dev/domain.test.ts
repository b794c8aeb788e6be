// Which domains `zonedns dev` serves and which it refuses (with the reason), and how --to reads.

import { describe, expect, test } from '@jest/globals';
import { parseDevDomain } from '../../src/dev/domain.js';
import { usualDevPort } from '../../src/dev/port.js';
import { parseDevTarget } from '../../src/dev/targets.js';

describe('the development domain', () => {
  test.each([
    ['dev.test', 'dev.test'],
    ['MyApp.Test.', 'myapp.test'],
    ['test', 'test'],
    ['lab.home.arpa', 'lab.home.arpa'],
    ['dev.internal', 'dev.internal'],
    ['docs.example', 'docs.example'],
  ])('%s: served as %s, no warning', (input, text) => {
    const d = parseDevDomain(input);
    expect(d.text).toBe(text);
    expect(d.warning).toBeUndefined();
  });

  test.each([
    ['myapp.local', /multicast DNS \(RFC 6762\)/],
    ['local', /multicast DNS/],
    ['app.localhost', /already mean this machine \(RFC 6761 §6\.3\)/],
    ['x.invalid', /never exist \(RFC 6761 §6\.4\)/],
    ['x.onion', /Tor onion services \(RFC 7686\)/],
    ['x.alt', /RFC 9476/],
    ['1.0.10.in-addr.arpa', /\.arpa are the DNS's own/],
    ['.', /the root is not a development domain/],
    ['my_app.test', /"my_app" is not/],
    ['-x.test', /is not a host name/],
    ['a..test', /is not a host name/],
    [`${'a'.repeat(64)}.test`, /is not a host name/],
    [`${'abcdefghi.'.repeat(26)}test`, /longer than the 253 characters/],
  ])('%s: refused', (input, why) => {
    expect(() => parseDevDomain(input)).toThrow(why);
  });

  test('a public name: served, with a warning that it shadows the public DNS', () => {
    expect(parseDevDomain('dev.example.com').warning).toMatch(/^dev\.example\.com is not under a name reserved for private use/);
  });

  test('each domain has its own port, the same every time, below the ephemeral ranges', () => {
    expect(usualDevPort('dev.test')).toBe(26880);
    expect(usualDevPort('myapp.test')).not.toBe(usualDevPort('dev.test'));
    for (const d of ['a.test', 'b.test', 'c.test', 'dev.internal']) expect(usualDevPort(d)).toBeGreaterThanOrEqual(20000);
    for (const d of ['a.test', 'b.test', 'c.test', 'dev.internal']) expect(usualDevPort(d)).toBeLessThan(30000);
  });
});

describe('--to NAME=ADDR', () => {
  const domain = parseDevDomain('dev.test');
  test.each([
    ['api=172.17.0.2', { relative: 'api', type: 'A', address: '172.17.0.2' }],
    ['api.dev.test=fd00::2', { relative: 'api', type: 'AAAA', address: 'fd00::2' }],
    ['V1.API.dev.test.=10.0.0.1', { relative: 'v1.api', type: 'A', address: '10.0.0.1' }],
    ['dev.test=192.0.2.1', { relative: '', type: 'A', address: '192.0.2.1' }],
    ['@=::1', { relative: '', type: 'AAAA', address: '::1' }],
    ['_svc=10.0.0.2', { relative: '_svc', type: 'A', address: '10.0.0.2' }],
  ])('%s', (spec, target) => {
    expect(parseDevTarget(domain, spec)).toEqual(target);
  });

  test.each([
    ['api', /expected NAME=ADDRESS/],
    ['=10.0.0.1', /expected NAME=ADDRESS/],
    ['api=', /expected NAME=ADDRESS/],
    ['api=300.1.1.1', /"300\.1\.1\.1" is not an IPv4 or IPv6 address/],
    ['api=fe80::1%eth0', /is not an IPv4 or IPv6 address/],
    ['api=db.internal', /is not an IPv4 or IPv6 address/],
    ['a b=10.0.0.1', /is not a name under dev\.test/],
    ['*.api=10.0.0.1', /is not a name under dev\.test/],
  ])('%s: refused', (spec, why) => {
    expect(() => parseDevTarget(domain, spec)).toThrow(why);
  });
});
