// `health` (server-wide, or per zone) as validated by the schema, read into health/rule.ts's
// HealthRule: names parsed, durations in milliseconds, weighted addresses as RDATA, and the
// checks a schema cannot make, each failing with its path (`health[0]: needs one of tcp, http,
// https`). Whether the names have A/AAAA records is only known once their zone is loaded: the
// health service reports that, with the same paths (`health[0].names[1]: ...`).

import type { Bytes } from '../dns/bytes.js';
import { nameFromText } from '../dns/name.js';
import { ipv4ToBytes, parseIPv4, parseIPv6 } from '../dns/rdata/address.js';
import { ConfigError } from '../errors.js';
import type { HealthRule, ProbeSpec } from '../health/rule.js';
import { durationMs } from './config-kit.js';
import type { ConfigJson } from './config-schema.js';

type HealthJson = ConfigJson['health'][number];

const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 24 * 3_600_000;

function fail(path: string, message: string): never {
  throw new ConfigError(`${path}: ${message}`);
}

/** `entries` configured at `path` (`health`, `zones[1].health`). Throws ConfigError. */
export function healthRules(entries: readonly HealthJson[], path: string): HealthRule[] {
  return entries.map((e, i) => healthRule(e, `${path}[${i}]`));
}

function healthRule(e: HealthJson, p: string): HealthRule {
  const names = e.names.map((text, j) => {
    try {
      return nameFromText(text.endsWith('.') ? text : `${text}.`);
    } catch (err) {
      fail(`${p}.names[${j}]`, `bad domain name "${text}": ${(err as Error).message}`);
    }
  });
  const intervalMs = durationMs(e.interval);
  const timeoutMs = durationMs(e.timeout);
  if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) fail(`${p}.interval`, `expected ${MIN_INTERVAL_MS}ms to 24h`);
  if (timeoutMs < 1) fail(`${p}.timeout`, 'expected at least 1ms');
  if (timeoutMs >= intervalMs) fail(`${p}.timeout`, `must be less than interval (${e.interval}): a check ends before the next one starts`);
  const weights = new Map<Bytes, number>();
  const weightPaths = new Map<Bytes, string>();
  for (const [text, weight] of Object.entries(e.weights ?? {})) {
    const at = `${p}.weights.${text}`;
    const v4 = parseIPv4(text);
    const address = v4 >= 0 ? ipv4ToBytes(v4) : parseIPv6(text);
    if (address === undefined) fail(at, 'expected an IPv4 or IPv6 address as the key');
    weights.set(address, weight);
    weightPaths.set(address, at);
  }
  return {
    path: p,
    names,
    probe: probeOf(e, p),
    intervalMs,
    timeoutMs,
    fall: e.fall,
    rise: e.rise,
    ttl: e.ttl,
    allDown: e.allDown,
    weights,
    weightPaths,
  };
}

function probeOf(e: HealthJson, p: string): ProbeSpec {
  const given = (['tcp', 'http', 'https'] as const).filter((k) => e[k] !== undefined);
  if (given.length === 0) fail(p, 'needs one of tcp, http, https (how to check the addresses)');
  if (given.length > 1) fail(p, `has ${given.join(' and ')}: one check per entry (write two entries to check both ways)`);
  if (e.tcp !== undefined) return { kind: 'tcp', port: e.tcp };
  const kind = e.http !== undefined ? 'http' : 'https';
  const h = (e.http ?? e.https)!;
  if (!h.path.startsWith('/')) fail(`${p}.${kind}.path`, 'expected a path starting with "/"');
  const verify = e.https !== undefined && e.https.verify === true;
  return { kind, port: h.port, path: h.path, host: h.host, expect: h.expect, contains: h.contains, verify };
}
