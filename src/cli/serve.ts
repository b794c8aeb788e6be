// `zonedns serve`: load the zones directory, listen on every address, answer until SIGTERM/SIGINT.

import { nameToText } from '../dns/name.js';
import { createLogger, type LogLevel } from '../log.js';
import { ZoneRegistry } from '../zone/registry.js';
import { ZoneManager } from '../reload/zones.js';
import { watchPaths } from '../reload/watch.js';
import { startServer, parseListen } from '../server/server.js';
import type { RotateMode } from '../server/rotate.js';
import { ConfigError } from '../errors.js';

export interface ServeOptions {
  zonesDir: string;
  listen: string[];
  rotate: RotateMode;
  logLevel: LogLevel;
  maxUdp: number;
  /** Watch zone files and reload on change (default true). */
  watch?: boolean;
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
  const zones = new ZoneManager(registry, log, opts.zonesDir);
  zones.loadAll();
  if (registry.size === 0) log.warn('no zones loaded; every query will be REFUSED', { dir: opts.zonesDir });

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

  // Hot reload: a changed file is reloaded on the side and swapped in only if it loads.
  const watcher = opts.watch === false ? undefined : watchPaths(zones.watchedPaths(), (path) => {
    zones.pathChanged(path);
    watcher?.add(zones.watchedPaths());
  });
  await watcher?.ready;
  const onHup = () => {
    log.info('SIGHUP: reloading every zone');
    zones.loadAll();
    watcher?.add(zones.watchedPaths());
  };
  process.on('SIGHUP', onHup);
  log.info('ready', { zones: registry.size });

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', onHup);
      void Promise.all([server.close(), watcher?.close()]).then(() => resolve());
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
  log.info('stopped');
  return 0;
}
