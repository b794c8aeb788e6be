// The yargs adapter: the only file that knows about yargs. Commands are plain functions
// (runCheck, runServe) so tests can call them without a process or yargs.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCheck, EXIT_USAGE } from './check.js';
import { runServe } from './serve.js';

async function main(argv: string[]): Promise<void> {
  await yargs(hideBin(argv))
    .scriptName('zonedns')
    .usage('$0 <command> [options]')
    .command(
      'check <paths..>',
      'Load and validate zone files without serving (like named-checkzone)',
      (y) => y
        .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'Zone files, or directories of *.zone files' })
        .option('origin', { type: 'string', alias: 'o', describe: 'Zone origin (default: SOA owner, $ORIGIN, or the file name)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
        .option('print', { type: 'boolean', default: false, describe: 'Dump the canonical zone: one RR per line, absolute names' })
        .example('$0 check zones/example.com.zone', 'check one zone file')
        .example('$0 check --print -o example.com db.example', 'dump the zone as named-checkzone -D does'),
      (args) => {
        const out = runCheck({ paths: args.paths as string[], origin: args.origin, json: args.json, print: args.print });
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        process.exitCode = out.code;
      },
    )
    .command(
      'serve',
      'Serve the zones over UDP and TCP',
      (y) => y
        .option('zones', { type: 'string', default: './zones', describe: 'Directory of *.zone files' })
        .option('listen', { type: 'string', array: true, describe: 'ADDR:PORT to listen on (repeatable; [::1]:5353 for IPv6)', default: ['127.0.0.1:5353', '[::1]:5353'] })
        .option('rotate', { choices: ['cyclic', 'random', 'none'] as const, default: 'cyclic' as const, describe: 'Order of A/AAAA records in answers' })
        .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
        .option('max-udp', { type: 'number', default: 1232, describe: 'Largest UDP answer we send with EDNS (RFC 6891; 1232 avoids fragmentation)' }),
      async (args) => {
        const code = await runServe({
          zonesDir: args.zones,
          listen: args.listen,
          rotate: args.rotate,
          logLevel: args['log-level'],
          maxUdp: args['max-udp'],
        });
        if (code !== 0) process.exitCode = code;
      },
    )
    .demandCommand(1, 'Give a command: serve or check')
    .strict()
    .fail((msg, err, y) => {
      if (err) throw err;
      process.stderr.write(`${y.help() ? '' : ''}zonedns: ${msg}\nRun "zonedns --help" for usage.\n`);
      process.exit(EXIT_USAGE);
    })
    .help()
    .alias('h', 'help')
    .version()
    .parseAsync();
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`zonedns: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
