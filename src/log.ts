// One line per event on stderr: `2026-11-24T06:40:00.000Z info zone loaded origin=example.com. serial=1`.
// With format 'json', one JSON object per line for machines.
//
// A message about a place in a file carries `file` and `line` (and `column`) as fields: JSON
// lines keep them as fields, for machines to filter on; text lines put them in front of the
// message the way compilers do (`zones/example.com.zone:14: CNAME and other data ...`).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export function createLogger(opts: { level?: LogLevel; format?: 'text' | 'json'; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const json = opts.format === 'json';
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const time = new Date().toISOString();
    if (json) {
      write(JSON.stringify({ time, level, msg, ...fields }));
      return;
    }
    const at = fields !== undefined && typeof fields.file === 'string' && typeof fields.line === 'number'
      ? `${fields.file}:${fields.line}${typeof fields.column === 'number' ? `:${fields.column}` : ''}: ` : '';
    let line = `${time} ${level} ${at}${msg}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined || (at !== '' && (k === 'file' || k === 'line' || k === 'column'))) continue;
        const s = String(v);
        line += ` ${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
      }
    }
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
