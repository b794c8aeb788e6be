// Transfer ACLs: prefix matching (v4, v6, v4-mapped), parse errors, key requirements, the
// zone/server default, and the configuration keys that set them.

import { describe, expect, it } from '@jest/globals';
import { nameFromText } from '../../src/dns/name.js';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/cli/config.js';
import { AclError, addressBytes, parsePrefix, prefixContains, TransferPolicy, transferDecision } from '../../src/xfr/acl.js';

describe('prefix matching', () => {
  const cases: Array<[string, string, boolean]> = [
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.168.0.0/23', '192.168.1.200', true],
    ['192.168.0.0/23', '192.168.2.1', false],
    ['192.0.2.128/25', '192.0.2.127', false],
    ['192.0.2.128/25', '192.0.2.129', true],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '::1', false], // v4 prefixes never match v6 clients
    ['127.0.0.1', '::ffff:127.0.0.1', true], // dual-stack sockets report v4 clients this way
    ['::1', '::1', true],
    ['::1', '::2', false],
    ['::1', '127.0.0.1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8:0:2::/63', '2001:db8:0:3::1', true],
    ['2001:db8:0:1::/64', '2001:db8:0:0::1', false],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['::/0', '2001:db8::1', true],
    ['::ffff:0:0/96', '198.51.100.7', true],
  ];
  it.each(cases)('%s contains %s: %s', (prefix, address, expected) => {
    expect(prefixContains(parsePrefix(prefix), addressBytes(address)!)).toBe(expected);
  });

  it('address forms: ::, embedded dotted quads, full and compressed groups', () => {
    expect(Buffer.from(addressBytes('::')!).toString('hex')).toBe('0'.repeat(32));
    expect(Buffer.from(addressBytes('2001:db8::1')!).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(Buffer.from(addressBytes('1:2:3:4:5:6:7:8')!).toString('hex')).toBe('00010002000300040005000600070008');
    expect(Buffer.from(addressBytes('::ffff:192.0.2.1')!).toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(addressBytes('192.0.2.1')).toEqual(addressBytes('::ffff:192.0.2.1'));
    expect(addressBytes('not-an-address')).toBeUndefined();
    expect(addressBytes('')).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/33', /0-32/],
    ['::/129', /0-128/],
    ['10.1.2.3/8', /bits are set past/],
    ['example.com', /not an IPv4 or IPv6/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/x', /prefix length/],
  ])('rejects %s', (text, why) => {
    expect(() => parsePrefix(text)).toThrow(AclError);
    expect(() => parsePrefix(text)).toThrow(why);
  });
});

describe('TransferPolicy and the default', () => {
  const key = nameFromText('Xfr-Key.');
  it('allow / refuse / requireKey', () => {
    const p = new TransferPolicy({ allow: ['127.0.0.1', '10.0.0.0/8', '::1'] });
    expect(p.decide('10.1.2.3')).toEqual({ kind: 'allow' });
    expect(p.decide('::1')).toEqual({ kind: 'allow' });
    expect(p.decide('192.0.2.1').kind).toBe('refuse');
    expect(p.decide('').kind).toBe('refuse');
    const k = new TransferPolicy({ allow: ['any'], keys: [key] });
    expect(k.decide('203.0.113.1')).toEqual({ kind: 'requireKey', keys: [nameFromText('xfr-key.')] });
    expect(k.decide('2001:db8::1').kind).toBe('requireKey');
  });

  it('refused by default; the zone\'s policy replaces the server\'s', () => {
    const server = new TransferPolicy({ allow: ['any'] });
    const zone = new TransferPolicy({ allow: ['10.0.0.0/8'] });
    expect(transferDecision(undefined, undefined, '127.0.0.1').kind).toBe('refuse');
    expect(transferDecision(undefined, server, '127.0.0.1').kind).toBe('allow');
    expect(transferDecision(zone, server, '127.0.0.1').kind).toBe('refuse');
    expect(transferDecision(new TransferPolicy({ allow: [] }), server, '127.0.0.1').kind).toBe('refuse');
  });
});

describe('configuration', () => {
  const parse = (json: unknown) => parseConfig(JSON.stringify(json), '/etc/zonedns');

  it('transfer, notify, stateDir and journal, server-wide and per zone', () => {
    const cfg = parse({
      transfer: { allow: ['127.0.0.1'] },
      notify: ['192.0.2.2', '[2001:db8::2]:5300'],
      stateDir: 'state',
      journal: { maxEntries: 10, maxBytes: 1000 },
      keys: [{ name: 'k1', secret: 'jfS6Kp0x7Gm2Qn5c1qQ5d0ZG8w1V3o2YI3xq8uY0r9E=' }],
      zones: [{ file: 'a.zone', transfer: { allow: ['10.0.0.0/8'], keys: ['k1'] }, notify: ['127.0.0.1:5300'] }, { file: 'b.zone' }],
    });
    expect(cfg.keys.get(nameFromText('K1.'))?.algorithm.id).toBe('hmac-sha256');
    expect(cfg.transfer?.addressAllowed('127.0.0.1')).toBe(true);
    expect(cfg.notify).toEqual([{ host: '192.0.2.2', port: 53, text: '192.0.2.2' }, { host: '2001:db8::2', port: 5300, text: '[2001:db8::2]:5300' }]);
    expect(cfg.stateDir).toBe('/etc/zonedns/state');
    expect(cfg.journal).toEqual({ maxEntries: 10, maxBytes: 1000 });
    expect(cfg.zones[0]!.transfer?.keys).toEqual([nameFromText('k1.')]);
    expect(cfg.zones[0]!.transfer?.addressAllowed('127.0.0.1')).toBe(false);
    expect(cfg.zones[0]!.notify).toEqual([{ host: '127.0.0.1', port: 5300, text: '127.0.0.1:5300' }]);
    expect(cfg.zones[1]!.transfer).toBeUndefined();
  });

  it.each([
    [{ transfer: { allow: ['10.0.0.0/33'] } }, /^transfer\.allow: "10\.0\.0\.0\/33": prefix length/],
    [{ transfer: { allow: '127.0.0.1' } }, /^transfer\.allow: expected an array/],
    [{ transfer: { allow: [], key: [] } }, /^transfer\.key: unknown key/],
    [{ transfer: { allow: [], keys: ['missing-key'] } }, /^transfer\.keys\[0\]: TSIG key "missing-key\." is not defined/],
    [{ keys: [{ name: 'k', secret: 'not base64!' }] }, /^keys\[0\]: /],
    [{ keys: [{ name: 'k', algorithm: 'hmac-sha3', secret: 'AAAA' }] }, /^keys\[0\]: /],
    [{ zones: [{ file: 'a', transfer: { allow: ['x'] } }] }, /^zones\[0\]\.transfer\.allow: "x"/],
    [{ zones: [{ file: 'a', notify: ['127.0.0.1:99999'] }] }, /^zones\[0\]\.notify\[0\]: .*port/],
    [{ notify: ['ns.example.com'] }, /^notify\[0\]: .*IP address/],
    [{ journal: { maxEntries: 0 } }, /^journal\.maxEntries/],
  ])('rejects %j', (json, why) => {
    expect(() => parse(json)).toThrow(ConfigError);
    expect(() => parse(json)).toThrow(why);
  });
});
