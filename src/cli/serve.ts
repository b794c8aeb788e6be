// `zonedns serve`: load the zones, listen on every address, reload on change, answer until
// SIGTERM/SIGINT. Settings come from flags, then the config file, then the defaults.

import { nameToText } from '../dns/name.js';
import { ConfigError } from '../errors.js';
import { createLogger, type LogLevel } from '../log.js';
import type { SerialPolicy } from '../reload/serial-policy.js';
import { watchPaths } from '../reload/watch.js';
import { ZoneManager, type ZoneEvents } from '../reload/zones.js';
import type { RotateMode } from '../server/rotate.js';
import { parseListen, startServer, type Endpoint, type UdpBackend } from '../server/server.js';
import { DEFAULT_TCP_OPTIONS } from '../server/tcp.js';
import { trimAfterLoad, trimWhenSettled } from '../server/memory.js';
import { ZoneRegistry } from '../zone/registry.js';
import { isZoneFileName } from '../zone/load.js';
import { Notifier, udpNotifyTransport } from '../xfr/notify.js';
import { XfrService } from '../xfr/service.js';
import { createTsigHook } from '../tsig/hook.js';
import { SecondaryManager, SecondaryZone } from '../xfr/secondary.js';
import { networkTransport, tsigSigner } from '../xfr/xfr-client.js';
import { Ops } from '../ops/ops.js';
import { defenceCounterSources } from '../ops/defence-counters.js';
import { HealthService } from '../health/service.js';
import { StateStore } from '../state/zone-state.js';
import { loadConfigFile, parseConfig, type Config, type ZoneConfig } from './config.js';
import { openDurableState } from './serve-state.js';
import { optionsOf, reconfigure } from './serve-reconfig.js';
import { failedEndpoint, portInUseMessage, serveListenAdvice } from './port-owner.js';
import { SigningService } from '../dnssec/signing-service.js';

export { DEFAULT_LISTEN } from './config-schema.js';
export const DEFAULT_ZONES_DIR = './zones';

/** Command-line flags; undefined means "not given" so the config file can supply it. */
export interface ServeFlags {
  config?: string;
  zones?: string;
  listen?: string[];
  rotate?: RotateMode;
  serial?: SerialPolicy;
  logLevel?: LogLevel;
  logFormat?: 'text' | 'json';
  queryLog?: boolean;
  maxUdp?: number;
  udpBackend?: UdpBackend;
  /** Watch zone files and reload on change (default true). */
  watch?: boolean;
}

export async function runServe(flags: ServeFlags): Promise<number> {
  let config: Config;
  let endpoints: Endpoint[];
  try {
    // Without a file, the schema's defaults (config-schema.ts).
    config = flags.config === undefined ? parseConfig('{}', process.cwd()) : loadConfigFile(flags.config);
    endpoints = (flags.listen ?? config.listen).map(parseListen);
  } catch (e) {
    process.stderr.write(`zonedns: ${(e as Error).message}\n`);
    return 2;
  }
  const log = createLogger({ level: flags.logLevel ?? config.log.level, format: flags.logFormat ?? config.log.format });
  // A zones directory is served when asked for, or by default when no zone is configured.
  const zonesDir = flags.zones ?? config.zonesDir ?? (config.zones.length === 0 ? DEFAULT_ZONES_DIR : undefined);
  // Where durable state lives (state/): checked now, so a read-only path is a start-up error.
  let state: StateStore | undefined;
  try {
    state = openDurableState(log, config, zonesDir, flags.serial ?? config.serial);
  } catch (e) {
    log.error((e as Error).message);
    return 2;
  }

  // Signals are ours from here on: a SIGTERM while zones load still shuts down cleanly, and an
  // early SIGHUP is a reload request (applied once we are serving), not the default "terminate".
  let stopSignal: string | undefined;
  let wake: (() => void) | undefined;
  let hupPending = false;
  let onHup: () => void = () => { hupPending = true; };
  const onStop = (signal: string) => () => {
    stopSignal ??= signal;
    wake?.();
  };
  const onTerm = onStop('SIGTERM');
  const onInt = onStop('SIGINT');
  const hup = () => onHup();
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', hup);
  const releaseSignals = () => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', hup);
  };

  const registry = new ZoneRegistry();
  // Operations (ops/): what happened to each zone, counters and identity for the answer path,
  // then the metrics listener and the control socket.
  const secondaries = new SecondaryManager();
  const ops = new Ops(config, registry, log, () => secondaries);
  // Zone transfers: journals for IXFR (kept in stateDir when set) and NOTIFY on change.
  const notifier = new Notifier({ transport: udpNotifyTransport(log), log, onDone: (zone, _target, outcome) => ops.book.notified(zone, outcome) });
  const xfr = new XfrService({
    log, stateDir: config.stateDir, journal: config.journal, notifier, defaultNotify: config.notify,
  });
  // Every new snapshot (a file reload, a secondary's transfer, a zone added later) goes to the
  // transfer service and pokes the memory trimmer (server/memory.ts), which gives malloc's free
  // pages back once such events settle.
  const trim = trimWhenSettled(log, 'zone-changes', { mallocOnly: true, busy: () => zones.busy });
  // Health checks (health/service.ts) govern the A/AAAA of every new snapshot, before it answers.
  const health = HealthService.wanted(config.health, config.zones.map((z) => z.health))
    ? new HealthService({ rules: config.health, registry, log }) : undefined;
  const events: ZoneEvents = {
    loaded: (handle) => { health?.zoneChanged(handle); xfr.loaded(handle); trim.poke(); },
    swapped: (handle, old, changed) => { health?.zoneChanged(handle); xfr.swapped(handle, old, changed); trim.poke(); },
    removed: (handle) => { health?.zoneRemoved(handle); xfr.removed(handle); },
    historyBroken: (origin) => xfr.historyBroken(origin),
  };
  // Zones with "dnssec" are signed on the side before they are served (dnssec/).
  const signing = new SigningService({ stateDir: config.stateDir, log, serial: flags.serial ?? config.serial ?? 'keep' });
  // Zones with primaries are secondaries (xfr/secondary.ts): loaded by transfer, not from files.
  const fileZones = config.zones.filter((z) => z.primaries === undefined).map((z) => ({ ...z, stage: signing.stage(z.dnssec ?? config.dnssec, z.serial) }));
  const zones = new ZoneManager(registry, log, zonesDir, fileZones, { serial: flags.serial ?? config.serial, limits: config.zoneLimits, stage: () => signing.stage(config.dnssec), transfer: () => config.transfer }, ops.book.around(events, 'file'), state);
  await zones.loadAll();
  const secondaryEvents = ops.book.around(events, 'secondary');
  const secondaryFor = (z: ZoneConfig, keys: Config['keys']) => {
    const key = z.primaryKey === undefined ? undefined : keys.get(z.primaryKey);
    return new SecondaryZone({
      origin: z.origin!, primaries: z.primaries!, file: z.file, registry, log, events: secondaryEvents, primaryKey: z.primaryKey,
      transport: networkTransport({ signer: key === undefined ? undefined : () => tsigSigner(key) }), options: optionsOf(z), state,
    });
  };
  for (const z of config.zones) {
    if (z.primaries === undefined) continue;
    if (registry.get(z.origin!) !== undefined) {
      log.error('zone defined twice; keeping the zone file, not the secondary', { zone: nameToText(z.origin!) });
      continue;
    }
    secondaries.add(secondaryFor(z, config.keys));
  }
  // Serves each secondary's copy on disk at once, then checks its primaries.
  secondaries.start();
  // (Whether any zone is served is said once the signed zones are signed, before "ready".)
  // A health rule that governs nothing (no A/AAAA at a name, a signed zone) is a configuration
  // error at start-up, as a bad key is; after start-up such problems are logged.
  const healthProblems = health?.finishStartup() ?? [];
  if (healthProblems.length > 0) {
    for (const p of healthProblems) process.stderr.write(`zonedns: ${flags.config ?? 'config'}: ${p}\n`);
    health!.stop();
    secondaries.stop();
    await Promise.all([zones.close(), signing.close()]);
    releaseSignals();
    return 2;
  }
  // Loading grew V8's young generation and V8 keeps it: give it back now, while no query waits
  // on the pause (server/memory.ts; a no-op without the native addon).
  trimAfterLoad(log, 'loading');

  const trimTcp = trimWhenSettled(log, 'tcp-connections');
  let server;
  try {
    server = await startServer({
      registry,
      endpoints,
      rotate: flags.rotate ?? config.rotate,
      maxUdp: flags.maxUdp ?? config.maxUdp,
      udpBackend: flags.udpBackend ?? config.udpBackend,
      log,
      tcp: { ...DEFAULT_TCP_OPTIONS, ...config.tcp },
      queryLog: flags.queryLog ?? config.log.queries,
      xfr: { defaultPolicy: config.transfer, log, tsig: config.keys.size > 0 ? createTsigHook(config.keys) : undefined, observe: (z, kind, result) => ops.book.transfer(z, kind, result) },
      secondaries,
      meter: ops.counters,
      identity: ops.identity,
      // On unless turned off: a server on the internet must not be a reflector (limits/).
      rrl: config.rrl.enabled ? config.rrl : undefined,
      cookies: config.cookies,
      // A flood of TCP connections leaves V8's young generation grown: given back once they settle.
      tcpClosed: trimTcp.poke,
      health,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const taken = err.code === 'EADDRINUSE' ? failedEndpoint(err) : undefined;
    const hint = err.code === 'EACCES' ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE: see README)' : '';
    log.error(`cannot listen: ${taken ? portInUseMessage(taken.host, taken.port, serveListenAdvice(taken.port)) : err.message + hint}`);
    health?.stop();
    secondaries.stop();
    await Promise.all([zones.close(), signing.close()]);
    releaseSignals();
    return err instanceof ConfigError ? 2 : 1;
  }
  for (const l of server.listening) log.info('listening', { transport: l.transport, address: l.address, port: l.port });
  // Secondaries may now ask us: tell them about the zones we loaded (as BIND does at start-up).
  xfr.start();
  // Reconfiguration (serve-reconfig.ts): the file read again and validated whole, then applied.
  const running = server;
  const reconfig = async () => {
    if (flags.config === undefined) throw new Error('no configuration file (serve --config FILE)');
    const next = loadConfigFile(flags.config);
    // Applied before its first await: `next` is the running configuration from here on.
    const applied = reconfigure(config, next, { log, registry, zones, secondaries, xfr, server: running, events: secondaryEvents, secondary: (z, c) => secondaryFor(z, c.keys), stage: (z, c) => signing.stage(z.dnssec ?? c.dnssec, z.serial) });
    config = next;
    watcher?.add(zones.watchedPaths());
    const result = await applied;
    watcher?.add(zones.watchedPaths());
    return result;
  };

  // Hot reload: a changed file is reloaded on the side and swapped in only if it loads.
  const watcher = flags.watch === false ? undefined : watchPaths(zones.watchedPaths(), (path) => {
    void zones.pathChanged(path).then(() => watcher?.add(zones.watchedPaths()));
  }, { watchFile: isZoneFileName });
  await watcher?.ready;
  await ops.start({
    registry, secondaries, notifier, defaultNotify: () => config.notify, listening: server.listening, configFile: flags.config,
    counterSources: defenceCounterSources(server.counters, server.listening),
    filesLoaded: () => true, stateWriteFailures: () => ({ journal: xfr.journalWriteFailures, zone_state: state?.writeFailures ?? 0 }), stop: onStop('zonedns ctl stop'),
    reload: async (origin) => {
      if (origin !== undefined) return zones.reload(origin);
      await zones.loadAll();
      watcher?.add(zones.watchedPaths());
      return true;
    },
    checkSecondary: (origin, kind) => secondaries.get(origin)?.checkNow(kind),
    reconfig,
  });
  onHup = () => {
    let reread: Promise<unknown> = Promise.resolve();
    if (flags.config !== undefined) {
      log.info('SIGHUP: reading the configuration again', { file: flags.config });
      reread = reconfig().catch((e: unknown) => {
        log.error(`configuration refused, the running one stays: ${(e as Error).message}`, { file: flags.config });
      });
    }
    log.info('SIGHUP: reloading every zone');
    void reread.then(() => zones.loadAll()).then(() => watcher?.add(zones.watchedPaths()));
  };
  if (hupPending) onHup();
  // Signed zones are served once signed (other zones answer meanwhile); then we are ready.
  await new Promise<void>((resolve) => {
    wake = resolve;
    void zones.settled().then(resolve);
  });
  wake = undefined;
  if (registry.size === 0) log.warn('no zones loaded; every query will be REFUSED', { dir: zonesDir });
  log.info('ready', { zones: [...registry.handles()].map((h) => nameToText(h.origin)).join(',') || 'none' });

  if (stopSignal === undefined) await new Promise<void>((resolve) => { wake = resolve; });
  log.info('shutting down', { signal: stopSignal });
  trim.cancel();
  trimTcp.cancel();
  health?.stop();
  // A transferred zone's copy still being written is finished, so a restart serves it.
  await Promise.all([server.close(), watcher?.close(), notifier.close(), secondaries.flush(), zones.close(), signing.close(), ops.close()]);
  releaseSignals();
  log.info('stopped');
  return 0;
}
