// Hostile (or careless) zone files, as issue #17 tried them against a running server, written
// into a directory: the bench (bench/stall/run.mjs) drops them full size into a served zones
// directory, the tests (test/daemon/hostile.test.ts, test/zone/limits.test.ts) smaller ones.
// Each writes everything it needs, the zone file under a name that is not a zone's, and returns
// { file: the zone file, drop(): renames it into place (the zone file appears whole, at once),
// expect: what its load must fail with (a RegExp over the logged `file:line: message`),
// cleanup(): removes what it made besides the zone file }. Preparing apart from dropping lets the
// caller start measuring after the slow part (writing 500 MB). Big files are written in pieces
// (never a string of their size in memory).

import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the zone file `${origin}.zone` of `dir` by `write(fd)` beside it: { file, drop() }. */
function prepareZone(dir, origin, write) {
  const tmp = join(dir, `.${origin}.zone.partial`);
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
  } finally {
    closeSync(fd);
  }
  return { file: `${origin}.zone`, drop: () => renameSync(tmp, join(dir, `${origin}.zone`)) };
}

const prepareText = (dir, origin, text) => prepareZone(dir, origin, (fd) => writeSync(fd, text));

/** The head of every hostile zone: a valid apex, so that only the hostile part can fail it. */
export function zoneHead(origin) {
  return `$ORIGIN ${origin}.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
}

/** `files` include files, each including the next `each` times: each^files reads without a total bound. */
export function includeFanOut(dir, origin, { files = 16, each = 10 } = {}) {
  for (let k = 0; k < files; k++) {
    const next = k + 1 < files ? `$INCLUDE fan${k + 1}.inc\n`.repeat(each) : `leaf A 192.0.2.2\n`;
    writeFileSync(join(dir, `fan${k}.inc`), next);
  }
  return {
    ...prepareText(dir, origin, `${zoneHead(origin)}$INCLUDE fan0.inc\n`),
    expect: /:\d+: \$INCLUDE "fan\d+\.inc": the zone includes files more than \d+ times \(the maxIncludes limit\)/,
    cleanup: () => { for (let k = 0; k < files; k++) rmSync(join(dir, `fan${k}.inc`), { force: true }); },
  };
}

/** `$INCLUDE` of a FIFO nobody writes to (opening it for reading would block until someone does). */
export function includeFifo(dir, origin) {
  const fifo = join(dir, `${origin}.fifo`);
  rmSync(fifo, { force: true });
  execFileSync('mkfifo', [fifo]);
  return { ...prepareText(dir, origin, `${zoneHead(origin)}$INCLUDE ${origin}.fifo\n`), expect: /:6:\d+: cannot read ".*\.fifo": is a FIFO \(named pipe\), not a regular file/, cleanup: () => rmSync(fifo, { force: true }) };
}

/** `$INCLUDE /dev/zero`: endless zeros. */
export function includeDevZero(dir, origin) {
  return { ...prepareText(dir, origin, `${zoneHead(origin)}$INCLUDE /dev/zero\n`), expect: /:6:\d+: cannot read "\/dev\/zero": is a character device, not a regular file/, cleanup: () => {} };
}

/** A line of `bytes` octets after the five lines of the head (the error must name line 6). */
export function longLine(dir, origin, bytes) {
  const prepared = prepareZone(dir, origin, (fd) => {
    writeSync(fd, `${zoneHead(origin)}big TXT "`);
    const piece = Buffer.alloc(1 << 20, 'a');
    for (let left = bytes; left > 0; left -= piece.length) writeSync(fd, piece, 0, Math.min(left, piece.length));
    writeSync(fd, '"\n');
  });
  return { ...prepared, expect: /:6: entry is longer than \d+ octets \(the maxEntryBytes limit/, cleanup: () => {} };
}

/** `lines` directives of 65,536 records each (forty: 2.6M records). */
export function generateFlood(dir, origin, lines = 40) {
  let text = zoneHead(origin);
  for (let i = 0; i < lines; i++) text += `$GENERATE 1-65536 g${i}-$ A 10.${i}.0.1\n`;
  return { ...prepareText(dir, origin, text), expect: /:\d+:\d+: \$GENERATE range "1-65536" would bring the zone's generated records to \d+; the limit is \d+ \(the maxGenerateRecords limit\)/, cleanup: () => {} };
}

/** The same in a 16 KB file: 400 short directives, 26M records. */
export function generateSmallFile(dir, origin) {
  let text = zoneHead(origin);
  for (let i = 0; i < 400; i++) text += `$GENERATE 1-65536 $ A 10.1.1.1\n`;
  return { ...prepareText(dir, origin, text), expect: /\(the maxGenerateRecords limit\)/, cleanup: () => {} };
}

/**
 * A symlink in the zones directory to a directory of `files` small files (outside it, in
 * `outside`): not a zone, so no error; what it must not do is cost memory or watches.
 */
export function symlinkedSubdirectory(dir, outside, files = 100_000) {
  const target = join(outside, 'many-files');
  mkdirSync(target, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(target, `f${i}.txt`), 'x');
  return {
    file: undefined,
    drop: () => symlinkSync(target, join(dir, 'many-files')),
    expect: undefined,
    cleanup: () => { rmSync(join(dir, 'many-files'), { force: true }); rmSync(target, { recursive: true, force: true }); } };
}
