// The zone tokenizer on its own: entries, token text exactly as written, quoting, columns, owners.

import { describe, expect, test } from '@jest/globals';
import { MAX_ENTRY_CHARS, Tokenizer, tokenizeFields } from '../../src/zone/tokenizer.js';

interface Entry {
  line: number;
  owner: boolean;
  tokens: string[];
  issue?: string;
}

/** Tokens shown as text, quoted ones in "double quotes", with the column after @. */
function entries(src: string, withColumns = false): Entry[] {
  const t = new Tokenizer(src);
  const out: Entry[] = [];
  while (t.next()) {
    const tokens: string[] = [];
    for (let i = 0; i < t.count; i++) {
      const text = t.isQuoted(i) ? `"${t.text(i)}"` : t.text(i);
      tokens.push(withColumns ? `${text}@${t.tokenLine[i]}:${t.tokenColumn[i]}` : text);
    }
    out.push({ line: t.entryLine, owner: t.hasOwner, tokens, ...(t.issue ? { issue: `${t.issue.line}:${t.issue.column} ${t.issue.message}` } : {}) });
  }
  return out;
}

describe('Tokenizer', () => {
  test('one entry per line; blank and comment lines produce none', () => {
    expect(entries('a A 1\n\n; c\n  b ; x\n')).toEqual([
      { line: 1, owner: true, tokens: ['a', 'A', '1'] },
      { line: 4, owner: false, tokens: ['b'] },
    ]);
  });

  test('parentheses join lines; comments inside them are skipped; columns and lines per token', () => {
    expect(entries('@ SOA a b (\n  1 ; serial\n\t2 )\nx y\n', true)).toEqual([
      { line: 1, owner: true, tokens: ['@@1:1', 'SOA@1:3', 'a@1:7', 'b@1:9', '1@2:3', '2@3:2'] },
      { line: 4, owner: true, tokens: ['x@4:1', 'y@4:3'] },
    ]);
  });

  test('quoted strings keep blanks, ; and parentheses; escapes stay as written', () => {
    expect(entries('t TXT "a b;(c)" "say \\"hi\\"" x\\;y \\065\n')).toEqual([{ line: 1, owner: true, tokens: ['t', 'TXT', '"a b;(c)"', '"say \\"hi\\""', 'x\\;y', '\\065'] }]);
  });

  test('escaped blank and escaped parenthesis are part of a token', () => {
    expect(entries('a\\ b c\\(d\n')).toEqual([{ line: 1, owner: true, tokens: ['a\\ b', 'c\\(d'] }]);
  });

  test('an empty quoted string is a token', () => {
    expect(entries('n NAPTR "" x\n')[0].tokens).toEqual(['n', 'NAPTR', '""', 'x']);
  });

  test('a quote inside a token starts a new token (BIND)', () => {
    expect(entries('alpn="h2 h3" x"y"z\n', true)[0].tokens).toEqual(['alpn=@1:1', '"h2 h3"@1:6', 'x@1:14', '"y"@1:15', 'z@1:18']);
  });

  test('CR is a blank: CRLF files work; lone CR too', () => {
    expect(entries('a b\r\n c\r\n')).toEqual([
      { line: 1, owner: true, tokens: ['a', 'b'] },
      { line: 2, owner: false, tokens: ['c'] },
    ]);
  });

  test('the owner is positional: column 1 means an owner even for digits or (', () => {
    expect(entries('1 PTR x\n( 3com A 1 )\n 300 A 1\n').map((e) => [e.owner, e.tokens[0]])).toEqual([
      [true, '1'],
      [true, '3com'],
      [false, '300'],
    ]);
  });

  test('BOM skipped, owner detection still works on line 1', () => {
    expect(entries('\xef\xbb\xbfa A 1\n')).toEqual([{ line: 1, owner: true, tokens: ['a', 'A', '1'] }]);
  });

  test('issues carry line and column: unbalanced ), unclosed ( at EOF, unterminated quote', () => {
    expect(entries('a )\n')[0].issue).toBe('1:3 unbalanced parentheses: ")" without "("');
    expect(entries('a (\n b\n')[0].issue).toBe('1:3 unbalanced parentheses: "(" at line 1 is never closed');
    expect(entries('x\na "bc\nd e\n')).toEqual([
      { line: 1, owner: true, tokens: ['x'] },
      { line: 2, owner: true, tokens: ['a'], issue: '2:3 unterminated quoted string (outside parentheses a quoted string must close on the line where it opens)' },
      { line: 3, owner: true, tokens: ['d', 'e'] },
    ]);
  });

  test('octets: high octets only in quotes; control characters and non-octets nowhere', () => {
    expect(entries('t "\xe9"\n')[0].issue).toBeUndefined();
    expect(entries('t \xe9\n')[0].issue).toMatch(/^1:3 non-ASCII octet 0xE9/);
    expect(entries('t "a\x01"\n')[0].issue).toMatch(/^1:5 control character 0x01 in a quoted string/);
    expect(entries('t a\x7f\n')[0].issue).toMatch(/control character 0x7F/);
    expect(entries('t \u0100\n')[0].issue).toMatch(/character U\+0100 is not an octet/);
    expect(entries('t\ta\tb\n')[0].issue).toBeUndefined();
  });

  test('an entry longer than the limit is an issue, without storing its tokens', () => {
    const t = new Tokenizer('t ' + 'a '.repeat(MAX_ENTRY_CHARS) + '\nx\n');
    expect(t.next()).toBe(true);
    expect(t.issue?.message).toMatch(/entry is longer than/);
    expect(t.count).toBeLessThan(MAX_ENTRY_CHARS / 2 + 2);
    expect(t.next()).toBe(true);
    expect(t.text(0)).toBe('x');
  });

  test('rdataTokens builds the RdataToken objects from an index', () => {
    const t = new Tokenizer('x TXT "a b" c\n');
    t.next();
    expect(t.rdataTokens(2)).toEqual([
      { text: 'a b', quoted: true, column: 7 },
      { text: 'c', quoted: false, column: 13 },
    ]);
  });

  test('tokenizeFields re-reads a fragment with shifted columns', () => {
    expect(tokenizeFields('10 mx1 "q r"', 20, 5)).toEqual({
      tokens: [
        { text: '10', quoted: false, column: 21 },
        { text: 'mx1', quoted: false, column: 24 },
        { text: 'q r', quoted: true, column: 28 },
      ],
    });
    expect(tokenizeFields('a "b', 0, 5).issue).toMatchObject({ line: 5, column: 3 });
  });
});
