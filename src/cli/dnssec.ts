// `zonedns dnssec ds ZONE` and `zonedns dnssec status`: what the state directory of a signing
// server holds. `ds` prints the DS record(s) to give the parent zone (the registrar), SHA-256
// (RFC 4509), from the zone's key files; `status` prints, per signed zone, the algorithm, key
// tag, serial, next refresh and earliest signature expiry that the server wrote at its last
// signing. Pure of yargs and of process, like `check`.

import { readdirSync } from 'node:fs';
import { nameToText, type Name } from '../dns/name.js';
import { KeyFileError, keyPathsFor, readKey } from '../dnssec/keys.js';
import { dsText, keysDir, readStatus, type SigningStatus } from '../dnssec/zone-signer.js';
import { EXIT_OK, EXIT_USAGE, EXIT_ZONE_ERRORS, type CommandOutput } from './check.js';
import { loadConfigFile, parseOrigin } from './config.js';

export interface DnssecOptions {
  /** A configuration file: its stateDir. */
  config?: string;
  /** The state directory itself (instead of --config). */
  stateDir?: string;
  json?: boolean;
}

function stateDirOf(opts: DnssecOptions, command: string): string | CommandOutput {
  if (opts.stateDir !== undefined) return opts.stateDir;
  if (opts.config === undefined) return { code: EXIT_USAGE, stdout: '', stderr: `zonedns dnssec ${command}: give --config FILE or --state-dir DIR\n` };
  try {
    const config = loadConfigFile(opts.config);
    if (config.stateDir === undefined) return { code: EXIT_USAGE, stdout: '', stderr: `zonedns dnssec ${command}: ${opts.config} has no stateDir (signed zones keep their keys there)\n` };
    return config.stateDir;
  } catch (e) {
    return { code: EXIT_USAGE, stdout: '', stderr: `zonedns dnssec ${command}: ${(e as Error).message}\n` };
  }
}

/** `zonedns dnssec ds ZONE`: the DS record of each key of the zone. */
export function runDnssecDs(zone: string, opts: DnssecOptions): CommandOutput {
  const dir = stateDirOf(opts, 'ds');
  if (typeof dir !== 'string') return dir;
  let origin: Name;
  try {
    origin = parseOrigin(zone, 'ZONE');
  } catch (e) {
    return { code: EXIT_USAGE, stdout: '', stderr: `zonedns dnssec ds: ${(e as Error).message}\n` };
  }
  try {
    const paths = keyPathsFor(keysDir(dir), origin);
    if (paths.length === 0) {
      return { code: EXIT_ZONE_ERRORS, stdout: '', stderr: `zonedns dnssec ds: no key for ${nameToText(origin)} in ${keysDir(dir)} (the server makes one when it first signs the zone)\n` };
    }
    const lines = paths.map((p) => dsText(origin, readKey(origin, p).dnskey));
    return { code: EXIT_OK, stdout: lines.join('\n') + '\n', stderr: '' };
  } catch (e) {
    if (e instanceof KeyFileError) return { code: EXIT_ZONE_ERRORS, stdout: '', stderr: `zonedns dnssec ds: ${e.message}\n` };
    throw e;
  }
}

/** `zonedns dnssec status`: every zone the server has signed, from its status files. */
export function runDnssecStatus(opts: DnssecOptions): CommandOutput {
  const dir = stateDirOf(opts, 'status');
  if (typeof dir !== 'string') return dir;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.dnssec.json')).sort();
  } catch (e) {
    return { code: EXIT_USAGE, stdout: '', stderr: `zonedns dnssec status: cannot read ${dir}: ${(e as Error).message}\n` };
  }
  const zones: SigningStatus[] = [];
  for (const f of files) {
    const name = f.slice(0, -'.dnssec.json'.length);
    const status = readStatus(dir, parseOrigin(name === 'root' ? '.' : decodeURIComponent(name), f));
    if (status !== undefined) zones.push(status);
  }
  if (opts.json) return { code: EXIT_OK, stdout: JSON.stringify({ zones }, null, 2) + '\n', stderr: '' };
  if (zones.length === 0) return { code: EXIT_OK, stdout: `no signed zones in ${dir}\n`, stderr: '' };
  const rows = [['zone', 'algorithm', 'key tag', 'serial', 'next refresh', 'earliest expiry'],
    ...zones.map((z) => [z.zone, z.algorithm, String(z.keyTag), String(z.serial), z.nextRefresh, z.earliestExpiry])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const stdout = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
  return { code: EXIT_OK, stdout, stderr: '' };
}
