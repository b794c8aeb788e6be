// TCP transport (RFC 7766): 2-octet framing, several queries per connection, pipelining, an idle
// timeout and caps on connections and on unsent replies. No DNS logic here.
//
// A reply is one message or an Iterable of messages (a zone transfer). An Iterable is written one
// message at a time: when the socket's buffer is full we wait for 'drain' before asking for the
// next message, so a 1M-record AXFR never sits in memory, and other connections are served in
// between. While a stream is being written the connection stops reading; queries pipelined
// behind it are answered, in order, once it ends (RFC 7766 §6.2.1.1 allows a server to answer in
// order).

import net from 'node:net';
import type { Logger } from '../log.js';
import { TcpDeframer, frame } from '../wire/tcp-framing.js';

export type TcpHandler = (msg: Buffer, client: string) => Buffer | Iterable<Buffer> | undefined;

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
    /** Set while a multi-message reply is being written: queries that arrive meanwhile wait here. */
    let waiting: Buffer[] | undefined;

    /** Answers `msgs` in order; stops at a streamed reply and carries on when it is written. */
    const answer = (msgs: Buffer[]): void => {
      for (let i = 0; i < msgs.length; i++) {
        let reply: Buffer | Iterable<Buffer> | undefined;
        try {
          reply = handle(msgs[i]!, socket.remoteAddress ?? '');
        } catch (err) {
          log.error('query handler failed', { client: socket.remoteAddress, error: (err as Error).message });
          continue;
        }
        if (reply === undefined) continue;
        if (Buffer.isBuffer(reply)) {
          socket.write(frame(reply));
          continue;
        }
        waiting = msgs.slice(i + 1);
        socket.pause();
        void writeStream(socket, reply, log).then(() => {
          const rest = waiting ?? [];
          waiting = undefined;
          if (socket.destroyed || socket.writableEnded) return;
          answer(rest);
          if (waiting === undefined) afterAnswers();
        });
        return;
      }
    };
    const afterAnswers = (): void => {
      if (deframer.error !== undefined) {
        // A length prefix we will not honour: nothing after it can be framed, so hang up.
        socket.destroy();
        return;
      }
      if (socket.writableLength > opts.maxPendingBytes) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      } else {
        socket.resume();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      const msgs = deframer.feed(chunk);
      if (waiting !== undefined) {
        // Data already read when the stream paused the socket: answered after the stream.
        for (const m of msgs) waiting.push(Buffer.from(m));
        return;
      }
      answer(msgs);
      if (waiting === undefined) afterAnswers();
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

/**
 * Writes every message of `messages` to `socket`, waiting for 'drain' whenever the socket's
 * buffer is full. Ends early if the socket closes; a failure while producing a message closes the
 * connection (the client cannot be told mid-stream, RFC 5936 §2.2: it sees an incomplete transfer).
 */
async function writeStream(socket: net.Socket, messages: Iterable<Buffer>, log: Logger): Promise<void> {
  const it = messages[Symbol.iterator]();
  let finished = false;
  try {
    for (;;) {
      if (socket.destroyed || socket.writableEnded) return;
      let full: boolean;
      try {
        const next = it.next();
        if (next.done) {
          finished = true;
          return;
        }
        full = !socket.write(frame(next.value));
      } catch (err) {
        log.error('multi-message reply failed', { client: socket.remoteAddress, error: (err as Error).message });
        socket.destroy();
        return;
      }
      if (full) await drained(socket);
    }
  } finally {
    // Lets the producer run its cleanup (and log an aborted transfer).
    if (!finished) {
      try {
        it.return?.();
      } catch {
        // nothing more to do for a connection that is going away
      }
    }
  }
}

/** Resolves on 'drain', or when the socket closes and will never drain. */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
