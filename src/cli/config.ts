// The configuration file: JSON (no extra dependency, and every editor validates it). Unknown keys
// and bad values are errors naming their path (`zones[1].rotate: expected one of ...`).
// Relative paths are relative to the configuration file's directory.
//
// {
//   "listen": ["127.0.0.1:5353", "[::1]:5353"],
//   "zonesDir": "zones",
//   "zones": [{ "file": "db.example.org", "origin": "example.org", "rotate": "none", "serial": "auto" }],
//   "rotate": "cyclic", "serial": "keep", "maxUdp": 1232, "udpBackend": "auto",
//   "log": { "level": "info", "format": "text", "queries": false },
//   "tcp": { "idleTimeoutMs": 10000, "queryTimeoutMs": 3000, "maxConnections": 512,
//            "maxConnectionsPerClient": 64, "maxPendingBytes": 131072 },
//   "rrl": { "responsesPerSecond": 200, "slip": 2, "windowSeconds": 15, "ipv4PrefixLength": 24,
//            "ipv6PrefixLength": 56, "tableSize": 65536 },
//   "cookies": { "secret": "e5e973e5a6b2a43f48e7dc849e37bfcf", "previousSecrets": [] },
//   "transfer": { "allow": ["127.0.0.1", "10.0.0.0/8", "::1"], "keys": ["xfr-key."] },
//   "notify": ["192.0.2.2", "[2001:db8::2]:5300"],
//   "stateDir": "state", "journal": { "maxEntries": 100, "maxBytes": 16777216 }
// }
// `transfer` and `notify` may also be set per zone (zones[i].transfer, zones[i].notify), which
// replaces the server-wide value for that zone. Without any `transfer`, AXFR/IXFR are REFUSED.
// `stateDir` keeps the IXFR journals across restarts (in memory only without it).
// `rrl` (response rate limiting) and `cookies` (DNS cookies) are on by default with the values
// above ({ "enabled": false } turns either off); without a cookie `secret` a random one is used
// and replaced daily. Servers sharing a secret accept each other's cookies (RFC 9018).
// A zone with `primaries` ("127.0.0.1:5300") is a secondary: transferred from them (AXFR/IXFR,
// optional TSIG `primaryKey`, which their NOTIFYs must then be signed with too), its copy kept in
// `file`; `origin` is then required.
// NOTIFY with TSIG, like BIND's `also-notify { 192.0.2.2 key k; }` and Knot's remote `key`: a
// target may be { "address": "192.0.2.2:53", "key": "k." }; `notifyKey` (top level or per zone)
// signs the targets that name no key of their own. A target's key is its own, else its zone's
// `notifyKey`, else the top-level `notifyKey`; a zone with `notifyKey` but no `notify` signs the
// server-wide targets with it.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { nameFromText, nameToText, type Name } from '../dns/name.js';
import { ConfigError } from '../errors.js';
import type { LogLevel } from '../log.js';
import { SERIAL_POLICIES, type SerialPolicy } from '../reload/serial-policy.js';
import { parseCookieSecret } from '../limits/cookies.js';
import { DEFAULT_RRL, type RrlOptions } from '../limits/rrl.js';
import type { CookieSettings } from '../limits/setup.js';
import type { RotateMode } from '../server/rotate.js';
import type { UdpBackend } from '../server/server.js';
import { AclError, TransferPolicy } from '../xfr/acl.js';
import { parseBindKeyFile, parseTsigKey, TsigKeyring } from '../tsig/keys.js';
import type { JournalLimits } from '../xfr/journal.js';
import { NotifyTargetError, parseNotifyTarget, type NotifyTarget } from '../xfr/notify.js';
import { parsePrimary, type PrimaryAddress } from '../xfr/xfr-client.js';

export interface ZoneConfig {
  file: string;
  origin?: Name;
  rotate?: RotateMode;
  serial?: SerialPolicy;
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
}

export interface Config {
  listen?: string[];
  zonesDir?: string;
  zones: ZoneConfig[];
  rotate?: RotateMode;
  serial?: SerialPolicy;
  maxUdp?: number;
  /** UDP transport (server.ts ServerOptions.udpBackend). */
  udpBackend?: UdpBackend;
  log: { level?: LogLevel; format?: 'text' | 'json'; queries?: boolean };
  tcp: { idleTimeoutMs?: number; queryTimeoutMs?: number; maxConnections?: number; maxConnectionsPerClient?: number; maxPendingBytes?: number };
  /** Response rate limiting: settings, or false when turned off; absent: the defaults. */
  rrl?: RrlOptions | false;
  /** DNS cookies: settings, or false when turned off; absent: the defaults. */
  cookies?: CookieSettings | false;
  /** Server-wide transfer ACL, for zones without their own. */
  transfer?: TransferPolicy;
  /** Server-wide NOTIFY targets, for zones without their own. */
  notify?: NotifyTarget[];
  /** Default TSIG key for NOTIFY targets (see the header). */
  notifyKey?: Name;
  stateDir?: string;
  journal?: Partial<JournalLimits>;
  /** TSIG keys (RFC 8945) from `keys` and `keyFile` (BIND's tsig-keygen format). */
  keys: TsigKeyring;
}

const ROTATE: readonly RotateMode[] = ['cyclic', 'random', 'none'];
const UDP_BACKENDS: readonly UdpBackend[] = ['auto', 'node', 'native'];
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

type Json = unknown;

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

function object(v: Json, path: string, allowed: readonly string[]): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) fail(path === '' ? key : `${path}.${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  }
  return v as Record<string, Json>;
}

function str(v: Json, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, 'expected a non-empty string');
  return v;
}

function oneOf<T extends string>(v: Json, path: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !choices.includes(v as T)) fail(path, `expected one of ${choices.join(', ')}`);
  return v as T;
}

function int(v: Json, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer from ${min} to ${max}`);
  return v;
}

function bool(v: Json, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'expected true or false');
  return v;
}

export function parseOrigin(text: string, path: string): Name {
  try {
    return nameFromText(text.endsWith('.') ? text : `${text}.`);
  } catch (e) {
    fail(path, `bad domain name "${text}": ${(e as Error).message}`);
  }
}

/** Parses configuration text; `baseDir` resolves relative paths. Throws ConfigError. */
export function parseConfig(text: string, baseDir: string, source = 'config'): Config {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const top = object(raw, '', ['listen', 'zonesDir', 'zones', 'rotate', 'serial', 'maxUdp', 'udpBackend', 'log', 'tcp', 'transfer', 'notify', 'notifyKey', 'stateDir', 'journal', 'keys', 'keyFile', 'rrl', 'cookies', '$comment']);
  const cfg: Config = { zones: [], log: {}, tcp: {}, keys: new TsigKeyring() };
  // NOTIFY targets get their keys once `keys`/`keyFile` are read (below).
  const zoneNotify: Array<RawTarget[] | undefined> = [];
  if (top.listen !== undefined) {
    if (!Array.isArray(top.listen) || top.listen.length === 0) fail('listen', 'expected a non-empty array of "ADDR:PORT"');
    cfg.listen = top.listen.map((l, i) => str(l, `listen[${i}]`));
  }
  if (top.zonesDir !== undefined) cfg.zonesDir = resolve(baseDir, str(top.zonesDir, 'zonesDir'));
  if (top.rotate !== undefined) cfg.rotate = oneOf(top.rotate, 'rotate', ROTATE);
  if (top.serial !== undefined) cfg.serial = oneOf(top.serial, 'serial', SERIAL_POLICIES);
  if (top.maxUdp !== undefined) cfg.maxUdp = int(top.maxUdp, 'maxUdp', 512, 65535);
  if (top.udpBackend !== undefined) cfg.udpBackend = oneOf(top.udpBackend, 'udpBackend', UDP_BACKENDS);
  if (top.zones !== undefined) {
    if (!Array.isArray(top.zones)) fail('zones', 'expected an array');
    cfg.zones = top.zones.map((z, i) => {
      const p = `zones[${i}]`;
      const o = object(z, p, ['file', 'origin', 'rotate', 'serial', 'transfer', 'notify', 'notifyKey', 'primaries', 'primaryKey']);
      if (o.file === undefined) fail(`${p}.file`, 'required');
      const zone: ZoneConfig = { file: resolve(baseDir, str(o.file, `${p}.file`)) };
      if (o.origin !== undefined) zone.origin = parseOrigin(str(o.origin, `${p}.origin`), `${p}.origin`);
      if (o.rotate !== undefined) zone.rotate = oneOf(o.rotate, `${p}.rotate`, ROTATE);
      if (o.serial !== undefined) zone.serial = oneOf(o.serial, `${p}.serial`, SERIAL_POLICIES);
      if (o.transfer !== undefined) zone.transfer = transferPolicy(o.transfer, `${p}.transfer`);
      zoneNotify[i] = o.notify === undefined ? undefined : notifyTargets(o.notify, `${p}.notify`);
      if (o.notifyKey !== undefined) zone.notifyKey = parseOrigin(str(o.notifyKey, `${p}.notifyKey`), `${p}.notifyKey`);
      if (o.primaries !== undefined) {
        if (!Array.isArray(o.primaries) || o.primaries.length === 0) fail(`${p}.primaries`, 'expected a non-empty array of "ADDR" or "ADDR:PORT"');
        zone.primaries = o.primaries.map((t, j) => parsePrimary(str(t, `${p}.primaries[${j}]`)) ?? fail(`${p}.primaries[${j}]`, 'expected an IP address with an optional port (192.0.2.1:53, [2001:db8::1]:53)'));
        // Nothing to read the origin from before the first transfer.
        if (zone.origin === undefined) fail(`${p}.origin`, 'required for a zone with primaries');
        if (zone.serial !== undefined) fail(`${p}.serial`, 'not allowed with primaries: a secondary serves the primary\'s serial');
      }
      if (o.primaryKey !== undefined) {
        if (zone.primaries === undefined) fail(`${p}.primaryKey`, 'needs primaries');
        zone.primaryKey = parseOrigin(str(o.primaryKey, `${p}.primaryKey`), `${p}.primaryKey`);
      }
      return zone;
    });
  }
  if (top.log !== undefined) {
    const o = object(top.log, 'log', ['level', 'format', 'queries']);
    if (o.level !== undefined) cfg.log.level = oneOf(o.level, 'log.level', LEVELS);
    if (o.format !== undefined) cfg.log.format = oneOf(o.format, 'log.format', ['text', 'json'] as const);
    if (o.queries !== undefined) cfg.log.queries = bool(o.queries, 'log.queries');
  }
  if (top.transfer !== undefined) cfg.transfer = transferPolicy(top.transfer, 'transfer');
  const topNotify = top.notify === undefined ? undefined : notifyTargets(top.notify, 'notify');
  if (top.notifyKey !== undefined) cfg.notifyKey = parseOrigin(str(top.notifyKey, 'notifyKey'), 'notifyKey');
  if (top.keys !== undefined) {
    if (!Array.isArray(top.keys)) fail('keys', 'expected an array of { name, algorithm, secret }');
    top.keys.forEach((k, i) => {
      const p = `keys[${i}]`;
      const o = object(k, p, ['name', 'algorithm', 'secret']);
      if (o.name === undefined) fail(`${p}.name`, 'required');
      if (o.secret === undefined) fail(`${p}.secret`, 'required (base64, e.g. from tsig-keygen)');
      try {
        cfg.keys.add(parseTsigKey(str(o.name, `${p}.name`), o.algorithm === undefined ? undefined : str(o.algorithm, `${p}.algorithm`), str(o.secret, `${p}.secret`)));
      } catch (e) {
        fail(p, (e as Error).message);
      }
    });
  }
  if (top.keyFile !== undefined) {
    const file = resolve(baseDir, str(top.keyFile, 'keyFile'));
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
  if (top.stateDir !== undefined) cfg.stateDir = resolve(baseDir, str(top.stateDir, 'stateDir'));
  if (top.journal !== undefined) {
    const o = object(top.journal, 'journal', ['maxEntries', 'maxBytes']);
    cfg.journal = {};
    if (o.maxEntries !== undefined) cfg.journal = { ...cfg.journal, maxEntries: int(o.maxEntries, 'journal.maxEntries', 1, 100_000) };
    if (o.maxBytes !== undefined) cfg.journal = { ...cfg.journal, maxBytes: int(o.maxBytes, 'journal.maxBytes', 0, 2 ** 31 - 1) };
  }
  if (top.tcp !== undefined) {
    const o = object(top.tcp, 'tcp', ['idleTimeoutMs', 'queryTimeoutMs', 'maxConnections', 'maxConnectionsPerClient', 'maxPendingBytes']);
    if (o.idleTimeoutMs !== undefined) cfg.tcp.idleTimeoutMs = int(o.idleTimeoutMs, 'tcp.idleTimeoutMs', 100, 3_600_000);
    if (o.queryTimeoutMs !== undefined) cfg.tcp.queryTimeoutMs = int(o.queryTimeoutMs, 'tcp.queryTimeoutMs', 100, 3_600_000);
    if (o.maxConnections !== undefined) cfg.tcp.maxConnections = int(o.maxConnections, 'tcp.maxConnections', 1, 100_000);
    if (o.maxConnectionsPerClient !== undefined) cfg.tcp.maxConnectionsPerClient = int(o.maxConnectionsPerClient, 'tcp.maxConnectionsPerClient', 1, 100_000);
    // At least one largest message (64 KiB) must fit, or a big answer could never be sent.
    if (o.maxPendingBytes !== undefined) cfg.tcp.maxPendingBytes = int(o.maxPendingBytes, 'tcp.maxPendingBytes', 65_536, 2 ** 30);
  }
  if (top.rrl !== undefined) cfg.rrl = rrlSettings(top.rrl);
  if (top.cookies !== undefined) cfg.cookies = cookieSettings(top.cookies);
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

/** `{ "enabled": false }` or RRL settings over the defaults. */
function rrlSettings(v: Json): RrlOptions | false {
  const o = object(v, 'rrl', ['enabled', 'responsesPerSecond', 'slip', 'windowSeconds', 'ipv4PrefixLength', 'ipv6PrefixLength', 'tableSize']);
  if (o.enabled !== undefined && !bool(o.enabled, 'rrl.enabled')) return false;
  const n = (key: keyof RrlOptions, min: number, max: number): number => (o[key] === undefined ? DEFAULT_RRL[key] : int(o[key], `rrl.${key}`, min, max));
  return {
    responsesPerSecond: n('responsesPerSecond', 1, 10_000_000),
    slip: n('slip', 0, 10),
    windowSeconds: n('windowSeconds', 1, 3600),
    ipv4PrefixLength: n('ipv4PrefixLength', 8, 32),
    ipv6PrefixLength: n('ipv6PrefixLength', 16, 64),
    tableSize: n('tableSize', 1024, 1 << 24),
  };
}

/** `{ "enabled": false }` or `{ "secret": hex, "previousSecrets": [hex] }`. */
function cookieSettings(v: Json): CookieSettings | false {
  const o = object(v, 'cookies', ['enabled', 'secret', 'previousSecrets']);
  if (o.enabled !== undefined && !bool(o.enabled, 'cookies.enabled')) return false;
  const secret = (t: Json, path: string): Uint8Array => parseCookieSecret(str(t, path)) ?? fail(path, 'expected 32 hexadecimal digits (a 128-bit secret, as BIND, Knot and NSD take)');
  const out: { secret?: Uint8Array; previousSecrets?: Uint8Array[] } = {};
  if (o.secret !== undefined) out.secret = secret(o.secret, 'cookies.secret');
  if (o.previousSecrets !== undefined) {
    if (!Array.isArray(o.previousSecrets)) fail('cookies.previousSecrets', 'expected an array of secrets (32 hexadecimal digits each)');
    out.previousSecrets = o.previousSecrets.map((t, i) => secret(t, `cookies.previousSecrets[${i}]`));
  }
  return out;
}

/** `{ "allow": [prefixes], "keys": [names] }` -> a compiled policy. */
function transferPolicy(v: Json, path: string): TransferPolicy {
  const o = object(v, path, ['allow', 'keys']);
  if (!Array.isArray(o.allow)) fail(`${path}.allow`, 'expected an array of addresses or prefixes ("10.0.0.0/8", "::1", "any")');
  const allow = o.allow.map((a, i) => str(a, `${path}.allow[${i}]`));
  let keys: Name[] | undefined;
  if (o.keys !== undefined) {
    if (!Array.isArray(o.keys)) fail(`${path}.keys`, 'expected an array of TSIG key names');
    keys = o.keys.map((k, i) => parseOrigin(str(k, `${path}.keys[${i}]`), `${path}.keys[${i}]`));
  }
  try {
    return new TransferPolicy({ allow, keys });
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
function notifyTargets(v: Json, path: string): RawTarget[] {
  if (!Array.isArray(v)) fail(path, 'expected an array of "ADDR", "ADDR:PORT" or { "address": "ADDR:PORT", "key": "name" }');
  return v.map((t, i) => {
    const p = `${path}[${i}]`;
    let address: string;
    let keyName: Name | undefined;
    let addressPath = p;
    if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
      const o = object(t, p, ['address', 'key']);
      if (o.address === undefined) fail(`${p}.address`, 'required');
      addressPath = `${p}.address`;
      address = str(o.address, addressPath);
      if (o.key !== undefined) keyName = parseOrigin(str(o.key, `${p}.key`), `${p}.key`);
    } else {
      address = str(t, p);
    }
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
