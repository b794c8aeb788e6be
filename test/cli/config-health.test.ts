// `health` in the configuration: read into rules with durations in milliseconds and weighted
// addresses as RDATA, and every bad entry an error naming its path, like the other keys.

import { describe, expect, test } from '@jest/globals';
import { parseConfig } from '../../src/cli/config.js';
import { nameToText } from '../../src/dns/name.js';
import { ConfigError } from '../../src/errors.js';

const parse = (v: unknown) => parseConfig(JSON.stringify(v), '/etc/zonedns');

describe('health configuration', () => {
  test('an entry with its defaults, and one with every key', () => {
    const cfg = parse({
      health: [
        { names: ['example.com'], tcp: 443 },
        {
          names: ['www.example.com.', 'api.example.com'], https: { port: 8443, path: '/healthz', host: 'example.com', expect: 204, contains: 'ok', verify: true },
          interval: '200ms', timeout: '0.1s', fall: 1, rise: 5, ttl: 30, allDown: 'servfail', weights: { '192.0.2.1': 3, '2001:db8::1': 0 },
        },
      ],
      zones: [{ file: 'a.zone', health: [{ names: ['a.example'], http: {} }] }],
    });
    const [plain, full] = cfg.health;
    expect({ ...plain, names: plain!.names.map(nameToText), weights: [...plain!.weights] }).toEqual({
      path: 'health[0]', names: ['example.com.'], probe: { kind: 'tcp', port: 443 }, intervalMs: 5000, timeoutMs: 2000, fall: 3, rise: 2,
      ttl: undefined, allDown: 'all', weights: [], weightPaths: new Map(),
    });
    expect(full!.probe).toEqual({ kind: 'https', port: 8443, path: '/healthz', host: 'example.com', expect: 204, contains: 'ok', verify: true });
    expect([full!.intervalMs, full!.timeoutMs, full!.fall, full!.rise, full!.ttl, full!.allDown]).toEqual([200, 100, 1, 5, 30, 'servfail']);
    expect([...full!.weights]).toEqual([['\xc0\x00\x02\x01', 3], [`\x20\x01\x0d\xb8${'\0'.repeat(11)}\x01`, 0]]);
    expect(full!.names.map(nameToText)).toEqual(['www.example.com.', 'api.example.com.']);
    expect(cfg.zones[0]!.health![0]).toEqual(expect.objectContaining({ path: 'zones[0].health[0]', probe: { kind: 'http', port: 80, path: '/', host: undefined, expect: 200, contains: undefined, verify: false } }));
  });

  const bad: Array<[unknown, string]> = [
    [{ health: [{ names: ['a.example'], tcp: 443, tpc: 1 }] }, 'health[0].tpc: unknown key (allowed: names, tcp, http, https, interval, timeout, fall, rise, ttl, allDown, weights)'],
    [{ health: [{ names: ['a.example'], tcp: 65536 }] }, 'health[0].tcp: expected an integer from 1 to 65535'],
    [{ health: [{ names: ['a.example'], tcp: 0 }] }, 'health[0].tcp: expected an integer from 1 to 65535'],
    [{ health: [{ names: ['a.example'], http: { port: 70000 } }] }, 'health[0].http.port: expected an integer from 1 to 65535'],
    [{ health: [{ names: ['a.example'], http: { verify: true } }] }, 'health[0].http.verify: unknown key (allowed: port, path, host, expect, contains)'],
    [{ health: [{ names: ['a.example'], http: { path: 'healthz' } }] }, 'health[0].http.path: expected a path starting with "/"'],
    [{ health: [{ names: ['a.example'] }] }, 'health[0]: needs one of tcp, http, https (how to check the addresses)'],
    [{ health: [{ names: ['a.example'], tcp: 80, http: {} }] }, 'health[0]: has tcp and http: one check per entry (write two entries to check both ways)'],
    [{ health: [{ names: [], tcp: 80 }] }, 'health[0].names: expected a non-empty array of domain names'],
    [{ health: [{ names: ['a..example'], tcp: 80 }] }, 'health[0].names[0]: bad domain name "a..example"'],
    [{ health: [{ names: ['a.example'], tcp: 80, interval: '5' }] }, 'health[0].interval: expected a duration such as "5s", "200ms", "1m" or "1h"'],
    [{ health: [{ names: ['a.example'], tcp: 80, interval: '1s', timeout: '1s' }] }, 'health[0].timeout: must be less than interval (1s): a check ends before the next one starts'],
    [{ health: [{ names: ['a.example'], tcp: 80, interval: '1ms', timeout: '0ms' }] }, 'health[0].interval: expected 10ms to 24h'],
    [{ health: [{ names: ['a.example'], tcp: 80, fall: 0 }] }, 'health[0].fall: expected an integer from 1 to 100'],
    [{ health: [{ names: ['a.example'], tcp: 80, allDown: 'none' }] }, 'health[0].allDown: expected one of all, servfail'],
    [{ health: [{ names: ['a.example'], tcp: 80, weights: { '192.0.2.1': 101 } }] }, 'health[0].weights.192.0.2.1: expected an integer from 0 to 100'],
    [{ health: [{ names: ['a.example'], tcp: 80, weights: { 'www.example': 1 } }] }, 'health[0].weights.www.example: expected an IPv4 or IPv6 address as the key'],
    [{ health: [{ names: ['a.example'], tcp: 80, weights: [1] }] }, 'health[0].weights: expected an object of addresses with weights 0-100'],
    [{ zones: [{ file: 'a.zone', health: [{ names: ['a.example'], tcp: -1 }] }] }, 'zones[0].health[0].tcp: expected an integer from 1 to 65535'],
    [{ health: {} }, 'health: expected an array of health checks'],
  ];
  test.each(bad)('%j: %s', (value, message) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(message);
  });
});
