// Socket clients for the e2e tests, built for ordering and deadlines rather than convenience:
// a UDP client that keeps every datagram it receives, and a persistent TCP client that keeps
// every reply frame and reports when the server closes. Every wait has a deadline; nothing
// sleeps to synchronize.

import dgram from 'node:dgram';
import net from 'node:net';

/** Rejects with `what` if `p` does not settle within `ms`. */
export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Yields to the event loop once (lets in-process servers run their I/O callbacks). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

interface Waiter<T> {
  pred: (m: T) => boolean;
  resolve: (m: T) => void;
}

/** One UDP socket; every datagram received is kept in `messages`, in arrival order. */
export class UdpClient {
  readonly messages: Buffer[] = [];
  private waiters: Array<Waiter<Buffer>> = [];
  private constructor(private readonly sock: dgram.Socket, readonly host: string, readonly port: number) {
    sock.on('message', (m) => {
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** `localAddress`: the client's own address (any of 127.0.0.0/8 on loopback: another client). */
  static async open(host: string, port: number, recvBufferSize?: number, localAddress?: string): Promise<UdpClient> {
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize });
    await new Promise<void>((resolve) => sock.bind(0, localAddress ?? (host.includes(':') ? '::1' : '127.0.0.1'), () => resolve()));
    return new UdpClient(sock, host, port);
  }

  send(msg: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.send(msg, this.port, this.host, (err) => (err ? reject(err) : resolve())));
  }

  /** The first datagram (already received or future) matching `pred`; rejects after `ms`. */
  waitFor(pred: (m: Buffer) => boolean, ms: number, what = 'UDP reply'): Promise<Buffer> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return deadline(new Promise<Buffer>((resolve) => this.waiters.push({ pred, resolve })), ms, what);
  }

  /** Resolves true if no datagram arrives within `ms` (the "dropped" check). */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.messages.length;
    try {
      await this.waitFor((_m) => this.messages.length > before, ms);
      return false;
    } catch {
      return this.messages.length === before;
    }
  }

  /** Sends `msg` and waits for the reply carrying its ID. */
  async exchange(msg: Buffer, ms = 2000): Promise<Buffer> {
    const id = msg.readUInt16BE(0);
    const from = this.messages.length;
    await this.send(msg);
    return this.waitFor((m) => m.length >= 2 && m.readUInt16BE(0) === id && this.messages.indexOf(m) >= from, ms, `UDP reply to ID ${id}`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.close(() => resolve()));
  }
}

/** `msg` with its RFC 1035 §4.2.2 length prefix. */
export function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** A persistent TCP connection that collects reply frames in order and notices the close. */
export class TcpClient {
  readonly replies: Buffer[] = [];
  closed = false;
  /** Set when the connection ended with an error (e.g. ECONNRESET). */
  error: Error | undefined;
  readonly closedAt: Promise<number>;
  /** Resolves when the server's FIN arrives (the 'end' event). */
  readonly endedAt: Promise<number>;
  private buf: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        const n = this.buf.readUInt16BE(0);
        this.replies.push(Buffer.from(this.buf.subarray(2, 2 + n)));
        this.buf = this.buf.subarray(2 + n);
      }
      this.wake();
    });
    sock.on('error', (err) => {
      this.error = err;
    });
    this.endedAt = new Promise((resolve) => sock.once('end', () => resolve(performance.now())));
    this.closedAt = new Promise((resolve) => {
      sock.on('close', () => {
        this.closed = true;
        this.wake();
        resolve(performance.now());
      });
    });
  }

  /** `localAddress`: the client's own address (any of 127.0.0.0/8 on loopback: another client). */
  static connect(host: string, port: number, opts: { allowHalfOpen?: boolean; localAddress?: string } = {}): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port, allowHalfOpen: opts.allowHalfOpen ?? false, localAddress: opts.localAddress });
      const c = new TcpClient(sock);
      sock.once('connect', () => resolve(c));
      sock.once('error', reject);
    });
  }

  /** Octets of an incomplete reply frame received so far. */
  get partial(): number {
    return this.buf.length;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Writes raw octets; resolves once the socket accepted them. */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  send(msg: Buffer): Promise<void> {
    return this.write(framed(msg));
  }

  /** The next reply frame not yet returned by next(); rejects on close or after `ms`. */
  next(ms = 2000): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      for (;;) {
        if (this.consumed < this.replies.length) return this.replies[this.consumed++]!;
        if (this.closed) throw new Error(`connection closed after ${this.replies.length} replies`);
        await this.changed();
      }
    };
    return deadline(run(), ms, `TCP reply #${this.consumed + 1}`);
  }

  /** Waits until `n` reply frames have arrived in total. */
  waitReplies(n: number, ms: number): Promise<Buffer[]> {
    const run = async (): Promise<Buffer[]> => {
      while (this.replies.length < n) {
        if (this.closed) throw new Error(`connection closed after ${this.replies.length} of ${n} replies`);
        await this.changed();
      }
      return this.replies.slice(0, n);
    };
    return deadline(run(), ms, `${n} TCP replies (have ${this.replies.length})`);
  }

  async exchange(msg: Buffer, ms = 2000): Promise<Buffer> {
    await this.send(msg);
    return this.next(ms);
  }

  /** Resolves with the close time (performance.now()); rejects if still open after `ms`. */
  waitClosed(ms: number): Promise<number> {
    return deadline(this.closedAt, ms, 'server to close the TCP connection');
  }

  end(): void {
    this.sock.end();
  }

  destroy(): void {
    this.sock.destroy();
  }
}
