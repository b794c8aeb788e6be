// BIND's `$GENERATE range lhs [ttl] [class] type rhs` (not in RFC 1035; BIND 9 ARM "Zone File",
// "BIND Primary File Extension: the $GENERATE Directive"). This module holds the string side: the
// range and the `$` templates. The zone parser does the record side (TTL, class, RDATA).
//
// Templates, as BIND 9.18 expands them (checked against named-compilezone):
// - `$` is the iterator value in decimal.
// - `${offset[,width[,base]]}`: value + offset, zero-padded to `width`, in base d (decimal),
//   o (octal), x / X (hex), n / N (nibbles: hex digits least significant first, dot-separated, for
//   ip6.arpa owners; `width` counts the output characters, dots included, as BIND does).
// - `$$` is a literal `$` (BIND), written `\$` for the name or RDATA parser that reads the result
//   (an unescaped `$` is not allowed in a name), and `\$` stays `\$`. Any other `\X` is copied
//   as is, so `\\$` is `\\` then the value.

/** The iterator range `start-stop[/step]`. */
export interface GenerateRange {
  start: number;
  stop: number;
  step: number;
}

/** One piece of a compiled template: literal text or a substitution. */
type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'value'; offset: number; width: number; base: NumberBase };

type NumberBase = 'd' | 'o' | 'x' | 'X' | 'n' | 'N';

export type Template = readonly TemplatePart[];

/** BIND iterates with a signed 32-bit int; stay inside it so values and offsets cannot overflow. */
const MAX_GENERATE_VALUE = 0x7fffffff;
/** A width beyond any name or field length is a typo; refuse it rather than build huge strings. */
const MAX_WIDTH = 255;

/** Parses `start-stop[/step]`; returns a message (quoting the text) when it is not one. */
export function parseRange(text: string): GenerateRange | string {
  const m = /^(\d{1,10})-(\d{1,10})(?:\/(\d{1,10}))?$/.exec(text);
  if (m === null) return `invalid $GENERATE range "${text}" (expected start-stop or start-stop/step)`;
  const start = Number(m[1]);
  const stop = Number(m[2]);
  const step = m[3] === undefined ? 1 : Number(m[3]);
  if (start > MAX_GENERATE_VALUE || stop > MAX_GENERATE_VALUE) return `invalid $GENERATE range "${text}" (values must be at most ${MAX_GENERATE_VALUE})`;
  if (start > stop) return `invalid $GENERATE range "${text}" (start is after stop)`;
  if (step < 1 || step > MAX_GENERATE_VALUE) return `invalid $GENERATE range "${text}" (step must be 1 to ${MAX_GENERATE_VALUE})`;
  return { start, stop, step };
}

/** How many values the range yields. */
export function rangeCount(range: GenerateRange): number {
  return Math.floor((range.stop - range.start) / range.step) + 1;
}

/** Compiles a template once per directive; returns a message when a `${...}` is malformed. */
export function compileTemplate(text: string): Template | string {
  const parts: TemplatePart[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      literal += text.slice(i, i + 2);
      i++;
      continue;
    }
    if (c !== '$') {
      literal += c;
      continue;
    }
    if (text[i + 1] === '$') {
      literal += '\\$';
      i++;
      continue;
    }
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
    if (text[i + 1] !== '{') {
      parts.push({ kind: 'value', offset: 0, width: 0, base: 'd' });
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) return `unterminated "\${" in $GENERATE template "${text}"`;
    const spec = text.slice(i + 2, close);
    const m = /^([+-]?\d{1,10})(?:,(\d{1,3})(?:,([doxXnN]))?)?$/.exec(spec);
    if (m === null) return `invalid "\${${spec}}" in $GENERATE template "${text}" (expected \${offset[,width[,base]]}, base one of d o x X n N)`;
    const offset = Number(m[1]);
    const width = m[2] === undefined ? 0 : Number(m[2]);
    if (Math.abs(offset) > MAX_GENERATE_VALUE) return `offset ${m[1]} is out of range in $GENERATE template "${text}"`;
    if (width > MAX_WIDTH) return `width ${width} is larger than ${MAX_WIDTH} in $GENERATE template "${text}"`;
    parts.push({ kind: 'value', offset, width, base: (m[3] ?? 'd') as NumberBase });
    i = close;
  }
  if (literal !== '') parts.push({ kind: 'text', text: literal });
  return parts;
}

/** The template with the iterator at `value`. */
export function expandTemplate(template: Template, value: number): string {
  let out = '';
  for (const part of template) {
    out += part.kind === 'text' ? part.text : formatValue(value + part.offset, part.width, part.base);
  }
  return out;
}

function formatValue(value: number, width: number, base: NumberBase): string {
  if (base === 'n' || base === 'N') return nibbles(value >>> 0, width, base === 'N');
  // BIND prints with printf: %d is signed; %o and %x show a negative value as unsigned 32-bit.
  const digits = base === 'd' ? String(Math.abs(value)) : (value >>> 0).toString(base === 'o' ? 8 : 16);
  const sign = base === 'd' && value < 0 ? '-' : '';
  const padded = digits.padStart(width - sign.length, '0');
  return sign + (base === 'X' ? padded.toUpperCase() : padded);
}

/** Reverse-nibble form (`0.0.4` for 0x400), as BIND's nibbles(): least significant first, a dot
 * after each nibble while more value remains or the output is still shorter than `width`. */
function nibbles(value: number, width: number, upper: boolean): string {
  const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let out = '';
  let remaining = width;
  let v = value;
  do {
    out += digits[v & 0xf];
    v >>>= 4;
    if (remaining > 0) remaining--;
    if (remaining > 0 || v !== 0) {
      out += '.';
      if (remaining > 0) remaining--;
    }
  } while (v !== 0 || remaining > 0);
  return out;
}
