// The configuration file: JSON, validated against config-schema.ts (where every key, its type,
// default and description live), then read here for what a schema cannot check: domain names,
// TSIG keys and key files, ACL prefixes, NOTIFY and primary addresses, keys that must be defined,
// and relative paths, which are relative to the configuration file's directory. Every error
// names its path (`zones[1].rotate: expected one of cyclic, random, none`), and a JSON syntax
// error its line and column (`zonedns.json:3:14: ...`).
//
// `transfer` and `notify` may also be set per zone (zones[i].transfer, zones[i].notify), which
// replaces the server-wide value for that zone. Without any `transfer`, AXFR/IXFR are REFUSED.
// A zone with `primaries` ("127.0.0.1:5300") is a secondary: transferred from them (AXFR/IXFR,
// optional TSIG `primaryKey`, which their NOTIFYs must then be signed with too), its copy kept in
// `file`; `origin` is then required.
// NOTIFY with TSIG, like BIND's `also-notify { 192.0.2.2 key k; }` and Knot's remote `key`: a
// target may be { "address": "192.0.2.2:53", "key": "k." }; `notifyKey` (top level or per zone)
// signs the targets that name no key of their own. A target's key is its own, else its zone's
// `notifyKey`, else the top-level `notifyKey`; a zone with `notifyKey` but no `notify` signs the
// server-wide targets with it.
// DNSSEC: `dnssec` (top level: every zone loaded from a file; per zone: replaces it, `false` turns
// it off) makes zonedns sign the zone (dnssec/); it needs `stateDir`.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { nameFromText, nameToText, type Name } from '../dns/name.js';
import { ConfigError } from '../errors.js';
import { parseCookieSecret } from '../limits/cookies.js';
import type { CookieSettings } from '../limits/setup.js';
import { AclError, TransferPolicy } from '../xfr/acl.js';
import { parseBindKeyFile, parseTsigKey, TsigKeyring } from '../tsig/keys.js';
import { NotifyTargetError, parseNotifyTarget, type NotifyTarget } from '../xfr/notify.js';
import { parsePrimary, type PrimaryAddress } from '../xfr/xfr-client.js';
import { DEFAULT_SIGN_POLICY, type SignPolicy } from '../dnssec/sign-zone.js';
import type { HealthRule } from '../health/rule.js';
import { healthRules } from './config-health.js';
import { describeIssues, durationMs } from './config-kit.js';
import { configSchema, type ConfigJson } from './config-schema.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { nsidBytes } from '../ops/identity.js';
import { parseListen } from '../server/server.js';

type ZoneJson = ConfigJson['zones'][number];
type TransferJson = NonNullable<ConfigJson['transfer']>;
type NotifyJson = NonNullable<ConfigJson['notify']>;

export interface ZoneConfig extends Omit<ZoneJson, 'origin' | 'transfer' | 'notify' | 'notifyKey' | 'primaries' | 'primaryKey' | 'health' | 'dnssec'> {
  /** Absolute. */
  file: string;
  origin?: Name;
  transfer?: TransferPolicy;
  /** NOTIFY targets, each with its TSIG key resolved (see `notifyKey`). */
  notify?: NotifyTarget[];
  /** Default TSIG key for this zone's NOTIFY targets. */
  notifyKey?: Name;
  /**
   * Secondary zone (RFC 1034 §4.3.5): primaries to transfer it from, in order of preference;
   * `file` is then where the transferred copy is kept (read at start-up if present).
   */
  primaries?: PrimaryAddress[];
  /** TSIG key name for requests to the primaries; their NOTIFYs must be signed with it. */
  primaryKey?: Name;
  /** zonedns signs the zone (dnssec/); false: not even when the server-wide `dnssec` is on. */
  dnssec?: SignPolicy | false;
  /** Health checks of names in this zone (health/rule.ts), besides the server-wide ones. */
  health?: HealthRule[];
}

/**
 * The validated configuration with its defaults; the keys below are the ones read further than
 * the schema (names parsed, ACLs compiled, keys looked up, paths made absolute). Every other key
 * is the schema's, as written or defaulted.
 */
export interface Config extends Omit<ConfigJson, '$schema' | '$comment' | 'zones' | 'transfer' | 'notify' | 'notifyKey' | 'keys' | 'keyFile' | 'cookies' | 'health' | 'dnssec'> {
  zones: ZoneConfig[];
  /** DNS cookies, with the secrets as octets; undefined when turned off. */
  cookies: CookieSettings | undefined;
  /** Server-wide transfer ACL, for zones without their own. */
  transfer?: TransferPolicy;
  /** Server-wide NOTIFY targets, for zones without their own. */
  notify?: NotifyTarget[];
  /** Default TSIG key for NOTIFY targets (see the header). */
  notifyKey?: Name;
  /** TSIG keys (RFC 8945) from `keys` and `keyFile` (BIND's tsig-keygen format). */
  keys: TsigKeyring;
  /** Server-wide DNSSEC signing, for the zones loaded from files that do not say otherwise. */
  dnssec?: SignPolicy;
  /** Server-wide health checks (health/rule.ts). */
  health: HealthRule[];
}

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

export function parseOrigin(text: string, path: string): Name {
  try {
    return nameFromText(text.endsWith('.') ? text : `${text}.`);
  } catch (e) {
    fail(path, `bad domain name "${text}": ${(e as Error).message}`);
  }
}

/** `zoneLimits` with the directories of `includeWithin` made absolute (relative to the configuration file). */
function limitsWithPaths<T extends { includeWithin?: string | readonly string[] }>(limits: T, baseDir: string): T {
  const within = limits.includeWithin;
  return Array.isArray(within) ? { ...limits, includeWithin: within.map((d) => resolve(baseDir, d)) } : limits;
}

/** JSON.parse, with the line and column of a syntax error (`source:3:14: not valid JSON: ...`). */
function parseJson(text: string, source: string): unknown {
  // Editors on Windows may start the file with a byte order mark, which JSON.parse rejects.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const where = findJsonSyntaxError(body);
    if (where === undefined) throw new ConfigError(`${source}: not valid JSON: ${(e as Error).message}`);
    throw new ConfigError(`${source}:${where.line}:${where.column}: not valid JSON: ${where.message}`);
  }
}

/** Parses configuration text; `baseDir` resolves relative paths. Throws ConfigError. */
export function parseConfig(text: string, baseDir: string, source = 'config'): Config {
  const checked = configSchema.safeParse(parseJson(text, source));
  if (!checked.success) throw new ConfigError(describeIssues(checked.error.issues));
  const { $schema: _schema, $comment: _comment, zones, transfer, notify, notifyKey, keys, keyFile, cookies, health, dnssec, ...plain } = checked.data;
  const cfg: Config = { ...plain, zones: [], keys: new TsigKeyring(), cookies: undefined, health: healthRules(health, 'health') };
  // The schema checked the secrets' form.
  if (cookies.enabled) cfg.cookies = { secret: cookies.secret === undefined ? undefined : parseCookieSecret(cookies.secret), previousSecrets: cookies.previousSecrets.map((s) => parseCookieSecret(s)!) };
  if (plain.zonesDir !== undefined) cfg.zonesDir = resolve(baseDir, plain.zonesDir);
  if (plain.stateDir !== undefined) cfg.stateDir = resolve(baseDir, plain.stateDir);
  if (plain.zoneLimits !== undefined) cfg.zoneLimits = limitsWithPaths(plain.zoneLimits, baseDir);
  if (plain.control.socket !== undefined) cfg.control = { ...plain.control, socket: resolve(baseDir, plain.control.socket) };
  checkOps(cfg);
  // NOTIFY targets get their keys once `keys`/`keyFile` are read (below).
  const zoneNotify: Array<RawTarget[] | undefined> = [];
  cfg.zones = zones.map((z, i) => {
    const p = `zones[${i}]`;
    // The keys read further below; every other zone key is the schema's, as written or defaulted.
    const { origin, transfer: _t, notify: _n, notifyKey: _k, primaries: _p, primaryKey: _pk, health: _h, dnssec: _d, ...plainZone } = z;
    const zone: ZoneConfig = { ...plainZone, file: resolve(baseDir, z.file) };
    if (z.zoneLimits !== undefined) zone.zoneLimits = limitsWithPaths(z.zoneLimits, baseDir);
    if (z.health !== undefined) zone.health = healthRules(z.health, `${p}.health`);
    if (origin !== undefined) zone.origin = parseOrigin(origin, `${p}.origin`);
    if (z.transfer !== undefined) zone.transfer = transferPolicy(z.transfer, `${p}.transfer`);
    zoneNotify[i] = z.notify === undefined ? undefined : notifyTargets(z.notify, `${p}.notify`);
    if (z.notifyKey !== undefined) zone.notifyKey = parseOrigin(z.notifyKey, `${p}.notifyKey`);
    if (z.primaries !== undefined) {
      zone.primaries = z.primaries.map((t, j) => parsePrimary(t) ?? fail(`${p}.primaries[${j}]`, 'expected an IP address with an optional port (192.0.2.1:53, [2001:db8::1]:53)'));
      // Nothing to read the origin from before the first transfer.
      if (zone.origin === undefined) fail(`${p}.origin`, 'required for a zone with primaries');
      if (zone.serial !== undefined) fail(`${p}.serial`, 'not allowed with primaries: a secondary serves the primary\'s serial');
    }
    if (z.primaryKey !== undefined) {
      if (zone.primaries === undefined) fail(`${p}.primaryKey`, 'needs primaries');
      zone.primaryKey = parseOrigin(z.primaryKey, `${p}.primaryKey`);
    }
    if (z.dnssec !== undefined) {
      zone.dnssec = dnssecPolicy(z.dnssec, `${p}.dnssec`);
      if (zone.dnssec !== false && zone.primaries !== undefined) fail(`${p}.dnssec`, 'not supported on a zone with primaries: a secondary serves the signatures its primary made');
    }
    return zone;
  });
  if (dnssec !== undefined) {
    const policy = dnssecPolicy(dnssec, 'dnssec');
    if (policy !== false) cfg.dnssec = policy;
  }
  // Keys and signatures must survive restarts: a new key at each start would break the DS at the parent.
  if (cfg.stateDir === undefined) {
    if (cfg.dnssec !== undefined) fail('dnssec', 'needs "stateDir": the zone keys and signatures are kept there across restarts');
    cfg.zones.forEach((z, i) => {
      if (z.dnssec) fail(`zones[${i}].dnssec`, 'needs "stateDir": the zone keys and signatures are kept there across restarts');
    });
  }
  if (transfer !== undefined) cfg.transfer = transferPolicy(transfer, 'transfer');
  const topNotify = notify === undefined ? undefined : notifyTargets(notify, 'notify');
  if (notifyKey !== undefined) cfg.notifyKey = parseOrigin(notifyKey, 'notifyKey');
  keys?.forEach((k, i) => {
    try {
      cfg.keys.add(parseTsigKey(k.name, k.algorithm, k.secret));
    } catch (e) {
      fail(`keys[${i}]`, (e as Error).message);
    }
  });
  if (keyFile !== undefined) {
    const file = resolve(baseDir, keyFile);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      fail('keyFile', `${file}: ${(e as Error).message}`);
    }
    try {
      for (const key of parseBindKeyFile(text, file)) cfg.keys.add(key);
    } catch (e) {
      fail('keyFile', (e as Error).message);
    }
  }
  // An ACL naming a key that is not defined could never be satisfied: say so now, not at transfer time.
  const policies: Array<[string, TransferPolicy | undefined]> = [['transfer', cfg.transfer], ...cfg.zones.map((z, i): [string, TransferPolicy | undefined] => [`zones[${i}].transfer`, z.transfer])];
  for (const [path, policy] of policies) {
    policy?.keys?.forEach((k, i) => {
      if (cfg.keys.get(k) === undefined) fail(`${path}.keys[${i}]`, `TSIG key "${nameToText(k)}" is not defined (add it to "keys" or "keyFile")`);
    });
  }
  cfg.zones.forEach((z, i) => {
    if (z.primaryKey !== undefined && cfg.keys.get(z.primaryKey) === undefined) fail(`zones[${i}].primaryKey`, `TSIG key "${nameToText(z.primaryKey)}" is not defined (add it to "keys" or "keyFile")`);
  });
  const withKeys = (targets: RawTarget[], fallback: Name | undefined, fallbackPath: string): NotifyTarget[] => targets.map((t) => {
    const name = t.keyName ?? fallback;
    if (name === undefined) return t.target;
    const key = cfg.keys.get(name);
    if (key === undefined) fail(t.keyName !== undefined ? `${t.path}.key` : fallbackPath, `TSIG key "${nameToText(name)}" is not defined (add it to "keys" or "keyFile")`);
    return { ...t.target, key };
  });
  if (topNotify !== undefined) cfg.notify = withKeys(topNotify, cfg.notifyKey, 'notifyKey');
  cfg.zones.forEach((z, i) => {
    const own = zoneNotify[i];
    const fallbackPath = z.notifyKey !== undefined ? `zones[${i}].notifyKey` : 'notifyKey';
    if (own !== undefined) z.notify = withKeys(own, z.notifyKey ?? cfg.notifyKey, fallbackPath);
    // The zone's key for the server-wide targets: the zone gets its own signed copy of the list.
    else if (z.notifyKey !== undefined && topNotify !== undefined) z.notify = withKeys(topNotify, z.notifyKey, fallbackPath);
  });
  if (cfg.notifyKey !== undefined && cfg.keys.get(cfg.notifyKey) === undefined) fail('notifyKey', `TSIG key "${nameToText(cfg.notifyKey)}" is not defined (add it to "keys" or "keyFile")`);
  cfg.zones.forEach((z, i) => {
    if (z.notifyKey !== undefined && cfg.keys.get(z.notifyKey) === undefined) fail(`zones[${i}].notifyKey`, `TSIG key "${nameToText(z.notifyKey)}" is not defined (add it to "keys" or "keyFile")`);
  });
  return cfg;
}

/** The identity strings fit a TXT character-string, the NSID parses, the metrics address is ADDR:PORT. */
function checkOps(cfg: Config): void {
  for (const key of ['identity', 'version'] as const) {
    const v = cfg[key];
    if (v !== undefined && Buffer.byteLength(v) > 255) fail(key, `${Buffer.byteLength(v)} octets: at most 255 fit a TXT string`);
  }
  if (cfg.nsid !== undefined) {
    try {
      nsidBytes(cfg.nsid);
    } catch (e) {
      fail('nsid', (e as Error).message);
    }
  }
  if (cfg.metrics !== undefined) {
    try {
      parseListen(cfg.metrics);
    } catch {
      fail('metrics', `"${cfg.metrics}": expected ADDR:PORT, e.g. 127.0.0.1:9153 or [::1]:9153`);
    }
  }
}

type DnssecJson = NonNullable<ConfigJson['dnssec']>;

/** Whole seconds of a duration() value ("14d"). */
function seconds(v: string): number {
  return Math.floor(durationMs(v) / 1000);
}

/** `true`, `false` or the settings (defaults filled by the schema) -> the signing policy. */
function dnssecPolicy(v: DnssecJson, path: string): SignPolicy | false {
  if (v === false) return false;
  if (v === true) return { ...DEFAULT_SIGN_POLICY };
  const policy: SignPolicy = {
    algorithm: v.algorithm, nsec: v.nsec,
    signatureValidity: seconds(v.signatureValidity), refresh: seconds(v.refresh),
  };
  if (policy.refresh < 3600) fail(`${path}.refresh`, 'must be at least an hour (3600 s)');
  if (policy.signatureValidity - policy.refresh < 3600) {
    fail(`${path}.refresh`, `refresh (${policy.refresh} s before expiry) must be at least an hour shorter than signatureValidity (${policy.signatureValidity} s)`);
  }
  return policy;
}

/** `{ "allow": [prefixes], "keys": [names] }` -> a compiled policy. */
function transferPolicy(v: TransferJson, path: string): TransferPolicy {
  const keys = v.keys?.map((k, i) => parseOrigin(k, `${path}.keys[${i}]`));
  try {
    return new TransferPolicy({ allow: v.allow, keys });
  } catch (e) {
    if (e instanceof AclError) fail(`${path}.allow`, e.message);
    throw e;
  }
}

/** A NOTIFY target as written, before its key name is looked up. */
interface RawTarget {
  target: NotifyTarget;
  keyName?: Name;
  path: string;
}

/** `["ADDR[:PORT]", { "address": "ADDR[:PORT]", "key": "name" }, ...]`. */
function notifyTargets(v: NotifyJson, path: string): RawTarget[] {
  return v.map((t, i) => {
    const p = `${path}[${i}]`;
    const [address, addressPath] = typeof t === 'string' ? [t, p] : [t.address, `${p}.address`];
    const keyName = typeof t === 'string' || t.key === undefined ? undefined : parseOrigin(t.key, `${p}.key`);
    try {
      return { target: parseNotifyTarget(address), keyName, path: p };
    } catch (e) {
      if (e instanceof NotifyTargetError) fail(addressPath, e.message);
      throw e;
    }
  });
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return parseConfig(text, dirname(resolve(path)), path);
  } catch (e) {
    if (e instanceof ConfigError && !e.message.startsWith(path)) throw new ConfigError(`${path}: ${e.message}`);
    throw e;
  }
}
