// The paths `serve` reads and writes, checked before anything is loaded: a zones directory that
// does not exist, a state directory or a secondary zone's copy directory that cannot be written
// (systemd's ProtectSystem=strict without a writable path: EROFS) are start-up errors, named,
// rather than a server that runs and loses its state at the next restart.

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { ensureWritableDir, StateStore } from '../state/zone-state.js';
import type { SerialPolicy } from '../reload/serial-policy.js';
import type { Config } from './config.js';

/**
 * Checks the paths and opens the state directory's store (undefined without `stateDir`, with a
 * warning saying what will not survive a restart). Throws an Error with the message to print.
 */
export function openDurableState(log: Logger, config: Config, zonesDir: string | undefined, serial: SerialPolicy | undefined): StateStore | undefined {
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
    const lost = notDurable(config, serial);
    if (lost.length > 0) log.warn(`no stateDir configured: kept in memory only, lost at a restart: ${lost.join('; ')}`);
    return undefined;
  }
  try {
    ensureWritableDir(config.stateDir);
  } catch (e) {
    throw new Error(`stateDir: ${(e as Error).message}`);
  }
  return new StateStore(config.stateDir, log);
}

/** What this configuration would keep in `stateDir`, said the way an operator meets its loss. */
function notDurable(config: Config, serial: SerialPolicy | undefined): string[] {
  const lost: string[] = [];
  const files = config.zones.filter((z) => z.primaries === undefined);
  if ((serial ?? 'keep') !== 'keep' || files.some((z) => (z.serial ?? 'keep') !== 'keep')) {
    lost.push('the serials `serial: auto`/`unixtime` served (a restart can serve an old serial again with other content, and secondaries then miss the change)');
  }
  const transfers = config.transfer !== undefined || config.notify !== undefined || config.zones.some((z) => z.transfer !== undefined || z.notify !== undefined);
  if (transfers) lost.push('the IXFR journals (secondaries fall back to AXFR after a restart)');
  if (config.zones.some((z) => z.primaries !== undefined)) {
    lost.push('secondary zones\' refresh and expiry times (after a restart an expired zone answers from its copy again, and the expiry clock starts anew)');
  }
  return lost;
}
