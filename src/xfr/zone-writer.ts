// Keeps a secondary's transferred copy on disk, so that a restart serves it at once (RFC 1034
// §4.3.5: a secondary keeps its copy across restarts and checks the primary afterwards).
//
// The copy is zone text with absolute names and explicit TTL and class, one record per line in
// printZone's format (loadZoneFile reads it back), the apex first and then the nodes in the
// snapshot's order: not sorted, since nothing needs the copy sorted and sorting a large zone
// costs more than printing it. It is written by state/atomic-write.ts's writeFileAtomicChunks: a
// temp file beside the final path, fsync, rename over the final path (atomic on POSIX), directory
// fsync so the rename itself survives a crash. A reader (or the next start) sees the old copy or
// the new one, never half. It streams: the text is made a chunk at a time and each chunk written
// before the next is made, so a server writing a large copy keeps answering queries (the event
// loop is held for one chunk at most) and never holds the whole text.

import { classToString, RRType, typeToString } from '../dns/constants.js';
import { nameToText } from '../dns/name.js';
import { rdataToText } from '../dns/rdata/index.js';
import { rrsetsOf, type RRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';
import { writeFileAtomicChunks } from '../state/atomic-write.js';

/** Text per write: a few ms of formatting between two turns of the event loop. */
const CHUNK_CHARS = 256 * 1024;

/** The copy's text in pieces of about `chunkChars`: a comment naming the zone, serial and source, then every record. */
export function* zoneFileChunks(snapshot: ZoneSnapshot, source?: string, chunkChars = CHUNK_CHARS): Generator<string, void, undefined> {
  const from = source === undefined ? '' : ` from ${source}`;
  let text = `; ${nameToText(snapshot.origin)} serial ${snapshot.serial}, transferred${from} (written by zonedns; replaced on each transfer)\n`
    + `$ORIGIN ${nameToText(snapshot.origin)}\n`;
  const cls = classToString(snapshot.class);
  const put = (owner: string, set: RRset): void => {
    const head = `${owner}\t${set.ttl}\t${cls}\t${typeToString(set.type)}\t`;
    for (const rdata of set.rdata) text += `${head}${rdataToText(set.type, rdata)}\n`;
  };
  const node = (n: ZoneNode, soaFirst: boolean): void => {
    const owner = nameToText(n.name);
    if (soaFirst) for (const set of [...n.rrsets].sort((a, b) => Number(b.type === RRType.SOA) - Number(a.type === RRType.SOA))) put(owner, set);
    else for (let set = n.firstSet; set !== undefined; set = set.next) for (const s of rrsetsOf(set)) put(owner, s);
  };
  node(snapshot.apex, true);
  for (const n of snapshot.nodes.values()) {
    if (n === snapshot.apex || n.firstSet === undefined) continue;
    node(n, false);
    if (text.length >= chunkChars) {
      yield text;
      text = '';
    }
  }
  if (text.length > 0) yield text;
}

/** The whole text of the copy (what writeZoneFile writes). */
export function zoneFileText(snapshot: ZoneSnapshot, source?: string): string {
  return [...zoneFileChunks(snapshot, source)].join('');
}

/** Writes the copy of a transferred zone atomically (state/atomic-write.ts). Rejects on I/O errors. */
export async function writeZoneFile(path: string, snapshot: ZoneSnapshot, source?: string): Promise<void> {
  await writeFileAtomicChunks(path, zoneFileChunks(snapshot, source));
}
