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

import { closeSync, openSync, readSync } from 'node:fs';

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
 * The file's pieces in order. Throws what openSync/readSync throw (ENOENT, EISDIR, ...). A consumer
 * that counts lines anyway (the tokenizer) may pass the line after a piece to `next()`, which
 * saves counting them again here.
 */
export function* readZoneChunks(path: string, chunkBytes = CHUNK_BYTES): Generator<ZoneChunk, void, number | undefined> {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    /** Bytes in buf not handed out yet: [0, have). */
    let have = 0;
    let line = 1;
    let eof = false;
    while (!eof || have > 0) {
      if (!eof && have < buf.length) {
        const n = readSync(fd, buf, have, buf.length - have, null);
        if (n === 0) eof = true;
        have += n;
        if (!eof && have < buf.length) continue; // fill the buffer before scanning it
      }
      let cut = eof ? have : lastEntryBoundary(buf, have);
      if (cut <= 0) {
        if (!eof) {
          // One entry longer than the buffer (or an unclosed parenthesis): read on.
          const bigger = Buffer.allocUnsafe(buf.length * 2);
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
