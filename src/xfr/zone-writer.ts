// Keeps a secondary's transferred copy on disk, so that a restart serves it at once (RFC 1034
// §4.3.5: a secondary keeps its copy across restarts and checks the primary afterwards).
//
// The copy is printZone's canonical text (absolute names, explicit TTL and class: loadZoneFile
// reads it back). It is written with the journal's writeFileAtomic: a temp file beside the final
// path, fsync, rename over the final path (atomic on POSIX), directory fsync so the rename itself
// survives a crash. A reader (or the next start) sees the old copy or the new one, never half.

import { nameToText } from '../dns/name.js';
import { printZone } from '../zone/print.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import { writeFileAtomic } from './journal.js';

/** The file text: a comment naming the zone, serial and source, then every record. */
export function zoneFileText(snapshot: ZoneSnapshot, source?: string): string {
  const from = source === undefined ? '' : ` from ${source}`;
  return `; ${nameToText(snapshot.origin)} serial ${snapshot.serial}, transferred${from} (written by zonedns; replaced on each transfer)\n`
    + `$ORIGIN ${nameToText(snapshot.origin)}\n` + printZone(snapshot);
}

/** Writes the copy of a transferred zone. Throws on I/O errors (the caller logs and serves on). */
export function writeZoneFile(path: string, snapshot: ZoneSnapshot, source?: string): void {
  writeFileAtomic(path, Buffer.from(zoneFileText(snapshot, source), 'latin1'));
}
