// Reading zone files in pieces (src/zone/chunks.ts): a piece ends only where an entry may end, the
// pieces put together are the file, and loading a file in pieces gives what loading it whole does,
// with the same line numbers in diagnostics.

import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_BYTES, lastEntryBoundary, readZoneChunks } from '../../src/zone/chunks.js';
import { loadZoneFile, loadZoneText } from '../../src/zone/load.js';
import { formatDiagnostic } from '../../src/zone/record.js';

const dir = mkdtempSync(join(tmpdir(), 'zonedns-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (s: string) => Buffer.from(s, 'latin1');
const boundary = (s: string) => lastEntryBoundary(bytes(s), s.length);

describe('lastEntryBoundary', () => {
  test.each([
    ['plain lines', 'a A 1\nb A 2\n', 12],
    ['no newline at all', 'a A 1', -1],
    ['last line unfinished', 'a A 1\nb A', 6],
    ['inside parentheses', 'a SOA ns h (\n1 2\n', -1],
    ['after parentheses close', 'a SOA ns h (\n1 2 3 4 5 )\nb A 1\n', 31],
    ['"(" in a comment does not open', 'a A 1 ; (\nb A 2\n', 16],
    ['"(" in quotes does not open', 'a TXT "(" \nb A 2\n', 17],
    ['escaped "(" does not open', 'a TXT \\( \nb A 2\n', 16],
    ['escaped quote inside quotes', 'a TXT "\\"(" \nb A 2\n', 19],
    ['a newline ends an unterminated quote', 'a TXT "open\nb A 2\n', 18],
    ['")" in a comment inside parentheses does not close', 'a SOA ( ; )\n1 )\n', 16],
  ])('%s', (_what, text, expected) => {
    expect(boundary(text)).toBe(expected);
  });
});

describe('lastEntryBoundary without parentheses (the native search)', () => {
  // A Buffer with no "(" takes a shortcut; a plain Uint8Array is always scanned. Both must agree.
  const texts = [
    'a A 1\nb A 2\n', 'a A 1\nb A', 'a A 1', '', '\n', 'a TXT "x ; y"\nb TXT "open\nc A 1\n', 'a A 1 ; ) )\nb\\\nc\n',
    'a TXT "\\"\nb A 1\n', ') a\nb\n',
  ];
  test.each(texts.map((t) => [JSON.stringify(t), t]))('%s', (_, text) => {
    const buf = bytes(text);
    expect(lastEntryBoundary(buf, buf.length)).toBe(lastEntryBoundary(new Uint8Array(buf), buf.length));
    // Only the first `end` octets count, also when a "(" follows them.
    const withParen = bytes(text + '(\n');
    expect(lastEntryBoundary(withParen, buf.length)).toBe(lastEntryBoundary(new Uint8Array(buf), buf.length));
  });
});

/** A zone with entries spanning lines, comments and quotes holding parentheses. */
function trickyZone(entries: number): string {
  const lines = ['$ORIGIN chunks.test.', '$TTL 300', '@ SOA ns1 hostmaster (', '  1 ; serial (', '  3600 600 86400 300 )', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < entries; i++) {
    switch (i % 4) {
      case 0: lines.push(`h${i} A 192.0.2.${i % 250}`); break;
      case 1: lines.push(`t${i} TXT ( "a(" ; comment )`, `  "b\\"(" )`); break;
      case 2: lines.push(`m${i} MX (`, '  10', `  mail${i}.example.net. )`); break;
      default: lines.push(`e${i} TXT \\( ; ( "`); break;
    }
  }
  return lines.join('\n') + '\n';
}

describe('readZoneChunks', () => {
  const text = trickyZone(400);
  const file = join(dir, 'tricky.zone');
  writeFileSync(file, text, 'latin1');

  test.each([7, 64, 1000, 1 << 16])('pieces of about %i bytes put together are the file, each ending between entries', (size) => {
    const pieces = [...readZoneChunks(file, undefined, size)];
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    let line = 1;
    for (const [i, p] of pieces.entries()) {
      expect(p.firstLine).toBe(line);
      if (i < pieces.length - 1) expect(boundary(p.text)).toBe(p.text.length);
      line += p.text.split('\n').length - 1;
    }
    if (size < 1000) expect(pieces.length).toBeGreaterThan(5);
  });

  test('a consumer that counted the lines says where the next piece starts', () => {
    const pieces = readZoneChunks(file, undefined, 1000);
    const first = pieces.next();
    expect(first.done).toBe(false);
    const second = pieces.next(1234);
    expect(second.done).toBe(false);
    if (!second.done) expect(second.value.firstLine).toBe(1234);
    pieces.return(undefined);
  });

  test('an unreadable file throws what the file system says', () => {
    expect(() => [...readZoneChunks(join(dir, 'missing.zone'))]).toThrow(/ENOENT/);
  });
});

describe('loading a file bigger than one piece', () => {
  // Several pieces, an error near the end: same records and the same line as loading it whole.
  let text = trickyZone(Math.ceil((3 * CHUNK_BYTES) / 20));
  const badLine = text.split('\n').length; // the line the next entry lands on
  text += 'bad A 999.1.1.1\n';
  const file = join(dir, 'big.zone');
  writeFileSync(file, text, 'latin1');

  test('diagnostics point at the same file:line', () => {
    const fromFile = loadZoneFile(file);
    expect(text.length).toBeGreaterThan(2 * CHUNK_BYTES);
    expect(fromFile.snapshot).toBeUndefined();
    expect(fromFile.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${badLine}(:\\d+)?: .*999\\.1\\.1\\.1`))]);
  });

  test('the same records as from one string', () => {
    const good = join(dir, 'good.zone');
    const goodText = text.replace('bad A 999.1.1.1\n', 'good A 192.0.2.9\n');
    writeFileSync(good, goodText, 'latin1');
    const a = loadZoneFile(good).snapshot!;
    const b = loadZoneText(goodText, { file: good }).snapshot!;
    expect(a.recordCount).toBe(b.recordCount);
    expect(a.nodes.size).toBe(b.nodes.size);
    const dump = (z: typeof a) => [...z.nodes].map(([key, node]) => `${key} ${node.rrsets.map((s) => [s.type, s.ttl, ...s.rdata].join(' ')).join(' | ')}`).sort();
    const [da, db] = [dump(a), dump(b)];
    expect(da.length).toBe(db.length);
    expect(da.filter((line, i) => line !== db[i])).toEqual([]);
  });
});
