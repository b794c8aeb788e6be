// Writing a file so that a crash (power loss, kill -9) at any moment leaves either the old
// content or the new content at its path, never a mix and never an empty file:
//
//   1. write the data to a temp file beside it (same directory: same file system, so the rename
//      below is atomic), named `<path>.tmp-<pid>`;
//   2. fsync the temp file: its data is on disk before its name can be;
//   3. rename it over the path (POSIX rename(2) replaces atomically);
//   4. fsync the directory: the rename itself survives a crash.
//
// Every durable file of zonedns goes through here: per-zone state (state/zone-state.ts), IXFR
// journals (xfr/journal.ts), secondary zone copies (xfr/zone-writer.ts). Errors are thrown (or
// rejected) to the caller, which logs them at `error` level; nothing here is silent except a
// directory fsync the file system does not support (the rename is atomic all the same).
//
// A temp file left by a crash between 1 and 3 is harmless (the path still holds the old file)
// and is removed by removeStaleTemps at the next start.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Error codes of file systems that cannot fsync a directory (the rename is atomic regardless). */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EPERM', 'EACCES']);

function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    if (DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    if (!DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` atomically and durably (see the header); creates the directory if
 * needed. Synchronous: for small files written on the event loop's turn that must be on disk
 * before the turn ends (served serials, journals, keys). Throws on I/O errors.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPath(path);
  const fd = openSync(tmp, 'w', mode);
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  syncDirectory(dir);
}

/**
 * writeFileAtomic for large content made a piece at a time (a transferred zone's copy, a signed
 * zone's): each chunk (text in `encoding`, or bytes) is written before the next is made, so the
 * event loop is held for one chunk at most and the whole content never exists at once. Rejects on
 * I/O errors (the temp file is removed).
 */
export async function writeFileAtomicChunks(path: string, chunks: Iterable<string | Uint8Array>, mode = 0o644, encoding: BufferEncoding = 'latin1'): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempPath(path);
  const fh = await open(tmp, 'w', mode);
  try {
    for (const chunk of chunks) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      for (let off = 0; off < data.length; ) off += (await fh.write(data, off, data.length - off)).bytesWritten;
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  syncDirectory(dir);
}

/**
 * Removes temp files a crashed process left beside `path` (`<path>.tmp-<pid>`, any pid but ours).
 * Returns how many went. A directory that cannot be read is left alone.
 */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const ours = basename(tempPath(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (!n.startsWith(prefix) || n === ours || !/^\d+$/.test(n.slice(prefix.length))) continue;
    try {
      unlinkSync(join(dir, n));
      removed++;
    } catch {
      // gone meanwhile, or not ours to remove: harmless either way
    }
  }
  return removed;
}
