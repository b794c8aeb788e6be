// Response rate limiting, arithmetic and classification, on real replies from the handler (built
// from zone text) and an injected clock: what is counted together, the rate, the burst, the
// window of debt, slip, prefixes, and the fixed table.

import { describe, expect, test } from '@jest/globals';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { DEFAULT_RRL, ResponseKind, ResponseRateLimiter, responseKind, RrlVerdict, type RrlOptions } from '../../src/limits/rrl.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { query } from '../e2e/support/wire.js';

const ZONE = `
$ORIGIN rrl.test.
$TTL 300
@        SOA  ns hostmaster 1 3600 900 604800 300
@        NS   ns
ns       A    192.0.2.1
www      A    192.0.2.80
mail     A    192.0.2.25
*.wild   A    192.0.2.99
child    NS   ns.child
ns.child A    192.0.2.53
`;

const ctx: HandlerContext = { registry: registryOf(zoneFromText('rrl.test', ZONE)), rotator: new Rotator('none'), maxUdp: 1232 };
const reply = (name: string, type: string): Buffer => handleMessage(query(name, type, { edns: {} }), 'udp', ctx)!;

const ANSWER = reply('www.rrl.test', 'A');
const OTHER_ANSWER = reply('mail.rrl.test', 'A');
const NXDOMAIN = reply('nope.rrl.test', 'A');
const OTHER_NXDOMAIN = reply('random-1234.rrl.test', 'A');
const NODATA = reply('www.rrl.test', 'AAAA');
const REFERRAL = reply('host.child.rrl.test', 'A');
const REFUSED = reply('example.com', 'A');

class Clock {
  ms = 1_000_000;
  now = (): number => this.ms;
}

function limiter(o: Partial<RrlOptions> = {}, clock = new Clock()): { rrl: ResponseRateLimiter; clock: Clock } {
  return { rrl: new ResponseRateLimiter({ ...DEFAULT_RRL, responsesPerSecond: 10, windowSeconds: 2, ...o }, clock.now), clock };
}

/** Verdicts of `n` sends at the current time, as a compact string: S sent, T slipped, D dropped. */
function burst(rrl: ResponseRateLimiter, msg: Buffer, client: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += 'STD'[rrl.check(msg, client)];
  return out;
}

test('replies are classified by rcode, AA and the answer count', () => {
  expect([ANSWER, NXDOMAIN, NODATA, REFERRAL, REFUSED].map(responseKind)).toEqual([
    ResponseKind.ANSWER, ResponseKind.NXDOMAIN, ResponseKind.NODATA, ResponseKind.REFERRAL, ResponseKind.ERROR,
  ]);
});

describe('rate, burst, slip and window', () => {
  test('a new key may send one second worth at once; then every slip-th limited reply is truncated', () => {
    const { rrl } = limiter();
    expect(burst(rrl, ANSWER, '192.0.2.7', 16)).toBe('SSSSSSSSSSDTDTDT');
    expect(rrl.counters).toEqual({ checked: 16, limited: 6, slipped: 3, dropped: 3, limitStarts: 1 });
  });

  test('credit comes back at the rate, up to one second worth', () => {
    const { rrl, clock } = limiter();
    burst(rrl, ANSWER, '192.0.2.7', 10);
    clock.ms += 300;
    expect(burst(rrl, ANSWER, '192.0.2.7', 4)).toBe('SSSD');
    clock.ms += 60_000;
    expect(burst(rrl, ANSWER, '192.0.2.7', 11)).toBe('SSSSSSSSSST');
  });

  test('a flood runs up at most `window` seconds of debt, and stays limited until it is repaid', () => {
    const { rrl, clock } = limiter({ slip: 0 });
    burst(rrl, ANSWER, '192.0.2.7', 10_000);
    // 2 s of debt at 10/s: 1.9 s later it is not repaid (and a limited reply costs credit too)...
    clock.ms += 1900;
    expect(burst(rrl, ANSWER, '192.0.2.7', 1)).toBe('D');
    // ...0.3 s later it is, however long the flood went on.
    clock.ms += 300;
    expect(burst(rrl, ANSWER, '192.0.2.7', 1)).toBe('S');
  });

  test('slip 1 truncates every limited reply, slip 0 drops every one', () => {
    expect(burst(limiter({ slip: 1 }).rrl, ANSWER, '192.0.2.7', 13)).toBe('SSSSSSSSSSTTT');
    expect(burst(limiter({ slip: 0 }).rrl, ANSWER, '192.0.2.7', 13)).toBe('SSSSSSSSSSDDD');
  });
});

describe('what is counted together', () => {
  const together = (a: [Buffer, string], b: [Buffer, string]): boolean => {
    const { rrl } = limiter({ slip: 0 });
    burst(rrl, a[0], a[1], 10);
    return rrl.check(b[0], b[1]) !== RrlVerdict.SEND;
  };

  test.each([
    ['the same answer to addresses in one IPv4 /24', [ANSWER, '192.0.2.7'], [ANSWER, '192.0.2.200'], true],
    ['the same answer to another /24', [ANSWER, '192.0.2.7'], [ANSWER, '192.0.3.7'], false],
    ['the same answer to addresses in one IPv6 /56', [ANSWER, '2001:db8:0:1200::1'], [ANSWER, '2001:db8:0:12ff:ffff::9'], true],
    ['the same answer to another /56', [ANSWER, '2001:db8:0:1200::1'], [ANSWER, '2001:db8:0:1300::1'], false],
    ['an IPv4 address and the IPv6 address with the same first octets', [ANSWER, '32.1.13.184'], [ANSWER, '2001:db8::1'], false],
    ['answers for two names', [ANSWER, '192.0.2.7'], [OTHER_ANSWER, '192.0.2.7'], false],
    ['NXDOMAIN for two names of one zone (random subdomains)', [NXDOMAIN, '192.0.2.7'], [OTHER_NXDOMAIN, '192.0.2.7'], true],
    ['NXDOMAIN and NODATA of one zone', [NXDOMAIN, '192.0.2.7'], [NODATA, '192.0.2.7'], false],
    ['an answer and an error', [ANSWER, '192.0.2.7'], [REFUSED, '192.0.2.7'], false],
    ['a referral and an answer', [REFERRAL, '192.0.2.7'], [ANSWER, '192.0.2.7'], false],
  ] as const)('%s', (_label, a, b, expected) => {
    expect(together(a as [Buffer, string], b as [Buffer, string])).toBe(expected);
  });

  test('the query name counts case-insensitively (0x20 randomisation does not make new keys)', () => {
    const { rrl } = limiter({ slip: 0 });
    burst(rrl, ANSWER, '192.0.2.7', 10);
    expect(rrl.check(reply('WwW.RrL.TeSt', 'A'), '192.0.2.7')).toBe(RrlVerdict.DROP);
  });

  test('prefix lengths are configurable', () => {
    const { rrl } = limiter({ slip: 0, ipv4PrefixLength: 32 });
    burst(rrl, ANSWER, '192.0.2.7', 10);
    expect(rrl.check(ANSWER, '192.0.2.8')).toBe(RrlVerdict.SEND);
  });
});

test('the table is fixed in size: a flood of other keys does not evict a key being limited', () => {
  const { rrl, clock } = limiter({ slip: 0, tableSize: 1024 });
  burst(rrl, ANSWER, '192.0.2.7', 11);
  // 100,000 other clients, each a new key, while the busy one keeps being limited.
  for (let i = 0; i < 100_000; i++) {
    rrl.check(NXDOMAIN, `10.${(i >> 8) & 0xff}.${i & 0xff}.1`);
    if (i % 100 === 0) {
      clock.ms += 1;
      expect(rrl.check(ANSWER, '192.0.2.7')).toBe(RrlVerdict.DROP);
    }
  }
  expect(rrl.counters.checked).toBe(100_000 + 11 + 1000);
});
