// Quoting offending text in diagnostics. Zone text can be anything (binary garbage, a 10 MB line),
// so what we echo back is escaped and shortened: a message must stay one readable line.

const MAX_QUOTED = 60;

/** `"text"` with non-printable octets as `\DDD` and long text cut to 60 characters + `...`. */
export function quoteText(text: string): string {
  const cut = text.length > MAX_QUOTED;
  const shown = cut ? text.slice(0, MAX_QUOTED) : text;
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < shown.length; i++) {
    const c = shown.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    out += shown.slice(plainFrom, i) + (c > 0xff ? `\\u{${c.toString(16)}}` : '\\' + String(c).padStart(3, '0'));
    plainFrom = i + 1;
  }
  out += shown.slice(plainFrom);
  return `"${out}${cut ? '...' : ''}"`;
}
