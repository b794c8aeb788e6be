// Entry point of bin/zonedns. `serve` with ordinary flags starts without loading yargs (see
// serve-argv.ts for why: ~9 MiB of RSS for as long as the server runs); everything else — help,
// usage errors, `check` — goes through the yargs program in yargs-cli.ts.

import { runServe } from './serve.js';
import { parseServeArgv } from './serve-argv.js';

async function main(args: string[]): Promise<void> {
  const serve = parseServeArgv(args);
  if (serve !== undefined) {
    const code = await runServe(serve);
    if (code !== 0) process.exitCode = code;
    return;
  }
  const { runYargs } = await import('./yargs-cli.js');
  await runYargs(args);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`zonedns: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
