// TCP transport (RFC 7766): 2-octet framing, several queries per connection, pipelining, and the
// defences a server on the open internet needs (RFC 7766 §6.2.3, §10). No DNS logic here.
//
// A reply is one message or an Iterable of messages (a zone transfer). An Iterable is written one
// message at a time: when the socket's buffer is full we wait for 'drain' before asking for the
// next message, so a 1M-record AXFR never sits in memory, and other connections are served in
// between. While a stream is being written the connection stops reading; queries pipelined
// behind it are answered, in order, once it ends (RFC 7766 §6.2.1.1 allows a server to answer in
// order).
//
// Defences:
// - A query must arrive whole within `queryTimeoutMs` of its first octet: partial octets do not
//   reset the clock (a client sending a byte every few seconds holds nothing for long).
// - A connection with nothing happening for `idleTimeoutMs` is closed. Activity is a whole
//   message received or our output moving; a client that stops reading its answers is idle.
// - At most `maxConnectionsPerClient` connections per client address; at `maxConnections` the
//   least recently active connection of the address holding the most is closed to make room,
//   so newcomers always get in (an idle flood cannot lock out the resolvers that fall back to
//   TCP after TC=1).
// - Output is bounded per connection: before answering the next pipelined query we check the
//   unsent output, and over `maxPendingBytes` we stop reading until it drains (backpressure
//   before answering, so memory per connection is that cap plus one read).
// - Connections take turns: one answers at most QUANTUM pipelined queries, then queues for its
//   next turn; the queue is served TURN_BUDGET answers per event-loop turn, round robin, so new
//   connections, UDP and timers run in between. Clients that pipeline thousands of queries in
//   one write delay a newcomer by a turn (a few ms), not by all of their queries.
// The timers are one sweep per listener, not one per connection.

import net from 'node:net';
import type { Logger } from '../log.js';
import { TcpDeframer, frame } from '../wire/tcp-framing.js';

export type TcpHandler = (msg: Buffer, client: string) => Buffer | Iterable<Buffer> | undefined;

export interface TcpOptions {
  /** RFC 7766 §6.2.3: close connections idle this long; servers commonly use ~10 s. */
  idleTimeoutMs: number;
  /** A message must be complete this long after its first octet (Knot: 500 ms; ours is lenient). */
  queryTimeoutMs: number;
  /** Connections at once; at the cap, the least recently active one makes room for a newcomer. */
  maxConnections: number;
  /** Connections at once from one client address; more are closed at once. */
  maxConnectionsPerClient: number;
  /**
   * Unsent replies on one connection before we stop reading from it: a client that pipelines
   * without reading its answers only fills its own window, never our memory.
   */
  maxPendingBytes: number;
}

export const DEFAULT_TCP_OPTIONS: TcpOptions = {
  idleTimeoutMs: 10_000,
  queryTimeoutMs: 3_000,
  maxConnections: 512,
  maxConnectionsPerClient: 64,
  maxPendingBytes: 128 * 1024,
};

/** What the transport did, since the listener started (plain numbers for a metrics layer). */
export interface TcpCounters {
  accepted: number;
  /** Closed at once: the client address had maxConnectionsPerClient already. */
  refusedPerClient: number;
  /** Closed to make room for a newcomer at maxConnections. */
  evicted: number;
  /** Closed after idleTimeoutMs without activity. */
  idleClosed: number;
  /** Closed because a message was not complete queryTimeoutMs after its first octet. */
  slowClosed: number;
  /** Times reading paused because unsent output was over maxPendingBytes. */
  backpressured: number;
}

export interface TcpListener {
  readonly address: string;
  readonly port: number;
  readonly counters: TcpCounters;
  /** Connections open now. */
  readonly open: number;
  /** Stops accepting, lets connections finish the replies already written, then resolves. */
  close(): Promise<void>;
}

/** Pipelined queries a connection answers before the others get a turn. */
const QUANTUM = 16;
/** Answers given to queued connections per event-loop turn. */
const TURN_BUDGET = 128;

/** One connection's state. */
interface Connection {
  readonly socket: net.Socket;
  readonly client: string;
  /** performance.now() of the last activity (a whole message in, our output moving). */
  lastActive: number;
  /** performance.now() of the first octet of the incomplete message held, or 0. */
  partialSince: number;
  /** Unsent output octets at the last sweep: less now means the client is reading. */
  unsentSeen: number;
  /**
   * Reading is paused and what was read waits in the deframer: for its turn, for a stream being
   * written, or for output over the cap to drain.
   */
  parked: boolean;
  /** Answers what waits (its turn); returns how many it answered. */
  carryOn: () => number;
}

/** `onClosed`: called whenever a connection closes (serve gives memory back once they settle). */
export function listenTcp(host: string, port: number, handle: TcpHandler, log: Logger, opts: TcpOptions = DEFAULT_TCP_OPTIONS, onClosed?: () => void): Promise<TcpListener> {
  /** Open connections, least recently active first (touch() moves one to the end). */
  const connections = new Map<net.Socket, Connection>();
  const perClient = new Map<string, number>();
  const counters: TcpCounters = { accepted: 0, refusedPerClient: 0, evicted: 0, idleClosed: 0, slowClosed: 0, backpressured: 0 };

  // Connections waiting for their turn, served round robin (see the top of the file).
  const turns: Connection[] = [];
  let turnScheduled = false;
  const runTurns = (): void => {
    turnScheduled = false;
    let budget = TURN_BUDGET;
    let served = 0;
    while (budget > 0 && served < turns.length) budget -= turns[served++]!.carryOn();
    turns.splice(0, served);
    if (turns.length > 0) scheduleTurns();
  };
  const scheduleTurns = (): void => {
    if (turnScheduled) return;
    turnScheduled = true;
    setImmediate(runTurns);
  };

  const touch = (conn: Connection): void => {
    conn.lastActive = performance.now();
    connections.delete(conn.socket);
    connections.set(conn.socket, conn);
  };

  /**
   * Who makes room at the cap: the least recently active connection among the addresses holding
   * the most. An idle or slowloris flood has to come from many connections per address (TCP cannot
   * be spoofed), so it loses its own connections first, and a newcomer that has not yet been
   * served (it is older than the flood's latest) is not the one to go.
   */
  const leastRecentOfBusiestClient = (): Connection | undefined => {
    let most = 0;
    for (const n of perClient.values()) most = Math.max(most, n);
    for (const conn of connections.values()) if (perClient.get(conn.client) === most) return conn;
    return connections.values().next().value;
  };

  const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) => {
    const client = socket.remoteAddress ?? '';
    const mine = perClient.get(client) ?? 0;
    if (mine >= opts.maxConnectionsPerClient) {
      counters.refusedPerClient++;
      socket.destroy();
      return;
    }
    if (connections.size >= opts.maxConnections) {
      const victim = leastRecentOfBusiestClient();
      if (victim !== undefined) {
        counters.evicted++;
        drop(victim);
      }
    }
    counters.accepted++;
    perClient.set(client, mine + 1);
    const conn: Connection = {
      socket, client, lastActive: performance.now(), partialSince: 0, unsentSeen: 0, parked: false, carryOn: () => carryOn(),
    };
    connections.set(socket, conn);
    socket.on('close', () => {
      connections.delete(socket);
      const n = (perClient.get(client) ?? 1) - 1;
      if (n > 0) perClient.set(client, n);
      else perClient.delete(client);
      onClosed?.();
    });
    socket.on('error', () => socket.destroy());
    // Our output moving is activity (a long transfer to a slow reader is not idle).
    socket.on('drain', () => touch(conn));
    const deframer = new TcpDeframer();

    /**
     * Answers the messages the deframer holds, in order; returns how many it answered. Stops,
     * parked with reading paused, after QUANTUM answers (queued for another turn), when a
     * streamed reply starts, or when the unsent output is over the cap.
     */
    const serve = (): number => {
      let answered = 0;
      while (!socket.destroyed) {
        if (answered >= QUANTUM) {
          park();
          turns.push(conn);
          scheduleTurns();
          break;
        }
        if (socket.writableLength > opts.maxPendingBytes) {
          counters.backpressured++;
          park();
          socket.once('drain', () => carryOn());
          break;
        }
        const msg = deframer.next();
        if (msg === undefined) break;
        answered++;
        let reply: Buffer | Iterable<Buffer> | undefined;
        try {
          reply = handle(msg, client);
        } catch (err) {
          log.error('query handler failed', { client, error: (err as Error).message });
          continue;
        }
        if (reply === undefined) continue;
        if (Buffer.isBuffer(reply)) {
          socket.write(frame(reply));
          continue;
        }
        park();
        void writeStream(socket, reply, log).then(() => carryOn());
        break;
      }
      // A whole message arrived: activity. A partial one left over started its clock now, or
      // (nothing answered) is the one whose clock is already running.
      if (answered > 0) touch(conn);
      if (!conn.parked) {
        if (deframer.error !== undefined) {
          // A length prefix we will not honour: nothing after it can be framed, so hang up.
          socket.destroy();
        } else if (deframer.pending === 0) {
          conn.partialSince = 0;
        } else if (answered > 0 || conn.partialSince === 0) {
          conn.partialSince = performance.now();
        }
      }
      return answered;
    };
    const park = (): void => {
      conn.parked = true;
      socket.pause();
    };
    /** Answers what waited (more may have come in meanwhile), then reads again. */
    const carryOn = (): number => {
      if (socket.destroyed || socket.writableEnded) return 0;
      conn.parked = false;
      // The clock of a partial message stood still while we were not reading.
      if (conn.partialSince > 0) conn.partialSince = performance.now();
      const answered = serve();
      if (!conn.parked) socket.resume();
      return answered;
    };
    socket.on('data', (chunk: Buffer) => {
      deframer.push(chunk);
      // Read before a pause took effect: answered after what already waits, in order.
      if (!conn.parked) serve();
    });
  });
  // Node's own cap only guards against a burst beyond ours before the evicted ones have closed.
  server.maxConnections = opts.maxConnections * 2 + 16;

  const drop = (conn: Connection): void => {
    connections.delete(conn.socket);
    conn.socket.destroy();
  };

  // One sweep for every connection's timers: idle, and slow messages.
  const sweep = (): void => {
    const now = performance.now();
    for (const conn of connections.values()) {
      // Output going out between drains (a slow reader of a big answer) is activity too.
      const unsent = conn.socket.writableLength;
      if (unsent < conn.unsentSeen) touch(conn);
      conn.unsentSeen = unsent;
      if (conn.partialSince > 0 && !conn.parked && now - conn.partialSince > opts.queryTimeoutMs) {
        counters.slowClosed++;
        drop(conn);
      } else if (now - conn.lastActive > opts.idleTimeoutMs) {
        // Idle means nothing is in flight that the client still reads: close outright (as Knot
        // does). A half-close would keep the slot until the client closes its side.
        counters.idleClosed++;
        drop(conn);
      }
    }
  };
  const sweepEvery = Math.max(10, Math.min(1000, Math.min(opts.idleTimeoutMs, opts.queryTimeoutMs) / 4));
  let sweeper: NodeJS.Timeout | undefined;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      server.on('error', (err) => log.error('tcp server error', { error: err.message }));
      sweeper = setInterval(sweep, sweepEvery);
      sweeper.unref();
      const addr = server.address() as net.AddressInfo;
      resolve({
        address: addr.address,
        port: addr.port,
        counters,
        get open() {
          return connections.size;
        },
        close: () => new Promise<void>((res) => {
          clearInterval(sweeper);
          server.close(() => res());
          // In-flight replies are already written; end() flushes them, then closes.
          for (const s of connections.keys()) s.end();
          setTimeout(() => { for (const s of connections.keys()) s.destroy(); }, 2000).unref();
        }),
      });
    });
  });
}

/**
 * The most a stream writes in one turn of the event loop (ms). A socket whose peer reads fast
 * (loopback, a LAN) takes message after message without its buffer ever filling: the first AXFR
 * of the 1M-record zone held every other query 0.7-1.6 s before it let the loop in.
 */
const STREAM_TURN_MS = 2;

/**
 * Writes every message of `messages` to `socket`, waiting for 'drain' whenever the socket's
 * buffer is full, and letting other work in every STREAM_TURN_MS. Ends early if the socket closes; a failure while producing a message closes the
 * connection (the client cannot be told mid-stream, RFC 5936 §2.2: it sees an incomplete transfer).
 */
export async function writeStream(socket: net.Socket, messages: Iterable<Buffer>, log: Logger): Promise<void> {
  const it = messages[Symbol.iterator]();
  let finished = false;
  let turnEnd = performance.now() + STREAM_TURN_MS;
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
      if (full) {
        await drained(socket);
        turnEnd = performance.now() + STREAM_TURN_MS;
      } else if (performance.now() >= turnEnd) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turnEnd = performance.now() + STREAM_TURN_MS;
      }
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
