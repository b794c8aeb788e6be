// `serve` flags read without yargs (src/cli/serve-argv.ts) must mean exactly what yargs makes of
// them: every vector below goes through both, and the light parser either returns the flags
// yargs hands to runServe or declines (undefined), leaving yargs to answer. Declining is always
// safe; a different answer is the bug these cases look for.

import { describe, expect, test } from '@jest/globals';
import { parseServeArgv } from '../../src/cli/serve-argv.js';
import type { ServeFlags } from '../../src/cli/serve.js';
import { runYargs } from '../../src/cli/yargs-cli.js';

/** What the yargs program passes to runServe for these arguments. */
async function viaYargs(args: string[]): Promise<ServeFlags> {
  let seen: ServeFlags | undefined;
  await runYargs(args, {
    runServe: async (flags) => { seen = flags; return 0; },
    runCheck: () => { throw new Error('check was run'); },
  });
  if (seen === undefined) throw new Error(`yargs did not run serve for ${args.join(' ')}`);
  return seen;
}

const defined = (flags: ServeFlags): Partial<ServeFlags> =>
  Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));

// Vectors the light parser must read itself (the server's usual command lines).
const READ: string[][] = [
  ['serve'],
  ['serve', '--zones', 'zones'],
  ['serve', '--zones=zones', '--listen', '127.0.0.1:5353'],
  ['serve', '--listen', '127.0.0.1:53', '--listen', '[::1]:53'],
  ['serve', '--listen', '127.0.0.1:53', '[::1]:53'],
  ['serve', '-c', '/etc/zonedns/zonedns.json'],
  ['serve', '--config', 'z.json', '--zones', 'd'],
  ['serve', '--rotate', 'none', '--serial', 'auto'],
  ['serve', '--rotate=random', '--serial=unixtime'],
  ['serve', '--log-level', 'warn', '--log-format', 'json'],
  ['serve', '--query-log'],
  ['serve', '--query-log=false'],
  ['serve', '--no-query-log'],
  ['serve', '--max-udp', '4096'],
  ['serve', '--max-udp=512'],
  ['serve', '--udp-backend', 'node'],
  ['serve', '--udp-backend', 'native', '--no-watch'],
  ['serve', '--watch'],
  ['serve', '--watch', 'false'],
  ['serve', '--zones', 'bench/out/zones', '--listen', '127.0.0.1:5300', '--log-level', 'warn', '--no-watch', '--max-udp', '1232'],
];

// Vectors it must decline: yargs prints help, a version, or a usage error for them.
const DECLINE: string[][] = [
  [],
  ['check', 'zones'],
  ['serve', '--help'],
  ['serve', '-h'],
  ['serve', '--version'],
  ['serve', '--zone', 'typo'],
  ['serve', '--Zones', 'zones'],
  ['serve', 'extra'],
  ['serve', '--', '--zones', 'x'],
  ['serve', '--rotate', 'sideways'],
  ['serve', '--rotate'],
  ['serve', '--log-level', 'verbose'],
  ['serve', '--max-udp', 'lots'],
  ['serve', '--max-udp'],
  ['serve', '--zones', 'a', '--zones', 'b'],
  ['serve', '--no-zones'],
  ['serve', '--maxUdp', '512'],
  ['serve', '--udp-backend', 'auto', '--bogus'],
  ['serve', '-x'],
];

describe('serve flags without yargs', () => {
  test.each(READ.map((a) => [a.join(' '), a] as const))('reads "%s" as yargs does', async (_label, args) => {
    const fast = parseServeArgv(args);
    expect(fast).toBeDefined();
    expect(defined(fast!)).toEqual(defined(await viaYargs(args)));
  });

  test.each(DECLINE.map((a) => [a.join(' ') || '(nothing)', a] as const))('leaves "%s" to yargs', (_label, args) => {
    expect(parseServeArgv(args)).toBeUndefined();
  });

  test('typed values, not strings', () => {
    expect(parseServeArgv(['serve', '--max-udp', '4096', '--no-watch', '--query-log'])).toMatchObject({ maxUdp: 4096, watch: false, queryLog: true });
  });
});
