#!/usr/bin/env node
// Deterministic generator of a large, valid zone file for the load benchmark (bench/load.mjs).
//
//   node bench/gen-zone.mjs [--records N] [--out FILE] [--origin NAME] [--seed S] [--force]
//
// Defaults: 1,000,000 records, origin bench.example., seed 1, bench/out/bench-<N>.zone.
// The same arguments always give the same bytes (a fixed-seed PRNG, no clock, no Math.random),
// and an existing file whose header matches is reused unless --force is given.
//
// What is in it, chosen so named-checkzone, nsd-checkzone and zonedns all accept it with their
// default checks (every NS/MX/SRV target is an in-zone name with an A record, no CNAME shares
// a name with other data, nothing is hidden under a delegation except glue, host names pass
// BIND's check-names):
// - an SOA written across lines in parentheses with comments, and two apex NS with addresses;
// - by record count: ~55% A, 15% AAAA, 10% CNAME, 8% MX, 7% TXT (1-3 strings, spaces, escapes),
//   3% NS (delegations of 2 NS each, with 2 glue A counted as A), 2% SRV;
// - owners of 1-3 labels below the origin; about 10% written absolute; following records of the
//   same owner usually omit it (the line starts with a blank); targets relative or absolute;
// - explicit TTLs and classes on some records; RRsets of 1-4 records, some split across the file.

import { mkdirSync, openSync, writeSync, closeSync, readSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GENERATOR_VERSION = 2;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Record mix by count (fractions of all records; the SOA and apex records are a rounding error). */
export const MIX = { A: 0.55, AAAA: 0.15, CNAME: 0.1, MX: 0.08, TXT: 0.07, NS: 0.03, SRV: 0.02 };

/** mulberry32: small, fast, good enough for test data, and the same everywhere. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function defaultZonePath(records) {
  return join(HERE, 'out', `bench-${records}.zone`);
}

function headerLine(records, origin, seed) {
  return `; zonedns bench zone: gen-zone v${GENERATOR_VERSION} records=${records} origin=${origin} seed=${seed}`;
}

/** True if `file` exists and was written by this generator with these parameters. */
function upToDate(file, header) {
  if (!existsSync(file)) return false;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(header.length + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return n === buf.length && buf.toString('latin1') === header + '\n';
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the zone and returns { file, origin, records, counts, bytes, reused }.
 * `origin` is absolute with its final dot.
 */
export function generateZone({ records = 1_000_000, out, origin = 'bench.example.', seed = 1, force = false } = {}) {
  if (!origin.endsWith('.')) origin += '.';
  const file = out ?? defaultZonePath(records);
  const header = headerLine(records, origin, seed);
  if (!force && upToDate(file, header)) return { file, origin, records, reused: true };

  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  let chunk = [];
  let chunkChars = 0;
  let bytes = 0;
  const emit = (line) => {
    chunk.push(line);
    chunkChars += line.length + 1;
    if (chunkChars > 1 << 20) flush();
  };
  const flush = () => {
    if (chunk.length === 0) return;
    const s = chunk.join('\n') + '\n';
    bytes += writeSync(fd, s, null, 'latin1');
    chunk = [];
    chunkChars = 0;
  };

  const rnd = prng(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (arr) => arr[int(arr.length)];
  const chance = (p) => rnd() < p;

  const counts = { SOA: 0, A: 0, AAAA: 0, CNAME: 0, MX: 0, TXT: 0, NS: 0, SRV: 0 };
  let total = 0;

  // Owner text in the file: relative usually, absolute sometimes.
  const ownerText = (rel) => (chance(0.1) ? `${rel}.${origin}` : rel);
  const targetText = (rel) => (chance(0.3) ? `${rel}.${origin}` : rel);
  const pad = (s, w) => (s.length >= w ? s + ' ' : s + ' '.repeat(w - s.length));
  // `owner` is undefined for "same owner as the line before" (leading blank).
  let lastOwner; // relative owner of the previous record line
  const line = (owner, ttlClassType, rdata) => {
    const head = owner === undefined ? '\t' : pad(owner, 24);
    emit(`${head}${ttlClassType} ${rdata}`);
    total++;
  };
  /** Writes a record of `rel`, omitting the owner when it repeats the previous line's. */
  const rec = (rel, tct, rdata) => {
    if (rel === lastOwner && chance(0.85)) line(undefined, tct, rdata);
    else line(ownerText(rel), tct, rdata);
    lastOwner = rel;
  };

  emit(header);
  emit(`; ${records} records. Regenerate: node bench/gen-zone.mjs --records ${records} --force`);
  emit(`$ORIGIN ${origin}`);
  emit('$TTL 3600');
  emit(`@\tIN\tSOA\tns1.${origin} hostmaster.${origin} (`);
  emit('\t\t2024060101 ; serial');
  emit('\t\t7200       ; refresh');
  emit('\t\t3600       ; retry');
  emit('\t\t1209600    ; expire');
  emit('\t\t300 )      ; negative-caching TTL');
  total++;
  counts.SOA++;
  emit('\t\tIN\tNS\tns1');
  emit(`\t\tIN\tNS\tns2.${origin}`);
  emit('ns1\t\tIN\tA\t192.0.2.1');
  emit('ns2\t\tIN\tA\t192.0.2.2');
  emit(`\t\tIN\tAAAA\t2001:db8::2`);
  emit(`@\t\tIN\tMX\t10 mail`);
  emit('mail\t\tA\t192.0.2.25');
  emit('@\t\tTXT\t"v=spf1 mx -all"');
  lastOwner = '@';
  total += 8;
  counts.NS += 2;
  counts.A += 3;
  counts.AAAA += 1;
  counts.MX += 1;
  counts.TXT += 1;

  // Hosts that have an A record: the only NS/MX/SRV targets used, so every target resolves.
  const addrHosts = ['ns1', 'ns2', 'mail'];
  let hostSeq = 0;
  let cnameSeq = 0;
  let delegSeq = 0;
  let currentHost; // the host whose records are being written (A/AAAA/MX/TXT may follow)
  let currentA = 0;
  const mxSeen = new Set(['@ 10 mail']);
  const zones = 400; // second-level labels z0..z399; third-level r0..r49

  /** A new host name of 1-3 labels: h<n>, h<n>.z<k>, or h<n>.r<j>.z<k>. */
  const newHost = () => {
    const n = hostSeq++;
    const r = rnd();
    if (r < 0.4) return `h${n}`;
    if (r < 0.8) return `h${n}.z${int(zones)}`;
    return `h${n}.r${int(50)}.z${int(zones)}`;
  };
  const ipv4 = () => `${10 + int(200)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const ipv6 = () => {
    const g = () => int(0x10000).toString(16);
    const r = rnd();
    if (r < 0.6) return `2001:db8:${g()}:${g()}::${g()}`;
    if (r < 0.9) return `2001:db8:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`;
    return `fd00::${g()}:${g()}`;
  };
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const txtString = () => {
    const r = rnd();
    if (r < 0.3) return `"v=spf1 ip4:${ipv4()} include:_spf.${origin} ~all"`;
    if (r < 0.5) return `"google-site-verification=${int(1e9).toString(36)}${int(1e9).toString(36)}${int(1e9).toString(36)}"`;
    if (r < 0.6) return `"say \\"${pick(words)}\\" \\059 twice"`;
    if (r < 0.7) return `${pick(words)}-${int(1000)}`; // unquoted
    return `"${pick(words)} ${pick(words)} ${pick(words)} ${int(100000)}"`;
  };

  // Pick the type furthest behind its share, with a little noise so types interleave naturally.
  const types = Object.keys(MIX);
  const nextType = () => {
    let best;
    let bestDeficit = -Infinity;
    for (const t of types) {
      const deficit = MIX[t] * (total + 1) - counts[t] + rnd() * 2;
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = t;
      }
    }
    return best;
  };

  while (total < records) {
    const left = records - total;
    let t = nextType();
    if (t === 'NS' && left < 4) t = 'A';
    switch (t) {
      case 'A': {
        if (currentHost === undefined || currentA >= 1 + int(4) || chance(0.45)) {
          currentHost = newHost();
          currentA = 0;
        }
        rec(currentHost, chance(0.1) ? 'IN A' : chance(0.05) ? '1h IN A' : 'A', ipv4());
        if (currentA++ === 0) addrHosts.push(currentHost);
        break;
      }
      case 'AAAA': {
        if (currentHost === undefined || chance(0.15)) {
          currentHost = newHost();
          currentA = 9; // AAAA-only host: no more A for it
        }
        rec(currentHost, 'AAAA', ipv6());
        break;
      }
      case 'MX': {
        // Mostly on the host being written; sometimes on an earlier one (RRset split in the file).
        const owner = currentHost !== undefined && chance(0.8) ? currentHost : pick(addrHosts);
        const target = chance(0.2) ? 'mail' : pick(addrHosts);
        // No exact duplicates (every tool would drop them and the record counts would differ).
        let pref = 10 * (1 + int(5));
        while (mxSeen.has(`${owner} ${pref} ${target}`)) pref++;
        mxSeen.add(`${owner} ${pref} ${target}`);
        rec(owner, chance(0.05) ? '3600 IN MX' : 'MX', `${pref} ${targetText(target)}`);
        break;
      }
      case 'TXT': {
        const base = currentHost ?? pick(addrHosts);
        const owner = chance(0.3) ? `_dmarc.${base}` : base;
        const n = chance(0.2) ? 2 + int(2) : 1;
        const strings = [];
        for (let i = 0; i < n; i++) strings.push(txtString());
        rec(owner, 'TXT', strings.join(' '));
        break;
      }
      case 'CNAME': {
        const n = cnameSeq++;
        const owner = chance(0.5) ? `c${n}` : chance(0.5) ? `www.c${n}.z${int(zones)}` : `c${n}.z${int(zones)}`;
        const r = rnd();
        const target = r < 0.6 ? pick(addrHosts) : r < 0.8 ? `${pick(addrHosts)}.${origin}` : `edge${int(5000)}.cdn.example.net.`;
        rec(owner, chance(0.2) ? '300 CNAME' : 'CNAME', target);
        break;
      }
      case 'NS': {
        // A delegation: 2 NS with in-bailiwick names and their glue (counted as A).
        const n = delegSeq++;
        const cut = chance(0.7) ? `d${n}` : `d${n}.z${int(zones)}`;
        const ttl = chance(0.5) ? '86400 ' : '';
        rec(cut, `${ttl}IN NS`, targetText(`ns1.${cut}`));
        rec(cut, `${ttl}IN NS`, `ns2.${cut}`);
        rec(`ns1.${cut}`, 'A', ipv4());
        rec(`ns2.${cut}`, 'A', ipv4());
        counts.NS += 2;
        counts.A += 2;
        currentHost = undefined;
        continue; // counted above
      }
      case 'SRV': {
        const base = pick(addrHosts);
        const svc = pick(['_sip._tcp', '_sip._udp', '_xmpp-server._tcp', '_ldap._tcp']);
        rec(`${svc}.${base}`, 'SRV', `${int(20)} ${int(100)} ${1024 + int(60000)} ${targetText(pick(addrHosts))}`);
        break;
      }
    }
    counts[t]++;
  }
  flush();
  closeSync(fd);
  renameSync(tmp, file);
  return { file, origin, records: total, counts, bytes, reused: false };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--records' || a === '-n') o.records = Number(val().replace(/_/g, ''));
    else if (a === '--out' || a === '-o') o.out = val();
    else if (a === '--origin') o.origin = val();
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--force') o.force = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/gen-zone.mjs [--records N] [--out FILE] [--origin NAME] [--seed S] [--force]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.records !== undefined && !(Number.isInteger(o.records) && o.records >= 20)) throw new Error('--records must be an integer >= 20');
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = generateZone(parseArgs(process.argv.slice(2)));
  if (r.reused) console.log(`${r.file}: up to date (${r.records} records, origin ${r.origin})`);
  else {
    const mix = Object.entries(r.counts).map(([t, n]) => `${t} ${((100 * n) / r.records).toFixed(1)}%`).join(', ');
    console.log(`${r.file}: ${r.records} records, ${(r.bytes / 1048576).toFixed(1)} MiB, origin ${r.origin}; ${mix}`);
  }
}
