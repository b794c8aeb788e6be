// TCP transport (RFC 7766): 2-octet framing, several queries per connection, pipelining, an idle
// timeout and caps on connections and on unsent replies. No DNS logic here.

import net from 'node:net';
import type { Logger } from '../log.js';
import { TcpDeframer, frame } from '../wire/tcp-framing.js';

export type TcpHandler = (msg: Buffer, client: string) => Buffer | undefined;

export interface TcpOptions {
  /** RFC 7766 §6.2.3: close idle connections; servers commonly use ~10 s. */
  idleTimeoutMs: number;
  /** Connections beyond this are closed at once (a client flood must not exhaust memory). */
  maxConnections: number;
  /**
   * Replies queued on one connection before we stop reading from it: a client that pipelines
   * without reading its answers only fills its own window, never our memory.
   */
  maxPendingBytes: number;
}

export const DEFAULT_TCP_OPTIONS: TcpOptions = { idleTimeoutMs: 10_000, maxConnections: 512, maxPendingBytes: 1 << 20 };

export interface TcpListener {
  readonly address: string;
  readonly port: number;
  /** Stops accepting, lets connections finish the replies already written, then resolves. */
  close(): Promise<void>;
}

export function listenTcp(host: string, port: number, handle: TcpHandler, log: Logger, opts: TcpOptions = DEFAULT_TCP_OPTIONS): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    if (sockets.size >= opts.maxConnections) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Idle means nothing is in flight: close outright (as Knot does). A half-close would keep
    // the slot until the client closes its side, which a silent client never does.
    socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
    const deframer = new TcpDeframer();
    socket.on('data', (chunk: Buffer) => {
      for (const msg of deframer.feed(chunk)) {
        let reply: Buffer | undefined;
        try {
          reply = handle(msg, socket.remoteAddress ?? '');
        } catch (err) {
          log.error('query handler failed', { client: socket.remoteAddress, error: (err as Error).message });
          continue;
        }
        if (reply) socket.write(frame(reply));
      }
      if (deframer.error !== undefined) {
        // A length prefix we will not honour: nothing after it can be framed, so hang up.
        socket.destroy();
        return;
      }
      if (socket.writableLength > opts.maxPendingBytes) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
  });
  server.maxConnections = opts.maxConnections + 16;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error('tcp server error', { error: err.message }));
      const addr = server.address() as net.AddressInfo;
      resolve({
        address: addr.address,
        port: addr.port,
        close: () => new Promise<void>((res) => {
          server.close(() => res());
          // In-flight replies are already written; end() flushes them, then closes.
          for (const s of sockets) s.end();
          setTimeout(() => { for (const s of sockets) s.destroy(); }, 2000).unref();
        }),
      });
    });
  });
}
