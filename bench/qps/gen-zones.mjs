// The two zones every server under test loads (same bytes on every machine: no clock, no randomness).
//
//   example.test  a small website: SOA, 2 NS, 4 apex A (round robin), AAAA, 2 MX, SPF TXT, DMARC TXT,
//                 www CNAME -> apex, blog CNAME -> www (a chain), mail/ns/api/shop hosts.
//   big.test      N owner names host0..host<N-1>: host<i> with i%10==5 is a CNAME to host<i-1>;
//                 every other one has an A (127.x.y.z from i), an AAAA when i is even, a TXT when
//                 i%10==0 and an MX (to itself) when i%10==1. The last name, host<N-1>, is an A:
//                 answering it correctly means the whole zone is loaded.
//
// Every address is a loopback one (A in 127.0.0.0/8, AAAA IPv4-mapped ::ffff:127.x.y.z), so the
// health-checked variant of zonedns (servers.mjs, zonedns-health) probes only this machine.
//
// One record per line, relative owners under $ORIGIN/$TTL, no parentheses and no escapes, so the
// tiny reader in dns2-server.mjs can read the files that Knot, NSD, BIND and zonedns read.
//
//   node bench/qps/gen-zones.mjs DIR [N]

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERIAL = 2026010101;
export const BIG = 'big.test';
export const SMALL = 'example.test';

/** Kind of big.test host<i>: 'cname' or 'host'. */
export const isAlias = (i) => i % 10 === 5;
export const ipv4Of = (i) => `127.${16 + ((i >>> 16) & 127)}.${(i >>> 8) & 255}.${i & 255}`;
/** IPv4-mapped 127.(144+).x.y, written in hex (::ffff:7f90:1): loopback, and unlike any A above. */
export const ipv6Of = (i) => `::ffff:${(0x7f90 + ((i >>> 16) & 127)).toString(16)}:${(i & 0xffff).toString(16)}`;
/** The name whose answer proves the big zone is loaded, and that answer. */
export const probe = (n) => ({ name: `host${n - 1}.${BIG}`, type: 'A', address: ipv4Of(n - 1) });

// Names of example.test, for the query generator.
export const SMALL_NAMES = {
  a: ['example.test', 'ns1.example.test', 'ns2.example.test', 'mail1.example.test', 'mail2.example.test', 'api.example.test', 'shop.example.test'],
  aaaa: ['example.test', 'ns1.example.test', 'api.example.test'],
  mx: ['example.test'],
  cname: ['www.example.test', 'blog.example.test'],
  nodata: [['mail1.example.test', 'AAAA'], ['shop.example.test', 'TXT'], ['ns2.example.test', 'AAAA']],
  txt: ['example.test', '_dmarc.example.test'],
};

export function smallZone() {
  return `$ORIGIN ${SMALL}.
$TTL 3600
@ IN SOA ns1.${SMALL}. hostmaster.${SMALL}. ${SERIAL} 7200 3600 1209600 300
@ IN NS ns1
@ IN NS ns2
@ IN A 127.0.2.1
@ IN A 127.0.2.2
@ IN A 127.0.2.3
@ IN A 127.0.2.4
@ IN AAAA ::ffff:7f00:301
@ IN MX 10 mail1
@ IN MX 20 mail2
@ IN TXT "v=spf1 mx ip4:127.0.2.0/24 -all"
_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
ns1 IN A 127.0.2.53
ns1 IN AAAA ::ffff:7f00:335
ns2 IN A 127.0.4.53
mail1 IN A 127.0.2.25
mail2 IN A 127.0.4.25
www IN CNAME @
blog IN CNAME www
api 300 IN A 127.0.2.80
api 300 IN AAAA ::ffff:7f00:350
shop IN A 127.0.2.81
`;
}

export function bigZone(n) {
  const lines = [
    `$ORIGIN ${BIG}.`,
    '$TTL 3600',
    `@ IN SOA ns1.${BIG}. hostmaster.${BIG}. ${SERIAL} 7200 3600 1209600 300`,
    '@ IN NS ns1',
    '@ IN NS ns2',
    'ns1 IN A 127.0.2.10',
    'ns2 IN A 127.0.2.11',
  ];
  for (let i = 0; i < n; i++) {
    const o = `host${i}`;
    if (isAlias(i)) {
      lines.push(`${o} IN CNAME host${i - 1}`);
      continue;
    }
    lines.push(`${o} IN A ${ipv4Of(i)}`);
    if (i % 2 === 0) lines.push(`${o} IN AAAA ${ipv6Of(i)}`);
    if (i % 10 === 0) lines.push(`${o} IN TXT "v=host${i} token=${(Math.imul(i + 1, 2654435761) >>> 0).toString(16)}"`);
    if (i % 10 === 1) lines.push(`${o} IN MX 10 ${o}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes DIR/example.test.zone and DIR/big.test.zone; returns their paths. */
export function writeZones(dir, n) {
  if (!(Number.isInteger(n) && n >= 20)) throw new Error(`N must be an integer >= 20 (got ${n})`);
  mkdirSync(dir, { recursive: true });
  const small = join(dir, `${SMALL}.zone`);
  const big = join(dir, `${BIG}.zone`);
  writeFileSync(small, smallZone());
  writeFileSync(big, bigZone(n));
  return { dir, small, big, n };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, n = '100000'] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node bench/qps/gen-zones.mjs DIR [N]');
    process.exit(2);
  }
  const z = writeZones(dir, Number(n));
  console.log(`wrote ${z.small} and ${z.big} (${z.n} names)`);
}
