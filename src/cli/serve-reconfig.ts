// `zonedns ctl reconfig` and SIGHUP with a configuration file: read it again and apply what can
// change while serving. The new file is parsed and validated whole first (loadConfigFile): a bad
// one throws and nothing changes. Then, as `knotc reload` does:
//   - zone files: added ones load, removed ones stop answering (REFUSED), ones whose origin or
//     serial policy changed load anew, the rest keep their data and take their new options
//     (transfer ACL, NOTIFY targets, rotation) in one assignment (reload/zones.ts configure); a
//     kept zone keeps its signing (a change of `dnssec` applies to new zones, all at a restart);
//   - secondaries: added ones start, removed ones stop and stop answering, ones whose primaries,
//     key or copy file changed start over, the rest take their new options;
//   - the server-wide transfer ACL, TSIG keys and NOTIFY targets apply from the next query.
// Queries for zones the change does not touch are answered throughout: nothing here closes a
// socket or empties the registry. Keys read once at start-up (listen, metrics, control, identity,
// health, stateDir, ...) are reported as needing a restart, as knotc does for `server` settings.

import { nameKey, nameToText } from '../dns/name.js';
import type { Logger } from '../log.js';
import type { ZoneManager, ZoneEvents, ZoneStage } from '../reload/zones.js';
import type { RunningServer } from '../server/server.js';
import type { XfrService } from '../xfr/service.js';
import type { SecondaryManager, SecondaryZone } from '../xfr/secondary.js';
import { createTsigHook } from '../tsig/hook.js';
import type { ZoneRegistry } from '../zone/registry.js';
import type { Config, ZoneConfig } from './config.js';

/** Read once at start-up: a change is logged and reported, applied by a restart. */
const RESTART_KEYS = ['dnssec', 'zoneLimits', 'listen', 'zonesDir', 'stateDir', 'journal', 'metrics', 'control', 'identity', 'nsid', 'version', 'health', 'rotate', 'maxUdp', 'udpBackend', 'tcp', 'log', 'serial'] as const;

export interface Reconfigurable {
  readonly log: Logger;
  readonly registry: ZoneRegistry;
  readonly zones: ZoneManager;
  readonly secondaries: SecondaryManager;
  readonly xfr: XfrService;
  readonly server: RunningServer;
  /** What a secondary's removal tells (the transfer service, health, the zone book). */
  readonly events: ZoneEvents;
  /** The signing stage of a new zone file (dnssec/: undefined when it is not signed). */
  stage(zone: ZoneConfig, config: Config): ZoneStage | undefined;
  /** A new secondary zone from its configuration (serve.ts builds them the same way at start-up). */
  secondary(zone: ZoneConfig, config: Config): SecondaryZone;
}

export interface ReconfigResult {
  zonesBefore: number;
  zonesAfter: number;
  secondariesAdded: string[];
  secondariesRemoved: string[];
  /** Keys that changed but apply only after a restart. */
  needRestart: string[];
}

/**
 * Applies `next` over `current` (both validated): at once, before the first await, so that a
 * caller may take `next` as the running configuration right away; resolves once the new zone
 * files' loads (in the load worker) are over.
 */
export async function reconfigure(current: Config, next: Config, parts: Reconfigurable): Promise<ReconfigResult> {
  const zonesBefore = parts.registry.size;
  const needRestart = RESTART_KEYS.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
  if (needRestart.length > 0) parts.log.warn('configuration changes that need a restart', { keys: needRestart.join(',') });

  // Secondaries first: a zone that moves from a secondary to a zone file finds its origin free.
  const wanted = new Map(next.zones.filter((z) => z.primaries !== undefined).map((z) => [nameKey(z.origin!), z]));
  const had = new Map(current.zones.filter((z) => z.primaries !== undefined).map((z) => [nameKey(z.origin!), z]));
  const added: string[] = [];
  const removed: string[] = [];
  for (const zone of [...parts.secondaries.zones()]) {
    const key = nameKey(zone.handle.origin);
    const z = wanted.get(key);
    const before = had.get(key);
    if (z !== undefined && before !== undefined && secondaryIdentity(before, current) === secondaryIdentity(z, next)) {
      zone.handle.options = optionsOf(z);
      continue;
    }
    parts.secondaries.remove(zone.handle.origin);
    if (parts.registry.get(zone.handle.origin) === zone.handle) {
      parts.registry.delete(zone.handle.origin);
      parts.events.removed?.(zone.handle);
    }
    if (z === undefined) removed.push(nameToText(zone.handle.origin));
  }
  const loads = parts.zones.configure(next.zones.filter((z) => z.primaries === undefined), (z) => parts.stage(z, next));
  for (const [key, z] of wanted) {
    if (parts.secondaries.get(z.origin!) !== undefined) continue;
    if (parts.registry.get(z.origin!) !== undefined) {
      parts.log.error('zone defined twice; keeping the zone file, not the secondary', { zone: nameToText(z.origin!) });
      continue;
    }
    const zone = parts.secondary(z, next);
    parts.secondaries.add(zone);
    zone.start();
    if (!had.has(key)) added.push(nameToText(z.origin!));
  }

  parts.server.update({ xfr: { defaultPolicy: next.transfer, tsig: next.keys.size > 0 ? createTsigHook(next.keys) : undefined } });
  parts.xfr.setDefaultNotify(next.notify);
  await loads;
  const result = { zonesBefore, zonesAfter: parts.registry.size, secondariesAdded: added, secondariesRemoved: removed, needRestart: [...needRestart] };
  parts.log.info('configuration applied', { zones: result.zonesAfter, previously: zonesBefore });
  return result;
}

export function optionsOf(z: ZoneConfig): NonNullable<SecondaryZone['handle']['options']> {
  return { rotate: z.rotate, transfer: z.transfer, notify: z.notify, health: z.health };
}

/** What makes a secondary a different one: its primaries, its copy on disk, its TSIG key (name and secret). */
function secondaryIdentity(z: ZoneConfig, config: Config): string {
  const key = z.primaryKey === undefined ? undefined : config.keys.get(z.primaryKey);
  return JSON.stringify([z.primaries!.map((p) => p.text), z.file, key === undefined ? undefined : [nameToText(key.name), JSON.stringify(key.algorithm), key.secret.export().toString('base64')]]);
}
