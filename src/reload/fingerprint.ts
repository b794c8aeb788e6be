// A zone's fingerprint: SHA-256 over the content of every file a load read, in the order read.
// A reload compares it with the last one to tell "the content changed" (serial policies, the
// "serial did not increase" warning) and a rescan to skip zones whose files did not change.

import { closeSync, readSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { openRegularFile } from '../zone/chunks.js';

/** Hashes each file's content as the loader reads it (LoadOptions.onRead), then gives the fingerprint. */
export class FingerprintCollector {
  private readonly perFile = new Map<string, Hash>();
  private digest: string | undefined;

  /** For LoadOptions.onRead: the loader's pieces of each file, in order. */
  readonly onRead = (path: string, text: string): void => {
    let h = this.perFile.get(path);
    if (h === undefined) this.perFile.set(path, (h = createHash('sha256')));
    h.update(text, 'latin1');
  };

  /** Every file read so far, in the order first read. */
  files(): string[] {
    return [...this.perFile.keys()];
  }

  /** The fingerprint of what was read (call once every file is read). */
  fingerprint(): string {
    return (this.digest ??= combineFileHashes([...this.perFile].map(([p, h]) => [p, h.digest('hex')])));
  }
}

/** One fingerprint from (path, SHA-256 of content) pairs, in the order the files were read. */
function combineFileHashes(files: Array<[string, string]>): string {
  const hash = createHash('sha256');
  for (const [p, h] of files) hash.update(p).update('\0').update(h).update('\0');
  return hash.digest('hex');
}

/**
 * The fingerprint a load of these files would compute now. A file that is missing, or not a
 * regular file (never opened: a FIFO would block), hashes as empty, so the zone counts as changed
 * and its reload says what is wrong. Reads at most `maxBytes` in all: past that the zone has
 * changed anyway (its load will refuse it).
 */
export function fingerprintOf(files: readonly string[], maxBytes = Infinity): string {
  let left = maxBytes;
  const buf = Buffer.allocUnsafe(1 << 16);
  return combineFileHashes(files.map((p) => {
    const hash = createHash('sha256');
    let fd: number | undefined;
    try {
      fd = openRegularFile(p).fd;
      for (let n; left > 0 && (n = readSync(fd, buf, 0, buf.length, null)) > 0; left -= n) hash.update(buf.subarray(0, n));
    } catch {
      // vanished or not a regular file: hashes as empty
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return [p, hash.digest('hex')];
  }));
}
