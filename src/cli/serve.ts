// `zonedns serve`: load the zones directory, listen on every address, answer until SIGTERM/SIGINT.

import { nameToText } from '../dns/name.js';
import { createLogger, type LogLevel } from '../log.js';
import { loadZoneDirectory } from '../zone/load.js';
import { formatDiagnostic } from '../zone/record.js';
import { ZoneRegistry } from '../zone/registry.js';
import { startServer, parseListen } from '../server/server.js';
import type { RotateMode } from '../server/rotate.js';
import { ConfigError } from '../errors.js';

export interface ServeOptions {
  zonesDir: string;
  listen: string[];
  rotate: RotateMode;
  logLevel: LogLevel;
  maxUdp: number;
}

export async function runServe(opts: ServeOptions): Promise<number> {
  const log = createLogger({ level: opts.logLevel });
  let endpoints;
  try {
    endpoints = opts.listen.map(parseListen);
  } catch (e) {
    log.error((e as Error).message);
    return 2;
  }
  const registry = new ZoneRegistry();
  let loaded = 0;
  for (const result of loadZoneDirectory(opts.zonesDir)) {
    for (const d of result.diagnostics) (d.severity === 'error' ? log.error : log.warn)(formatDiagnostic(d));
    if (result.snapshot) {
      registry.set({ origin: result.snapshot.origin, snapshot: result.snapshot });
      loaded++;
      log.info('zone loaded', { zone: nameToText(result.snapshot.origin), serial: result.snapshot.serial, records: result.snapshot.recordCount, file: result.file });
    } else {
      log.error('zone not loaded', { file: result.file });
    }
  }
  if (loaded === 0) log.warn('no zones loaded; every query will be REFUSED', { dir: opts.zonesDir });

  let server;
  try {
    server = await startServer({ registry, endpoints, rotate: opts.rotate, maxUdp: opts.maxUdp, log });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? ' (the port is taken: is another DNS server running?)'
      : err.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE: see README)' : '';
    log.error(`cannot listen: ${err.message}${hint}`);
    return err instanceof ConfigError ? 2 : 1;
  }
  for (const l of server.listening) log.info('listening', { transport: l.transport, address: l.address, port: l.port });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      void server.close().then(resolve);
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  log.info('stopped');
  return 0;
}
