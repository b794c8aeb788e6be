// Entry points that turn zone text or files into snapshots: parse -> build (validate) -> snapshot.
// The zone origin (apex) is, in order: the caller's, the owner of the SOA record, the first
// $ORIGIN, or the file name (`example.com.zone`, `db.example.com`, `example.com`).

import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RRType } from '../dns/constants.js';
import { nameFromText, type Name } from '../dns/name.js';
import { buildSnapshot, type BuildResult } from './build.js';
import { parseZone, parseZoneFile, type ParseResult } from './parse.js';

export interface LoadOptions {
  /** The zone's origin; when absent it is found from the SOA owner, $ORIGIN, or the file name. */
  origin?: Name;
  /** Name used for diagnostics when loading from a string. */
  file?: string;
  /** Reads zone and $INCLUDE files as binary strings (reload uses it to fingerprint content). */
  readFile?: (path: string) => string;
  /** Picks the served serial from the file's (see BuildInput.serial). */
  serial?: (fileSerial: number) => number;
}

export interface LoadResult extends BuildResult {
  /** The file (or label) the zone came from. */
  file: string;
  /** The origin the zone was built with, when one could be determined. */
  origin: Name | undefined;
}

/** `example.com.zone` / `example.com.db` / `db.example.com` / `example.com` -> `example.com.` */
export function originFromFileName(path: string): Name | undefined {
  let base = basename(path);
  base = base.replace(/\.(zone|db|dns|hosts|txt)$/i, '');
  base = base.replace(/^db\./i, '');
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(base)) return undefined;
  try {
    return nameFromText(base.endsWith('.') ? base : base + '.');
  } catch {
    return undefined;
  }
}

function finish(parsed: ParseResult, file: string, opts: LoadOptions): LoadResult {
  const soa = parsed.records.find((r) => r.type === RRType.SOA);
  const origin = opts.origin ?? soa?.owner ?? parsed.origin;
  const built = buildSnapshot({ origin, records: parsed.records, diagnostics: parsed.diagnostics, files: parsed.files, file, serial: opts.serial });
  return { ...built, file, origin };
}

export function loadZoneText(text: string, opts: LoadOptions = {}): LoadResult {
  const file = opts.file ?? '<string>';
  const parsed = parseZone(text, { file, origin: opts.origin });
  return finish(parsed, file, opts);
}

export function loadZoneFile(path: string, opts: LoadOptions = {}): LoadResult {
  const parsed = parseZoneFile(path, { origin: opts.origin ?? originFromFileName(path), readFile: opts.readFile });
  return finish(parsed, path, opts);
}

/** Every `*.zone` file in a directory (not recursive), in name order. */
export function zoneFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zone'))
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}

export function loadZoneDirectory(dir: string): LoadResult[] {
  return zoneFilesIn(dir).map((path) => loadZoneFile(path));
}
