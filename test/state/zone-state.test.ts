// The state room's two pieces: the atomic writer (old or new content at the path, never a mix;
// stale temp files of a killed process cleaned up; errors thrown, never swallowed) and the
// per-zone state files (round trip, one file per zone named like the journal, damaged or foreign
// files reported and ignored, a failed write logged at `error` and not taken into memory).

import { afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemps, writeFileAtomic, writeFileAtomicChunks } from '../../src/state/atomic-write.js';
import { decodeZoneState, encodeZoneState, ensureWritableDir, StateStore, zoneFileStem } from '../../src/state/zone-state.js';
import { journalPath } from '../../src/xfr/journal.js';
import { name } from '../support/zones.js';
import { linesLogger } from '../support/log.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) {
    try { chmodSync(d, 0o755); } catch { /* gone */ }
    rmSync(d, { recursive: true, force: true });
  }
  dirs = [];
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'zonedns-state-'));
  dirs.push(d);
  return d;
}
const asRoot = process.getuid?.() === 0;

describe('writeFileAtomic', () => {
  it('replaces the content whole, creates the directory, applies the mode, leaves no temp file', () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'k.private');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, Buffer.from('two'), 0o600);
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['k.private']);
  });

  it('an I/O error is thrown and the old content stays', () => {
    const dir = tempDir();
    const file = join(dir, 'x');
    writeFileAtomic(file, 'old');
    // A directory where the temp file would go: open() fails.
    mkdirSync(`${file}.tmp-${process.pid}`);
    expect(() => writeFileAtomic(file, 'new')).toThrow(/EISDIR/);
    expect(readFileSync(file, 'utf8')).toBe('old');
  });

  it('the streaming variant writes chunk by chunk, atomically too', async () => {
    const dir = tempDir();
    const file = join(dir, 'copy.zone');
    await writeFileAtomicChunks(file, ['a\n', 'b\n', 'c\n']);
    expect(readFileSync(file, 'latin1')).toBe('a\nb\nc\n');
    function* failing(): Generator<string> {
      yield 'partial\n';
      throw new Error('the generator broke');
    }
    await expect(writeFileAtomicChunks(file, failing())).rejects.toThrow('the generator broke');
    expect(readFileSync(file, 'latin1')).toBe('a\nb\nc\n');
    expect(readdirSync(dir)).toEqual(['copy.zone']);
  });

  it('temp files of killed processes are removed; our own and other names are not', () => {
    const dir = tempDir();
    const file = join(dir, 'z.state');
    for (const n of ['z.state', 'z.state.tmp-12345', 'z.state.tmp-999', `z.state.tmp-${process.pid}`, 'z.state.tmp-x', 'other.tmp-1']) writeFileSync(join(dir, n), '');
    expect(removeStaleTemps(file)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['other.tmp-1', 'z.state', `z.state.tmp-${process.pid}`, 'z.state.tmp-x'].sort());
  });
});

describe('zone state files', () => {
  it('round-trips served and secondary state; the file is readable JSON beside the journal', () => {
    const dir = tempDir();
    const store = new StateStore(dir, linesLogger([]));
    const origin = name('Example.COM');
    expect(store.get(origin)).toEqual({});
    expect(store.recordServed(origin, { serial: 2026112401, fingerprint: 'f1' })).toBe(true);
    expect(store.recordSecondary(origin, { serial: 7, refreshedAt: 1_700_000_000_000, expiresAt: 1_700_604_800_000, expired: false })).toBe(true);
    const file = store.path(origin);
    expect(file).toBe(join(dir, 'example.com.state'));
    expect(journalPath(dir, origin)).toBe(join(dir, 'example.com.journal'));
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(json).toMatchObject({ format: 'zonedns-state/1', zone: 'example.com.', served: { serial: 2026112401, fingerprint: 'f1' }, secondary: { serial: 7, expired: false } });
    expect(json.secondary.expiresAt).toBe('2023-11-21T22:13:20.000Z');
    // A new process reads what the old one wrote.
    const again = new StateStore(dir, linesLogger([]));
    expect(again.get(origin)).toEqual({
      served: { serial: 2026112401, fingerprint: 'f1' },
      secondary: { serial: 7, refreshedAt: 1_700_000_000_000, expiresAt: 1_700_604_800_000, expired: false },
    });
  });

  it('file names: the root zone, and characters outside a-z0-9._- escaped', () => {
    expect(zoneFileStem(name('.'))).toBe('root');
    expect(zoneFileStem(name('Ex\\/ample.TEST'))).toBe('ex%2fample.test');
  });

  it.each([
    ['not JSON', '{', /JSON/],
    ['another format', JSON.stringify({ format: 'other', zone: 'a.test.' }), /not a zonedns-state\/1 file/],
    ['another zone', JSON.stringify({ format: 'zonedns-state/1', zone: 'b.test.' }), /state of zone b\.test\., not a\.test\./],
    ['a bad serial', JSON.stringify({ format: 'zonedns-state/1', zone: 'a.test.', served: { serial: -1, fingerprint: 'x' } }), /"served" needs a serial/],
    ['a bad time', JSON.stringify({ format: 'zonedns-state/1', zone: 'a.test.', secondary: { serial: 1, refreshedAt: 'then', expiresAt: 'later', expired: false } }), /"secondary" needs/],
  ])('%s: reported at error level, treated as no state', (_what, text, why) => {
    expect(() => decodeZoneState(text, name('a.test'))).toThrow(why);
    const dir = tempDir();
    const lines: string[] = [];
    const store = new StateStore(dir, linesLogger(lines));
    writeFileSync(store.path(name('a.test')), text);
    expect(store.get(name('a.test'))).toEqual({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error the zone's state file is damaged; ignoring it: /);
    expect(lines[0]).toContain('a.test.state');
  });

  it('a failed write is an error line, returns false, and memory keeps what the disk has', () => {
    const dir = tempDir();
    const lines: string[] = [];
    const store = new StateStore(dir, linesLogger(lines));
    const origin = name('a.test');
    expect(store.recordServed(origin, { serial: 1, fingerprint: 'a' })).toBe(true);
    // The state file's temp name taken by a directory: the write fails whoever we are.
    mkdirSync(`${store.path(origin)}.tmp-${process.pid}`);
    expect(store.recordServed(origin, { serial: 2, fingerprint: 'b' })).toBe(false);
    expect(lines.filter((l) => l.startsWith('error cannot write the zone\'s state: '))).toHaveLength(1);
    expect(store.served(origin)).toEqual({ serial: 1, fingerprint: 'a' });
    expect(encodeZoneState(origin, store.get(origin))).toContain('"serial": 1');
    // Recording what is already recorded writes nothing (no fsync per unchanged reload).
    expect(store.recordServed(origin, { serial: 1, fingerprint: 'a' })).toBe(true);
  });

  it('ensureWritableDir creates the directory, and names it with the reason when it cannot be written', () => {
    const dir = tempDir();
    ensureWritableDir(join(dir, 'a', 'b'));
    expect(existsSync(join(dir, 'a', 'b'))).toBe(true);
    writeFileSync(join(dir, 'file'), '');
    expect(() => ensureWritableDir(join(dir, 'file', 'x'))).toThrow(new RegExp(`${dir}/file/x: cannot write there \\(ENOTDIR\\)`));
    if (!asRoot) {
      chmodSync(dir, 0o555);
      expect(() => ensureWritableDir(dir)).toThrow(/cannot write there \(EACCES\)/);
    }
  });
});
