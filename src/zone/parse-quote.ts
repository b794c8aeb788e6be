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

/** The longest message a diagnostic carries (what a log line of it can echo back). */
const MAX_MESSAGE = 300;

/**
 * A diagnostic message with every `"quoted"` part no longer than quoteText makes it, and the
 * whole no longer than MAX_MESSAGE. Name and RDATA codecs quote the offending token whole; a
 * zone that includes a file it should not (`$INCLUDE /etc/shadow`) must not copy it into logs.
 */
export function boundedMessage(message: string): string {
  let out = message.replace(/"([^"]*)"/g, (whole, inner: string) => (inner.length > MAX_QUOTED + 3 || /[^\x20-\x7e]/.test(inner) ? quoteText(inner) : whole));
  if (out.length > MAX_MESSAGE) out = `${out.slice(0, MAX_MESSAGE)}...`;
  return out;
}
