// The dnsperf query file ("name TYPE" per line), reproducible: a fixed-seed PRNG (mulberry32),
// so the same N, count and seed give the same file on every machine and Node version.
//
// Mix (share of lines; each category 90% big.test, 10% example.test):
//   40% A and 20% AAAA of existing names   10% MX   10% names that are CNAMEs, asked for A
//   10% NXDOMAIN (random labels)           5% NODATA (existing name, absent type)   5% TXT
//
//   node bench/qps/gen-queries.mjs FILE [N] [COUNT] [SEED]

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BIG, SMALL, SMALL_NAMES } from './gen-zones.mjs';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function queryLines(n, count = 100_000, seed = 42) {
  const rnd = mulberry32(seed);
  const int = (k) => Math.floor(rnd() * k);
  const pick = (arr) => arr[int(arr.length)];
  const small = () => rnd() < 0.1;
  // A random host index i < n with i % m in `residues`.
  const host = (m, residues) => {
    for (;;) {
      const i = int(Math.floor(n / m)) * m + pick(residues);
      if (i < n) return i;
    }
  };
  const label = () => {
    let s = '';
    for (let i = 0, len = 6 + int(6); i < len; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[int(36)];
    return s;
  };
  const cats = [
    [0.4, 'A', () => (small() ? `${pick(SMALL_NAMES.a)} A` : `host${host(10, [0, 1, 2, 3, 4, 6, 7, 8, 9])}.${BIG} A`)],
    [0.2, 'AAAA', () => (small() ? `${pick(SMALL_NAMES.aaaa)} AAAA` : `host${host(10, [0, 2, 4, 6, 8])}.${BIG} AAAA`)],
    [0.1, 'MX', () => (small() ? `${pick(SMALL_NAMES.mx)} MX` : `host${host(10, [1])}.${BIG} MX`)],
    [0.1, 'CNAME', () => (small() ? `${pick(SMALL_NAMES.cname)} A` : `host${host(10, [5])}.${BIG} A`)],
    [0.1, 'NXDOMAIN', () => `${label()}.${small() ? SMALL : BIG} ${pick(['A', 'AAAA'])}`],
    [0.05, 'NODATA', () => (small() ? pick(SMALL_NAMES.nodata).join(' ') : `host${host(10, [1, 3, 7, 9])}.${BIG} AAAA`)],
    [0.05, 'TXT', () => (small() ? `${pick(SMALL_NAMES.txt)} TXT` : `host${host(10, [0])}.${BIG} TXT`)],
  ];
  const counts = Object.fromEntries(cats.map((c) => [c[1], 0]));
  const lines = new Array(count);
  for (let k = 0; k < count; k++) {
    let u = rnd();
    let cat = cats[cats.length - 1];
    for (const c of cats) {
      if (u < c[0]) {
        cat = c;
        break;
      }
      u -= c[0];
    }
    counts[cat[1]]++;
    lines[k] = cat[2]();
  }
  return { lines, counts };
}

export function writeQueries(file, n, count, seed) {
  const q = queryLines(n, count, seed);
  writeFileSync(file, q.lines.join('\n') + '\n');
  return { file, count: q.lines.length, counts: q.counts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, n = '100000', count = '100000', seed = '42'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/qps/gen-queries.mjs FILE [N] [COUNT] [SEED]');
    process.exit(2);
  }
  const r = writeQueries(file, Number(n), Number(count), Number(seed));
  console.log(`wrote ${r.file}: ${r.count} queries ${JSON.stringify(r.counts)}`);
}
