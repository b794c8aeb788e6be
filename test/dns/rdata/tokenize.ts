// Test helper: splits presentation text into RdataTokens the way the zone tokenizer is meant
// to (raw text, escapes unprocessed; a token starting with `"` is quoted and loses its quotes;
// quotes inside an unquoted token, as in `alpn="h2 h3"`, stay in its text).

import { nameFromText, type Name } from '../../../src/dns/name.js';
import type { RdataToken } from '../../../src/dns/rdata/index.js';

export function tokenize(s: string): RdataToken[] {
  const out: RdataToken[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    const column = i + 1;
    if (s[i] === '"') {
      let j = i + 1;
      let text = '';
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\') {
          text += s[j]! + (s[j + 1] ?? '');
          j += 2;
        } else text += s[j++];
      }
      out.push({ text, quoted: true, column });
      i = j + 1;
      continue;
    }
    let text = '';
    let inQuotes = false;
    while (i < s.length && (inQuotes || (s[i] !== ' ' && s[i] !== '\t'))) {
      if (s[i] === '\\') {
        text += s[i]! + (s[i + 1] ?? '');
        i += 2;
        continue;
      }
      if (s[i] === '"') inQuotes = !inQuotes;
      text += s[i++];
    }
    out.push({ text, quoted: false, column });
  }
  return out;
}

export const ORIGIN: Name = nameFromText('example.');

export function hex(b: string): string {
  return Buffer.from(b, 'latin1').toString('hex').toUpperCase();
}

export function unhex(h: string): string {
  return Buffer.from(h, 'hex').toString('latin1');
}
