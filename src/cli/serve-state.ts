// The paths `serve` reads and writes, checked before anything is loaded: a zones directory that
// does not exist, a state directory or a secondary zone's copy directory that cannot be written
// (systemd's ProtectSystem=strict without a writable path: EROFS) are start-up errors, named,
// rather than a server that runs and loses its state at the next restart.

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { ensureWritableDir, StateStore } from '../state/zone-state.js';
import type { Config } from './config.js';

/**
 * Checks the paths and opens the state directory's store (undefined without `stateDir`, with a
 * warning saying what will not survive a restart). Throws an Error with the message to print.
 */
export function openDurableState(log: Logger, config: Config, zonesDir: string | undefined): StateStore | undefined {
  if (zonesDir !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(zonesDir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new Error(`zones directory ${zonesDir} does not exist or is not a directory (--zones DIR, or "zonesDir" in the config)`);
  }
  config.zones.forEach((z, i) => {
    if (z.primaries === undefined) return;
    try {
      ensureWritableDir(dirname(z.file));
    } catch (e) {
      throw new Error(`zones[${i}].file: the copy of a secondary zone is written there: ${(e as Error).message}`);
    }
  });
  if (config.stateDir === undefined) {
    log.warn('no stateDir configured: served serials, IXFR journals and secondary zones\' refresh/expiry timers are kept in memory only; after a restart `serial: auto`/`unixtime` may serve an old serial again (secondaries then miss changes), IXFR falls back to AXFR, and an expired secondary zone answers from its copy again');
    return undefined;
  }
  try {
    ensureWritableDir(config.stateDir);
  } catch (e) {
    throw new Error(`stateDir: ${(e as Error).message}`);
  }
  return new StateStore(config.stateDir, log);
}
