// $INCLUDE (RFC 1035 §5.1) and parseZoneFile: real files under test/fixtures/parse/, and a
// virtual file system through options.readFile for loops and depth.

import { describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classToString, typeToString } from '../../src/dns/constants.js';
import { nameFromText, nameToText } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata/index.js';
import { parseZone, parseZoneFile, type ParseResult } from '../../src/zone/parse.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'parse');
const fixture = (name: string) => path.join(FIXTURES, name);
const ORIGIN = nameFromText('example.com.');

function recordLines(result: ParseResult): string[] {
  return result.records.map((r) => `${nameToText(r.owner)} ${r.ttl} ${classToString(r.class)} ${typeToString(r.type)} ${rdataToText(r.type, r.rdata)}`);
}

function diagnosticsOf(result: ParseResult): [string, string, number, string][] {
  return result.diagnostics.map((d) => [d.severity, path.basename(d.file), d.line, d.message]);
}

/** A readFile over an in-memory map of path -> text (paths as the parser builds them). */
function virtualFs(files: Record<string, string>): (p: string) => string {
  return (p: string) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    return text;
  };
}

describe('$INCLUDE from files', () => {
  test('relative to the including file; origin argument; origin, owner and TTLs revert after it', () => {
    const r = parseZoneFile(fixture('main.zone'), { origin: ORIGIN });
    expect(diagnosticsOf(r)).toEqual([
      ['warning', 'hosts.zone', 2, expect.stringContaining('record with inherited owner www.example.com. immediately after $ORIGIN other.example.com.')],
    ] as never);
    expect(recordLines(r)).toEqual([
      'example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 7200 3600 1209600 300',
      'example.com. 3600 IN NS ns1.example.com.',
      'ns1.example.com. 3600 IN A 192.0.2.1',
      'www.example.com. 3600 IN A 192.0.2.2',
      // sub/hosts.zone, first time: inherits owner www, $TTL 3600, origin example.com.
      'www.example.com. 3600 IN AAAA 2001:db8::2',
      'h1.deeper.example.com. 60 IN A 192.0.2.10',
      // back in main.zone: owner www and $TTL 3600 again (the include's $TTL 60 does not leak)
      'www.example.com. 3600 IN TXT "after include"',
      // second time, with origin "other" (relative to example.com.)
      'www.example.com. 3600 IN AAAA 2001:db8::2',
      'h1.deeper.other.example.com. 60 IN A 192.0.2.10',
      'last.example.com. 3600 IN A 192.0.2.9',
    ]);
    expect(r.records.map((x) => [path.basename(x.file), x.line])).toEqual([
      ['main.zone', 2], ['main.zone', 3], ['main.zone', 4], ['main.zone', 5],
      ['hosts.zone', 2], ['hosts.zone', 5], ['main.zone', 7], ['hosts.zone', 2], ['hosts.zone', 5], ['main.zone', 9],
    ]);
    expect(r.files).toEqual([fixture('main.zone'), fixture('sub/hosts.zone')]);
  });

  test('a file that includes itself: error naming the chain', () => {
    const r = parseZoneFile(fixture('self.zone'), { origin: ORIGIN });
    expect(diagnosticsOf(r)).toEqual([['error', 'self.zone', 3, `$INCLUDE loop: ${fixture('self.zone')} -> ${fixture('self.zone')}`]]);
    expect(r.diagnostics[0].code).toBe('ZONE_IO');
  });

  test('an indirect loop a -> b -> a: error naming the chain, at the $INCLUDE that closes it', () => {
    const r = parseZoneFile(fixture('loop-a.zone'), { origin: ORIGIN });
    expect(diagnosticsOf(r)).toEqual([['error', 'loop-b.zone', 2, `$INCLUDE loop: ${fixture('loop-a.zone')} -> ${fixture('loop-b.zone')} -> ${fixture('loop-a.zone')}`]]);
    expect(recordLines(r)).toEqual(['a.example.com. 300 IN A 192.0.2.1', 'b.example.com. 300 IN A 192.0.2.2']);
  });

  test('a missing include file: error at the $INCLUDE line, the rest still parses', () => {
    const r = parseZoneFile(fixture('missing-include.zone'), { origin: ORIGIN });
    expect(r.diagnostics).toEqual([
      { severity: 'error', code: 'ZONE_IO', file: fixture('missing-include.zone'), line: 3, column: 10, message: `cannot read "${fixture('does-not-exist.zone')}": no such file` },
    ]);
    expect(recordLines(r)).toEqual(['a.example.com. 300 IN A 192.0.2.1', 'b.example.com. 300 IN A 192.0.2.2']);
  });

  test('parseZoneFile on a missing file is a diagnostic, not an exception', () => {
    const r = parseZoneFile(fixture('nope.zone'));
    expect(r.records).toEqual([]);
    expect(r.files).toEqual([]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'ZONE_IO', file: fixture('nope.zone'), message: expect.stringContaining('no such file') })]);
  });

  test('parseZoneFile on a directory is a diagnostic', () => {
    const r = parseZoneFile(FIXTURES);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'ZONE_IO', message: expect.stringContaining('is a directory') })]);
  });

  test('files are read as octets: raw UTF-8 in a TXT string survives, outside quotes it is an error', () => {
    const r = parseZoneFile(fixture('octets.zone'), { origin: ORIGIN });
    expect(diagnosticsOf(r)).toEqual([['error', 'octets.zone', 4, expect.stringContaining('non-ASCII octet 0xC3')]] as never);
    expect(recordLines(r)).toEqual(['example.com. 300 IN SOA ns1.example.com. host.example.com. 1 2 3 4 5', 't.example.com. 300 IN TXT "caf\\195\\169"']);
  });
});

describe('$INCLUDE with options.readFile', () => {
  test('the included file inherits the current origin and owner; a quoted file name', () => {
    const r = parseZone('$TTL 300\nwww A 192.0.2.1\n$INCLUDE "dir/my file.zone"\n', {
      origin: ORIGIN,
      file: 'zones/main.zone',
      readFile: virtualFs({ 'zones/dir/my file.zone': '  TXT "inherited"\n@ A 192.0.2.2\n' }),
    });
    expect(r.diagnostics).toEqual([]);
    expect(recordLines(r)).toEqual(['www.example.com. 300 IN A 192.0.2.1', 'www.example.com. 300 IN TXT "inherited"', 'example.com. 300 IN A 192.0.2.2']);
    expect(r.files).toEqual(['zones/dir/my file.zone']);
  });

  test('the origin argument is relative to the current origin, and applies only inside', () => {
    const r = parseZone('$TTL 300\n$INCLUDE inc.zone sub\nafter A 192.0.2.3\n', {
      origin: ORIGIN,
      readFile: virtualFs({ 'inc.zone': '@ A 192.0.2.1\nx A 192.0.2.2\n' }),
    });
    expect(r.diagnostics).toEqual([]);
    expect(recordLines(r)).toEqual(['sub.example.com. 300 IN A 192.0.2.1', 'x.sub.example.com. 300 IN A 192.0.2.2', 'after.example.com. 300 IN A 192.0.2.3']);
  });

  test('$ORIGIN inside an include does not leak out', () => {
    const r = parseZone('$TTL 300\n$INCLUDE inc.zone\nafter A 192.0.2.3\n', {
      origin: ORIGIN,
      readFile: virtualFs({ 'inc.zone': '$ORIGIN example.net.\nx A 192.0.2.2\n' }),
    });
    expect(recordLines(r)).toEqual(['x.example.net. 300 IN A 192.0.2.2', 'after.example.com. 300 IN A 192.0.2.3']);
  });

  test('depth limit', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`d${i}.zone`] = `$INCLUDE d${i + 1}.zone\n`;
    const r = parseZone('$INCLUDE d0.zone\n', { origin: ORIGIN, readFile: virtualFs(files), limits: { maxIncludeDepth: 3 } });
    expect(diagnosticsOf(r)).toEqual([['error', 'd2.zone', 1, '$INCLUDE "d3.zone" is nested more than 3 levels deep (the maxIncludeDepth limit)']]);
    expect(r.files).toEqual(['d0.zone', 'd1.zone', 'd2.zone']);
  });

  test('default depth limit is 16', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`d${i}.zone`] = `$INCLUDE d${i + 1}.zone\n`;
    const r = parseZone('$INCLUDE d0.zone\n', { origin: ORIGIN, readFile: virtualFs(files) });
    expect(diagnosticsOf(r)).toEqual([['error', 'd15.zone', 1, '$INCLUDE "d16.zone" is nested more than 16 levels deep (the maxIncludeDepth limit)']]);
  });

  test('a file included twice (not a loop) is read twice and listed once', () => {
    const r = parseZone('$TTL 1\n$INCLUDE a.zone x\n$INCLUDE a.zone y\n', { origin: ORIGIN, readFile: virtualFs({ 'a.zone': '@ A 192.0.2.1\n' }) });
    expect(recordLines(r)).toEqual(['x.example.com. 1 IN A 192.0.2.1', 'y.example.com. 1 IN A 192.0.2.1']);
    expect(r.files).toEqual(['a.zone']);
  });

  test('$INCLUDE argument errors', () => {
    const r = parseZone('$INCLUDE\n$INCLUDE a b c\n$INCLUDE a.zone bad..origin\n', { origin: ORIGIN, readFile: virtualFs({}) });
    expect(diagnosticsOf(r)).toEqual([
      ['error', '<string>', 1, '$INCLUDE takes a file name and an optional origin, got 0 arguments'],
      ['error', '<string>', 2, '$INCLUDE takes a file name and an optional origin, got 3 arguments'],
      ['error', '<string>', 3, expect.stringContaining('empty label')],
    ] as never);
  });

  test('errors inside an included file name that file and its line', () => {
    const r = parseZone('$TTL 1\n$INCLUDE bad.zone\n', { origin: ORIGIN, readFile: virtualFs({ 'bad.zone': 'ok A 192.0.2.1\nx FOO 1\n' }) });
    expect(diagnosticsOf(r)).toEqual([['error', 'bad.zone', 2, 'unknown RR type "FOO"']]);
  });
});
