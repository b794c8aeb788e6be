// Starts UDP and TCP listeners on every endpoint, all sharing one handler context.

import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ZoneRegistry } from '../zone/registry.js';
import type { XfrContext } from '../xfr/transfer.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import type { AnswerFilter } from '../health/service.js';
import { handleMessage, handleStreamMessage, type HandlerContext } from './handle.js';
import { Rotator, type RotateMode } from './rotate.js';
import { AnswerCache } from './answer-cache.js';
import { listenTcp, DEFAULT_TCP_OPTIONS, type TcpListener, type TcpOptions } from './tcp.js';
import { listenUdp, type UdpListener } from './udp.js';
import { listenUdpBatch, nativeUdpUnavailable } from './udp-batch.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** `127.0.0.1:5353`, `[::1]:5353`, `::1` (port 53 implied is not a safe default: needs root). */
export function parseListen(text: string): Endpoint {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+|[A-Za-z0-9.-]+):(\d+)$/.exec(text);
  if (!m) throw new ConfigError(`--listen "${text}": expected ADDR:PORT, e.g. 127.0.0.1:5353 or [::1]:5353`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`--listen "${text}": port ${port} is not 0-65535`);
  return { host: m[1], port };
}

export interface ServerOptions {
  registry: ZoneRegistry;
  endpoints: Endpoint[];
  rotate: RotateMode;
  maxUdp: number;
  log: Logger;
  tcp?: TcpOptions;
  /** Log one line per query (client, name, type, rcode): opt-in, it costs throughput. */
  queryLog?: boolean;
  /** Cache encoded answers per zone snapshot (default true). */
  cache?: boolean;
  /** Zone transfers: default ACL, TSIG hook; absent: every AXFR/IXFR is REFUSED. */
  xfr?: XfrContext;
  /** Secondary zones, told about NOTIFY (see HandlerContext.secondaries). */
  secondaries?: HandlerContext['secondaries'];
  /** Counts queries (ops/); absent: nothing is counted. */
  meter?: HandlerContext['meter'];
  /** CHAOS identity, NSID, EXPIRE (ops/); absent: none of them. */
  identity?: HandlerContext['identity'];
  /** Health-checked A/AAAA: the answer filter, and when a zone's cached answers go stale. */
  health?: AnswerFilter & { onChange(listener: (zone: ZoneSnapshot) => void): void };
  /**
   * UDP transport: 'native' batches datagrams through the udp_batch addon (udp-batch.ts),
   * 'node' uses node:dgram (udp.ts), 'auto' (default) the addon when it is built.
   */
  udpBackend?: UdpBackend;
}

export type UdpBackend = 'auto' | 'node' | 'native';

export interface Listening {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
}

export interface RunningServer {
  readonly listening: Listening[];
  readonly context: HandlerContext;
  /**
   * New transfer settings (default ACL, TSIG keys) from the next query on (a reconfiguration):
   * one assignment, queries in flight keep what they read.
   */
  update(changes: { readonly xfr: Pick<XfrContext, 'defaultPolicy' | 'tsig'> }): void;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const context: HandlerContext = {
    registry: opts.registry,
    rotator: new Rotator(opts.rotate),
    maxUdp: opts.maxUdp,
    queryLog: opts.queryLog ? (q) => opts.log.info('query', { ...q }) : undefined,
    xfr: opts.xfr,
    secondaries: opts.secondaries,
    cache: opts.cache === false ? undefined : new AnswerCache(),
    meter: opts.meter,
    identity: opts.identity,
    health: opts.health,
  };
  // A health transition changes what the zone's answers hold: its cached ones go.
  opts.health?.onChange((zone) => context.cache?.forget(zone));
  const onUdp = (msg: Buffer, client: string) => handleMessage(msg, 'udp', context, client);
  const onTcp = (msg: Buffer, client: string) => handleStreamMessage(msg, context, client);
  const unavailable = opts.udpBackend === 'node' ? undefined : nativeUdpUnavailable();
  if (opts.udpBackend === 'native' && unavailable !== undefined) throw new ConfigError(`udpBackend "native": ${unavailable}`);
  const native = opts.udpBackend !== 'node' && unavailable === undefined;
  const udpListen = native ? listenUdpBatch : listenUdp;
  // Once per start: which path every UDP query takes, and why not the native one under 'auto'.
  opts.log.info('udp backend', { backend: native ? 'native' : 'node', requested: opts.udpBackend ?? 'auto', why: unavailable });
  const listeners: Array<UdpListener | TcpListener> = [];
  const listening: Listening[] = [];
  try {
    for (const ep of opts.endpoints) {
      // Port 0 (tests): UDP picks a free port and TCP takes the same number, retrying on a clash.
      for (let attempt = 0; ; attempt++) {
        const udp = await udpListen(ep.host, ep.port, onUdp, opts.log);
        try {
          const tcp = await listenTcp(ep.host, udp.port, onTcp, opts.log, opts.tcp ?? DEFAULT_TCP_OPTIONS);
          listeners.push(udp, tcp);
          listening.push({ transport: 'udp', address: udp.address, port: udp.port }, { transport: 'tcp', address: tcp.address, port: tcp.port });
          break;
        } catch (err) {
          await udp.close();
          if (ep.port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        }
      }
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  const live = context as { -readonly [K in keyof HandlerContext]: HandlerContext[K] };
  return {
    listening,
    context,
    update: (changes) => {
      live.xfr = { ...context.xfr, ...changes.xfr };
    },
    close: async () => {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
