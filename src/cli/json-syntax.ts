// Where a JSON text goes wrong, as line and column, for `config.json:3:14: ...`. V8's JSON.parse
// gives an offset for some errors only ("Unexpected token 'x', "..." is not valid JSON" has none)
// and its wording changes between Node versions, so once JSON.parse has failed this strict
// RFC 8259 scanner finds the first offending character itself. It builds no values and keeps its
// own stack rather than recursing, so no nesting depth can overflow it.

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in characters (UTF-16 code units) from the start of the line. */
  column: number;
  message: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const closers: Array<'}' | ']'> = [];
  const at = (offset: number, message: string): JsonSyntaxError => {
    const before = text.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: offset - lineStart + 1, message };
  };
  const found = () => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]));
  const expected = (what: string) => at(i, `expected ${what}, found ${found()}`);
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const string = (): JsonSyntaxError | undefined => {
    const start = i++;
    for (;;) {
      if (i >= text.length) return at(start, 'string not closed by "');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return undefined;
      }
      if (c < ' ') return at(i, `control character ${JSON.stringify(c)} in a string (write it escaped, e.g. \\n)`);
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          HEX4.lastIndex = i + 2;
          if (!HEX4.test(text)) return at(i, 'bad \\u escape (\\u and 4 hex digits)');
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) {
          i += 2;
        } else {
          return at(i, `bad escape \\${e ?? ''} (JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`);
        }
      } else {
        i++;
      }
    }
  };
  /** After `{` or a comma inside an object: `"key":`. */
  const key = (): JsonSyntaxError | undefined => {
    skipWhitespace();
    if (text[i] === '}') return at(i, 'comma before "}" (JSON allows none after the last member)');
    if (text[i] !== '"') return expected('a key in double quotes');
    const bad = string();
    if (bad !== undefined) return bad;
    skipWhitespace();
    if (text[i] !== ':') return expected('":" after the key');
    i++;
    return undefined;
  };

  for (;;) {
    // A value.
    skipWhitespace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipWhitespace();
      const close = c === '{' ? '}' : ']';
      if (text[i] !== close) {
        closers.push(close);
        if (close === '}') {
          const bad = key();
          if (bad !== undefined) return bad;
        }
        continue;
      }
      i++;
    } else if (c === '"') {
      const bad = string();
      if (bad !== undefined) return bad;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text) || /[0-9.eE+-]/.test(text[NUMBER.lastIndex] ?? '')) return at(i, 'bad number (JSON numbers are like 12, -3, 1.5, 2e9; no leading zeros)');
      i = NUMBER.lastIndex;
    } else if (text.startsWith('true', i) || text.startsWith('null', i)) {
      i += 4;
    } else if (text.startsWith('false', i)) {
      i += 5;
    } else if (c === ']' && text.slice(0, i).trimEnd().endsWith(',')) {
      return at(i, 'comma before "]" (JSON allows none after the last element)');
    } else {
      return expected('a value (a "string", number, true, false, null, {...} or [...])');
    }
    // After a value: a comma, the end of its object or array, or the end of the text.
    for (;;) {
      skipWhitespace();
      const close = closers.at(-1);
      if (close === undefined) return i < text.length ? at(i, `unexpected ${found()} after the end of the JSON value`) : undefined;
      if (text[i] === close) {
        i++;
        closers.pop();
        continue;
      }
      if (text[i] !== ',') return expected(`"," or "${close}"`);
      i++;
      if (close === '}') {
        const bad = key();
        if (bad !== undefined) return bad;
      }
      break;
    }
  }
}
