// UDP transport: moves datagrams between a socket and the message handler. No DNS logic here.

import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../log.js';

export type UdpHandler = (msg: Buffer, client: string) => Buffer | undefined;

/**
 * Receive buffer asked for (the kernel caps it at net.core.rmem_max). Queries wait there while
 * the event loop does something else (a GC pause, a slice of a signing or of a journal diff);
 * the default, 212,992 octets, holds about 200 small datagrams with their overhead: 40 ms of
 * 5,000 queries a second, after which they are dropped; a 10,000 queries/s flood overflowed
 * it within ~100 ms, taking legitimate queries with it (RRL only decides after reading). The
 * udp_batch addon asks the same (UDP_RECV_BUFFER there).
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

/**
 * The local addresses to listen on instead of a wildcard address (`0.0.0.0`, `::`), or undefined
 * when `host` is not one. node:dgram cannot tell where a datagram was sent nor choose a reply's
 * source, so a wildcard socket answers from whatever address routing picks, which resolvers
 * drop (a query to 192.0.2.2 answered from 192.0.2.1). One socket per address answers each
 * query from the address it came to. Link-local IPv6 addresses carry their interface (`%eth0`).
 */
export function localAddressesFor(host: string): string[] | undefined {
  const v6 = host === '::';
  if (!v6 && host !== '0.0.0.0') return undefined;
  const out: string[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== (v6 ? 'IPv6' : 'IPv4')) continue;
      out.push(v6 && a.scopeid ? `${a.address}%${name}` : a.address);
    }
  }
  return out;
}
