// TSIG keys (RFC 8945): the HMAC algorithms we implement, one key from its parts, BIND key files
// as `tsig-keygen` prints them, and a keyring that looks keys up by name case-insensitively.
//
// Secrets are held as node:crypto KeyObjects: they go straight to createHmac and print as
// `SecretKeyObject { type: 'secret' }`, so a key that ends up in a log line does not leak.

import { createSecretKey, type KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { nameFromText, nameKey, nameToText, ROOT, type Name } from '../dns/name.js';

/** The HMAC algorithms of RFC 8945 §6 (GSS-TSIG is not an HMAC and is not supported). */
export type TsigAlgorithm = 'hmac-md5' | 'hmac-sha1' | 'hmac-sha224' | 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512';

export interface TsigAlgorithmInfo {
  readonly id: TsigAlgorithm;
  /** The algorithm name as it goes on the wire: canonical (lower case), uncompressed. */
  readonly wireName: Name;
  /** node:crypto hash name. */
  readonly hash: string;
  /** Output length of the HMAC in octets. */
  readonly size: number;
  /** RFC 8945 §5.2.2.1: the shortest MAC allowed, max(10, half the hash size). */
  readonly minSize: number;
}

function alg(id: TsigAlgorithm, wire: string, hash: string, size: number): TsigAlgorithmInfo {
  return { id, wireName: nameFromText(wire), hash, size, minSize: Math.max(10, Math.ceil(size / 2)) };
}

export const TSIG_ALGORITHMS: Readonly<Record<TsigAlgorithm, TsigAlgorithmInfo>> = {
  'hmac-md5': alg('hmac-md5', 'hmac-md5.sig-alg.reg.int.', 'md5', 16),
  'hmac-sha1': alg('hmac-sha1', 'hmac-sha1.', 'sha1', 20),
  'hmac-sha224': alg('hmac-sha224', 'hmac-sha224.', 'sha224', 28),
  'hmac-sha256': alg('hmac-sha256', 'hmac-sha256.', 'sha256', 32),
  'hmac-sha384': alg('hmac-sha384', 'hmac-sha384.', 'sha384', 48),
  'hmac-sha512': alg('hmac-sha512', 'hmac-sha512.', 'sha512', 64),
};

export const DEFAULT_TSIG_ALGORITHM: TsigAlgorithm = 'hmac-sha256';

const byWireName = new Map<string, TsigAlgorithmInfo>(Object.values(TSIG_ALGORITHMS).map((a) => [a.wireName, a]));

/** The algorithm a TSIG RR names (compared case-insensitively), or undefined if we have none such. */
export function algorithmFromWire(name: Name): TsigAlgorithmInfo | undefined {
  return byWireName.get(nameKey(name));
}

export interface TsigKey {
  /** The key name: a domain name, compared case-insensitively (RFC 8945 §4.2). */
  readonly name: Name;
  readonly algorithm: TsigAlgorithmInfo;
  readonly secret: KeyObject;
  /**
   * Length of the MACs we send, in octets: the full hash unless the key was declared truncated
   * (BIND's `hmac-sha256-128`). A truncated key also sets the local policy of RFC 8945 §5.2.4:
   * MACs shorter than this are answered with BADTRUNC.
   */
  readonly macSize: number;
}

/**
 * Parses an algorithm name as BIND writes it: `hmac-sha256`, `HMAC-SHA256.`, `hmac-md5`,
 * `hmac-md5.sig-alg.reg.int.`, or with a truncation suffix in bits (`hmac-sha256-128`).
 * Returns the algorithm and the MAC length in octets, or a reason it is not one.
 */
export function parseTsigAlgorithm(text: string): { algorithm: TsigAlgorithmInfo; macSize: number } | string {
  let t = text.toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t === 'hmac-md5.sig-alg.reg.int') t = 'hmac-md5';
  let bits: number | undefined;
  const m = /^(hmac-[a-z0-9]+)-(\d+)$/.exec(t);
  if (m) {
    t = m[1]!;
    bits = Number(m[2]);
  }
  const algorithm = (TSIG_ALGORITHMS as Record<string, TsigAlgorithmInfo>)[t];
  if (algorithm === undefined) {
    return `unknown TSIG algorithm "${text}" (known: ${Object.keys(TSIG_ALGORITHMS).join(', ')})`;
  }
  if (bits === undefined) return { algorithm, macSize: algorithm.size };
  if (bits % 8 !== 0 || bits > algorithm.size * 8 || bits / 8 < algorithm.minSize) {
    return `"${text}": a ${algorithm.id} MAC can be truncated to a multiple of 8 bits from ${algorithm.minSize * 8} to ${algorithm.size * 8} (RFC 8945 §5.2.2.1)`;
  }
  return { algorithm, macSize: bits / 8 };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes base64 strictly (Buffer.from silently skips junk); whitespace is allowed, as BIND does. */
function decodeSecret(text: string): Buffer | string {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0) return 'the secret is empty';
  if (!BASE64.test(compact)) return 'the secret is not valid base64';
  return Buffer.from(compact, 'base64');
}

/** The key name as a domain name; a name without a trailing dot is taken as absolute. */
function keyNameFromText(text: string): Name {
  return nameFromText(text, ROOT);
}

/** One key from its parts. Throws ConfigError on a bad name, algorithm or secret. */
export function parseTsigKey(name: string, algorithm: string = DEFAULT_TSIG_ALGORITHM, secretBase64: string): TsigKey {
  let owner: Name;
  try {
    owner = keyNameFromText(name);
  } catch (e) {
    throw new ConfigError(`TSIG key name "${name}": ${(e as Error).message}`);
  }
  const a = parseTsigAlgorithm(algorithm);
  if (typeof a === 'string') throw new ConfigError(`TSIG key "${name}": ${a}`);
  const secret = decodeSecret(secretBase64);
  if (typeof secret === 'string') throw new ConfigError(`TSIG key "${name}": ${secret}`);
  return { name: owner, algorithm: a.algorithm, secret: createSecretKey(secret), macSize: a.macSize };
}

/** A key file error, with the 1-based line it was found on. */
export class TsigKeyFileError extends ConfigError {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'TsigKeyFileError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

interface Token {
  /** `{`, `}`, `;`, or a word; `quoted` words came from "...". */
  readonly text: string;
  readonly quoted: boolean;
  readonly line: number;
}

function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const start = line;
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new TsigKeyFileError(file, start, 'unterminated /* comment');
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end + 2;
    } else if (c === '{' || c === '}' || c === ';') {
      out.push({ text: c, quoted: false, line });
      i++;
    } else if (c === '"') {
      const start = line;
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new TsigKeyFileError(file, start, 'unterminated quoted string');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < n) {
          s += text[i + 1];
          if (text[i + 1] === '\n') line++;
          i += 2;
          continue;
        }
        if (d === '\n') line++;
        s += d;
        i++;
      }
      i++;
      out.push({ text: s, quoted: true, line: start });
    } else {
      let j = i;
      while (j < n && !/[\s{};"#]/.test(text[j]!) && !(text[j] === '/' && (text[j + 1] === '/' || text[j + 1] === '*'))) j++;
      out.push({ text: text.slice(i, j), quoted: false, line });
      i = j;
    }
  }
  return out;
}

function describe(t: Token | undefined): string {
  if (t === undefined) return 'the end of the file';
  return t.quoted ? `"${t.text}"` : `'${t.text}'`;
}

/**
 * Parses BIND key statements, as `tsig-keygen` prints them (several may follow each other):
 *
 *     key "name" {
 *         algorithm hmac-sha256;
 *         secret "base64";
 *     };
 *
 * Comments (`#`, `//`, `/* *\/`) are allowed; anything other than key statements is an error.
 * Errors are TsigKeyFileError with `file:line: reason`.
 */
export function parseBindKeyFile(text: string, file = 'key file'): TsigKey[] {
  const tokens = tokenize(text, file);
  const keys: TsigKey[] = [];
  const seen = new Map<string, number>();
  let p = 0;
  const lastLine = (): number => (tokens.length > 0 ? tokens[tokens.length - 1]!.line : 1);
  const fail = (t: Token | undefined, reason: string): never => {
    throw new TsigKeyFileError(file, t?.line ?? lastLine(), reason);
  };
  const expect = (what: string, context: string): Token => {
    const t = tokens[p];
    if (t === undefined || t.quoted || t.text !== what) fail(t, `expected '${what}' ${context}, found ${describe(t)}`);
    p++;
    return t!;
  };
  const word = (context: string): Token => {
    const t = tokens[p];
    if (t === undefined || (!t.quoted && (t.text === '{' || t.text === '}' || t.text === ';'))) fail(t, `expected ${context}, found ${describe(t)}`);
    p++;
    return t!;
  };

  while (p < tokens.length) {
    const kw = tokens[p]!;
    if (kw.quoted || kw.text.toLowerCase() !== 'key') fail(kw, `expected a 'key' statement, found ${describe(kw)}`);
    p++;
    const nameTok = word('a key name after "key"');
    let name: Name;
    try {
      name = keyNameFromText(nameTok.text);
    } catch (e) {
      return fail(nameTok, `key name "${nameTok.text}": ${(e as Error).message}`);
    }
    expect('{', `after key "${nameTok.text}"`);
    let algTok: Token | undefined;
    let secretTok: Token | undefined;
    for (;;) {
      const t = tokens[p];
      if (t === undefined) fail(t, `key "${nameTok.text}" (line ${kw.line}) is not closed with '};'`);
      if (!t!.quoted && t!.text === '}') {
        p++;
        break;
      }
      const clause = word(`'algorithm', 'secret' or '}' in key "${nameTok.text}"`);
      const cname = clause.quoted ? '' : clause.text.toLowerCase();
      if (cname === 'algorithm') {
        if (algTok !== undefined) fail(clause, `key "${nameTok.text}" has a second algorithm (first on line ${algTok.line})`);
        algTok = word('an algorithm name');
      } else if (cname === 'secret') {
        if (secretTok !== undefined) fail(clause, `key "${nameTok.text}" has a second secret (first on line ${secretTok.line})`);
        secretTok = word('a base64 secret');
      } else {
        fail(clause, `unknown clause ${describe(clause)} in key "${nameTok.text}" (expected 'algorithm' or 'secret')`);
      }
      expect(';', `after the ${cname} of key "${nameTok.text}"`);
    }
    expect(';', `after the '}' closing key "${nameTok.text}"`);

    if (algTok === undefined) fail(kw, `key "${nameTok.text}" has no algorithm`);
    if (secretTok === undefined) fail(kw, `key "${nameTok.text}" has no secret`);
    const a = parseTsigAlgorithm(algTok!.text);
    if (typeof a === 'string') fail(algTok, a);
    const secret = decodeSecret(secretTok!.text);
    if (typeof secret === 'string') fail(secretTok, `key "${nameTok.text}": ${secret}`);
    const k = nameKey(name);
    const dup = seen.get(k);
    if (dup !== undefined) fail(kw, `key "${nameToText(name)}" is defined twice (first on line ${dup})`);
    seen.set(k, kw.line);
    const parsed = a as { algorithm: TsigAlgorithmInfo; macSize: number };
    keys.push({ name, algorithm: parsed.algorithm, secret: createSecretKey(secret as Buffer), macSize: parsed.macSize });
  }
  return keys;
}

/** How verification finds a key by the name in a TSIG RR. */
export interface KeyLookup {
  get(name: Name): TsigKey | undefined;
}

/** Keys by name, case-insensitively. */
export class TsigKeyring implements KeyLookup {
  private readonly keys = new Map<string, TsigKey>();

  constructor(keys: Iterable<TsigKey> = []) {
    for (const k of keys) this.add(k);
  }

  /** Adds a key; throws ConfigError when a key of that name is already there. */
  add(key: TsigKey): void {
    const k = nameKey(key.name);
    if (this.keys.has(k)) throw new ConfigError(`TSIG key "${nameToText(key.name)}" is defined twice`);
    this.keys.set(k, key);
  }

  get(name: Name): TsigKey | undefined {
    return this.keys.get(nameKey(name));
  }

  get size(): number {
    return this.keys.size;
  }

  [Symbol.iterator](): IterableIterator<TsigKey> {
    return this.keys.values();
  }
}
