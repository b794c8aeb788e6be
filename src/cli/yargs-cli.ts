// The yargs adapter: the only file that knows about yargs. Commands are plain functions
// (runCheck, runServe) so tests can call them without a process or yargs, and can hand this
// program fakes to see what it parsed. main.ts loads it only when serve-argv.ts cannot vouch
// for the arguments (help, usage errors, `check`).

import yargs from 'yargs';
import { runCheck, EXIT_USAGE, type CommandOutput } from './check.js';
import type { runCtl } from './ctl.js';
import { runDnssecDs, runDnssecStatus } from './dnssec.js';
import type { runDev } from './dev.js';
import { DEV_RESOLVER_CHOICES } from './dev-options.js';
import { VERBS } from '../ops/control-protocol.js';
import { runServe } from './serve.js';
import { SERVE_OPTIONS } from './serve-options.js';

/** What the commands run; main passes the real ones. */
export interface Commands {
  runServe: typeof runServe;
  runCheck: typeof runCheck;
  /** Default: the real one, loaded when `dev` runs. */
  runDev?: typeof runDev;
  /** Default: the real one, loaded when `ctl` runs. */
  runCtl?: typeof runCtl;
}

export async function runYargs(args: readonly string[], commands: Commands = { runServe, runCheck }): Promise<void> {
  await yargs([...args])
    .scriptName('zonedns')
    .usage('$0 <command> [options]')
    .command(
      'check [paths..]',
      'Load and validate zone files without serving (like named-checkzone)',
      (y) => y
        .positional('paths', { type: 'string', array: true, default: [] as string[], describe: 'Zone files, or directories of *.zone files' })
        .option('config', { type: 'string', alias: 'c', describe: 'Check every zone a configuration file lists' })
        .option('origin', { type: 'string', alias: 'o', describe: 'Zone origin (default: SOA owner, $ORIGIN, or an ORIGIN.zone file name)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
        .option('print', { type: 'boolean', default: false, describe: 'Dump the canonical zone: one RR per line, absolute names' })
        .example('$0 check zones/example.com.zone', 'check one zone file')
        .example('$0 check --print -o example.com db.example', 'dump the zone as named-checkzone -D does')
        .example('$0 check --config zonedns.json', 'check every zone of a configuration'),
      (args) => {
        const out = commands.runCheck({ paths: args.paths as string[], config: args.config, origin: args.origin, json: args.json, print: args.print });
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        process.exitCode = out.code;
      },
    )
    .command(
      'serve',
      'Serve the zones over UDP and TCP, reloading zone files when they change',
      (y) => y
        .options(SERVE_OPTIONS)
        .example('$0 serve', 'serve ./zones on 127.0.0.1 and ::1, port 5353')
        .example('$0 serve --zones /etc/zonedns/zones --listen 0.0.0.0:53', 'serve a directory on port 53 (needs privileges)')
        .example('$0 serve --config /etc/zonedns/zonedns.json', 'serve what a configuration file lists'),
      async (args) => {
        const code = await commands.runServe({
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
    .command(
      'dnssec <command>',
      'DNSSEC of the zones zonedns signs: ds (the DS record for the parent zone), status',
      (y) => y
        .option('config', { type: 'string', alias: 'c', describe: 'The server\'s configuration file (for its stateDir)' })
        .option('state-dir', { type: 'string', describe: 'The state directory (instead of --config)' })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable status' })
        .command('ds <zone>', 'Print the DS record(s) to give the parent zone (the registrar), SHA-256', (z) => z.positional('zone', { type: 'string', demandOption: true }), (args) => {
          print(runDnssecDs(args.zone as string, { config: args.config, stateDir: args['state-dir'] }));
        })
        .command('status', 'Per signed zone: algorithm, key tag, serial, next refresh, earliest expiry', (z) => z, (args) => {
          print(runDnssecStatus({ config: args.config, stateDir: args['state-dir'], json: args.json }));
        })
        .example('$0 dnssec ds example.com --config /etc/zonedns/zonedns.json', 'the DS record for the registrar')
        .demandCommand(1, 'Give a dnssec command: ds or status'),
    )
    .command(
      'dev [domain]',
      'Serve a local development domain (default dev.test): every name under it is this machine',
      (y) => y
        .positional('domain', { type: 'string', describe: 'The domain (default dev.test; .test names are reserved for this, RFC 6761)' })
        .option('listen', { type: 'string', describe: 'ADDR:PORT to listen on (default 127.0.0.1 on a port of the domain\'s own, or a free one)' })
        .option('to', { type: 'string', array: true, describe: 'NAME=ADDR: NAME and every name below it point at ADDR instead (A or AAAA by its family); repeatable' })
        .option('resolver', { type: 'string', choices: DEV_RESOLVER_CHOICES, describe: 'Whose recipe to print or apply (default auto: this system\'s)' })
        .option('apply', { type: 'boolean', describe: 'Write the resolver file and reload the resolver (asks for sudo)' })
        .option('remove', { type: 'boolean', describe: 'Delete the resolver files --apply wrote for the domain, and exit' })
        .option('serve', { type: 'boolean', default: true, describe: 'Serve (--no-serve: print, or --apply, and exit)' })
        .option('root', { type: 'string', describe: 'Write resolver files under DIR instead of / (a chroot or image; no reload)' })
        .option('query-log', { type: 'boolean', describe: 'Log every query' })
        .example('$0 dev', 'serve dev.test and print how to make this system resolve it')
        .example('$0 dev --apply', 'the same, and configure the system resolver (sudo)')
        .example('$0 dev myapp.test --to db.myapp.test=172.17.0.2', 'db.myapp.test points at a container'),
      async (args) => {
        if (Array.isArray(args.listen)) {
          process.stderr.write('zonedns dev: give --listen once: the resolver reaches one address\n');
          process.exitCode = EXIT_USAGE;
          return;
        }
        const run = commands.runDev ?? (await import('./dev.js')).runDev;
        const code = await run({
          domain: args.domain, listen: args.listen, to: args.to as string[] | undefined, resolver: args.resolver,
          apply: args.apply, remove: args.remove, serve: args.serve, root: args.root, queryLog: args['query-log'],
        });
        if (code !== 0) process.exitCode = code;
      },
    )
    .command(
      'ctl <verb> [zone]',
      'Control a running server over its socket, like knotc or rndc',
      (y) => y
        .positional('verb', { type: 'string', choices: Object.keys(VERBS), describe: 'status, zones [ZONE], reload [ZONE], refresh ZONE, retransfer ZONE, notify ZONE, reconfig, stop' })
        .positional('zone', { type: 'string', describe: 'The zone the verb acts on' })
        .option('socket', { type: 'string', alias: 's', describe: 'The control socket (default: from --config, else /run/zonedns/zonedns.sock)' })
        .option('config', { type: 'string', alias: 'c', describe: 'The server\'s configuration file, to find its socket' })
        .option('json', { type: 'boolean', default: false, describe: 'The answer as JSON' })
        .option('timeout', { type: 'number', default: 120, describe: 'Seconds to wait for the answer' })
        .example('$0 ctl status -c /etc/zonedns/zonedns.json', 'what the server is doing')
        .example('$0 ctl zones example.com --json', 'one zone: serial, source, load time, last error, secondary timers')
        .example('$0 ctl notify example.com', 'NOTIFY the zone\'s secondaries now'),
      async (args) => {
        const run = commands.runCtl ?? (await import('./ctl.js')).runCtl;
        const out = await run({ verb: args.verb!, zone: args.zone, socket: args.socket, config: args.config, json: args.json, timeoutMs: args.timeout * 1000 });
        process.stdout.write(out.stdout);
        process.stderr.write(out.stderr);
        process.exitCode = out.code;
      },
    )
    .demandCommand(1, 'Give a command: serve, check, dev or ctl, or dnssec ds | status')
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

function print(out: CommandOutput): void {
  process.stdout.write(out.stdout);
  process.stderr.write(out.stderr);
  process.exitCode = out.code;
}
