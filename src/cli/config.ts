// The configuration file: JSON (no extra dependency, and every editor validates it). Unknown keys
// and bad values are errors naming their path (`zones[1].rotate: expected one of ...`).
// Relative paths are relative to the configuration file's directory.
//
// {
//   "listen": ["127.0.0.1:5353", "[::1]:5353"],
//   "zonesDir": "zones",
//   "zones": [{ "file": "db.example.org", "origin": "example.org", "rotate": "none", "serial": "auto" }],
//   "rotate": "cyclic", "serial": "keep", "maxUdp": 1232,
//   "log": { "level": "info", "format": "text", "queries": false },
//   "tcp": { "idleTimeoutMs": 10000, "maxConnections": 512 }
// }

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { nameFromText, type Name } from '../dns/name.js';
import { ConfigError } from '../errors.js';
import type { LogLevel } from '../log.js';
import { SERIAL_POLICIES, type SerialPolicy } from '../reload/serial-policy.js';
import type { RotateMode } from '../server/rotate.js';

export interface ZoneConfig {
  file: string;
  origin?: Name;
  rotate?: RotateMode;
  serial?: SerialPolicy;
}

export interface Config {
  listen?: string[];
  zonesDir?: string;
  zones: ZoneConfig[];
  rotate?: RotateMode;
  serial?: SerialPolicy;
  maxUdp?: number;
  log: { level?: LogLevel; format?: 'text' | 'json'; queries?: boolean };
  tcp: { idleTimeoutMs?: number; maxConnections?: number };
}

const ROTATE: readonly RotateMode[] = ['cyclic', 'random', 'none'];
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
  const top = object(raw, '', ['listen', 'zonesDir', 'zones', 'rotate', 'serial', 'maxUdp', 'log', 'tcp', '$comment']);
  const cfg: Config = { zones: [], log: {}, tcp: {} };
  if (top.listen !== undefined) {
    if (!Array.isArray(top.listen) || top.listen.length === 0) fail('listen', 'expected a non-empty array of "ADDR:PORT"');
    cfg.listen = top.listen.map((l, i) => str(l, `listen[${i}]`));
  }
  if (top.zonesDir !== undefined) cfg.zonesDir = resolve(baseDir, str(top.zonesDir, 'zonesDir'));
  if (top.rotate !== undefined) cfg.rotate = oneOf(top.rotate, 'rotate', ROTATE);
  if (top.serial !== undefined) cfg.serial = oneOf(top.serial, 'serial', SERIAL_POLICIES);
  if (top.maxUdp !== undefined) cfg.maxUdp = int(top.maxUdp, 'maxUdp', 512, 65535);
  if (top.zones !== undefined) {
    if (!Array.isArray(top.zones)) fail('zones', 'expected an array');
    cfg.zones = top.zones.map((z, i) => {
      const p = `zones[${i}]`;
      const o = object(z, p, ['file', 'origin', 'rotate', 'serial']);
      if (o.file === undefined) fail(`${p}.file`, 'required');
      const zone: ZoneConfig = { file: resolve(baseDir, str(o.file, `${p}.file`)) };
      if (o.origin !== undefined) zone.origin = parseOrigin(str(o.origin, `${p}.origin`), `${p}.origin`);
      if (o.rotate !== undefined) zone.rotate = oneOf(o.rotate, `${p}.rotate`, ROTATE);
      if (o.serial !== undefined) zone.serial = oneOf(o.serial, `${p}.serial`, SERIAL_POLICIES);
      return zone;
    });
  }
  if (top.log !== undefined) {
    const o = object(top.log, 'log', ['level', 'format', 'queries']);
    if (o.level !== undefined) cfg.log.level = oneOf(o.level, 'log.level', LEVELS);
    if (o.format !== undefined) cfg.log.format = oneOf(o.format, 'log.format', ['text', 'json'] as const);
    if (o.queries !== undefined) cfg.log.queries = bool(o.queries, 'log.queries');
  }
  if (top.tcp !== undefined) {
    const o = object(top.tcp, 'tcp', ['idleTimeoutMs', 'maxConnections']);
    if (o.idleTimeoutMs !== undefined) cfg.tcp.idleTimeoutMs = int(o.idleTimeoutMs, 'tcp.idleTimeoutMs', 100, 3_600_000);
    if (o.maxConnections !== undefined) cfg.tcp.maxConnections = int(o.maxConnections, 'tcp.maxConnections', 1, 100_000);
  }
  return cfg;
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
