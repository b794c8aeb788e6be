// Signed copies of the bench zones, for the DO=1 rows (zonedns-do, knot-do): fresh
// ECDSAP256SHA256 keys (a KSK and a ZSK per zone) in the output directory, then
// `dnssec-signzone -3 - -H 0` (NSEC3, no salt, no extra iterations: RFC 9276's advice, and the
// NXDOMAIN answers cost the server an NSEC3 hash each), one thread per CPU. The signed files keep
// the zones' names (`big.test.zone`, `example.test.zone`) in a directory of their own.
//
//   node bench/qps/signed.mjs SRCDIR OUTDIR

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG, SMALL } from './gen-zones.mjs';
import { which } from './servers.mjs';

export const SIGNER_PROGRAMS = ['dnssec-keygen', 'dnssec-signzone'];

/** Why the zones cannot be signed here, or undefined. */
export function signerMissing() {
  const missing = SIGNER_PROGRAMS.filter((p) => !which(p));
  return missing.length ? `${missing.join(', ')} not found (Debian: apt-get install bind9-utils)` : undefined;
}

function run(cmd, args, cwd) {
  const r = spawnSync(which(cmd), args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout.trim();
}

/** Signs `SRCDIR/{example.test,big.test}.zone` into `outDir`; returns { dir, seconds }. */
export function signZones(srcDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  const keys = join(outDir, 'keys');
  mkdirSync(keys, { recursive: true });
  const started = Date.now();
  for (const zone of [SMALL, BIG]) {
    run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-K', keys, zone], keys);
    run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-K', keys, zone], keys);
    run('dnssec-signzone', ['-q', '-S', '-K', keys, '-3', '-', '-H', '0', '-n', String(availableParallelism()), '-o', zone,
      '-f', join(outDir, `${zone}.zone`), join(srcDir, `${zone}.zone`)], keys);
  }
  return { dir: outDir, seconds: (Date.now() - started) / 1000 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [src, out] = process.argv.slice(2);
  if (!src || !out) {
    console.error('usage: node bench/qps/signed.mjs SRCDIR OUTDIR');
    process.exit(2);
  }
  const why = signerMissing();
  if (why) {
    console.error(why);
    process.exit(1);
  }
  const r = signZones(src, out);
  console.log(`signed into ${r.dir} in ${r.seconds.toFixed(1)} s`);
}
