// `zonedns serve` without yargs. yargs pulls in cliui, whose string-width builds an
// Intl.Segmenter at import: ICU data and objects that stay in the process for good (~9 MiB of
// RSS, a fifth of what a 100k-name zone costs). A server started with ordinary flags needs none
// of that, so this reads them with yargs-parser (the parser yargs itself uses, same
// SERVE_OPTIONS table) and hands anything it cannot vouch for — help, version, an unknown flag,
// a bad choice, a stray argument, a repeated single-valued flag — to yargs, which answers it
// exactly as before.

import parser from 'yargs-parser';
import type { ServeFlags } from './serve.js';
import { SERVE_OPTIONS, type ServeOptionName } from './serve-options.js';

const NAMES = Object.keys(SERVE_OPTIONS) as ServeOptionName[];

const PARSER_OPTIONS = {
  string: NAMES.filter((n) => SERVE_OPTIONS[n].type === 'string'),
  boolean: NAMES.filter((n) => SERVE_OPTIONS[n].type === 'boolean'),
  number: NAMES.filter((n) => SERVE_OPTIONS[n].type === 'number'),
  array: NAMES.filter((n) => 'array' in SERVE_OPTIONS[n]),
  alias: Object.fromEntries(NAMES.flatMap((n) => { const o = SERVE_OPTIONS[n]; return 'alias' in o ? [[n, [o.alias]]] : []; })),
  configuration: { 'camel-case-expansion': false, 'strip-aliased': true, 'dot-notation': false, 'parse-positional-numbers': false },
};

/** The flags of `serve ARGS...` when every one is plainly valid, else undefined (ask yargs). */
export function parseServeArgv(args: readonly string[]): ServeFlags | undefined {
  if (args[0] !== 'serve') return undefined;
  const parsed = parser.detailed(args.slice(1), PARSER_OPTIONS);
  if (parsed.error !== null) return undefined;
  const argv = parsed.argv as Record<string, unknown>;
  // `serve` takes no positional arguments; `--` and everything unknown is yargs's to report.
  if ((argv._ as unknown[]).length !== 0) return undefined;
  const values = new Map<ServeOptionName, unknown>();
  for (const key of Object.keys(argv)) {
    if (key === '_') continue;
    if (!(NAMES as string[]).includes(key)) return undefined;
    const name = key as ServeOptionName;
    const spec = SERVE_OPTIONS[name];
    const value = argv[key];
    if (value === undefined) return undefined; // `--max-udp` with no value
    if ('array' in spec) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
    } else if (typeof value !== spec.type || (typeof value === 'number' && !Number.isFinite(value))) {
      return undefined; // a repeated flag (an array), --no-zones (false), --max-udp x (NaN)...
    }
    if ('choices' in spec && !(spec.choices as readonly unknown[]).includes(value)) return undefined;
    values.set(name, value);
  }
  const get = <T>(name: ServeOptionName) => values.get(name) as T | undefined;
  return {
    config: get('config'),
    zones: get('zones'),
    listen: get('listen'),
    rotate: get('rotate'),
    serial: get('serial'),
    logLevel: get('log-level'),
    logFormat: get('log-format'),
    queryLog: get('query-log'),
    maxUdp: get('max-udp'),
    udpBackend: get('udp-backend'),
    watch: get('watch'),
  };
}
