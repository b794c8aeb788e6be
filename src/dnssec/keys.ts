// A zone's signing key: one combined signing key (CSK, DNSKEY flags 257: zone key + SEP) per
// zone, made with node:crypto, kept in BIND's key-file format so keys go both ways between
// zonedns and BIND (`dnssec-keygen` keys are read; ours sign with `dnssec-signzone`):
//
//   K<zone>.+<alg>+<tag>.key      the DNSKEY as a zone-file line, after `;` comments (mode 0644)
//   K<zone>.+<alg>+<tag>.private  `Private-key-format: v1.3`, `Algorithm: 13 (ECDSAP256SHA256)`,
//                                 `PrivateKey: <base64>` and timing lines (mode 0600)
//
// (BIND lib/dns/dst_api.c and dst_parse.c.) ECDSA P-256 (RFC 6605): the private key is the
// 32-octet scalar, the DNSKEY's public key the 64 octets x | y. Ed25519 (RFC 8080): the 32-octet
// seed, and the 32-octet public key.

import { createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBuffer, toBuffer, u16, u8, type Bytes } from '../dns/bytes.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import { base64Decode, base64Encode } from '../dns/rdata/encoding.js';
import { sigTimeToText } from '../dns/rdata/sigtime.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import { keyTag } from './key-tag.js';

/** The algorithms zonedns signs with, by their configuration names. */
export const ALGORITHMS = {
  ecdsap256sha256: { number: 13, mnemonic: 'ECDSAP256SHA256' },
  ed25519: { number: 15, mnemonic: 'ED25519' },
} as const;
export type AlgorithmName = keyof typeof ALGORITHMS;

/** DNSKEY flags of a CSK: Zone Key (256) + Secure Entry Point (1), as BIND's default policy makes. */
export const CSK_FLAGS = 257;

export interface ZoneKey {
  /** The zone, case-folded. */
  readonly origin: Name;
  /** DNSSEC algorithm number: 13 or 15. */
  readonly algorithm: number;
  /** The DNSKEY RDATA (flags, protocol 3, algorithm, public key). */
  readonly dnskey: Bytes;
  readonly tag: number;
  readonly privateKey: KeyObject;
  /** The private key as PKCS #8 DER, for signing threads. */
  readonly pkcs8: Uint8Array;
  /** The key files without extension (`.../Kexample.com.+013+12345`). */
  readonly path: string;
}

/** A key file that cannot be used: the message names the file. */
export class KeyFileError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'KeyFileError';
  }
}

function algorithmName(number: number): AlgorithmName | undefined {
  for (const [name, a] of Object.entries(ALGORITHMS)) if (a.number === number) return name as AlgorithmName;
  return undefined;
}

/** `Kexample.com.+013+12345`: BIND's base name (zone in lower case, absolute). */
export function keyBaseName(origin: Name, algorithm: number, tag: number): string {
  return `K${nameToText(nameKey(origin))}+${String(algorithm).padStart(3, '0')}+${String(tag).padStart(5, '0')}`;
}

/** The raw public key of a private key, as the DNSKEY carries it. */
function publicKeyOf(algorithm: number, privateKey: KeyObject): Bytes {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const raw = (s: string | undefined) => fromBuffer(Buffer.from(s ?? '', 'base64url'));
  return algorithm === 13 ? raw(jwk.x) + raw(jwk.y) : raw(jwk.x);
}

/** The private key from its raw form in a .private file (the ECDSA scalar or the Ed25519 seed). */
function privateKeyFromRaw(algorithm: number, raw: Bytes): KeyObject {
  const d = toBuffer(raw);
  if (algorithm === 13) {
    if (d.length !== 32) throw new Error(`an ECDSA P-256 private key is 32 octets, not ${d.length}`);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(d);
    const pub = ecdh.getPublicKey();
    return createPrivateKey({
      key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') },
      format: 'jwk',
    });
  }
  if (d.length !== 32) throw new Error(`an Ed25519 private key is 32 octets, not ${d.length}`);
  // PKCS #8 for Ed25519 (RFC 8410 §7): a fixed prefix, then the 32-octet seed.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), d]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The raw private key a .private file holds (the JWK's `d` for both algorithms). */
function rawPrivateKey(privateKey: KeyObject): Bytes {
  return fromBuffer(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
}

function makeKey(origin: Name, algorithm: number, flags: number, privateKey: KeyObject, dir: string): ZoneKey {
  const dnskey = u16(flags) + u8(3) + u8(algorithm) + publicKeyOf(algorithm, privateKey);
  const tag = keyTag(dnskey);
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  return { origin: nameKey(origin), algorithm, dnskey, tag, privateKey, pkcs8, path: join(dir, keyBaseName(origin, algorithm, tag)) };
}

/** A new CSK for `origin` (not written anywhere yet). */
export function generateKey(origin: Name, algorithm: AlgorithmName, dir: string): ZoneKey {
  const number = ALGORITHMS[algorithm].number;
  const { privateKey } = number === 13 ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return makeKey(origin, number, CSK_FLAGS, privateKey, dir);
}

/** BIND's timestamp in key files: YYYYMMDDHHMMSS, UTC. */
function keyTime(at: Date): string {
  return sigTimeToText(Math.floor(at.getTime() / 1000));
}

/** The text of the .key and .private files, as dnssec-keygen writes them. */
export function keyFileTexts(key: ZoneKey, created: Date): { publicText: string; privateText: string } {
  const mnemonic = ALGORITHMS[algorithmName(key.algorithm)!].mnemonic;
  const when = keyTime(created);
  const human = created.toUTCString();
  const zone = nameToText(key.origin);
  const flags = (key.dnskey.charCodeAt(0) << 8) | key.dnskey.charCodeAt(1);
  const kind = flags & 1 ? 'key-signing' : 'zone-signing';
  const publicText = `; This is a ${kind} key, keyid ${key.tag}, for ${zone}\n`
    + `; Created: ${when} (${human})\n; Publish: ${when} (${human})\n; Activate: ${when} (${human})\n`
    + `${zone} IN DNSKEY ${flags} 3 ${key.algorithm} ${base64Encode(key.dnskey.slice(4))}\n`;
  const privateText = `Private-key-format: v1.3\nAlgorithm: ${key.algorithm} (${mnemonic})\n`
    + `PrivateKey: ${base64Encode(rawPrivateKey(key.privateKey))}\n`
    + `Created: ${when}\nPublish: ${when}\nActivate: ${when}\n`;
  return { publicText, privateText };
}

/** Writes the key's two files (the private one readable by its owner only). */
export function writeKeyFiles(key: ZoneKey, created: Date): void {
  const { publicText, privateText } = keyFileTexts(key, created);
  mkdirSync(join(key.path, '..'), { recursive: true, mode: 0o700 });
  writeFileAtomic(`${key.path}.private`, privateText, 0o600);
  writeFileAtomic(`${key.path}.key`, publicText, 0o644);
}

/** `Name: value` lines of a .private file, names lower-cased without the colon. */
function privateFields(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) return;
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m === null) throw new KeyFileError(`${file}:${i + 1}`, `not a "Name: value" line`);
    out.set(m[1]!.toLowerCase(), m[2]!);
  });
  return out;
}

/** Reads a .private file (and, when there is one, its .key file for the DNSKEY flags). */
export function readKey(origin: Name, path: string): ZoneKey {
  const privateFile = `${path}.private`;
  let text: string;
  try {
    text = readFileSync(privateFile, 'latin1');
  } catch (e) {
    throw new KeyFileError(privateFile, `cannot read: ${(e as Error).message}`);
  }
  const fields = privateFields(text, privateFile);
  const format = fields.get('private-key-format');
  if (format === undefined || !/^v1\.\d+$/.test(format)) throw new KeyFileError(privateFile, `not a BIND private key file (no "Private-key-format: v1.x" line)`);
  const algorithm = Number(/^\d+/.exec(fields.get('algorithm') ?? '')?.[0] ?? NaN);
  if (algorithmName(algorithm) === undefined) {
    throw new KeyFileError(privateFile, `algorithm ${fields.get('algorithm') ?? '(none)'} is not one zonedns signs with (13 ECDSAP256SHA256, 15 ED25519)`);
  }
  const raw = base64Decode((fields.get('privatekey') ?? '').replace(/\s+/g, ''));
  if (raw === undefined || raw.length === 0) throw new KeyFileError(privateFile, 'no PrivateKey line with base64 data');
  let privateKey: KeyObject;
  try {
    privateKey = privateKeyFromRaw(algorithm, raw);
  } catch (e) {
    throw new KeyFileError(privateFile, `bad private key: ${(e as Error).message}`);
  }
  const dir = join(path, '..');
  let flags = CSK_FLAGS;
  const publicFile = `${path}.key`;
  let publicText: string | undefined;
  try {
    publicText = readFileSync(publicFile, 'latin1');
  } catch {
    // The public half is derived from the private key; the .key file only adds the flags.
  }
  if (publicText !== undefined) {
    const m = /^\S+\s+(?:\d+\s+)?(?:IN\s+)?DNSKEY\s+(\d+)\s+3\s+(\d+)\s+(.+)$/im.exec(publicText.split('\n').filter((l) => !l.trim().startsWith(';')).join('\n'));
    if (m === null) throw new KeyFileError(publicFile, 'no DNSKEY record in it');
    flags = Number(m[1]);
    if (!(flags & 0x0100)) throw new KeyFileError(publicFile, `DNSKEY flags ${flags} lack the Zone Key bit (256): not a zone signing key`);
    if (Number(m[2]) !== algorithm) throw new KeyFileError(publicFile, `algorithm ${m[2]} differs from the private key's ${algorithm}`);
    const key = makeKey(origin, algorithm, flags, privateKey, dir);
    if (base64Decode(m[3]!.replace(/\s+/g, '')) !== key.dnskey.slice(4)) throw new KeyFileError(publicFile, 'the public key does not belong to the private key in the .private file');
    return { ...key, path };
  }
  return { ...makeKey(origin, algorithm, flags, privateKey, dir), path };
}

/** The base paths of the key files of `origin` in `dir` (`K<zone>.+<alg>+<tag>.private`). */
export function keyPathsFor(dir: string, origin: Name): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KeyFileError(dir, `cannot list the key directory: ${(e as Error).message}`);
  }
  const prefix = `k${nameToText(nameKey(origin))}+`;
  return names
    .filter((n) => n.toLowerCase().startsWith(prefix) && /\+\d{3}\+\d{5}\.private$/.test(n))
    .sort()
    .map((n) => join(dir, n.slice(0, -'.private'.length)));
}

/**
 * The zone's CSK: the one in `dir`, or a new one made and written there when there is none. An
 * unreadable key file is an error naming it (never a silent new key: the DS at the parent names
 * the old one); so are a second key and a key of another algorithm than configured (zonedns does
 * no rollovers: a change done badly takes the zone dark for validating resolvers).
 */
export function zoneKey(dir: string, origin: Name, algorithm: AlgorithmName, now: Date): { key: ZoneKey; created: boolean } {
  const paths = keyPathsFor(dir, origin);
  const zone = nameToText(nameKey(origin));
  if (paths.length > 1) {
    throw new KeyFileError(dir, `${paths.length} keys for ${zone} (${paths.map((p) => p.slice(dir.length + 1)).join(', ')}); zonedns signs with one combined signing key: keep one (key rollovers are not supported)`);
  }
  if (paths.length === 1) {
    const key = readKey(origin, paths[0]!);
    const wanted = ALGORITHMS[algorithm].number;
    if (key.algorithm !== wanted) {
      throw new KeyFileError(`${paths[0]}.private`, `the key of ${zone} is algorithm ${key.algorithm} (${ALGORITHMS[algorithmName(key.algorithm)!].mnemonic}), but the configuration asks for ${algorithm}; `
        + 'algorithm rollovers are not supported: set the algorithm back, or remove the key files to start over with a new key (then give the parent the new DS)');
    }
    return { key, created: false };
  }
  const key = generateKey(origin, algorithm, dir);
  writeKeyFiles(key, now);
  return { key, created: true };
}

/** DS RDATA for a DNSKEY (RFC 4034 §5.1.4): digest over the owner's canonical wire form and the DNSKEY RDATA. */
export function dsRdata(origin: Name, dnskey: Bytes, digestType: 2 | 4 = 2): Bytes {
  const digest = createHash(digestType === 2 ? 'sha256' : 'sha384').update(nameKey(origin), 'latin1').update(dnskey, 'latin1').digest();
  return u16(keyTag(dnskey)) + u8(dnskey.charCodeAt(3)) + u8(digestType) + fromBuffer(digest);
}
