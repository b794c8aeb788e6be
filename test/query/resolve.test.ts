// Table-driven tests of the answer engine. Each case: a question, the expected kind (which
// the server maps to rcode/AA), and each section written as zone text. Sections compare as
// sets (order is the encoder's business: rotation happens there).

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { typeFromString } from '../../src/dns/constants.js';
import { nameKey } from '../../src/dns/name.js';
import { resolve, type Resolution } from '../../src/query/resolve.js';
import { name, normLines, registryOf, rrLines, zoneFromText } from '../support/zones.js';

const TRICKY = readFileSync(new URL('../fixtures/zones/tricky.test.zone', import.meta.url), 'utf8');
const SOA = 'tricky.test. 300 SOA ns1.tricky.test. hostmaster.tricky.test. 2026112401 7200 900 1209600 300';

// A parent and a child zone served together, plus a zone with a DNAME at the apex and one
// without cuts (the fast lookup path).
const PARENT = `$TTL 300
@ SOA ns.parent.test. admin.parent.test. 7 3600 600 86400 60
@ NS ns
ns A 198.51.100.1
child NS ns.child
ns.child A 198.51.100.2
alias CNAME www.child
cross CNAME www.flat.test.
crossnx CNAME missing.flat.test.
`;
const CHILD = `$TTL 300
@ SOA ns.child.parent.test. admin.parent.test. 9 3600 600 86400 120
@ NS ns
ns A 198.51.100.2
www A 198.51.100.80
`;
const FLAT = `$TTL 600
@ SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30
@ NS ns.elsewhere.example.
www A 203.0.113.1
www AAAA 2001:db8:f::1
*.dyn A 203.0.113.9
x.y.ent A 203.0.113.10
back CNAME alias.parent.test.
`;
const OLD = `$TTL 100
@ SOA ns.example.net. admin.example.net. 1 3600 600 86400 100
@ NS ns.example.net.
@ DNAME tricky.test.
`;

const registry = registryOf(
  zoneFromText('tricky.test', TRICKY),
  zoneFromText('parent.test', PARENT),
  zoneFromText('child.parent.test', CHILD),
  zoneFromText('flat.test', FLAT),
  zoneFromText('old.test', OLD),
);
const find = (k: ReturnType<typeof nameKey>, t: number) => registry.findForQuestion(k, t)?.snapshot;

interface Case {
  name: string;
  q: string;
  t: string;
  kind: Resolution['kind'];
  aa?: boolean;
  answer?: string[];
  authority?: string[];
  additional?: string[];
  /** How many leading additional RRsets are required glue. */
  required?: number;
}

const cases: Case[] = [
  // --- Positive answers at existing names
  { name: 'apex A set', q: 'tricky.test', t: 'A', kind: 'answer', answer: ['tricky.test. 3600 A 192.0.2.1', 'tricky.test. 3600 A 192.0.2.2', 'tricky.test. 3600 A 192.0.2.3'] },
  { name: 'apex AAAA', q: 'tricky.test', t: 'AAAA', kind: 'answer', answer: ['tricky.test. 3600 AAAA 2001:db8::1'] },
  { name: 'apex SOA', q: 'tricky.test', t: 'SOA', kind: 'answer', answer: [SOA.replace(' 300 SOA', ' 3600 SOA')] },
  { name: 'apex NS with glue addresses in additional', q: 'tricky.test', t: 'NS', kind: 'answer',
    answer: ['tricky.test. 3600 NS ns1.tricky.test.', 'tricky.test. 3600 NS ns2.tricky.test.'],
    additional: ['ns1.tricky.test. 3600 A 192.0.2.53', 'ns2.tricky.test. 3600 A 192.0.2.54', 'ns2.tricky.test. 3600 AAAA 2001:db8::54'] },
  { name: 'apex MX: in-zone target address added, out-of-zone not', q: 'tricky.test', t: 'MX', kind: 'answer',
    answer: ['tricky.test. 3600 MX 10 mail.tricky.test.', 'tricky.test. 3600 MX 20 mail2.elsewhere.example.'],
    additional: ['mail.tricky.test. 3600 A 192.0.2.25'] },
  { name: 'apex TXT', q: 'tricky.test', t: 'TXT', kind: 'answer', answer: ['tricky.test. 3600 TXT "v=spf1 mx -all"'] },
  { name: 'host A', q: 'ns1.tricky.test', t: 'A', kind: 'answer', answer: ['ns1.tricky.test. 3600 A 192.0.2.53'] },
  { name: 'two-record A set', q: 'web.tricky.test', t: 'A', kind: 'answer', answer: ['web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'query name case does not matter', q: 'WeB.TrIcKy.TeSt', t: 'A', kind: 'answer', answer: ['web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'mixed-case owner in the zone', q: 'mixedcase.tricky.test', t: 'A', kind: 'answer', answer: ['mixedcase.tricky.test. 3600 A 192.0.2.77'] },
  { name: 'SRV with target address', q: '_sip._tcp.tricky.test', t: 'SRV', kind: 'answer',
    answer: ['_sip._tcp.tricky.test. 3600 SRV 10 60 5060 sip.tricky.test.'], additional: ['sip.tricky.test. 3600 A 192.0.2.60'] },
  { name: 'big TXT set answered whole', q: 'big.tricky.test', t: 'TXT', kind: 'answer' },
  { name: 'ns2 AAAA', q: 'ns2.tricky.test', t: 'AAAA', kind: 'answer', answer: ['ns2.tricky.test. 3600 AAAA 2001:db8::54'] },
  { name: 'DNAME owner itself, type DNAME', q: 'legacy.tricky.test', t: 'DNAME', kind: 'answer', answer: ['legacy.tricky.test. 3600 DNAME web.tricky.test.'] },

  // --- NODATA (RFC 2308 §2.2): name exists, type does not
  { name: 'NODATA at host', q: 'ns1.tricky.test', t: 'AAAA', kind: 'nodata', authority: [SOA] },
  { name: 'NODATA at apex for SRV', q: 'tricky.test', t: 'SRV', kind: 'nodata', authority: [SOA] },
  { name: 'NODATA at an empty non-terminal (RFC 8020)', q: 'a.b.tricky.test', t: 'A', kind: 'nodata', authority: [SOA] },
  { name: 'NODATA at a higher empty non-terminal', q: 'b.tricky.test', t: 'TXT', kind: 'nodata', authority: [SOA] },
  { name: 'NODATA at the _tcp empty non-terminal', q: '_tcp.tricky.test', t: 'SRV', kind: 'nodata', authority: [SOA] },
  { name: 'NODATA for ANY at an empty non-terminal', q: 'a.b.tricky.test', t: 'ANY', kind: 'nodata', authority: [SOA] },
  { name: 'negative SOA TTL is min(SOA TTL, MINIMUM) — MINIMUM smaller', q: 'nope.flat.test', t: 'A', kind: 'nxdomain',
    authority: ['flat.test. 30 SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30'] },
  { name: 'negative SOA TTL is min(SOA TTL, MINIMUM) — TTL smaller', q: 'www.child.parent.test', t: 'TXT', kind: 'nodata',
    authority: ['child.parent.test. 120 SOA ns.child.parent.test. admin.parent.test. 9 3600 600 86400 120'] },

  // --- NXDOMAIN
  { name: 'a missing name under the apex wildcard is NODATA for other types', q: 'nothing.tricky.test', t: 'A', kind: 'nodata', authority: [SOA] },
  { name: 'NXDOMAIN below an existing host', q: 'x.ns1.tricky.test', t: 'A', kind: 'nxdomain', authority: [SOA] },
  { name: 'NXDOMAIN below an ENT', q: 'z.a.b.tricky.test', t: 'A', kind: 'nxdomain', authority: [SOA] },
  { name: 'NXDOMAIN in a zone without cuts', q: 'x.www.flat.test', t: 'AAAA', kind: 'nxdomain',
    authority: ['flat.test. 30 SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30'] },
  { name: 'NODATA at an ENT in a zone without cuts', q: 'y.ent.flat.test', t: 'A', kind: 'nodata',
    authority: ['flat.test. 30 SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30'] },

  // --- CNAME
  { name: 'CNAME followed in zone', q: 'www.tricky.test', t: 'A', kind: 'answer',
    answer: ['www.tricky.test. 3600 CNAME web.tricky.test.', 'web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'CNAME query type returns the CNAME only', q: 'www.tricky.test', t: 'CNAME', kind: 'answer', answer: ['www.tricky.test. 3600 CNAME web.tricky.test.'] },
  { name: 'CNAME then NODATA at the target', q: 'www.tricky.test', t: 'MX', kind: 'nodata',
    answer: ['www.tricky.test. 3600 CNAME web.tricky.test.'], authority: [SOA] },
  { name: 'CNAME chain of three', q: 'chain1.tricky.test', t: 'A', kind: 'answer',
    answer: ['chain1.tricky.test. 3600 CNAME chain2.tricky.test.', 'chain2.tricky.test. 3600 CNAME chain3.tricky.test.', 'chain3.tricky.test. 3600 CNAME web.tricky.test.', 'web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'CNAME to an out-of-zone target stops (RFC 1034 §3.6.2)', q: 'out.tricky.test', t: 'A', kind: 'answer',
    answer: ['out.tricky.test. 3600 CNAME www.example.net.'] },
  { name: 'dangling CNAME: rcode follows the last name (RFC 6604 §3)', q: 'dangling.tricky.test', t: 'A', kind: 'nxdomain',
    answer: ['dangling.tricky.test. 3600 CNAME nothing.web.tricky.test.'], authority: [SOA] },
  { name: 'CNAME loop ends with both links', q: 'loop1.tricky.test', t: 'A', kind: 'answer',
    answer: ['loop1.tricky.test. 3600 CNAME loop2.tricky.test.', 'loop2.tricky.test. 3600 CNAME loop1.tricky.test.'] },
  { name: 'CNAME into a delegation gives a referral with AA for the CNAME', q: 'tosub.tricky.test', t: 'A', kind: 'referral', aa: true,
    answer: ['tosub.tricky.test. 3600 CNAME host.sub.tricky.test.'],
    authority: ['sub.tricky.test. 3600 NS ns1.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns2.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns1.tricky.test.'],
    additional: ['ns1.sub.tricky.test. 3600 A 192.0.2.201', 'ns2.sub.tricky.test. 3600 AAAA 2001:db8::202', 'ns1.tricky.test. 3600 A 192.0.2.53'], required: 2 },
  { name: 'CNAME across zones we serve is chased', q: 'cross.parent.test', t: 'A', kind: 'answer',
    answer: ['cross.parent.test. 300 CNAME www.flat.test.', 'www.flat.test. 600 A 203.0.113.1'] },
  { name: 'CNAME across zones ending in NXDOMAIN carries the last zone\'s SOA', q: 'crossnx.parent.test', t: 'A', kind: 'nxdomain',
    answer: ['crossnx.parent.test. 300 CNAME missing.flat.test.'], authority: ['flat.test. 30 SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30'] },
  { name: 'CNAME into a child zone we also serve answers from the child', q: 'alias.parent.test', t: 'A', kind: 'answer',
    answer: ['alias.parent.test. 300 CNAME www.child.parent.test.', 'www.child.parent.test. 300 A 198.51.100.80'] },
  { name: 'CNAME chain across three zones', q: 'back.flat.test', t: 'A', kind: 'answer',
    answer: ['back.flat.test. 600 CNAME alias.parent.test.', 'alias.parent.test. 300 CNAME www.child.parent.test.', 'www.child.parent.test. 300 A 198.51.100.80'] },
  { name: 'ANY at a CNAME returns the CNAME, not chased', q: 'www.tricky.test', t: 'ANY', kind: 'answer', answer: ['www.tricky.test. 3600 CNAME web.tricky.test.'] },

  // --- Wildcards (RFC 4592)
  { name: 'wildcard at apex synthesizes for a missing name', q: 'missing-host.tricky.test', t: 'TXT', kind: 'answer',
    answer: ['missing-host.tricky.test. 3600 TXT "wildcard at apex"'] },
  { name: 'wildcard at apex: other type is NODATA, not NXDOMAIN', q: 'missing-host.tricky.test', t: 'A', kind: 'nodata', authority: [SOA] },
  { name: 'wildcard A below wild', q: 'host.wild.tricky.test', t: 'A', kind: 'answer', answer: ['host.wild.tricky.test. 3600 A 192.0.2.42'] },
  { name: 'wildcard matches several labels', q: 'x.y.wild.tricky.test', t: 'A', kind: 'answer', answer: ['x.y.wild.tricky.test. 3600 A 192.0.2.42'] },
  { name: 'wildcard MX gets target address in additional', q: 'x.y.wild.tricky.test', t: 'MX', kind: 'answer',
    answer: ['x.y.wild.tricky.test. 3600 MX 10 mail.tricky.test.'], additional: ['mail.tricky.test. 3600 A 192.0.2.25'] },
  { name: 'existing name beside a wildcard is not synthesized', q: 'exists.wild.tricky.test', t: 'A', kind: 'answer', answer: ['exists.wild.tricky.test. 3600 A 192.0.2.43'] },
  { name: 'existing name beside a wildcard: NODATA, never wildcard data', q: 'exists.wild.tricky.test', t: 'MX', kind: 'nodata', authority: [SOA] },
  { name: 'below an existing name the wildcard does not apply (closest encloser is exists.wild)', q: 'x.exists.wild.tricky.test', t: 'A', kind: 'nxdomain', authority: [SOA] },
  { name: 'ENT blocks the apex wildcard', q: 'b.tricky.test', t: 'TXT', kind: 'nodata', authority: [SOA] },
  { name: 'below ENT the apex wildcard does not apply', q: 'q.b.tricky.test', t: 'TXT', kind: 'nxdomain', authority: [SOA] },
  { name: 'wildcard owner queried literally', q: '*.wild.tricky.test', t: 'A', kind: 'answer', answer: ['*.wild.tricky.test. 3600 A 192.0.2.42'] },
  { name: 'wildcard CNAME synthesized and chased', q: 'foo.cnamewild.tricky.test', t: 'A', kind: 'answer',
    answer: ['foo.cnamewild.tricky.test. 3600 CNAME web.tricky.test.', 'web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'wildcard CNAME then NODATA at the target', q: 'foo.cnamewild.tricky.test', t: 'AAAA', kind: 'nodata',
    answer: ['foo.cnamewild.tricky.test. 3600 CNAME web.tricky.test.'], authority: [SOA] },
  { name: 'wildcard in a zone without cuts', q: 'abc.dyn.flat.test', t: 'A', kind: 'answer', answer: ['abc.dyn.flat.test. 600 A 203.0.113.9'] },
  { name: 'ANY at a wildcard gives one synthesized RRset', q: 'q.wild.tricky.test', t: 'ANY', kind: 'answer', answer: ['q.wild.tricky.test. 3600 A 192.0.2.42'] },
  { name: 'wildcard never applies below a zone cut', q: 'a.b.sub.tricky.test', t: 'TXT', kind: 'referral', aa: false,
    authority: ['sub.tricky.test. 3600 NS ns1.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns2.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns1.tricky.test.'],
    additional: ['ns1.sub.tricky.test. 3600 A 192.0.2.201', 'ns2.sub.tricky.test. 3600 AAAA 2001:db8::202', 'ns1.tricky.test. 3600 A 192.0.2.53'], required: 2 },

  // --- Delegations
  { name: 'referral below a cut with in-domain and sibling glue', q: 'www.sub.tricky.test', t: 'A', kind: 'referral', aa: false,
    authority: ['sub.tricky.test. 3600 NS ns1.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns2.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns1.tricky.test.'],
    additional: ['ns1.sub.tricky.test. 3600 A 192.0.2.201', 'ns2.sub.tricky.test. 3600 AAAA 2001:db8::202', 'ns1.tricky.test. 3600 A 192.0.2.53'], required: 2 },
  { name: 'referral at the cut itself for NS', q: 'sub.tricky.test', t: 'NS', kind: 'referral', aa: false,
    authority: ['sub.tricky.test. 3600 NS ns1.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns2.sub.tricky.test.', 'sub.tricky.test. 3600 NS ns1.tricky.test.'],
    additional: ['ns1.sub.tricky.test. 3600 A 192.0.2.201', 'ns2.sub.tricky.test. 3600 AAAA 2001:db8::202', 'ns1.tricky.test. 3600 A 192.0.2.53'], required: 2 },
  { name: 'referral at the cut for A', q: 'sub.tricky.test', t: 'A', kind: 'referral', aa: false },
  { name: 'glue name itself is a referral, not an answer', q: 'ns1.sub.tricky.test', t: 'A', kind: 'referral', aa: false },
  { name: 'DS at the cut answered by the parent (RFC 4035 §3.1.4.1)', q: 'sub.tricky.test', t: 'DS', kind: 'answer',
    answer: ['sub.tricky.test. 3600 DS 12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A292118ABCD1234567890ABCDEF1234'] },
  { name: 'DS at a cut without DS is NODATA from the parent', q: 'other.tricky.test', t: 'DS', kind: 'nodata', authority: [SOA] },
  { name: 'DS below a cut is a referral', q: 'x.sub.tricky.test', t: 'DS', kind: 'referral', aa: false },
  { name: 'referral with only sibling glue: nothing required', q: 'host.other.tricky.test', t: 'A', kind: 'referral', aa: false,
    authority: ['other.tricky.test. 3600 NS ns1.tricky.test.', 'other.tricky.test. 3600 NS ns.outside.example.'],
    additional: ['ns1.tricky.test. 3600 A 192.0.2.53'], required: 0 },
  { name: 'ANY at a cut is a referral', q: 'sub.tricky.test', t: 'ANY', kind: 'referral', aa: false },
  { name: 'child zone we serve answers for itself (longest suffix)', q: 'www.child.parent.test', t: 'A', kind: 'answer',
    answer: ['www.child.parent.test. 300 A 198.51.100.80'] },
  { name: 'DS at the apex of a child zone we also serve: the parent answers (RFC 4035 §3.1.4.1)', q: 'child.parent.test', t: 'DS', kind: 'nodata',
    authority: ['parent.test. 60 SOA ns.parent.test. admin.parent.test. 7 3600 600 86400 60'] },
  { name: 'DS below a child apex we serve stays with the child', q: 'www.child.parent.test', t: 'DS', kind: 'nodata',
    authority: ['child.parent.test. 120 SOA ns.child.parent.test. admin.parent.test. 9 3600 600 86400 120'] },
  { name: 'DS at the apex of a zone whose parent is not ours: the zone answers', q: 'flat.test', t: 'DS', kind: 'nodata',
    authority: ['flat.test. 30 SOA ns.flat.test. admin.flat.test. 1 3600 600 86400 30'] },
  { name: 'RRSIG at a CNAME owner of an unsigned zone: NODATA, the CNAME is not followed (as Knot)', q: 'www.tricky.test', t: 'RRSIG', kind: 'nodata', authority: [SOA] },
  { name: 'NSEC at a CNAME owner of an unsigned zone: NODATA, the CNAME is not followed (as Knot)', q: 'www.tricky.test', t: 'NSEC', kind: 'nodata', authority: [SOA] },
  { name: 'child apex NS answered by the child zone', q: 'child.parent.test', t: 'NS', kind: 'answer',
    answer: ['child.parent.test. 300 NS ns.child.parent.test.'], additional: ['ns.child.parent.test. 300 A 198.51.100.2'] },

  // --- DNAME (RFC 6672)
  { name: 'DNAME synthesizes a CNAME and follows it', q: 'foo.legacy.tricky.test', t: 'A', kind: 'nxdomain',
    answer: ['legacy.tricky.test. 3600 DNAME web.tricky.test.', 'foo.legacy.tricky.test. 3600 CNAME foo.web.tricky.test.'], authority: [SOA] },
  { name: 'DNAME with qtype CNAME: the synthesized CNAME is the answer', q: 'foo.legacy.tricky.test', t: 'CNAME', kind: 'answer',
    answer: ['legacy.tricky.test. 3600 DNAME web.tricky.test.', 'foo.legacy.tricky.test. 3600 CNAME foo.web.tricky.test.'] },
  { name: 'DNAME at an apex rewrites into another zone we serve', q: 'www.old.test', t: 'A', kind: 'answer',
    answer: ['old.test. 100 DNAME tricky.test.', 'www.old.test. 100 CNAME www.tricky.test.', 'www.tricky.test. 3600 CNAME web.tricky.test.', 'web.tricky.test. 3600 A 192.0.2.80', 'web.tricky.test. 3600 A 192.0.2.81'] },
  { name: 'DNAME apex itself is not rewritten', q: 'old.test', t: 'A', kind: 'nodata',
    authority: ['old.test. 100 SOA ns.example.net. admin.example.net. 1 3600 600 86400 100'] },
  { name: 'DNAME substitution that overflows 255 octets is YXDOMAIN', kind: 'yxdomain', t: 'A',
    q: `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(51)}.old.test` },

  // --- ANY (RFC 8482: one RRset, the lowest type, like Knot)
  { name: 'ANY at apex gives one RRset', q: 'tricky.test', t: 'ANY', kind: 'answer', answer: ['tricky.test. 3600 A 192.0.2.1', 'tricky.test. 3600 A 192.0.2.2', 'tricky.test. 3600 A 192.0.2.3'] },
  { name: 'ANY at a host', q: 'ns2.tricky.test', t: 'ANY', kind: 'answer', answer: ['ns2.tricky.test. 3600 A 192.0.2.54'] },
  { name: 'ANY at a missing name is NXDOMAIN', q: 'x.web.tricky.test', t: 'ANY', kind: 'nxdomain', authority: [SOA] },

  { name: 'unknown type at an existing name is NODATA', q: 'tricky.test', t: 'TYPE65534', kind: 'nodata', authority: [SOA] },
  { name: 'wildcard CNAME queried as CNAME is synthesized, not chased', q: 'foo.cnamewild.tricky.test', t: 'CNAME', kind: 'answer',
    answer: ['foo.cnamewild.tricky.test. 3600 CNAME web.tricky.test.'] },
  { name: 'DNAME two labels down keeps both labels', q: 'a.b.legacy.tricky.test', t: 'TXT', kind: 'nxdomain',
    answer: ['legacy.tricky.test. 3600 DNAME web.tricky.test.', 'a.b.legacy.tricky.test. 3600 CNAME a.b.web.tricky.test.'], authority: [SOA] },
  { name: 'referral for a name below a cut with out-of-zone NS', q: 'x.other.tricky.test', t: 'MX', kind: 'referral', aa: false,
    additional: ['ns1.tricky.test. 3600 A 192.0.2.53'], required: 0 },
  { name: 'SRV target host answers A', q: 'sip.tricky.test', t: 'A', kind: 'answer', answer: ['sip.tricky.test. 3600 A 192.0.2.60'] },
  { name: 'apex AAAA in a zone without cuts', q: 'www.flat.test', t: 'AAAA', kind: 'answer', answer: ['www.flat.test. 600 AAAA 2001:db8:f::1'] },

  // --- Not ours
  { name: 'name in no zone of ours is REFUSED', q: 'www.example.org', t: 'A', kind: 'refused' },
  { name: 'parent of our zone is REFUSED', q: 'test', t: 'NS', kind: 'refused' },
  { name: 'root is REFUSED', q: '.', t: 'NS', kind: 'refused' },
  { name: 'suffix that is not on a label boundary is not ours', q: 'xtricky.test', t: 'A', kind: 'refused' },
];

describe('resolve', () => {
  test('returns RRsets in zone order and never mutates the snapshot (rotation is the encoder\'s)', () => {
    const q = name('tricky.test');
    const first = resolve(find, q, typeFromString('A')!);
    const second = resolve(find, q, typeFromString('A')!);
    expect(first.kind).toBe('answer');
    if (first.kind !== 'answer' || second.kind !== 'answer') return;
    expect(rrLines(first.answer)).toEqual(rrLines(second.answer));
    expect(rrLines(first.answer)[0]).toContain('192.0.2.1');
  });

  test('has at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  test('marks answers that read more than one zone (they must not be cached per snapshot)', () => {
    const cross = resolve(find, name('cross.parent.test'), typeFromString('A')!);
    const local = resolve(find, name('www.tricky.test'), typeFromString('A')!);
    expect(cross.kind === 'answer' && cross.crossZone).toBe(true);
    expect(local.kind === 'answer' && local.crossZone).toBeFalsy();
  });

  test.each(cases)('$name ($q $t)', (c) => {
    const qtype = typeFromString(c.t);
    if (qtype === undefined) throw new Error(`bad type ${c.t}`);
    const r = resolve(find, name(c.q), qtype);
    expect(r.kind).toBe(c.kind);
    if (r.kind === 'refused' || r.kind === 'servfail') return;
    if (c.aa !== undefined && r.kind === 'referral') expect(r.aa).toBe(c.aa);
    const sorted = (xs: string[]) => [...xs].sort();
    if (c.answer) expect(sorted(rrLines(r.answer))).toEqual(sorted(normLines(c.answer)));
    if (c.authority) expect(sorted(rrLines(r.authority))).toEqual(sorted(normLines(c.authority)));
    if (c.additional) expect(sorted(rrLines(r.additional))).toEqual(sorted(normLines(c.additional)));
    else if (c.kind === 'nodata' || c.kind === 'nxdomain') expect(r.additional).toEqual([]);
    if (c.required !== undefined) expect(r.requiredAdditional).toBe(c.required);
    if (c.kind === 'nodata' || c.kind === 'nxdomain') expect(r.authority.length).toBe(1);
  });
});
