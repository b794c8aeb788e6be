// `zonedns check`: load and validate zones without serving, like named-checkzone. Pure of yargs
// and of process: returns what to print and the exit code, so tests call it directly.

import { existsSync, statSync } from 'node:fs';
import { nameFromText, nameToText, type Name } from '../dns/name.js';
import { classToString } from '../dns/constants.js';
import { formatDiagnostic } from '../zone/record.js';
import { loadZoneDirectory, loadZoneFile, type LoadResult } from '../zone/load.js';
import { printZone } from '../zone/print.js';
import { loadConfigFile } from './config.js';
import { zoneLimits } from '../zone/limits.js';
import { dnssecChecks } from '../dnssec/verify-zone.js';

export interface CheckOptions {
  /** Zone files or directories of `*.zone` files. */
  paths: string[];
  /** A configuration file: check every zone it lists (and its zones directory). */
  config?: string;
  origin?: string;
  json?: boolean;
  print?: boolean;
}

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit codes: 0 all zones load; 1 a zone has errors; 2 usage error (bad flag, missing path, a zone's origin not given). */
export const EXIT_OK = 0;
export const EXIT_ZONE_ERRORS = 1;
export const EXIT_USAGE = 2;

export function runCheck(opts: CheckOptions): CommandOutput {
  let origin: Name | undefined;
  if (opts.origin !== undefined) {
    try {
      origin = nameFromText(opts.origin.endsWith('.') ? opts.origin : opts.origin + '.');
    } catch (e) {
      return { code: EXIT_USAGE, stdout: '', stderr: `zonedns check: bad --origin "${opts.origin}": ${(e as Error).message}\n` };
    }
  }
  const results: LoadResult[] = [];
  // Signed zones are also checked as dnssec-verify would (warnings, with file:line).
  const inspect = dnssecChecks();
  // The zones a configuration lists: one without an origin is the configuration's to fix.
  const configured = new Set<LoadResult>();
  if (opts.config !== undefined) {
    let config;
    try {
      config = loadConfigFile(opts.config);
    } catch (e) {
      return { code: EXIT_USAGE, stdout: '', stderr: `zonedns check: ${(e as Error).message}\n` };
    }
    if (config.zonesDir !== undefined) results.push(...loadZoneDirectory(config.zonesDir, { limits: config.zoneLimits, inspect }));
    for (const z of config.zones) {
      const r = loadZoneFile(z.file, { origin: z.origin, limits: zoneLimits(config.zoneLimits, z.zoneLimits), inspect });
      results.push(r);
      configured.add(r);
    }
  } else if (opts.paths.length === 0) {
    return { code: EXIT_USAGE, stdout: '', stderr: 'zonedns check: give zone files, a directory, or --config FILE\n' };
  }

  for (const path of opts.paths) {
    if (!existsSync(path)) return { code: EXIT_USAGE, stdout: '', stderr: `zonedns check: ${path}: no such file or directory\n` };
    if (statSync(path).isDirectory()) {
      if (origin) return { code: EXIT_USAGE, stdout: '', stderr: 'zonedns check: --origin applies to a single zone file, not a directory\n' };
      results.push(...loadZoneDirectory(path, { inspect }));
    } else {
      results.push(loadZoneFile(path, { origin, inspect }));
    }
  }

  // No origin in the file, none given, and a file name that is not ORIGIN.zone: guessing one from
  // names like db.example or zone.db loaded zones for the wrong names (zone/load.ts).
  const noOrigin = results.filter((r) => r.origin === undefined).map((r) => `zonedns check: ${r.file}: cannot tell which zone this is (no $ORIGIN or absolute SOA owner, and only a file named ORIGIN.zone names its zone): ${configured.has(r) ? `give the zone an "origin" in ${opts.config}` : 'give --origin NAME'}\n`).join('');
  const failed = results.some((r) => r.snapshot === undefined);
  if (opts.json) {
    const zones = results.map((r) => ({
      file: r.file,
      origin: r.origin ? nameToText(r.origin) : null,
      loaded: r.snapshot !== undefined,
      serial: r.snapshot?.serial ?? null,
      records: r.snapshot?.recordCount ?? null,
      errors: r.diagnostics.filter((d) => d.severity === 'error'),
      warnings: r.diagnostics.filter((d) => d.severity === 'warning'),
    }));
    return { code: noOrigin !== '' ? EXIT_USAGE : failed ? EXIT_ZONE_ERRORS : EXIT_OK, stdout: JSON.stringify({ ok: !failed, zones }, null, 2) + '\n', stderr: noOrigin };
  }

  let stdout = '';
  let stderr = '';
  for (const r of results) {
    const label = `zone ${r.origin ? nameToText(r.origin).replace(/\.$/, '') || '.' : '?'}/${classToString(r.snapshot?.class ?? 1)}`;
    for (const d of r.diagnostics) stderr += formatDiagnostic(d) + '\n';
    if (r.snapshot) {
      if (opts.print) stdout += printZone(r.snapshot);
      else stdout += `${label}: loaded serial ${r.snapshot.serial} (${r.snapshot.recordCount} records)\n`;
    } else if (r.origin !== undefined) {
      stderr += `${label}: not loaded due to errors (${r.file})\n`;
    }
  }
  if (!opts.print) stdout += failed ? '' : 'OK\n';
  return { code: noOrigin !== '' ? EXIT_USAGE : failed ? EXIT_ZONE_ERRORS : EXIT_OK, stdout, stderr: stderr + noOrigin };
}
