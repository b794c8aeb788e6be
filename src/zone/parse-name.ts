// Domain names as they appear in the owner field and in directives (RFC 1035 §5.1): `@` is the
// current origin, a name ending in an unescaped dot is absolute, anything else is relative to the
// origin. The common case (plain ASCII labels, no escapes) is read straight from the file text
// without slicing the token first; escapes (`\.`, `\DDD`) go through dns/name.ts. Octets other
// than letters, digits and `-_/*` must be escaped (dns/name.ts isPlainNameChar).

import { MAX_LABEL, MAX_NAME } from '../dns/constants.js';
import { ROOT, checkNameChars, isPlainNameChar, nameFromText, unescapedCharError, type Name } from '../dns/name.js';
import { NameError } from '../errors.js';
import { quoteText } from './parse-quote.js';

/** Where nameAt writes: a token of up to 4 * MAX_NAME characters (longer ones are refused first). */
const scratch = Buffer.alloc(8 * MAX_NAME);

/**
 * The name written as src[start, end), made absolute with `origin`. Throws NameError (with the
 * text quoted) for an empty label, a label over 63 or a name over 255 octets, or a relative name
 * when there is no origin. Stops at the first octet that breaks a limit, so a 10 MB token is cheap.
 */
export function nameAt(src: string, start: number, end: number, origin: Name | undefined): Name {
  const first = src.charCodeAt(start);
  if (end - start === 1 && first === 0x40 /* @ */) {
    if (origin === undefined) throw new NameError('"@" used but there is no origin (set $ORIGIN or give the zone name)');
    return origin;
  }
  if (end - start === 1 && first === 0x2e /* . */) return ROOT;
  // Cheap bound first, so a 10 MB token costs nothing: even as `\DDD` escapes, 4 characters make
  // at least one octet.
  if (end - start > 4 * MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets: ${quoteText(src.slice(start, end))}`);
  // Written octet by octet into a scratch buffer and made a string once: building it from
  // pieces left ~240 bytes of intermediate strings per name, and a cons string to flatten.
  const wire = scratch;
  let n = 1; // wire[0] waits for the first label's length
  let lengthAt = 0;
  let labelStart = start;
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      checkNameChars(src, start, end);
      return nameFromText(src.slice(start, end), origin);
    }
    if (c === 0x2e /* . */) {
      if (i === labelStart) throw new NameError(`empty label in ${quoteText(src.slice(start, end))}`);
      wire[lengthAt] = i - labelStart;
      lengthAt = n++;
      labelStart = i + 1;
    } else {
      if (i - labelStart >= MAX_LABEL) throw new NameError(`label longer than ${MAX_LABEL} octets in ${quoteText(src.slice(start, end))}`);
      if (!isPlainNameChar(c)) throw unescapedCharError(src, start, end, c);
      wire[n++] = c;
    }
  }
  if (labelStart === end) {
    // Ended with a dot: absolute; the octet after it is the root label.
    wire[lengthAt] = 0;
    if (n > MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets: ${quoteText(src.slice(start, end))}`);
    return wire.toString('latin1', 0, n) as Name;
  }
  if (origin === undefined) throw new NameError(`relative name ${quoteText(src.slice(start, end))} but there is no origin (set $ORIGIN, or write it with a final dot)`);
  wire[lengthAt] = end - labelStart;
  if (n + origin.length > MAX_NAME) throw new NameError(`name longer than ${MAX_NAME} octets: ${quoteText(src.slice(start, end))} with origin appended`);
  for (let k = 0; k < origin.length; k++) wire[n++] = origin.charCodeAt(k);
  return wire.toString('latin1', 0, n) as Name;
}
