// Starts UDP and TCP listeners on every endpoint, all sharing one handler context.

import { ConfigError } from '../errors.js';
import { LimitedLogger } from '../limits/log-limit.js';
import { startLimits, type CookieSettings } from '../limits/setup.js';
import type { CookieCounters } from '../limits/cookies.js';
import type { RrlCounters, RrlOptions } from '../limits/rrl.js';
import type { Logger } from '../log.js';
import { NO_TSIG_KEYS } from '../tsig/hook.js';
import type { ZoneRegistry } from '../zone/registry.js';
import type { XfrContext } from '../xfr/transfer.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import type { AnswerFilter } from '../health/service.js';
import { handleMessage, handleStreamMessage, type HandlerContext } from './handle.js';
import { Rotator, type RotateMode } from './rotate.js';
import { AnswerCache } from './answer-cache.js';
import { listenTcp, DEFAULT_TCP_OPTIONS, type TcpCounters, type TcpListener, type TcpOptions } from './tcp.js';
import { listenUdp, localAddressesFor, type UdpListener } from './udp.js';
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
  /**
   * Zone transfers: default ACL, TSIG hook; absent: every AXFR/IXFR is REFUSED. Without a TSIG
   * hook, signed requests get BADKEY (no keys: every key is unknown).
   */
  xfr?: XfrContext;
  /** Response rate limiting over UDP (limits/rrl.ts); absent: off. */
  rrl?: RrlOptions;
  /** DNS cookies (RFC 7873, RFC 9018); absent: off (the COOKIE option is ignored). */
  cookies?: CookieSettings;
  /** Called whenever a TCP connection closes. */
  tcpClosed?: () => void;
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

/** What the defences did, as plain numbers a metrics layer reads (live: they keep counting). */
export interface ServerCounters {
  readonly rrl: RrlCounters | undefined;
  readonly cookies: CookieCounters | undefined;
  /** One per TCP listener, in the order of `listening`. */
  readonly tcp: readonly TcpCounters[];
}

export interface RunningServer {
  readonly listening: Listening[];
  readonly context: HandlerContext;
  /**
   * New transfer settings (default ACL, TSIG keys) from the next query on (a reconfiguration):
   * one assignment, queries in flight keep what they read.
   */
  update(changes: { readonly xfr: Pick<XfrContext, 'defaultPolicy' | 'tsig'> }): void;
  readonly counters: ServerCounters;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const limits = startLimits({ rrl: opts.rrl, cookies: opts.cookies, log: opts.log, maxUdp: opts.maxUdp });
  // A client can make transfers and NOTIFY log once per packet: their log is limited too.
  const xfrLog = opts.xfr?.log === undefined ? undefined : new LimitedLogger(opts.xfr.log);
  const xfr: XfrContext = { ...opts.xfr, tsig: opts.xfr?.tsig ?? NO_TSIG_KEYS, log: xfrLog };
  const context: HandlerContext = {
    registry: opts.registry,
    rotator: new Rotator(opts.rotate),
    maxUdp: opts.maxUdp,
    queryLog: opts.queryLog ? (q) => opts.log.info('query', { ...q }) : undefined,
    xfr,
    secondaries: opts.secondaries,
    cache: opts.cache === false ? undefined : new AnswerCache(),
    meter: opts.meter,
    identity: opts.identity,
    limits: limits.limits,
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
  const tcpCounters: TcpCounters[] = [];
  const listening: Listening[] = [];
  try {
    for (const ep of opts.endpoints) {
      // node:dgram cannot choose a reply's source: on a wildcard address, one socket per local
      // address instead (udp.ts). The addon answers from the right address itself.
      const udpHosts = native ? undefined : localAddressesFor(ep.host);
      if (udpHosts?.length === 0) throw new ConfigError(`--listen ${ep.host}: no local ${ep.host === '::' ? 'IPv6' : 'IPv4'} address to listen on for UDP (udp backend node)`);
      if (udpHosts !== undefined) {
        opts.log.warn('udp backend node cannot choose the source address of replies on a wildcard listen: listening for UDP on each local address instead (addresses added later are not served until a restart; build the addon for a true wildcard)', { listen: ep.host, addresses: udpHosts.join(',') });
      }
      // Port 0 (tests): UDP picks a free port and TCP takes the same number, retrying on a clash.
      for (let attempt = 0; ; attempt++) {
        const udps: UdpListener[] = [];
        try {
          for (const host of udpHosts ?? [ep.host]) udps.push(await udpListen(host, udps[0]?.port ?? ep.port, onUdp, opts.log));
          const port = udps[0]!.port;
          const tcp = await listenTcp(ep.host, port, onTcp, opts.log, opts.tcp ?? DEFAULT_TCP_OPTIONS, opts.tcpClosed);
          listeners.push(...udps, tcp);
          tcpCounters.push(tcp.counters);
          for (const udp of udps) listening.push({ transport: 'udp', address: udp.address, port: udp.port });
          listening.push({ transport: 'tcp', address: tcp.address, port: tcp.port });
          break;
        } catch (err) {
          await Promise.all(udps.map((u) => u.close()));
          if (ep.port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        }
      }
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    limits.close();
    xfrLog?.close();
    throw err;
  }
  const live = context as { -readonly [K in keyof HandlerContext]: HandlerContext[K] };
  return {
    listening,
    context,
    update: (changes) => {
      // No keys any more: signed requests still get BADKEY (NO_TSIG_KEYS), as at start-up.
      live.xfr = { ...context.xfr, defaultPolicy: changes.xfr.defaultPolicy, tsig: changes.xfr.tsig ?? NO_TSIG_KEYS };
    },
    counters: { rrl: limits.limits.rrl?.counters, cookies: limits.limits.cookies?.counters, tcp: tcpCounters },
    close: async () => {
      await Promise.all(listeners.map((l) => l.close()));
      limits.close();
      xfrLog?.close();
    },
  };
}
