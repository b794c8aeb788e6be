// Signed test zones, made at test time by the real signers: BIND's dnssec-keygen/dnssec-signzone
// and ldns-keygen/ldns-signzone, with fresh ECDSAP256SHA256 keys in a temporary directory per run.
//
// One zone family per signing variant (NSEC; NSEC3 with a salt and no extra iterations; NSEC3
// opt-out; ldns NSEC; ldns NSEC3 opt-out), each under its own name below .test (`nsec.test`, ...):
//   <zone>            signed: wildcards (one above an empty non-terminal: Technitium#2110), empty
//                     non-terminals, CNAME chains (one through a wildcard, one dangling), a DNAME
//                     into the zone, MX/SRV with in-zone targets, a large TXT, a signed child
//                     (DS), an unsigned child, and an unsigned delegation below two empty
//                     non-terminals (under opt-out those have no NSEC3: nsd#510)
//   secure.<zone>     signed child, its DS in the parent
//   insecure.<zone>   unsigned child, no DS
// Everything a validator needs comes back: the zone files and the parent's DS (trust anchor).

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../support/peers.js';

export type SignerVariant = 'nsec' | 'nsec3' | 'optout' | 'ldns' | 'ldns3';

/** What each variant is, and the programs it needs. */
export const VARIANTS: Record<SignerVariant, { what: string; programs: readonly string[] }> = {
  nsec: { what: 'dnssec-signzone, NSEC', programs: ['dnssec-keygen', 'dnssec-signzone', 'dnssec-dsfromkey'] },
  nsec3: { what: 'dnssec-signzone, NSEC3 salt aabbccdd, 0 iterations', programs: ['dnssec-keygen', 'dnssec-signzone', 'dnssec-dsfromkey'] },
  optout: { what: 'dnssec-signzone, NSEC3 opt-out, no salt', programs: ['dnssec-keygen', 'dnssec-signzone', 'dnssec-dsfromkey'] },
  ldns: { what: 'ldns-signzone, NSEC', programs: ['ldns-keygen', 'ldns-signzone', 'dnssec-dsfromkey'] },
  ldns3: { what: 'ldns-signzone, NSEC3 opt-out, salt 0123', programs: ['ldns-keygen', 'ldns-signzone', 'dnssec-dsfromkey'] },
};

export const ALL_VARIANTS = Object.keys(VARIANTS) as SignerVariant[];

export interface SignedZone {
  /** Origin without the trailing dot, e.g. "nsec.test". */
  origin: string;
  file: string;
  signed: boolean;
}

export interface SignedFamily {
  variant: SignerVariant;
  /** The parent zone's origin (the trust anchor's owner), e.g. "nsec.test". */
  apex: string;
  /** Parent first, then secure.<apex> and insecure.<apex>. */
  zones: SignedZone[];
  /** DS records of the parent's KSK, zone-file text: a trust anchor for unbound and delv. */
  anchorDs: string;
}

/** The parent zone before signing; `childDs` are the DS lines of secure.<apex>. */
export function parentZoneText(apex: string, childDs: string): string {
  return `$ORIGIN ${apex}.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
@ NS ns2
@ A 192.0.2.1
@ MX 10 mail
@ TXT "v=spf1 mx -all"
ns1 A 192.0.2.53
ns2 A 192.0.2.54
ns2 AAAA 2001:db8::54
mail A 192.0.2.25
www A 192.0.2.80
www AAAA 2001:db8::80
*.wild A 192.0.2.99
*.wild TXT "wild"
*.wild MX 10 mail
x.y.ent A 192.0.2.10
_sip._tcp SRV 0 5 5060 www
cname CNAME www
chain1 CNAME chain2
chain2 CNAME www
wcname CNAME foo.wild
*.cnwild CNAME www
dangling CNAME nothing
dn DNAME target
www.target A 192.0.2.81
big TXT "${'x'.repeat(200)}" "${'x'.repeat(200)}" "${'x'.repeat(200)}" "${'x'.repeat(200)}" "${'x'.repeat(200)}" "${'y'.repeat(100)}"
secure NS ns.secure
ns.secure A 192.0.2.70
${childDs.split('\n').filter((l) => l.trim()).map((l) => l.replace(/^\S+\s+(IN\s+)?/, 'secure IN ')).join('\n')}
insecure NS ns.insecure
ns.insecure A 192.0.2.71
a.b.deep NS ns.elsewhere.example.
`;
}

export function childZoneText(origin: string): string {
  return `$ORIGIN ${origin}.
$TTL 3600
@ SOA ns hostmaster 1 7200 900 1209600 300
@ NS ns
ns A 192.0.2.70
www A 192.0.2.72
*.any TXT "child wildcard"
`;
}

function run(program: string, args: string[], cwd: string): Promise<string> {
  const path = findProgram(program);
  if (path === undefined) return Promise.reject(new Error(`${program} is not installed`));
  return new Promise((resolve, reject) => {
    execFile(path, args, { cwd, timeout: 30_000 }, (err, stdout, stderr) =>
      (err ? reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

interface Keys {
  /** Key base names (K<zone>+013+<id>), KSK first. */
  ksk: string;
  zsk: string;
}

async function bindKeys(zone: string, dir: string): Promise<Keys> {
  const ksk = (await run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-f', 'KSK', '-K', dir, zone], dir)).trim();
  const zsk = (await run('dnssec-keygen', ['-q', '-a', 'ECDSAP256SHA256', '-K', dir, zone], dir)).trim();
  return { ksk, zsk };
}

async function ldnsKeys(zone: string, dir: string): Promise<Keys> {
  const ksk = (await run('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', '-r', '/dev/urandom', zone], dir)).trim();
  const zsk = (await run('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-r', '/dev/urandom', zone], dir)).trim();
  return { ksk, zsk };
}

/** Signs `text` for `zone` in `dir`; returns the signed file's path. */
async function sign(variant: SignerVariant, zone: string, text: string, keys: Keys, dir: string): Promise<string> {
  const unsigned = join(dir, `${zone}.zone`);
  const out = join(dir, `${zone}.signed`);
  if (variant === 'ldns' || variant === 'ldns3') {
    writeFileSync(unsigned, text);
    const nsec3 = variant === 'ldns3' ? ['-n', '-p', '-t', '0', '-s', '0123'] : [];
    await run('ldns-signzone', [...nsec3, '-o', zone, '-f', out, unsigned, keys.ksk, keys.zsk], dir);
  } else {
    // dnssec-signzone takes the keys from the zone (-S: smart signing from the key directory).
    writeFileSync(unsigned, text);
    const nsec3 = variant === 'nsec3' ? ['-3', 'aabbccdd', '-H', '0'] : variant === 'optout' ? ['-3', '-', '-H', '0', '-A'] : [];
    await run('dnssec-signzone', ['-q', '-S', '-K', dir, ...nsec3, '-o', zone, '-f', out, unsigned], dir);
  }
  return out;
}

async function dsOf(key: string, dir: string): Promise<string> {
  return run('dnssec-dsfromkey', ['-2', join(dir, `${key}.key`)], dir);
}

/**
 * Makes one zone family, signed as `variant`, in a fresh directory below `root` (removed by the
 * caller with the root).
 */
export async function signFamily(variant: SignerVariant, root: string): Promise<SignedFamily> {
  const apex = `${variant}.test`;
  const dir = mkdtempSync(join(root, `${variant}-`));
  const keygen = variant.startsWith('ldns') ? ldnsKeys : bindKeys;
  const child = `secure.${apex}`;
  const [parentKeys, childKeys] = await Promise.all([keygen(apex, dir), keygen(child, dir)]);
  const childFile = await sign(variant, child, childZoneText(child), childKeys, dir);
  const childDs = await dsOf(childKeys.ksk, dir);
  const parentFile = await sign(variant, apex, parentZoneText(apex, childDs), parentKeys, dir);
  const anchorDs = await dsOf(parentKeys.ksk, dir);
  const insecureFile = join(dir, `insecure.${apex}.zone`);
  writeFileSync(insecureFile, childZoneText(`insecure.${apex}`));
  return {
    variant,
    apex,
    zones: [
      { origin: apex, file: parentFile, signed: true },
      { origin: child, file: childFile, signed: true },
      { origin: `insecure.${apex}`, file: insecureFile, signed: false },
    ],
    anchorDs,
  };
}

/** A temporary root for signed families; `cleanup` removes it. */
export function signingRoot(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-signed-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Programs every variant in `variants` needs. */
export function signerPrograms(variants: readonly SignerVariant[]): string[] {
  return [...new Set(variants.flatMap((v) => VARIANTS[v].programs))];
}

/** For debugging a failing run: the files a family was made from. */
export function familyFiles(f: SignedFamily): string {
  const dir = f.zones[0]!.file.replace(/\/[^/]+$/, '');
  return readdirSync(dir).map((n) => `${n}: ${readFileSync(join(dir, n), 'utf8').length} octets`).join('\n');
}
