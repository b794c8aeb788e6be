// The opt-in HTTP listener (`metrics: "127.0.0.1:9153"`): Prometheus text on /metrics, and the
// probes an orchestrator asks: /healthz (the process answers: 200) and /readyz (200 once every
// zone has loaded or failed, 503 before). GET and HEAD only; anything else is 404 or 405.
//
// It shares the event loop with DNS answering, so a client must never hold it: headers and
// body within 5 s, idle keep-alive connections closed after 5 s, at most 32 connections, no
// request body read. A scrape costs one pass over the counters (well under a millisecond for a
// few hundred zones).

import http from 'node:http';
import type { Logger } from '../log.js';

export interface HttpEndpoints {
  /** The Prometheus text exposition and its content type. */
  metrics(): Promise<{ body: string; contentType: string }>;
  /** Whether /readyz says ready, and why not. */
  ready(): { ready: boolean; detail: string };
}

export interface OpsHttpServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

const TIMEOUT_MS = 5000;
const MAX_CONNECTIONS = 32;

export function listenHttp(host: string, port: number, endpoints: HttpEndpoints, log: Logger): Promise<OpsHttpServer> {
  const server = http.createServer({ requestTimeout: TIMEOUT_MS, headersTimeout: TIMEOUT_MS, keepAliveTimeout: TIMEOUT_MS, maxHeaderSize: 8192 }, (req, res) => {
    const send = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(405, 'method not allowed\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      endpoints.metrics().then(
        ({ body, contentType }) => send(200, body, contentType),
        (e: unknown) => {
          log.error('metrics collection failed', { error: (e as Error).message });
          send(500, 'metrics collection failed\n');
        },
      );
    } else if (path === '/healthz') {
      send(200, 'ok\n');
    } else if (path === '/readyz') {
      const { ready, detail } = endpoints.ready();
      send(ready ? 200 : 503, `${detail}\n`);
    } else {
      send(404, 'not found: /metrics, /healthz, /readyz\n');
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error('metrics listener error', { error: err.message }));
      const addr = server.address() as { address: string; port: number };
      resolve({
        address: addr.address,
        port: addr.port,
        close: () => new Promise<void>((res) => {
          server.close(() => res());
          server.closeAllConnections();
        }),
      });
    });
  });
}
