// The zone parser's conformance corpus (test/fixtures/corpus/*.zone), written for zonedns in the
// style of Knot's libzscanner test data: each file has `; OK` and `; KO` sections of one-entry
// cases, a comment on each saying what it tries. Every OK entry must give exactly one record and
// no error; every KO entry must give an error on one of its lines and no record. A `$` directive
// is OK when it gives no error on its line, KO when it does. A case's comment
// may end in `=> HEX` (the record's wire RDATA; blanks ignored) or `!! text` (words the error
// message contains).
// Files are read with parseZoneFile, so `$INCLUDE` cases read the files next to them.

import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../src/dns/name.js';
import { parseZoneFile, type ParseResult } from '../../src/zone/parse.js';
import { Tokenizer } from '../../src/zone/tokenizer.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'corpus');

interface Case {
  file: string;
  /** A `$` directive: OK means no error on its line, KO an error there. */
  directive: boolean;
  /** The entry's first line, and the line after it. */
  line: number;
  end: number;
  ok: boolean;
  text: string;
  hex?: string;
  message?: string;
}

/** The cases of a corpus file: entries after `; OK` / `; KO`, directives excepted. */
function casesOf(file: string): Case[] {
  const text = readFileSync(file, 'latin1');
  const lines = text.split('\n');
  const sectionAt: boolean[] = [];
  let ok: boolean | undefined;
  lines.forEach((l, i) => {
    if (/^;\s*OK\b/.test(l)) ok = true;
    else if (/^;\s*KO\b/.test(l)) ok = false;
    sectionAt[i + 1] = ok!;
  });
  const out: Case[] = [];
  const tk = new Tokenizer(text);
  while (tk.next()) {
    const first = lines[tk.entryLine - 1]!;
    if (sectionAt[tk.entryLine] === undefined) continue;
    const comment = commentOf(first);
    const hex = /=>\s*([0-9A-F ]*)$/.exec(comment)?.[1]?.replace(/ /g, '');
    const message = /!!\s*(.+?)\s*$/.exec(comment)?.[1];
    out.push({ file, directive: first.startsWith('$'), line: tk.entryLine, end: tk.line, ok: sectionAt[tk.entryLine]!, text: first.trim(), hex, message });
  }
  return out;
}

/** What follows the first `;` outside quotes and escapes on a line. */
function commentOf(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) return line.slice(i + 1);
  }
  return '';
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.zone')).sort();
const parsed = new Map<string, ParseResult>();
const resultOf = (file: string): ParseResult => {
  let r = parsed.get(file);
  if (r === undefined) parsed.set(file, (r = parseZoneFile(file, { origin: ROOT, maxErrors: 100_000 })));
  return r;
};

describe.each(files)('corpus %s', (name) => {
  const file = path.join(DIR, name);
  const cases = casesOf(file);

  test('has OK and KO cases', () => {
    expect(cases.some((c) => c.ok)).toBe(true);
    expect(cases.some((c) => !c.ok)).toBe(true);
  });

  test.each(cases.map((c) => [`${c.ok ? 'OK' : 'KO'} line ${c.line}: ${c.text}`, c] as const))('%s', (_, c) => {
    const r = resultOf(file);
    const records = r.records.filter((x) => x.file === file && x.line === c.line);
    const errors = r.diagnostics.filter((d) => d.severity === 'error' && d.file === file && d.line >= c.line && d.line < Math.max(c.end, c.line + 1));
    if (c.directive) {
      expect(errors.map((e) => e.message)).toEqual(c.ok ? [] : [expect.stringContaining(c.message ?? '')]);
    } else if (c.ok) {
      expect({ records: records.length, errors: errors.map((e) => e.message) }).toEqual({ records: 1, errors: [] });
      if (c.hex !== undefined) expect(Buffer.from(records[0]!.rdata, 'latin1').toString('hex').toUpperCase()).toBe(c.hex);
    } else {
      expect({ records: records.length, refused: errors.length > 0 }).toEqual({ records: 0, refused: true });
      if (c.message !== undefined) expect(errors.map((e) => e.message).join('\n')).toContain(c.message);
    }
  });
});

test('the corpus is not empty', () => {
  const all = files.flatMap((f) => casesOf(path.join(DIR, f)));
  expect(all.filter((c) => c.ok).length).toBeGreaterThan(250);
  expect(all.filter((c) => !c.ok).length).toBeGreaterThan(350);
});
