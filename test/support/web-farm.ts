// Web servers on loopback addresses (127.0.0.11, 127.0.0.12, ...: Linux answers on all of
// 127.0.0.0/8), all on one port, that a test stops and restarts one by one: the servers behind a
// health-checked name. `/healthz` answers 200 "ok"; stopping a server closes its open
// connections too, as a crashed server's would be.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class WebServer {
  private server: http.Server | undefined;

  constructor(readonly host: string, public port: number) {}

  get running(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end(req.url === '/healthz' ? 'ok' : `hello from ${this.host}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}

export interface WebFarm {
  readonly port: number;
  readonly servers: readonly WebServer[];
  server(host: string): WebServer;
  stop(): Promise<void>;
}

/** One server per host, all on one free port (the first host picks it; a clash retries). */
export async function startWebFarm(hosts: readonly string[]): Promise<WebFarm> {
  for (let attempt = 0; ; attempt++) {
    const first = new WebServer(hosts[0]!, 0);
    await first.start();
    const servers = [first, ...hosts.slice(1).map((h) => new WebServer(h, first.port))];
    try {
      for (const s of servers.slice(1)) await s.start();
    } catch (e) {
      await Promise.all(servers.map((s) => s.stop()));
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw e;
      continue;
    }
    return {
      port: first.port,
      servers,
      server: (host) => servers.find((s) => s.host === host)!,
      stop: async () => { await Promise.all(servers.map((s) => s.stop())); },
    };
  }
}

/** A client's visit: GET / on host:port; true when it got a 200 within the time. */
export function visit(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
      res.once('error', () => resolve(false));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}
