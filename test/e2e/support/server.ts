// A real zonedns server on loopback port 0 (UDP and TCP on the same port), like
// test/support/server.ts, but with a logger that records what the server logs, so a test can
// assert that the query handler never failed (the transports log and swallow handler errors).

import { readFileSync } from 'node:fs';
import type { Logger, LogFields } from '../../../src/log.js';
import type { RotateMode } from '../../../src/server/rotate.js';
import { startServer, type RunningServer, type ServerOptions } from '../../../src/server/server.js';
import type { TcpOptions } from '../../../src/server/tcp.js';
import { ZoneRegistry, type ZoneOptions } from '../../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../../src/zone/snapshot.js';
import { zoneFromText } from '../../support/zones.js';

/** test/fixtures/zones/tricky.test.zone, the zone most e2e tests query. */
export const TRICKY_ZONE = readFileSync(new URL('../../fixtures/zones/tricky.test.zone', import.meta.url), 'utf8');

export interface E2eServer {
  server: RunningServer;
  host: string;
  port: number;
  /** Every warn/error line the server logged: `level message {fields}`. */
  logged: string[];
  close(): Promise<void>;
}

export interface ZoneText {
  origin: string;
  text: string;
  /** Per-zone serving options, as the configuration file sets them. */
  options?: ZoneOptions;
}

/** A registry holding the zones, each with its options. */
export function registryFor(zones: ReadonlyArray<ZoneText | ZoneSnapshot>): ZoneRegistry {
  const reg = new ZoneRegistry();
  for (const z of zones) {
    const snapshot = 'text' in z ? zoneFromText(z.origin, z.text) : z;
    reg.set({ origin: snapshot.origin, snapshot, options: 'text' in z ? z.options : undefined });
  }
  return reg;
}

export async function startE2eServer(
  zones: ReadonlyArray<ZoneText | ZoneSnapshot>,
  opts: { rotate?: RotateMode; maxUdp?: number; tcp?: TcpOptions } & Pick<ServerOptions, 'rrl' | 'cookies'> = {},
): Promise<E2eServer> {
  const logged: string[] = [];
  const record = (level: string) => (msg: string, fields?: LogFields) => {
    logged.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  const log: Logger = { debug() {}, info() {}, warn: record('warn'), error: record('error') };
  const host = '127.0.0.1';
  const server = await startServer({
    registry: registryFor(zones),
    endpoints: [{ host, port: 0 }],
    rotate: opts.rotate ?? 'cyclic',
    maxUdp: opts.maxUdp ?? 1232,
    log,
    tcp: opts.tcp,
    rrl: opts.rrl,
    cookies: opts.cookies,
  });
  const udp = server.listening.find((l) => l.transport === 'udp')!;
  const tcp = server.listening.find((l) => l.transport === 'tcp')!;
  if (udp.port !== tcp.port) throw new Error(`UDP port ${udp.port} and TCP port ${tcp.port} differ`);
  return { server, host, port: udp.port, logged, close: () => server.close() };
}
