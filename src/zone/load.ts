// Entry points that turn zone text or files into snapshots: parse -> build (validate) -> snapshot.
// The zone origin (apex) is, in order: the caller's, the owner of the SOA record, the first
// $ORIGIN, or the file name when it is `ORIGIN.zone` (`example.com.zone`).

import { readdirSync, statSync } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RRType } from '../dns/constants.js';
import { nameFromText, type Name } from '../dns/name.js';
import { noOrigin, sizeHint, SnapshotBuilder, type BuildInput, type BuildResult } from './build.js';
import { parseZone, parseZoneFile, type ParseResult } from './parse.js';
import type { RecordSink, ZoneRecord } from './record.js';
import type { ZoneLimits } from './limits.js';

export interface LoadOptions {
  /** The zone's origin; when absent it is found from the SOA owner, $ORIGIN, or an `ORIGIN.zone` file name. */
  origin?: Name;
  /** Name used for diagnostics when loading from a string. */
  file?: string;
  /** Reads zone and $INCLUDE files as binary strings (instead of from disk, in pieces). */
  readFile?: (path: string) => string;
  /** Sees every file's content as it is read, in pieces (reload fingerprints it). */
  onRead?: (path: string, text: string) => void;
  /** Picks the served serial from the file's (see BuildInput.serial). */
  serial?: (fileSerial: number, origin: Name) => number;
  /** Bounds on the input (limits.ts); unset fields keep their defaults. */
  limits?: Partial<ZoneLimits>;
  /** Asked now and then while reading: true stops the load (no snapshot, no validation). */
  cancelled?: () => boolean;
  /** Checks of the built snapshot that add warnings (see BuildInput.inspect). */
  inspect?: BuildInput['inspect'];
}

export interface LoadResult extends BuildResult {
  /** The file (or label) the zone came from. */
  file: string;
  /** The origin the zone was built with, when one could be determined. */
  origin: Name | undefined;
}

/**
 * `example.com.zone` -> `example.com.`; any other file name names no zone. Names such as
 * `db.example`, `zone.db` or `hosts` say nothing reliable (`zone.db` is not the zone `zone.`), and
 * a wrong guess loads a zone that answers for the wrong names: the origin must then come from
 * the file ($ORIGIN, an absolute SOA owner) or from the caller (--origin, a config's `origin`).
 */
export function originFromFileName(path: string): Name | undefined {
  const m = /^(.+)\.zone$/.exec(basename(path));
  if (m === null || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(m[1])) return undefined;
  try {
    return nameFromText(m[1] + '.');
  } catch {
    return undefined;
  }
}

/**
 * Parses with `parse` and streams every record into a SnapshotBuilder. The origin must be known
 * before the first record can be placed: the caller's, else the owner of the first SOA (records
 * before it wait in a short list: the SOA is normally first), else, at the end, what the parser
 * found ($ORIGIN, the file name). `replay` parses the same input again for diagnostic positions.
 */
function streamLoad(
  parse: (sink: RecordSink) => ParseResult,
  replay: (onRecord: (rec: ZoneRecord) => void) => void,
  file: string,
  opts: LoadOptions,
  bytes: number,
): LoadResult {
  let builder: SnapshotBuilder | undefined;
  let origin: Name | undefined;
  let waiting: ZoneRecord[] = [];
  const start = (o: Name) => {
    origin = o;
    builder = new SnapshotBuilder(o, replay, sizeHint(bytes));
    for (const r of waiting) builder.add(r);
    waiting = [];
  };
  if (opts.origin !== undefined) start(opts.origin);
  // Straight into the builder once there is one.
  const sink: RecordSink = builder ?? {
    record(owner, type, cls, ttl, rdata, recFile, line) {
      if (builder !== undefined) {
        builder.record(owner, type, cls, ttl, rdata, recFile, line);
        return;
      }
      waiting.push({ owner, type, class: cls, ttl, rdata, file: recFile, line });
      if (type === RRType.SOA) start(owner);
    },
  };
  const parsed = parse(sink);
  // Cancelled: nothing will use the result, so the whole-zone checks are not worth their time.
  if (opts.cancelled?.()) return { diagnostics: parsed.diagnostics, file, origin };
  if (builder === undefined) {
    if (parsed.origin === undefined) return { ...noOrigin(file, parsed.diagnostics), file, origin: undefined };
    start(parsed.origin);
  }
  const built = builder!.finish({ diagnostics: parsed.diagnostics, files: parsed.files, file, serial: opts.serial, dropped: parsed.dropped, inspect: opts.inspect });
  return { ...built, file, origin };
}

export function loadZoneText(text: string, opts: LoadOptions = {}): LoadResult {
  const file = opts.file ?? '<string>';
  return streamLoad(
    (sink) => parseZone(text, { file, origin: opts.origin, limits: opts.limits, sink }),
    (onRecord) => parseZone(text, { file, origin: opts.origin, limits: opts.limits, onRecord }),
    file,
    opts,
    text.length,
  );
}

export function loadZoneFile(path: string, opts: LoadOptions = {}): LoadResult {
  const origin = opts.origin ?? originFromFileName(path);
  let bytes = 0;
  try {
    if (opts.readFile === undefined) bytes = statSync(path).size;
  } catch {
    // The parser reports what is wrong with the file.
  }
  return streamLoad(
    (sink) => parseZoneFile(path, { origin, readFile: opts.readFile, onRead: opts.onRead, limits: opts.limits, cancelled: opts.cancelled, sink }),
    // Positions come from the same files again, without onRead (a reload's fingerprint must
    // cover each file once).
    (onRecord) => parseZoneFile(path, { origin, readFile: opts.readFile, limits: opts.limits, onRecord }),
    path,
    opts,
    bytes,
  );
}

/** True for the names of zone files in a zones directory: `*.zone`. */
export function isZoneFileName(path: string): boolean {
  return path.endsWith('.zone');
}

/** Every `*.zone` file in a directory (not recursive), in name order. */
export function zoneFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter(isZoneFileName)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile());
}

/**
 * zoneFilesIn without holding the thread: the directory is read in small batches (a zones
 * directory may hold 100k other files: read at once that was ~170 ms), and a `*.zone` entry that
 * is not a file (a dangling symlink) is left out rather than failing the whole list.
 */
export async function listZoneFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of await opendir(dir, { bufferSize: 256 })) if (isZoneFileName(entry.name)) names.push(entry.name);
  const out: string[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (await stat(path).then((st) => st.isFile(), () => false)) out.push(path);
  }
  return out;
}

export function loadZoneDirectory(dir: string, opts: Pick<LoadOptions, 'limits' | 'inspect'> = {}): LoadResult[] {
  return zoneFilesIn(dir).map((path) => loadZoneFile(path, opts));
}
