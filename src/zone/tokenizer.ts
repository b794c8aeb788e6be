// Zone file tokenizer (RFC 1035 §5.1). One pass over the whole text with charCodeAt; it yields one
// *entry* at a time (a record or a `$` directive: everything up to a newline that is not inside
// parentheses) as token boundaries in reusable typed arrays, so scanning allocates nothing per
// token. The parser slices only the tokens it needs as strings.
//
// Rules, from RFC 1035 §5.1 plus what BIND accepts:
// - Blanks are space and tab; CR is a blank too, so CRLF files work (LF ends the line).
// - `;` starts a comment that runs to the end of the line, anywhere outside a quoted string,
//   including inside parentheses.
// - `(` ... `)` join lines: newlines inside are blanks. They do not nest: `((` is an error, as in
//   Knot (BIND counts the depth; RFC 1035 §5.1 describes one level).
// - `"..."` is one token; blanks, `;` and parentheses inside are data. Inside parentheses, where
//   "line terminations are not recognized" (RFC 1035 §5.1), so is a newline: the string goes on
//   (Knot reads it; BIND does not), and the parser warns, since a forgotten closing quote does the
//   same. Outside parentheses the line ends the entry, so a string must close on its line (else an
//   unterminated quote would swallow the rest of the file); the error is at the opening quote.
//   A quote right after a closing quote (`"""`) is an error, as in Knot and BIND.
// - `\X` escapes the next octet (so `\"`, `\;`, `\(`, `\ ` are data); `\DDD` is left for the field's
//   own decoder: token text is passed on exactly as written (see RdataToken).
// - A `"` inside an unquoted token ends it and opens a quoted token, as in BIND: `a"b c"` is the
//   two tokens `a` and `b c`. (SVCB `key="v w"` therefore arrives as `key=` then quoted `v w`,
//   adjacent by column.)
// - An entry has an owner when its first line starts in column 1 with anything but a blank: the
//   owner is positional, never guessed from what the token looks like (so `1` and `3com` are names).
//
// Octets: the text is a binary string (one char per octet, see dns/bytes.ts). Octets 0x80-0xFF are
// allowed raw only inside quoted strings (BIND allows UTF-8 in TXT; character-strings are opaque
// octets). Elsewhere they must be written `\DDD`: a raw one in a name is almost always an IDN
// written without punycode, so we say so. Control characters other than tab/CR/LF, and chars above
// U+00FF (text that was not read as octets), are errors everywhere: they mean a binary file or a
// wrong encoding, and a clear error beats silently storing garbage.

import type { RdataToken } from '../dns/rdata/index.js';

/** The longest entry we accept, in characters from its first to its last token. The largest
 * RDATA (65535 octets) written as `\DDD` escapes is about 262,000 characters; anything near this
 * limit is a broken file, and refusing it keeps the parser linear and its memory bounded. */
export const MAX_ENTRY_CHARS = 1 << 20;

/** A problem found while tokenizing an entry. The parser reports it and skips the entry. */
export interface TokenIssue {
  message: string;
  line: number;
  column: number;
}

// Character classes for octets 0-255 (one table lookup per character in the hot loops).
const ORD = 0; // part of an unquoted token
const BLANK = 1; // space, tab, CR
const NEWLINE = 2;
const OPEN = 3;
const CLOSE = 4;
const COMMENT = 5;
const QUOTE = 6;
const BACKSLASH = 7;
const CONTROL = 8;
const HIGH = 9; // 0x80-0xFF

const CHAR_CLASS = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 0x20; c++) t[c] = CONTROL;
  t[0x7f] = CONTROL;
  for (let c = 0x80; c < 0x100; c++) t[c] = HIGH;
  t[0x20] = BLANK;
  t[0x09] = BLANK;
  t[0x0d] = BLANK;
  t[0x0a] = NEWLINE;
  t[0x28] = OPEN;
  t[0x29] = CLOSE;
  t[0x3b] = COMMENT;
  t[0x22] = QUOTE;
  t[0x5c] = BACKSLASH;
  return t;
})();

/** `0x00` style, for messages about octets that cannot be shown. */
function hexOctet(c: number): string {
  return c > 0xff ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

function badCharMessage(c: number, inQuotes: boolean): string {
  if (c > 0xff) return `character ${hexOctet(c)} is not an octet (zone files are read as octets; write \\DDD escapes)`;
  if (c >= 0x80) return `non-ASCII octet ${hexOctet(c)} outside a quoted string (write it as \\${String(c).padStart(3, '0')}; IDNs need punycode)`;
  return `control character ${hexOctet(c)}${inQuotes ? ' in a quoted string' : ''} (binary data? write it as \\${String(c).padStart(3, '0')})`;
}

export class Tokenizer {
  readonly src: string;
  private pos: number;
  private readonly limit: number;
  /** The line the tokenizer is on: after the last entry, the line after the text. */
  line = 1;
  private lineStart: number;

  /** Tokens of the current entry: `src.slice(tokenStart[i], tokenEnd[i])` is the text. */
  count = 0;
  tokenStart = new Int32Array(64);
  tokenEnd = new Int32Array(64);
  tokenLine = new Int32Array(64);
  tokenColumn = new Int32Array(64);
  tokenQuoted = new Uint8Array(64);
  /** Line where the current entry starts. */
  entryLine = 0;
  /** True when the entry's first line starts in column 1 with a non-blank: its first token is an owner. */
  hasOwner = false;
  /** First problem in the current entry; when set the entry must be skipped (tokens may be partial). */
  issue: TokenIssue | undefined;
  /** Where the current entry's first quoted string that spans lines opened (the parser warns). */
  spannedQuote: TokenIssue | undefined;
  /** sharedRdataTokens' arrays, by length. */
  private readonly shared: RdataToken[][] = [];

  /** `columnBase` shifts reported columns (for re-tokenizing a fragment of a line). */
  constructor(src: string, private readonly columnBase = 0, firstLine = 1, atFileStart = true) {
    this.src = src;
    this.limit = src.length;
    let start = 0;
    // A UTF-8 byte order mark, read as octets (EF BB BF) or already decoded (U+FEFF), is not data.
    if (!atFileStart) start = 0;
    else if (src.charCodeAt(0) === 0xfeff) start = 1;
    else if (src.charCodeAt(0) === 0xef && src.charCodeAt(1) === 0xbb && src.charCodeAt(2) === 0xbf) start = 3;
    this.pos = start;
    this.lineStart = start;
    this.line = firstLine;
  }

  text(i: number): string {
    return this.src.slice(this.tokenStart[i], this.tokenEnd[i]);
  }

  isQuoted(i: number): boolean {
    return this.tokenQuoted[i] === 1;
  }

  /** Length of token i in characters. */
  length(i: number): number {
    return this.tokenEnd[i] - this.tokenStart[i];
  }

  /**
   * The same as rdataTokens, in an array and objects this tokenizer reuses: valid until the next
   * call. A million records otherwise leave ~100 MB of token objects for the GC.
   */
  sharedRdataTokens(from: number): RdataToken[] {
    const n = Math.max(0, this.count - from);
    let out = this.shared[n];
    if (out === undefined) {
      out = this.shared[n] = new Array<RdataToken>(n);
      for (let i = 0; i < n; i++) out[i] = { text: '', quoted: false, column: 0 };
    }
    for (let i = 0; i < n; i++) {
      const t = out[i];
      const k = from + i;
      t.text = this.src.slice(this.tokenStart[k], this.tokenEnd[k]);
      t.quoted = this.tokenQuoted[k] === 1;
      t.column = this.tokenColumn[k];
    }
    return out;
  }

  /** RdataToken objects for tokens [from, count): what parseRdata takes. */
  rdataTokens(from: number): RdataToken[] {
    const out: RdataToken[] = new Array<RdataToken>(Math.max(0, this.count - from));
    for (let i = from; i < this.count; i++) {
      out[i - from] = { text: this.src.slice(this.tokenStart[i], this.tokenEnd[i]), quoted: this.tokenQuoted[i] === 1, column: this.tokenColumn[i] };
    }
    return out;
  }

  /** Reads the next entry. False at the end of the text. */
  next(): boolean {
    const src = this.src;
    const limit = this.limit;
    this.count = 0;
    this.issue = undefined;
    this.spannedQuote = undefined;
    let started = false; // seen a token or parenthesis of this entry
    let entryStart = 0;
    let depth = 0;
    let openLine = 0;
    let openColumn = 0;
    let pos = this.pos;

    for (;;) {
      if (pos >= limit) {
        this.pos = pos;
        if (depth > 0) this.fail(`unbalanced parentheses: "(" at line ${openLine} is never closed`, openLine, openColumn);
        return started;
      }
      const c = src.charCodeAt(pos);
      const cls = c > 0xff ? CONTROL : CHAR_CLASS[c];
      if (cls === BLANK) {
        pos++;
        continue;
      }
      if (cls === NEWLINE) {
        pos++;
        this.line++;
        this.lineStart = pos;
        if (depth === 0 && started) {
          this.pos = pos;
          return true;
        }
        continue;
      }
      if (cls === COMMENT) {
        const nl = src.indexOf('\n', pos);
        pos = nl < 0 ? limit : nl;
        continue;
      }
      if (!started) {
        started = true;
        entryStart = pos;
        this.entryLine = this.line;
        this.hasOwner = pos === this.lineStart;
      }
      if (cls === OPEN) {
        if (depth === 0) {
          openLine = this.line;
          openColumn = this.col(pos);
        } else {
          this.fail(`nested parentheses: "(" inside the "(" at line ${openLine}`, this.line, this.col(pos));
        }
        depth++;
        pos++;
        continue;
      }
      if (cls === CLOSE) {
        if (depth === 0) this.fail('unbalanced parentheses: ")" without "("', this.line, this.col(pos));
        else depth--;
        pos++;
        continue;
      }
      if (pos - entryStart > MAX_ENTRY_CHARS) {
        this.fail(`entry is longer than ${MAX_ENTRY_CHARS} characters`, this.entryLine, 1);
      }
      pos = cls === QUOTE ? this.scanQuoted(pos, depth > 0) : this.scanWord(pos);
    }
  }

  /** Scans an unquoted token starting at `start`; returns the position after it. */
  private scanWord(start: number): number {
    const src = this.src;
    const limit = this.limit;
    let pos = start;
    while (pos < limit) {
      const c = src.charCodeAt(pos);
      const cls = c > 0xff ? CONTROL : CHAR_CLASS[c];
      if (cls === ORD) {
        pos++;
      } else if (cls === BACKSLASH) {
        const n = pos + 1 < limit ? src.charCodeAt(pos + 1) : -1;
        if (n < 0 || n === 0x0a || n === 0x0d) {
          this.fail('backslash at the end of a line (nothing to escape)', this.line, this.col(pos));
          pos++;
          break;
        }
        if (n > 0xff || (CHAR_CLASS[n] === CONTROL && n !== 0x09) || CHAR_CLASS[n] === HIGH) this.fail(badCharMessage(n, false), this.line, this.col(pos + 1));
        pos += 2;
      } else if (cls === CONTROL || cls === HIGH) {
        this.fail(badCharMessage(c, false), this.line, this.col(pos));
        pos++;
      } else {
        break; // a delimiter: blank, newline, parenthesis, comment or quote
      }
    }
    this.push(start, pos, false, this.col(start));
    return pos;
  }

  /**
   * Scans a quoted string whose `"` is at `open`; returns the position after the closing quote.
   * `multiline` (inside parentheses): newlines are part of the string.
   */
  private scanQuoted(open: number, multiline: boolean): number {
    const src = this.src;
    const limit = this.limit;
    const line = this.line;
    const column = this.col(open);
    let pos = open + 1;
    while (pos < limit) {
      const c = src.charCodeAt(pos);
      if (c === 0x22) {
        this.push(open + 1, pos, true, column, line);
        if (pos + 1 < limit && src.charCodeAt(pos + 1) === 0x22) {
          // `"a""b"` or `"""`: the third quote would open a string that swallows what follows.
          this.fail('a quoted string right after another (write a blank between them, or \\" for a quote inside one)', this.line, this.col(pos + 1));
          const nl = src.indexOf('\n', pos);
          return nl < 0 ? limit : nl;
        }
        return pos + 1;
      }
      if (c === 0x5c) {
        const n = pos + 1 < limit ? src.charCodeAt(pos + 1) : -1;
        if (n < 0 || (!multiline && (n === 0x0a || n === 0x0d))) break;
        if (n === 0x0a) this.quotedNewline(pos + 1, line, column);
        else if (n > 0xff || (CHAR_CLASS[n] === CONTROL && n !== 0x09)) this.fail(badCharMessage(n, true), this.line, this.col(pos + 1));
        pos += 2;
        continue;
      }
      if (c === 0x0a) {
        if (!multiline) break;
        this.quotedNewline(pos, line, column);
      } else if (c === 0x0d && pos + 1 < limit && src.charCodeAt(pos + 1) === 0x0a) {
        // Its CR would be data: refused, and the string ends here so it swallows nothing.
        if (multiline) this.fail(`unterminated quoted string: the quote at line ${line} does not close before the CRLF line end`, line, column);
        break;
      } else if (c > 0xff || (c < 0x20 && c !== 0x09) || c === 0x7f) this.fail(badCharMessage(c, true), this.line, this.col(pos));
      pos++;
    }
    this.fail(
      multiline ? `unterminated quoted string: the quote at line ${line} never closes` : 'unterminated quoted string (outside parentheses a quoted string must close on the line where it opens)',
      line,
      column,
    );
    return pos; // resume at the line end (or the end), so parentheses still delimit the entry
  }

  /** A newline at `pos` inside the quoted string that opened at line:column: data, and a new line. */
  private quotedNewline(pos: number, line: number, column: number): void {
    this.line++;
    this.lineStart = pos + 1;
    this.spannedQuote ??= { message: `the quoted string that opens here continues on line ${this.line}: its newlines are part of the string (a missing closing quote?)`, line, column };
  }

  private col(pos: number): number {
    return pos - this.lineStart + 1 + this.columnBase;
  }

  private fail(message: string, line: number, column: number): void {
    this.issue ??= { message, line, column };
  }

  private push(start: number, end: number, quoted: boolean, column: number, line = this.line): void {
    if (this.issue !== undefined) return; // the entry is skipped anyway; do not grow the arrays
    if (end - start > MAX_ENTRY_CHARS) {
      this.fail(`token is longer than ${MAX_ENTRY_CHARS} characters`, this.line, column);
      return;
    }
    const i = this.count;
    if (i === this.tokenStart.length) this.grow();
    this.tokenStart[i] = start;
    this.tokenEnd[i] = end;
    this.tokenLine[i] = line;
    this.tokenColumn[i] = column;
    this.tokenQuoted[i] = quoted ? 1 : 0;
    this.count = i + 1;
  }

  private grow(): void {
    const n = this.tokenStart.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.tokenStart = grow32(this.tokenStart);
    this.tokenEnd = grow32(this.tokenEnd);
    this.tokenLine = grow32(this.tokenLine);
    this.tokenColumn = grow32(this.tokenColumn);
    const q = new Uint8Array(n);
    q.set(this.tokenQuoted);
    this.tokenQuoted = q;
  }
}

/** Splits one line of text into fields (for `$GENERATE` right-hand sides that are re-read). */
export function tokenizeFields(text: string, columnBase: number, line: number): { tokens: RdataToken[]; issue?: TokenIssue } {
  const t = new Tokenizer(text, columnBase, line);
  const tokens: RdataToken[] = [];
  while (t.next()) {
    if (t.issue !== undefined) return { tokens, issue: t.issue };
    for (const tok of t.rdataTokens(0)) tokens.push(tok);
  }
  return { tokens };
}
