// The zone `zonedns dev` serves, through the answer engine: the domain and every name below it
// at any depth are this machine, except the --to names and everything below them.

import { describe, expect, test } from '@jest/globals';
import { typeFromString } from '../../src/dns/constants.js';
import { resolve, type Resolution } from '../../src/query/resolve.js';
import { parseDevDomain } from '../../src/dev/domain.js';
import { parseDevTarget } from '../../src/dev/targets.js';
import { devZone, devZoneText } from '../../src/dev/zone.js';
import { loadZoneText } from '../../src/zone/load.js';
import { name, registryOf, rrLines } from '../support/zones.js';

const domain = parseDevDomain('dev.test');
const targets = ['api=172.17.0.2', 'api.dev.test=fd00::2', 'x.y=fd00::5', 'DB.dev.test.=10.0.0.7'].map((t) => parseDevTarget(domain, t));
const zones = {
  plain: registryOf(devZone(domain, [])),
  withTargets: registryOf(devZone(domain, targets)),
  apexElsewhere: registryOf(devZone(domain, [parseDevTarget(domain, '@=192.0.2.1')])),
};

interface Case {
  zone: keyof typeof zones;
  q: string;
  t: string;
  kind: Resolution['kind'];
  answer?: string[];
}

const SOA = 'dev.test. 5 SOA dev.test. hostmaster.dev.test. 1 3600 600 86400 5';
const cases: Case[] = [
  { zone: 'plain', q: 'dev.test', t: 'A', kind: 'answer', answer: ['dev.test. 5 A 127.0.0.1'] },
  { zone: 'plain', q: 'dev.test', t: 'AAAA', kind: 'answer', answer: ['dev.test. 5 AAAA ::1'] },
  { zone: 'plain', q: 'myapp.dev.test', t: 'A', kind: 'answer', answer: ['myapp.dev.test. 5 A 127.0.0.1'] },
  { zone: 'plain', q: 'myapp.dev.test', t: 'AAAA', kind: 'answer', answer: ['myapp.dev.test. 5 AAAA ::1'] },
  { zone: 'plain', q: 'a.b.c.d.myapp.dev.test', t: 'A', kind: 'answer', answer: ['a.b.c.d.myapp.dev.test. 5 A 127.0.0.1'] },
  { zone: 'plain', q: 'MyApp.Dev.Test', t: 'A', kind: 'answer', answer: ['myapp.dev.test. 5 A 127.0.0.1'] },
  { zone: 'plain', q: 'myapp.dev.test', t: 'MX', kind: 'nodata' },
  { zone: 'plain', q: 'dev.test', t: 'SOA', kind: 'answer', answer: [SOA] },
  { zone: 'plain', q: 'dev.test', t: 'NS', kind: 'answer', answer: ['dev.test. 5 NS dev.test.'] },
  { zone: 'plain', q: 'example.com', t: 'A', kind: 'refused' },
  // --to: the name and everything below it, in the family given; the other family is NODATA.
  { zone: 'withTargets', q: 'api.dev.test', t: 'A', kind: 'answer', answer: ['api.dev.test. 5 A 172.17.0.2'] },
  { zone: 'withTargets', q: 'api.dev.test', t: 'AAAA', kind: 'answer', answer: ['api.dev.test. 5 AAAA fd00::2'] },
  { zone: 'withTargets', q: 'v2.api.dev.test', t: 'A', kind: 'answer', answer: ['v2.api.dev.test. 5 A 172.17.0.2'] },
  { zone: 'withTargets', q: 'db.dev.test', t: 'A', kind: 'answer', answer: ['db.dev.test. 5 A 10.0.0.7'] },
  { zone: 'withTargets', q: 'db.dev.test', t: 'AAAA', kind: 'nodata' },
  { zone: 'withTargets', q: 'x.y.dev.test', t: 'AAAA', kind: 'answer', answer: ['x.y.dev.test. 5 AAAA fd00::5'] },
  { zone: 'withTargets', q: 'x.y.dev.test', t: 'A', kind: 'nodata' },
  // y exists only on the way to x.y: still this machine, and so is what is below it.
  { zone: 'withTargets', q: 'y.dev.test', t: 'A', kind: 'answer', answer: ['y.dev.test. 5 A 127.0.0.1'] },
  { zone: 'withTargets', q: 'q.y.dev.test', t: 'AAAA', kind: 'answer', answer: ['q.y.dev.test. 5 AAAA ::1'] },
  { zone: 'withTargets', q: 'myapp.dev.test', t: 'A', kind: 'answer', answer: ['myapp.dev.test. 5 A 127.0.0.1'] },
  { zone: 'apexElsewhere', q: 'dev.test', t: 'A', kind: 'answer', answer: ['dev.test. 5 A 192.0.2.1'] },
  { zone: 'apexElsewhere', q: 'deep.name.dev.test', t: 'A', kind: 'answer', answer: ['deep.name.dev.test. 5 A 192.0.2.1'] },
  { zone: 'apexElsewhere', q: 'dev.test', t: 'AAAA', kind: 'nodata' },
];

describe('zonedns dev zone', () => {
  test.each(cases)('$zone: $q $t -> $kind', (c) => {
    const registry = zones[c.zone];
    const r = resolve((k) => registry.find(k)?.snapshot, name(c.q), typeFromString(c.t)!);
    expect(r.kind).toBe(c.kind);
    if (c.answer !== undefined && r.kind === 'answer') expect(rrLines(r.answer).sort()).toEqual(c.answer.map((l) => l.replace(/\s+/g, ' ')).sort());
    if (r.kind === 'nodata') expect(rrLines(r.authority)).toEqual([SOA]);
  });

  test('the zone text reads top-down and loads without a warning', () => {
    expect(devZoneText(domain, targets.slice(0, 1))).toBe([
      '; zonedns dev: dev.test and every name below it',
      '$ORIGIN dev.test.',
      '$TTL 5',
      '@ SOA dev.test. hostmaster.dev.test. 1 3600 600 86400 5',
      '@ NS dev.test.',
      '@ A 127.0.0.1',
      '* A 127.0.0.1',
      '@ AAAA ::1',
      '* AAAA ::1',
      'api A 172.17.0.2',
      '*.api A 172.17.0.2',
      '',
    ].join('\n'));
    expect(loadZoneText(devZoneText(domain, targets)).diagnostics).toEqual([]);
  });
});
