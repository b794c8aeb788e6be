// The control socket: a Unix socket only its owner can open (mode 0600, as knotc's and
// nsd-control's local sockets), answering one request per connection (control-protocol.ts).
//
// It shares the event loop with DNS answering, so no client can hold it: the request must arrive
// whole within REQUEST_TIMEOUT_MS and within MAX_REQUEST_BYTES (nothing more is buffered), at
// most MAX_CONNECTIONS are open at once, and a client that does not read its answer is cut off
// after WRITE_TIMEOUT_MS. Verbs that wait (a reload, a transfer) wait without blocking.
//
// At start-up a socket file left by a process that died (kill -9) is recognised: nobody accepts a
// connection on it, so it is removed and replaced. A socket that answers belongs to a running
// server, and anything that is not a socket is not ours to delete: both are errors.

import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';
import { ControlError, MAX_REQUEST_BYTES, parseRequest, type ControlRequest, type ControlResponse } from './control-protocol.js';

export const REQUEST_TIMEOUT_MS = 5000;
export const WRITE_TIMEOUT_MS = 30_000;
export const MAX_CONNECTIONS = 16;

/** Runs one verb; throws ControlError for an answer like "no such zone". */
export type ControlHandler = (request: ControlRequest) => unknown;

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/** Whether something accepts connections on the Unix socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Makes `path` free for our socket: removes a stale one, refuses anything else. Throws Error. */
async function clearPath(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
    return;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket (not removed)`);
  if (await answers(path)) throw new Error(`${path}: another process answers on this socket (is another zonedns running?)`);
  unlinkSync(path);
}

/** The bounds above, smaller in tests. */
export interface ControlLimits {
  readonly requestTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly maxConnections: number;
}

const DEFAULT_LIMITS: ControlLimits = { requestTimeoutMs: REQUEST_TIMEOUT_MS, writeTimeoutMs: WRITE_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS };

export async function listenControl(path: string, handle: ControlHandler, log: Logger, limits: ControlLimits = DEFAULT_LIMITS): Promise<ControlSocket> {
  await clearPath(path);
  const open = new Set<net.Socket>();
  /** Connections whose request has not arrived yet: a shutdown drops them, and lets the others get their answer. */
  const reading = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    if (open.size >= limits.maxConnections) {
      socket.destroy();
      return;
    }
    open.add(socket);
    reading.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      reading.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    socket.setTimeout(limits.requestTimeoutMs, () => socket.destroy());
    const chunks: Buffer[] = [];
    let length = 0;
    const reply = (response: ControlResponse): void => {
      if (socket.destroyed) return;
      socket.setTimeout(limits.writeTimeoutMs, () => socket.destroy());
      socket.end(`${JSON.stringify(response)}\n`);
    };
    const onData = (chunk: Buffer): void => {
      const nl = chunk.indexOf(0x0a);
      const take = nl < 0 ? chunk : chunk.subarray(0, nl);
      length += take.length;
      if (length > MAX_REQUEST_BYTES) {
        stopReading();
        reply({ ok: false, error: `request larger than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      chunks.push(take);
      if (nl >= 0) {
        stopReading();
        void run(Buffer.concat(chunks).toString('utf8'));
      }
    };
    const stopReading = (): void => {
      reading.delete(socket);
      socket.off('data', onData);
      socket.pause();
      socket.setTimeout(0);
    };
    const run = async (line: string): Promise<void> => {
      let request: ControlRequest;
      try {
        request = parseRequest(line);
      } catch (e) {
        reply({ ok: false, error: (e as Error).message });
        return;
      }
      try {
        reply({ ok: true, result: await handle(request) });
      } catch (e) {
        if (!(e instanceof ControlError)) log.error('control verb failed', { verb: request.verb, zone: request.zone, error: (e as Error).message });
        reply({ ok: false, error: (e as Error).message });
      }
    };
    socket.on('data', onData);
  });
  server.maxConnections = limits.maxConnections + 4;
  // Owner only from the first instant: listen() creates the socket file synchronously, under
  // this umask (restored at once: other files keep theirs); the chmod only confirms it.
  const umask = process.umask(0o177);
  let listening: Promise<void>;
  try {
    listening = new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  await listening;
  chmodSync(path, 0o600);
  server.on('error', (err) => log.error('control socket error', { error: err.message }));
  const inode = lstatSync(path).ino;
  return {
    path,
    close: () => new Promise<void>((resolve) => {
      // Resolves once every connection is closed: those answering (`ctl stop` itself) finish first.
      server.close(() => resolve());
      for (const s of reading) s.destroy();
      setTimeout(() => { for (const s of open) s.destroy(); }, 2000).unref();
      // Only our own socket file: another process may have taken the path meanwhile.
      try {
        if (lstatSync(path).ino === inode) unlinkSync(path);
      } catch {
        // already gone
      }
    }),
  };
}
