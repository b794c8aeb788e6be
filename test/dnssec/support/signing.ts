// Signing in tests: a zone with every shape DNSSEC cares about, keys in a temporary directory,
// one shared signing pool, and signZone with a fixed clock and a serial that counts up.

import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameToText } from '../../../src/dns/name.js';
import { typeToString } from '../../../src/dns/constants.js';
import { generateKey, type AlgorithmName, type ZoneKey } from '../../../src/dnssec/keys.js';
import { SigningPool } from '../../../src/dnssec/sign-pool.js';
import { DEFAULT_SIGN_POLICY, signZone, type SignPolicy, type SignResult } from '../../../src/dnssec/sign-zone.js';
import { verifyZone } from '../../../src/dnssec/verify-zone.js';
import type { ZoneDiff } from '../../../src/xfr/journal.js';
import type { ZoneSnapshot } from '../../../src/zone/snapshot.js';
import { zoneFromText } from '../../support/zones.js';

/** 2026-12-01 00:00:00 UTC. */
export const NOW = Date.UTC(2026, 11, 1) / 1000;
export const DAY = 86400;

/** Apex data, a wildcard, empty non-terminals, a CNAME, a DNAME, signed and unsigned delegations with glue. */
export const ZONE = `$ORIGIN example.test.
$TTL 3600
@ SOA ns1 hostmaster 2026120101 7200 3600 1209600 300
@ NS ns1
@ NS ns2
@ MX 10 mail
ns1 A 192.0.2.1
ns2 AAAA 2001:db8::2
mail A 192.0.2.5
www A 192.0.2.2
www A 192.0.2.3
*.wild TXT "wildcard"
a.b.c AAAA 2001:db8::1
alias CNAME www
old DNAME example.net.
signed NS ns.signed
signed DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.signed A 192.0.2.10
unsigned NS ns.unsigned
ns.unsigned A 192.0.2.11
`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'zonedns-sign-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export const pool = new SigningPool(2);
afterAll(() => pool.close());

const keys = new Map<AlgorithmName, ZoneKey>();
export function testKey(algorithm: AlgorithmName, zone: ZoneSnapshot): ZoneKey {
  let key = keys.get(algorithm);
  if (key === undefined || key.origin !== zone.originKey) keys.set(algorithm, (key = generateKey(zone.origin, algorithm, tempDir('zonedns-keys-'))));
  return key;
}

export interface SignOptions {
  policy?: Partial<SignPolicy>;
  previous?: ZoneSnapshot;
  now?: number;
  /** The source is the served snapshot itself (a refresh). */
  shared?: boolean;
  /** Default: a key made for the test. */
  key?: ZoneKey;
}

/** Signs `source` (zone text or a snapshot) at NOW; each change serves the previous serial + 1. */
export function sign(source: string | ZoneSnapshot, opts: SignOptions = {}): Promise<SignResult> {
  const snapshot = typeof source === 'string' ? zoneFromText('example.test', source) : source;
  const policy = { ...DEFAULT_SIGN_POLICY, ...opts.policy };
  return signZone({
    source: snapshot, sourceIsPrivate: typeof source === 'string' && !opts.shared, previous: opts.previous, key: opts.key ?? testKey(policy.algorithm, snapshot), policy,
    now: opts.now ?? NOW, signer: pool, serial: (file, previous) => (previous === undefined ? file : Math.max(file, previous + 1)),
  });
}

/** What our zone checks say about a signed snapshot at `now` (nothing, for a good one). */
export function findings(zone: ZoneSnapshot, now = NOW): string[] {
  const out: string[] = [];
  verifyZone(zone, { now }, (f) => out.push(f.message));
  return out;
}

/** `owner TYPE` (RRSIG: `owner RRSIG(TYPE)`) of each RRset in a diff, sorted, without duplicates. */
export function touched(diff: ZoneDiff): string[] {
  const out = new Set<string>();
  for (const s of [...diff.deleted, ...diff.added]) {
    const type = s.type === 46 ? `RRSIG(${typeToString((s.rdata[0]!.charCodeAt(0) << 8) | s.rdata[0]!.charCodeAt(1))})` : typeToString(s.type);
    out.add(`${nameToText(s.owner).toLowerCase()} ${type}`);
  }
  return [...out].sort();
}
