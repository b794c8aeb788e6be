// bin/zonedns on a fresh clone: before `npm run build` (no dist/) and before `npm ci` (no
// node_modules) it says what to run, not Node's stack trace for a missing module.

import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SHIM = new URL('../../bin/zonedns', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'zonedns-shim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A checkout holding the real shim and only the given parts. */
function checkout(name: string, parts: { nodeModules?: boolean; main?: string }): string {
  const root = join(scratch, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(SHIM, join(root, 'bin', 'zonedns'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  if (parts.nodeModules === true) mkdirSync(join(root, 'node_modules'));
  if (parts.main !== undefined) {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), parts.main);
  }
  return root;
}

function run(root: string) {
  return spawnSync(process.execPath, [join(root, 'bin', 'zonedns'), 'check', 'zones/example.com.zone'], { cwd: root, encoding: 'utf8' });
}

describe('bin/zonedns before the first build', () => {
  test.each([
    ['a fresh clone', {}, 'npm ci && npm run build'],
    ['after npm ci', { nodeModules: true }, 'npm run build'],
  ])('%s: exit 1 and the command to run', (name, parts, steps) => {
    const root = checkout(name.replace(/\W+/g, '-'), parts);
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`zonedns: not built yet (no dist/cli/main.js): run \`${steps}\` in ${root}/\n`);
    expect(r.stdout).toBe('');
  });

  test('built without its dependencies: exit 1, the missing package and `npm ci`', () => {
    const root = checkout('no-deps', { main: "import 'yargs-parser-that-is-not-installed';\n" });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^zonedns: Cannot find package 'yargs-parser-that-is-not-installed' .*: run `npm ci` in /);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
