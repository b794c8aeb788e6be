// UDP transport: moves datagrams between a socket and the message handler. No DNS logic here.

import dgram from 'node:dgram';
import type { Logger } from '../log.js';

export type UdpHandler = (msg: Buffer, client: string) => Buffer | undefined;

/**
 * Receive buffer asked for (the kernel caps it at net.core.rmem_max). Queries wait there while
 * the event loop does something else (a GC pause, a slice of a reloaded zone being assembled);
 * the default, 212,992 octets, holds about 200 small datagrams with their overhead: 40 ms of
 * 5,000 queries a second, after which they are dropped.
 */
export const UDP_RECEIVE_BUFFER = 4 << 20;

export interface UdpListener {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export function listenUdp(host: string, port: number, handle: UdpHandler, log: Logger): Promise<UdpListener> {
  const family = host.includes(':') ? 'udp6' : 'udp4';
  const socket = dgram.createSocket({ type: family, ipv6Only: family === 'udp6', recvBufferSize: UDP_RECEIVE_BUFFER });
  return new Promise((resolve, reject) => {
    const onListenError = (err: Error) => reject(err);
    socket.once('error', onListenError);
    socket.on('message', (msg, rinfo) => {
      let reply: Buffer | undefined;
      try {
        reply = handle(msg, rinfo.address);
      } catch (err) {
        // The handler never throws by design; if it does, the process must keep serving.
        log.error('query handler failed', { client: rinfo.address, error: (err as Error).message });
        return;
      }
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    socket.bind(port, host, () => {
      socket.off('error', onListenError);
      socket.on('error', (err) => log.error('udp socket error', { error: err.message }));
      const addr = socket.address();
      resolve({
        address: addr.address,
        port: addr.port,
        close: () => new Promise<void>((res) => socket.close(() => res())),
      });
    });
  });
}
