// The operations room, wired into `serve` with a few lines: the zone book (what happened to each
// zone), the query counters and identity step the answer path is given, and — once the server is
// listening — the metrics listener and the control socket. serve.ts builds an Ops before the
// zones load (the book must hear the first loads), hands `counters` and `identity` to the
// server, then calls start() with the running parts; close() at shutdown.

import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../log.js';
import { parseListen } from '../server/server.js';
import type { ZoneRegistry } from '../zone/registry.js';
import { listenControl, type ControlSocket } from './control-socket.js';
import { listenHttp, type OpsHttpServer } from './http.js';
import { Identity } from './identity.js';
import { QueryCounters } from './query-counters.js';
import { controlHandler, type ServerParts } from './verbs.js';
import { PACKAGE_VERSION } from './version.js';
import { ZoneBook } from './zone-book.js';
import { allZonesSettled, zoneViews, type SecondariesView } from './zone-view.js';

export const DEFAULT_CONTROL_SOCKET = '/run/zonedns/zonedns.sock';

/** The configuration keys this room reads (cli/config-schema.ts). */
export interface OpsSettings {
  readonly identity?: string;
  readonly nsid?: string;
  readonly version?: string;
  readonly metrics?: string;
  readonly control: { readonly enabled: boolean; readonly socket?: string };
  readonly stateDir?: string;
}

/**
 * Where the control socket is: `control.socket`, else `zonedns.sock` in `stateDir`, else
 * /run/zonedns/zonedns.sock. The last is only a default when /run/zonedns exists (systemd's
 * RuntimeDirectory=zonedns makes it): a server started by hand or by a test creates nothing
 * there, and several of them never fight over one path.
 */
export function controlSocketPath(settings: Pick<OpsSettings, 'control' | 'stateDir'>): { path: string; explicit: boolean } {
  if (settings.control.socket !== undefined) return { path: settings.control.socket, explicit: true };
  if (settings.stateDir !== undefined) return { path: join(settings.stateDir, 'zonedns.sock'), explicit: true };
  return { path: DEFAULT_CONTROL_SOCKET, explicit: false };
}

export class Ops {
  readonly book = new ZoneBook();
  /** Counted only when metrics are served (the counting costs a little on every query). */
  readonly counters: QueryCounters | undefined;
  readonly identity: Identity | undefined;
  readonly startedAt = Date.now();
  private http: OpsHttpServer | undefined;
  private control: ControlSocket | undefined;
  private parts: ServerParts | undefined;

  constructor(private settings: OpsSettings, private readonly registry: ZoneRegistry, private readonly log: Logger, secondaries: () => SecondariesView | undefined) {
    this.counters = settings.metrics === undefined ? undefined : new QueryCounters();
    const { identity, nsid, version } = settings;
    this.identity = identity === undefined && nsid === undefined && version === undefined ? undefined
      : new Identity({ identity, nsid, version }, registry, (origin) => secondaries()?.get(origin)?.status().expiresAt);
  }

  /** The metrics listener and the control socket, once the server answers. Neither stops DNS service when it cannot start. */
  async start(parts: ServerParts): Promise<void> {
    this.parts = parts;
    if (this.settings.metrics !== undefined && this.counters !== undefined) {
      const { host, port } = parseListen(this.settings.metrics);
      const counters = this.counters;
      try {
        const { createMetrics } = await import('./metrics.js');
        const metrics = createMetrics({
          registry: this.registry, book: this.book, counters, secondaries: parts.secondaries,
          stateWriteFailures: () => parts.stateWriteFailures(), startTime: this.startedAt / 1000, version: PACKAGE_VERSION, extra: parts.counterSources,
        });
        this.http = await listenHttp(host, port, {
          metrics: async () => ({ body: await metrics.metrics(), contentType: metrics.contentType }),
          ready: () => this.readiness(),
        }, this.log);
        this.log.info('metrics listening', { address: this.http.address, port: this.http.port });
      } catch (e) {
        this.log.error(`cannot serve metrics: ${(e as Error).message}`, { listen: this.settings.metrics });
      }
    }
    const { path, explicit } = controlSocketPath(this.settings);
    if (this.settings.control.enabled && !explicit && !isDirectory(dirname(path))) {
      this.log.info('no control socket: set control.socket or stateDir (or create /run/zonedns)', { path });
    } else if (this.settings.control.enabled) {
      try {
        this.control = await listenControl(path, controlHandler(parts, this), this.log);
        this.log.info('control socket listening', { path });
      } catch (e) {
        this.log.error(`control socket not available: ${(e as Error).message}`, { path });
      }
    }
  }

  /** /readyz: ready once every zone has loaded or failed. */
  readiness(): { ready: boolean; detail: string } {
    const parts = this.parts;
    if (parts === undefined || !allZonesSettled(parts.filesLoaded(), parts.secondaries)) return { ready: false, detail: 'not ready: zones are loading' };
    const views = zoneViews(this.registry, parts.secondaries, this.book);
    const loaded = views.filter((v) => v.serial !== undefined).length;
    return { ready: true, detail: `ready: ${loaded} of ${views.length} zones loaded` };
  }

  get metricsAddress(): string | undefined {
    return this.http === undefined ? undefined : `${this.http.address.includes(':') ? `[${this.http.address}]` : this.http.address}:${this.http.port}`;
  }

  get controlPath(): string | undefined {
    return this.control?.path;
  }

  async close(): Promise<void> {
    await Promise.all([this.http?.close(), this.control?.close()]);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
