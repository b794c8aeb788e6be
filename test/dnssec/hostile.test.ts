// Signed zones as a careless or hostile signer leaves them: zonedns serves what it is given and is
// no validator, but no such zone may make a DO=1 query throw, hang or send something that is not
// a DNS message. Each zone below is served to a spread of DO=1 questions (every name, below every
// name, random names, every type present) over UDP at 512 octets and over TCP, and every reply
// must parse, echo the question and carry an rcode that the same question gets without DO.

import { describe, expect, test } from '@jest/globals';
import { typeToString } from '../../src/dns/constants.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { parseResponse } from '../interop/support/wire.js';
import { buildQuery } from '../support/server.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { nameToText } from '../../src/dns/name.js';

const SIG = (covered: string) => `RRSIG ${covered} 13 2 300 20300101000000 20200101000000 1 h.test. ${'QUJD'.repeat(16)}`;
const HEAD = `$TTL 300
@ SOA ns admin 1 3600 600 86400 60
@ ${SIG('SOA')}
@ NS ns
ns A 192.0.2.1
www A 192.0.2.2
*.wild A 192.0.2.3
x.y.ent TXT "ent"
sub NS ns.elsewhere.example.
`;

const ZONES: Record<string, string> = {
  'NSEC3PARAM with an unknown hash algorithm': `${HEAD}@ NSEC3PARAM 2 0 0 -\n`,
  'NSEC3PARAM but no NSEC3 records': `${HEAD}@ NSEC3PARAM 1 0 0 -\n`,
  'NSEC3 records of other parameters only': `${HEAD}@ NSEC3PARAM 1 0 0 -\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 5 AABB 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n`,
  'NSEC3 owners that are not base32hex, or below other names': `${HEAD}@ NSEC3PARAM 1 0 0 -\nnot-a-hash NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.www NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n`,
  'a one-record NSEC3 chain (Knot once crashed on it)': `${HEAD}@ NSEC3PARAM 1 0 0 -\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom ${SIG('NSEC3')}\n`,
  'an NSEC3 owner with children (not a hashed owner only)': `${HEAD}@ NSEC3PARAM 1 0 0 -\n0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A\nchild.0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A 192.0.2.9\n`,
  'NSEC at some names only, chain broken': `${HEAD}www NSEC zzz A RRSIG NSEC\nwww ${SIG('NSEC')}\n`,
  'no NSEC at all, SOA signed': HEAD,
  'RRSIGs over types that are not there, none over those that are': `${HEAD}www ${SIG('MX')}\nwww ${SIG('TXT')}\n`,
  'names at the length limit under a wildcard': `${HEAD}${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)} TXT "long"\n*.${'b'.repeat(63)}.${'c'.repeat(63)} TXT "wild"\n`,
};

describe('hostile or broken signed zones: DO=1 answers never throw and always parse', () => {
  test.each(Object.keys(ZONES))('%s', (what) => {
    const zone = zoneFromText('h.test', ZONES[what]!);
    const ctx: HandlerContext = { registry: registryOf(zone), rotator: new Rotator('none'), maxUdp: 1232 };
    const names = new Set<string>(['nothing.h.test', 'a.b.c.h.test', `${'z'.repeat(60)}.${'b'.repeat(63)}.${'c'.repeat(63)}.h.test`]);
    const types = new Set<string>(['A', 'MX', 'DS', 'NSEC', 'NSEC3', 'RRSIG', 'ANY']);
    for (const node of zone.nodes.values()) {
      const n = nameToText(node.name).slice(0, -1);
      names.add(n);
      if (n.length < 240) names.add(`below.${n}`);
      for (const s of node.rrsets) types.add(typeToString(s.type));
    }
    let asked = 0;
    for (const n of names) {
      for (const t of types) {
        for (const transport of ['udp', 'tcp'] as const) {
          const plain = handleMessage(buildQuery(n, t, { id: 1 }), transport, ctx)!;
          const q = buildQuery(n, t, { id: 2, edns: { udpSize: 512, do: true } });
          const reply = handleMessage(q, transport, ctx)!;
          const p = parseResponse(reply);
          expect([n, t, p.rcode, p.question.equals(q.subarray(12, 12 + p.question.length))]).toEqual([n, t, parseResponse(plain).rcode, true]);
          asked++;
        }
      }
    }
    expect(asked).toBeGreaterThan(50);
  });
});
