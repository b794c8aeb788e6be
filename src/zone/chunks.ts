// Reads a zone file in pieces that each end where an entry ends, so a big zone is never one
// string in memory: a 1M-record file is ~40 MB of text, and holding it whole while the snapshot
// is built was a fifth of the loader's peak memory.
//
// A piece may end only after a newline that is outside parentheses and quotes (RFC 1035 §5.1: only
// parentheses continue an entry across lines; our tokenizer ends a quoted string at a newline, see
// tokenizer.ts). The scan follows the tokenizer's rules for what hides a parenthesis: a `;`
// comment runs to the end of the line, `"` quotes, and `\` escapes the next character. Where the
// file is broken (a parenthesis never closed), no split point follows and the rest of the file is
// one piece, so the tokenizer sees exactly what it would have seen in the whole text.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/**
 * About how much text one piece holds. Below V8's large-object size (128 KiB): a string that
 * big is allocated apart, page by page, which made reading a 40 MB zone in 512 KiB pieces cost
 * 140 ms against 3 ms in 64 KiB ones, plus old-generation GC work for text that dies at once.
 */
export const CHUNK_BYTES = 1 << 16;

export interface ZoneChunk {
  /** The text, one octet per char (latin1), as readFileSync(path, 'latin1') would give. */
  text: string;
  /** Line number of the piece's first line in the file. */
  firstLine: number;
}

/**
 * Index just after the last newline in `data[0, end)` where an entry may end, or -1. The scan
 * starts at 0 in the state "between entries", which holds at the start of every piece.
 */
export function lastEntryBoundary(data: Uint8Array, end: number): number {
  // Without "(" nothing continues an entry past a newline (quotes and comments end there): the
  // last newline is the answer, found natively. Only zones that use parentheses pay for the scan.
  if (end <= 0) return -1;
  if (Buffer.isBuffer(data)) {
    const piece = data.subarray(0, end);
    if (piece.indexOf(0x28) < 0) return piece.lastIndexOf(0x0a) + 1 || -1;
  }
  let depth = 0;
  let quoted = false;
  let last = -1;
  for (let i = 0; i < end; i++) {
    const c = data[i];
    if (c === 0x0a) {
      quoted = false;
      if (depth === 0) last = i + 1;
    } else if (quoted) {
      if (c === 0x5c /* \ */ && i + 1 < end && data[i + 1] !== 0x0a) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x5c) {
      if (i + 1 < end && data[i + 1] !== 0x0a) i++;
    } else if (c === 0x22) {
      quoted = true;
    } else if (c === 0x3b /* ; */) {
      while (i + 1 < end && data[i + 1] !== 0x0a) i++;
    } else if (c === 0x28) {
      depth++;
    } else if (c === 0x29) {
      if (depth > 0) depth--;
    }
  }
  return last;
}

function countLines(data: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (data[i] === 0x0a) n++;
  return n;
}

/**
 * A bound the reader enforces (see limits.ts), thrown where it was hit: `line` is the line of
 * the file where the offending entry starts, or undefined when the file as a whole is refused.
 */
export class InputLimitError extends Error {
  constructor(message: string, readonly line: number | undefined) {
    super(message);
    this.name = 'InputLimitError';
  }
}

/** What a file read may still take: shared by every file of one zone. */
export interface ReadBudget {
  /** Octets left of the zone's maxZoneBytes. */
  bytesLeft: number;
  /** The zone's maxZoneBytes, for messages. */
  readonly maxZoneBytes: number;
  /** Longest entry, in octets. */
  readonly maxEntryBytes: number;
}

/** A budget that never runs out (only the tokenizer's own entry bound applies). */
export function unlimitedBudget(): ReadBudget {
  return { bytesLeft: Infinity, maxZoneBytes: Infinity, maxEntryBytes: Infinity };
}

/**
 * Opens a file for reading if it is a regular file, without ever blocking: a FIFO would block
 * open() until a writer comes (and the read after it forever), a device like /dev/zero never
 * ends. Checked before opening (stat follows symlinks, as open does), opened non-blocking, and
 * checked again on the descriptor in case the path was swapped in between. Other files throw an
 * error with code ENOTREG and a message saying what the path is.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  refuseIfNotRegular(statSync(path));
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    refuseIfNotRegular(st);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function refuseIfNotRegular(st: Stats): void {
  if (st.isFile()) return;
  const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file';
  throw Object.assign(new Error(`is ${what}, not a regular file`), { code: 'ENOTREG' });
}

/**
 * The file's pieces in order. Only a regular file is read (openRegularFile); the octets read
 * count against `budget`, and an entry longer than its maxEntryBytes stops the read with an
 * InputLimitError at the entry's first line, having buffered no more than that. Throws what
 * openSync/readSync throw (ENOENT, EACCES, ...). A consumer that counts lines anyway (the
 * tokenizer) may pass the line after a piece to `next()`, which saves counting them again here.
 */
export function* readZoneChunks(path: string, budget: ReadBudget = unlimitedBudget(), chunkBytes = CHUNK_BYTES): Generator<ZoneChunk, void, number | undefined> {
  const { fd, size } = openRegularFile(path);
  try {
    // A file bigger than what is left is refused before a byte is read (it may still grow or
    // shrink while read: the count below is what holds).
    if (size > budget.bytesLeft) throw tooBig(budget, undefined);
    let buf = Buffer.allocUnsafe(Math.min(chunkBytes, budget.maxEntryBytes + 1));
    /** Bytes in buf not handed out yet: [0, have). */
    let have = 0;
    let line = 1;
    let eof = false;
    while (!eof || have > 0) {
      if (!eof && have < buf.length) {
        const n = readSync(fd, buf, have, buf.length - have, null);
        if (n === 0) eof = true;
        budget.bytesLeft -= n;
        if (budget.bytesLeft < 0) throw tooBig(budget, line);
        have += n;
        if (!eof && have < buf.length) continue; // fill the buffer before scanning it
      }
      let cut = eof ? have : lastEntryBoundary(buf, have);
      if (cut <= 0) {
        if (!eof) {
          // One entry longer than the buffer (or an unclosed parenthesis): read on, up to the
          // bound. The piece starts where the entry does (pieces end between entries).
          if (have > budget.maxEntryBytes) {
            throw new InputLimitError(`entry is longer than ${budget.maxEntryBytes} octets (the maxEntryBytes limit; an unclosed parenthesis?)`, line);
          }
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, budget.maxEntryBytes + 1));
          buf.copy(bigger, 0, 0, have);
          buf = bigger;
          continue;
        }
        cut = have;
      }
      const text = buf.toString('latin1', 0, cut);
      const next = yield { text, firstLine: line };
      line = next ?? line + countLines(buf, cut);
      buf.copy(buf, 0, cut, have);
      have -= cut;
    }
  } finally {
    closeSync(fd);
  }
}

function tooBig(budget: ReadBudget, line: number | undefined): InputLimitError {
  return new InputLimitError(`the zone's files are larger than ${budget.maxZoneBytes} octets together (the maxZoneBytes limit)`, line);
}
