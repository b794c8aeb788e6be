// The `serve` command's options: one table that both command-line parsers read, so they cannot
// drift apart: yargs (help, usage errors, every other command: yargs-cli.ts) and the light parse
// that starts a server without loading yargs (serve-argv.ts).

import { DEFAULT_LISTEN, DEFAULT_ZONES_DIR } from './serve.js';

export const SERVE_OPTIONS = {
  config: { type: 'string', alias: 'c', describe: 'JSON configuration file (see README); flags override it' },
  zones: { type: 'string', describe: `Directory of *.zone files (default ${DEFAULT_ZONES_DIR} when no zone is configured)` },
  listen: { type: 'string', array: true, describe: `ADDR:PORT to listen on, UDP and TCP; repeatable (default ${DEFAULT_LISTEN.join(' ')})` },
  rotate: { type: 'string', choices: ['cyclic', 'random', 'none'], describe: 'Order of A/AAAA records in answers (default cyclic)' },
  serial: { type: 'string', choices: ['keep', 'auto', 'unixtime'], describe: 'Served SOA serial: the file\'s, or bumped automatically on change (default keep)' },
  'log-level': { type: 'string', choices: ['debug', 'info', 'warn', 'error'], describe: 'Least severe log level (default info)' },
  'log-format': { type: 'string', choices: ['text', 'json'], describe: 'Log line format (default text)' },
  'query-log': { type: 'boolean', describe: 'Log every query (client, name, type, rcode)' },
  'max-udp': { type: 'number', describe: 'Largest UDP answer for EDNS clients (default 1232, RFC 6891; avoids fragmentation)' },
  'udp-backend': { type: 'string', choices: ['auto', 'node', 'native'], describe: 'UDP transport: native batches datagrams through the udp_batch addon (npm run build:native), node uses node:dgram (default auto: native when built)' },
  watch: { type: 'boolean', describe: 'Reload zone files when they change (default true; --no-watch to disable)' },
} as const;

export type ServeOptionName = keyof typeof SERVE_OPTIONS;
