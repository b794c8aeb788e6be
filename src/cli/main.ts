// The yargs adapter: the only file that knows about yargs. Commands are plain functions
// (runCheck, runServe) so tests can call them without a process or yargs.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCheck, EXIT_USAGE } from './check.js';
import { DEFAULT_LISTEN, DEFAULT_ZONES_DIR, runServe } from './serve.js';

async function main(argv: string[]): Promise<void> {
  await yargs(hideBin(argv))
    .scriptName('zonedns')
    .usage('$0 <command> [options]')
    .command(
      'check [paths..]',
      'Load and validate zone files without serving (like named-checkzone)',
      (y) => y
        .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'Zone files, or directories of *.zone files' })
        .option('config', { type: 'string', alias: 'c', describe: 'Check every zone a configuration file lists' })
        .option('origin', { type: 'string', alias: 'o', describe: 'Zone origin (default: SOA owner, $ORIGIN, or the file name)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
        .option('print', { type: 'boolean', default: false, describe: 'Dump the canonical zone: one RR per line, absolute names' })
        .example('$0 check zones/example.com.zone', 'check one zone file')
        .example('$0 check --print -o example.com db.example', 'dump the zone as named-checkzone -D does')
        .example('$0 check --config zonedns.json', 'check every zone of a configuration'),
      (args) => {
        const out = runCheck({ paths: args.paths as string[], config: args.config, origin: args.origin, json: args.json, print: args.print });
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        process.exitCode = out.code;
      },
    )
    .command(
      'serve',
      'Serve the zones over UDP and TCP, reloading zone files when they change',
      (y) => y
        .option('config', { type: 'string', alias: 'c', describe: 'JSON configuration file (see README); flags override it' })
        .option('zones', { type: 'string', describe: `Directory of *.zone files (default ${DEFAULT_ZONES_DIR} when no zone is configured)` })
        .option('listen', { type: 'string', array: true, describe: `ADDR:PORT to listen on, UDP and TCP; repeatable (default ${DEFAULT_LISTEN.join(' ')})` })
        .option('rotate', { choices: ['cyclic', 'random', 'none'] as const, describe: 'Order of A/AAAA records in answers (default cyclic)' })
        .option('serial', { choices: ['keep', 'auto', 'unixtime'] as const, describe: 'Served SOA serial: the file\'s, or bumped automatically on change (default keep)' })
        .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, describe: 'Least severe log level (default info)' })
        .option('log-format', { choices: ['text', 'json'] as const, describe: 'Log line format (default text)' })
        .option('query-log', { type: 'boolean', describe: 'Log every query (client, name, type, rcode)' })
        .option('max-udp', { type: 'number', describe: 'Largest UDP answer for EDNS clients (default 1232, RFC 6891; avoids fragmentation)' })
        .option('udp-backend', { choices: ['auto', 'node', 'native'] as const, describe: 'UDP transport: native batches datagrams through the udp_batch addon (npm run build:native), node uses node:dgram (default auto: native when built)' })
        .option('watch', { type: 'boolean', describe: 'Reload zone files when they change (default true; --no-watch to disable)' })
        .example('$0 serve', 'serve ./zones on 127.0.0.1 and ::1, port 5353')
        .example('$0 serve --zones /etc/zonedns/zones --listen 0.0.0.0:53', 'serve a directory on port 53 (needs privileges)')
        .example('$0 serve --config /etc/zonedns/zonedns.json', 'serve what a configuration file lists'),
      async (args) => {
        const code = await runServe({
          config: args.config,
          zones: args.zones,
          listen: args.listen,
          rotate: args.rotate,
          serial: args.serial,
          logLevel: args['log-level'],
          logFormat: args['log-format'],
          queryLog: args['query-log'],
          maxUdp: args['max-udp'],
          udpBackend: args['udp-backend'],
          watch: args.watch,
        });
        if (code !== 0) process.exitCode = code;
      },
    )
    .demandCommand(1, 'Give a command: serve or check')
    .strict()
    .fail((msg, err, y) => {
      if (err) throw err;
      void y;
      process.stderr.write(`zonedns: ${msg}\nRun "zonedns --help" for usage.\n`);
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
