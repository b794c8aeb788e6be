// The set of served zones and how they change: initial load, reload of one file, rescan of the
// zones directory, SIGHUP. A reload builds a complete snapshot on the side — off this thread, in
// a load worker (loader.ts) — and swaps one reference; on any error the old snapshot keeps
// serving and the error is logged as file:line. A zone whose file changes while it is being
// loaded starts again from the new file: the older load is abandoned, not waited for. A signed
// zone's stage (the signer) gets one snapshot at a time: a load waits for a signing in flight.

import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { serialGreater } from '../dns/serial.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import { prepareDenial } from '../dnssec/denial.js';
import type { Logger } from '../log.js';
import { zoneLimits, type ZoneLimits } from '../zone/limits.js';
import { listZoneFiles } from '../zone/load.js';
import { diagnosticFields, formatDiagnostic } from '../zone/record.js';
import type { ZoneHandle, ZoneOptions, ZoneRegistry } from '../zone/registry.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import type { RotateMode } from '../server/rotate.js';
import type { TransferPolicy } from '../xfr/acl.js';
import type { NotifyTarget } from '../xfr/notify.js';
import type { ServedSerials, ServedState } from '../state/zone-state.js';
import { servedSerial, type SerialPolicy } from './serial-policy.js';
import { ZoneLoader } from './loader.js';

/** One zone file we serve, and what we know about its last good load. */
interface ManagedZone {
  /** Absolute path of the zone file. */
  readonly file: string;
  /** Origin from configuration, if any; otherwise found from the file. */
  readonly configuredOrigin: Name | undefined;
  readonly serialPolicy: SerialPolicy;
  /** Replaced as a whole by configure() (the handle gets the same object). */
  options: ZoneOptions;
  /** Listed in the configuration (`zones`), not found in the zones directory. */
  readonly configured: boolean;
  /** Bounds on the zone's input (zone/limits.ts); replaced by configure() too. */
  limits: ZoneLimits;
  handle: ZoneHandle | undefined;
  /** Every file the last load read ($INCLUDEs too), absolute. */
  files: string[];
  /** SHA-256 over the content of `files` at the last successful load. */
  fingerprint: string | undefined;
  /** The same at the last attempt, good or not: a rescan does not retry unchanged broken files. */
  attempted: string | undefined;
  /** The load in progress, if any: aborting it lets a newer one take over. */
  loading: AbortController | undefined;
  /** Something in the zones directory changed during that load: check the files again after it. */
  recheck: boolean;
  /** Turns each loaded snapshot into the one served (the DNSSEC signer), off the file load. */
  readonly stage: ZoneStage | undefined;
  /** A stage's work is in flight; what to do when it ends (a file change or a restage came meanwhile). */
  staging: boolean;
  again: 'load' | 'restage' | undefined;
}

/**
 * A step between loading a zone and serving it, done on the side like the load (the DNSSEC signer,
 * dnssec/zone-signer.ts). `prepare` gets the snapshot just loaded (`sourceIsPrivate`: no one else
 * holds it) or, when the stage asks for it (`restage`, a signature refresh), the one served, and
 * returns the snapshot to serve (the served one itself: nothing to swap). `lastServed`: the
 * serial served last (this process's, or the state directory's after a restart), which what it
 * returns must not go below. A rejection keeps the served version and is logged.
 */
export interface ZoneStage {
  prepare(source: ZoneSnapshot, served: ZoneSnapshot | undefined, sourceIsPrivate: boolean, lastServed: number | undefined): Promise<ZoneSnapshot>;
  /** Gets the function that runs `prepare` again on the served snapshot, without a file change. */
  attach?(restage: () => void): void;
  /** The zone is no longer served (its timers stop). */
  close?(): void;
}

export interface ZoneSource {
  file: string;
  origin?: Name;
  serial?: SerialPolicy;
  rotate?: RotateMode;
  /** Who may transfer the zone (see xfr/acl.ts). */
  transfer?: TransferPolicy;
  /** Secondaries to NOTIFY on change. */
  notify?: readonly NotifyTarget[];
  /** Bounds on the zone's input, over the server's (zone/limits.ts). */
  zoneLimits?: Partial<ZoneLimits>;
  /** Signs the zone before it is served (see ZoneStage). */
  stage?: ZoneStage;
  /** Health checks of the zone's names (health/rule.ts). */
  health?: ZoneOptions['health'];
}

/**
 * Told about every swap, synchronously, right after it (the xfr service records the difference
 * for IXFR and sends NOTIFY). A listener must not throw.
 */
export interface ZoneEvents {
  /** A zone got its first snapshot (start-up, new file, or its file now names another origin). */
  loaded?(handle: ZoneHandle): void;
  /** A reload replaced `old` with `handle.snapshot`; `contentChanged`: the files' content differs. */
  swapped?(handle: ZoneHandle, old: ZoneSnapshot, contentChanged: boolean): void;
  /** The zone is no longer served. */
  removed?(handle: ZoneHandle): void;
  /**
   * Before a version that does not continue the zone's history is recorded and swapped in (same
   * serial with other content, or nothing known of what was served before): the xfr service
   * empties the zone's journal here, first (see ZoneManager.commitServed).
   */
  historyBroken?(origin: Name): void;
  /** A load of `file` failed (`origin` if known): the zone keeps its previous version, if any. */
  failed?(file: string, origin: Name | undefined, error: string): void;
}

export interface ReloadStats {
  loads: number;
  failures: number;
}

export class ZoneManager {
  private readonly zones = new Map<string, ManagedZone>();
  readonly stats: ReloadStats = { loads: 0, failures: 0 };
  /** The last rescan of the zones directory (they run one after the other). */
  private rescans: Promise<unknown> = Promise.resolve();

  /**
   * @param zonesDir a directory whose `*.zone` files are zones (added and removed as files come and go)
   * @param sources zones configured one by one (file + optional origin)
   * @param loader where loads run (a ZoneLoader of its own unless given; close() ends it)
   */
  constructor(
    private readonly registry: ZoneRegistry,
    private readonly log: Logger,
    private readonly zonesDir: string | undefined,
    sources: readonly ZoneSource[] = [],
    private readonly defaults: {
      serial?: SerialPolicy;
      limits?: Partial<ZoneLimits>;
      stage?: (file: string) => ZoneStage | undefined;
      /** The server's transfer ACL now (a zone without its own follows it). */
      transfer?: () => TransferPolicy | undefined;
    } = {},
    private readonly events: ZoneEvents = {},
    /** Served serials kept across restarts (the state directory); undefined: memory only. */
    private readonly served?: ServedSerials,
    private readonly loader: ZoneLoader = new ZoneLoader({ log }),
  ) {
    for (const s of sources) this.track(resolvePath(s.file), s, true);
  }

  /**
   * The zones listed in the configuration become `sources` (a reconfiguration): a new one is
   * loaded, one no longer listed stops being served, one whose origin or serial policy changed is
   * loaded anew; the others keep their data and only take their new options (transfer ACL, NOTIFY
   * targets, rotation), swapped in one assignment. Zones of the zones directory are not touched.
   * `stageOf` gives a new zone its stage (signing); a kept zone keeps the one it has. Applied at
   * once; resolves when the new zones' loads (in the load worker) are over.
   */
  async configure<S extends ZoneSource>(sources: readonly S[], stageOf?: (source: S) => ZoneStage | undefined): Promise<void> {
    const wanted = new Map(sources.map((s) => [resolvePath(s.file), s]));
    for (const z of [...this.zones.values()]) {
      if (!z.configured) continue;
      const s = wanted.get(z.file);
      const serial = s?.serial ?? this.defaults.serial ?? 'keep';
      if (s !== undefined && z.serialPolicy === serial && (z.configuredOrigin === undefined ? s.origin === undefined : s.origin !== undefined && nameKey(s.origin) === nameKey(z.configuredOrigin))) {
        z.options = optionsOf(s);
        if (z.handle !== undefined) z.handle.options = z.options;
        // New bounds apply from the next load (as BIND's and Knot's limits do).
        z.limits = zoneLimits(this.defaults.limits, s.zoneLimits);
        continue;
      }
      this.remove(z, 'no longer in the configuration');
    }
    const loads: Promise<void>[] = [];
    for (const [file, s] of wanted) if (!this.zones.has(file)) loads.push(this.load(this.track(file, { ...s, stage: s.stage ?? stageOf?.(s) }, true)));
    await Promise.all(loads);
  }

  /** Loads everything (start-up and SIGHUP); resolves when every load it started is over. */
  async loadAll(): Promise<void> {
    // The rescan first: it drops vanished files (no bogus "cannot read" reloads) and loads new
    // ones; then every zone that was already known is reloaded.
    const known = new Set(this.zones.values());
    const loads = await this.rescanDirectory();
    for (const z of this.zones.values()) if (known.has(z)) loads.push(this.load(z));
    await Promise.all(loads);
  }

  /** Abandons the loads in progress and ends the load workers. */
  async close(): Promise<void> {
    for (const z of this.zones.values()) z.loading?.abort();
    await this.loader.close();
  }

  /**
   * Loads zone `origin` from its file again (`zonedns ctl reload ZONE`); false when no zone file
   * is that zone. Resolves once the load is over (a signed zone's signing may still run).
   */
  async reload(origin: Name): Promise<boolean> {
    const key = nameKey(origin);
    const z = [...this.zones.values()].find((m) => nameKey(m.handle?.origin ?? m.configuredOrigin ?? ('' as Name)) === key);
    if (z === undefined) return false;
    await this.load(z);
    return true;
  }

  /** A zone's load or stage (signing) is in flight. */
  get busy(): boolean {
    for (const z of this.zones.values()) if (z.staging || z.loading !== undefined) return true;
    return false;
  }

  /** Resolves once no zone's load or stage (signing) is in flight: every zone loaded so far is served. */
  async settled(): Promise<void> {
    while (this.busy) await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }

  /** Every path to watch: zone files, their includes, and the zones directory. */
  watchedPaths(): string[] {
    const out = new Set<string>();
    if (this.zonesDir !== undefined) out.add(resolvePath(this.zonesDir));
    for (const z of this.zones.values()) {
      out.add(z.file);
      for (const f of z.files) out.add(f);
    }
    return [...out];
  }

  /**
   * Something changed at `path` (a zone file, an include, or anything in the zones directory,
   * e.g. a Kubernetes `..data` symlink swap). Reloads the zones that use it; for paths we do not
   * know, rescans the directory and reloads zones whose content changed. Resolves when the loads
   * it started are over.
   */
  async pathChanged(path: string): Promise<void> {
    const abs = resolvePath(path);
    let known = false;
    const loads: Promise<void>[] = [];
    for (const z of [...this.zones.values()]) {
      if (z.file === abs || z.files.includes(abs)) {
        known = true;
        if (z.file === abs && !existsSync(abs) && this.zonesDir !== undefined) this.remove(z);
        else loads.push(this.load(z));
      }
    }
    if (!known || this.zonesDir !== undefined) loads.push(...await this.rescanDirectory(!known));
    await Promise.all(loads);
  }

  /**
   * Adds new `*.zone` files, removes vanished ones; with `reloadChanged`, reloads changed ones
   * (the load worker compares fingerprints: a zone whose files did not change is not loaded).
   * Resolves, once the directory is read, to the loads it started. One rescan at a time: one
   * that read the directory before a file appeared must not remove what a later one added.
   */
  private rescanDirectory(reloadChanged = false): Promise<Array<Promise<void>>> {
    const scan = this.rescans.then(() => this.rescanNow(reloadChanged));
    this.rescans = scan.catch(() => undefined);
    return scan;
  }

  private async rescanNow(reloadChanged: boolean): Promise<Array<Promise<void>>> {
    if (this.zonesDir === undefined) return [];
    let files: string[];
    try {
      files = (await listZoneFiles(this.zonesDir)).map((f) => resolvePath(f));
    } catch (e) {
      this.log.error(`cannot read zones directory: ${(e as Error).message}`, { dir: this.zonesDir });
      return [];
    }
    const present = new Set(files);
    for (const z of [...this.zones.values()]) {
      if (z.configuredOrigin === undefined && !present.has(z.file) && z.file.startsWith(resolvePath(this.zonesDir))) this.remove(z);
    }
    const loads: Promise<void>[] = [];
    for (const f of files) {
      const existing = this.zones.get(f);
      if (existing === undefined) loads.push(this.load(this.track(f, {})));
      else if (!reloadChanged) continue;
      // A load in progress is not restarted for an unrelated change (a busy directory would
      // starve a big zone); once it is done, its files are checked again.
      else if (existing.loading !== undefined) existing.recheck = true;
      else loads.push(this.load(existing, { unlessUnchanged: true }));
    }
    return loads;
  }

  /**
   * True if what a load of `z` gives is what an AXFR sends (for the load worker's canonical
   * order): some client may transfer the zone, and no stage (signing) makes another version of it.
   */
  private transferable(z: ManagedZone): boolean {
    return z.stage === undefined && ((z.options.transfer ?? this.defaults.transfer?.())?.allowsAnyone() ?? false);
  }

  private track(file: string, source: Omit<ZoneSource, 'file'>, configured = false): ManagedZone {
    const z: ManagedZone = {
      file, configuredOrigin: source.origin, serialPolicy: source.serial ?? this.defaults.serial ?? 'keep', configured,
      options: optionsOf(source), limits: zoneLimits(this.defaults.limits, source.zoneLimits),
      handle: undefined, files: [file], fingerprint: undefined, attempted: undefined, loading: undefined, recheck: false,
      stage: source.stage ?? this.defaults.stage?.(file), staging: false, again: undefined,
    };
    this.zones.set(file, z);
    z.stage?.attach?.(() => this.restage(z));
    return z;
  }

  private remove(z: ManagedZone, why = 'its file is gone'): void {
    z.loading?.abort();
    this.zones.delete(z.file);
    z.stage?.close?.();
    if (z.handle && this.registry.get(z.handle.origin) === z.handle) {
      this.registry.delete(z.handle.origin);
      this.log.info(`zone removed: ${why}`, { zone: nameToText(z.handle.origin), file: z.file });
      this.events.removed?.(z.handle);
      this.retryUnserved();
    }
  }

  /** Another file may define an origin that was just freed ("zone defined twice"): load it now. */
  private retryUnserved(except?: ManagedZone): void {
    for (const other of [...this.zones.values()]) if (other.handle?.snapshot === undefined && other !== except && other.loading === undefined) void this.load(other);
  }

  /**
   * What the zone last served: this process's snapshot, or at the first load after a start, the
   * record in the state directory (state/zone-state.ts), so a restart continues where it stopped.
   */
  private lastServed(z: ManagedZone, origin: Name): ServedState | undefined {
    const h = z.handle;
    if (h?.snapshot !== undefined && z.fingerprint !== undefined && nameKey(h.origin) === nameKey(origin)) return { serial: h.snapshot.serial, fingerprint: z.fingerprint };
    return this.served?.served(origin);
  }

  /**
   * Whether `snap` may be served, and if so, records it durably. Called before the swap, in the same
   * turn of the event loop as the swap, the journal entry and NOTIFY: no answer can carry the new
   * serial before that turn ends, so the order of writes inside it decides what a crash leaves:
   *   1. a version that breaks the zone's history (same serial with other content, or nothing
   *      known of what was served before) empties the IXFR journal first (`historyBroken`), so no
   *      crash leaves a journal that ends at this serial with other content;
   *   2. the served serial and fingerprint are written (state/zone-state.ts); if that fails the
   *      version is not served (the previous one keeps answering), as a zone that does not load;
   *   3. the swap, then the journal entry (xfr/service.ts). A crash between 2 and 3 leaves a
   *      journal that ends below the recorded serial: the next start empties it.
   * A restart therefore finds a recorded serial at least as high as any answer ever sent, and
   * a journal it may use only if it ends at that serial with that content.
   */
  private commitServed(z: ManagedZone, snap: ZoneSnapshot, before: ServedState | undefined, fingerprint: string): boolean {
    const zone = nameToText(snap.origin);
    if (before !== undefined && snap.serial !== before.serial && !serialGreater(snap.serial, before.serial)) {
      // Only `keep` gets here. Secondaries would ignore the lower serial (RFC 1982), so serving it
      // would split the zone in two; BIND (ixfr-from-differences) and Knot refuse it too.
      this.stats.failures++;
      this.log.error(`zone file's SOA serial ${snap.serial} is below the serial already served (${before.serial}); not loaded: give it a serial above ${before.serial}, or use serial auto`, {
        zone, file: z.file, serving: z.handle?.snapshot?.serial,
      });
      return false;
    }
    const continues = before !== undefined && (snap.serial !== before.serial || fingerprint === before.fingerprint);
    try {
      if (!continues) this.events.historyBroken?.(snap.origin);
    } catch (e) {
      this.log.error('zone change listener failed', { zone, error: (e as Error).message });
    }
    if (this.served === undefined || this.served.recordServed(snap.origin, { serial: snap.serial, fingerprint })) return true;
    this.stats.failures++;
    this.log.error('zone version not served: its serial could not be recorded in the state directory (a restart could otherwise reuse it for other content)', {
      zone, serial: snap.serial, file: z.file, serving: z.handle?.snapshot?.serial,
    });
    return false;
  }

  /**
   * A configured zone that cannot be served keeps its place with a handle without a snapshot: its
   * queries get SERVFAIL (as BIND and Knot answer for a zone that failed to load), not REFUSED.
   */
  private holdPlace(z: ManagedZone, origin: Name | undefined): void {
    if (z.handle !== undefined || origin === undefined || this.registry.get(origin) !== undefined) return;
    z.handle = { origin, snapshot: undefined, options: z.options };
    this.registry.set(z.handle);
  }

  /**
   * Loads one zone on the side (in the load worker); swaps it in only if it loaded without
   * errors. A load of the same zone still running is abandoned: this one reads the newer files.
   * With `unlessUnchanged`, nothing is loaded when the files are as at the last attempt.
   */
  private async load(z: ManagedZone, opts: { unlessUnchanged?: boolean } = {}): Promise<void> {
    // A stage (signing) in flight finishes first; the load follows it (see staged).
    if (z.staging) {
      z.again = 'load';
      return;
    }
    if (z.loading !== undefined) {
      this.log.debug('zone load superseded by a newer one', { file: z.file });
      z.loading.abort();
    }
    const loading = (z.loading = new AbortController());
    z.recheck = false;
    this.log.debug('zone load started', { file: z.file });
    const started = performance.now();
    // What the zone served last, found once its origin is known (see lastServed).
    let before: ServedState | undefined;
    // Asked once every file was read, so the fingerprint covers the whole zone.
    const serial = (fileSerial: number, origin: Name, fingerprint: string) => {
      before = this.lastServed(z, origin);
      // (A stage serves its own serials: the signer's go up with every new signature.)
      return z.stage !== undefined ? fileSerial : servedSerial(z.serialPolicy, fileSerial, before?.serial, fingerprint !== before?.fingerprint, new Date());
    };
    const unlessUnchanged = opts.unlessUnchanged && z.attempted !== undefined ? { files: z.files, fingerprint: z.attempted } : undefined;
    const result = await this.loader.load(
      { file: z.file, origin: z.configuredOrigin, limits: z.limits, unlessUnchanged, canonicalOrder: this.transferable(z) },
      { serial, signal: loading.signal },
    );
    if (z.loading === loading) z.loading = undefined;
    // Superseded by a newer load, or the zone went away meanwhile.
    if (result === undefined || loading.signal.aborted || this.zones.get(z.file) !== z) return;
    if (z.recheck) queueMicrotask(() => void this.load(z, { unlessUnchanged: true }));
    if (result.unchanged) {
      this.restageIfAsked(z);
      return;
    }
    this.stats.loads++;
    const zone = result.origin === undefined ? undefined : nameToText(result.origin);
    for (const d of result.diagnostics) (d.severity === 'error' ? this.log.error : this.log.warn)(d.message, { zone, ...diagnosticFields(d) });
    if (result.omitted > 0) this.log.warn(`${result.omitted} more diagnostics not shown`, { zone, file: z.file });
    const snap = result.snapshot;
    const fingerprint = result.fingerprint;
    z.attempted = fingerprint;
    if (snap === undefined) {
      this.stats.failures++;
      const first = result.diagnostics.find((d) => d.severity === 'error');
      this.tell(() => this.events.failed?.(z.file, result.origin ?? z.handle?.origin, first === undefined ? 'not loaded' : formatDiagnostic(first)));
      this.log.error(z.handle?.snapshot ? 'zone reload failed; still serving the previous version' : 'zone not loaded', {
        zone: result.origin ? nameToText(result.origin) : undefined,
        file: z.file,
        serving: z.handle?.snapshot?.serial,
      });
      this.holdPlace(z, result.origin ?? z.configuredOrigin);
      this.restageIfAsked(z);
      return;
    }
    if (z.stage !== undefined) this.staged(z, snap, true, started, fingerprint, before);
    else this.install(z, snap, started, fingerprint, before);
  }

  /** Runs `prepare` of the zone's stage on the side, then installs what it gives. */
  private staged(z: ManagedZone, source: ZoneSnapshot, sourceIsPrivate: boolean, started: number, fingerprint: string | undefined, before: ServedState | undefined): void {
    const served = z.handle?.snapshot;
    const previous = served !== undefined && nameKey(served.origin) === nameKey(source.origin) ? served : undefined;
    z.staging = true;
    z.stage!.prepare(source, previous, sourceIsPrivate, before?.serial).then(
      (snap) => {
        if (this.zones.get(z.file) !== z) return; // removed meanwhile
        if (snap !== z.handle?.snapshot) this.install(z, snap, started, fingerprint, before);
        else if (fingerprint !== undefined) z.fingerprint = fingerprint;
      },
      (e: unknown) => {
        this.stats.failures++;
        this.log.error(served !== undefined ? `${(e as Error).message}; still serving the previous version` : `${(e as Error).message}; zone not served`, { zone: nameToText(source.origin), file: z.file, serving: served?.serial });
        this.holdPlace(z, source.origin);
      },
    ).finally(() => {
      z.staging = false;
      const again = z.again;
      z.again = undefined;
      if (this.zones.get(z.file) !== z) return;
      if (again === 'load') void this.load(z);
      else if (again === 'restage') this.restage(z);
    });
  }

  /**
   * The stage asks for a new version of the served snapshot (signatures to refresh). Not while a
   * load of the zone is in the load worker either: its result goes to the stage next (one
   * `prepare` at a time), and a load that serves nothing does this afterwards (restageIfAsked).
   */
  private restage(z: ManagedZone): void {
    if (z.staging || z.loading !== undefined) {
      z.again ??= 'restage';
      return;
    }
    const served = z.handle?.snapshot;
    if (served !== undefined) this.staged(z, served, false, performance.now(), undefined, this.lastServed(z, served.origin));
  }

  /** A restage asked for during a load that then served nothing new. */
  private restageIfAsked(z: ManagedZone): void {
    if (z.again !== 'restage' || z.loading !== undefined || z.staging) return;
    z.again = undefined;
    this.restage(z);
  }

  /**
   * Serves `snap` (the swap) and tells the listeners. `fingerprint`: of the files it was loaded
   * from; undefined when a stage remade the served version without a file change.
   */
  private install(z: ManagedZone, snap: ZoneSnapshot, started: number, fingerprint: string | undefined, before: ServedState | undefined): void {
    // A place held for this file that another file's zone has taken meanwhile is gone.
    if (z.handle !== undefined && this.registry.get(z.handle.origin) !== z.handle) z.handle = undefined;
    const old = z.handle?.snapshot;
    if (z.handle !== undefined && z.handle.origin !== snap.origin && nameToText(z.handle.origin).toLowerCase() !== nameToText(snap.origin).toLowerCase()) {
      // The file now describes another zone: stop serving the old origin.
      this.registry.delete(z.handle.origin);
      this.events.removed?.(z.handle);
      z.handle = undefined;
      // Once this load is done, a file waiting for the freed origin gets its turn.
      queueMicrotask(() => this.retryUnserved(z));
    }
    // NSEC/NSEC3 lookup structures of a signed zone, built before it answers (not by its first query).
    prepareDenial(snap);
    let swappedFrom: ZoneSnapshot | undefined;
    if (z.handle === undefined) {
      const clash = this.registry.get(snap.origin);
      if (clash?.snapshot !== undefined && clash !== z.handle) {
        this.stats.failures++;
        this.log.error('zone defined twice; keeping the first', { zone: nameToText(snap.origin), file: z.file });
        this.tell(() => this.events.failed?.(z.file, snap.origin, 'zone defined twice; keeping the first'));
        return;
      }
    }
    if (!this.commitServed(z, snap, before, fingerprint ?? z.fingerprint!)) {
      this.tell(() => this.events.failed?.(z.file, snap.origin, `serial ${snap.serial} not served (see the log: below the served serial, or not recorded in the state directory)`));
      this.holdPlace(z, snap.origin);
      return;
    }
    if (z.handle === undefined) {
      z.handle = { origin: snap.origin, snapshot: snap, options: z.options };
      this.registry.set(z.handle);
      swappedFrom = undefined;
    } else {
      // The swap: one assignment. Queries in flight keep the snapshot they already read. (A
      // handle without a snapshot held the zone's place while it could not be loaded: SERVFAIL.)
      z.handle.snapshot = snap;
      swappedFrom = old;
    }
    z.files = snap.files.map((f) => resolvePath(f));
    const changed = fingerprint === undefined || (z.fingerprint !== undefined && z.fingerprint !== fingerprint);
    if (fingerprint !== undefined) z.fingerprint = fingerprint;
    const fields = { zone: nameToText(snap.origin), serial: snap.serial, records: snap.recordCount, file: z.file, ms: Math.round(performance.now() - started) };
    if (old === undefined) this.log.info('zone loaded', fields);
    else if (fingerprint === undefined) this.log.info('zone re-signed', { ...fields, previous: old.serial });
    else this.log.info('zone reloaded', { ...fields, previous: old.serial });
    if (before !== undefined && before.fingerprint !== z.fingerprint && snap.serial === before.serial) {
      // `keep` only (the other policies move the serial): allowed, as BIND and Knot do, but said.
      this.log.warn(`zone content changed but the SOA serial did not increase${old === undefined ? ' (edited while zonedns was stopped)' : ''}: secondaries will not pick up the change`, { zone: nameToText(snap.origin), serial: snap.serial, previous: before.serial });
    }
    // Same turn of the event loop as the swap: the journal entry exists before any IXFR can ask.
    const handle = z.handle;
    this.tell(() => (swappedFrom === undefined ? this.events.loaded?.(handle) : this.events.swapped?.(handle, swappedFrom, changed)), snap.origin);
  }

  /** Runs a listener; one that throws is logged, never stops the load. */
  private tell(listener: () => void, origin?: Name): void {
    try {
      listener();
    } catch (e) {
      this.log.error('zone change listener failed', { zone: origin === undefined ? undefined : nameToText(origin), error: (e as Error).message });
    }
  }
}

function optionsOf(source: Omit<ZoneSource, 'file'>): ZoneOptions {
  return { rotate: source.rotate, transfer: source.transfer, notify: source.notify, health: source.health };
}
