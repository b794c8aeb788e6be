// End-to-end harness: a real zonedns server on loopback port 0 (in-process, real sockets), and
// small UDP/TCP DNS clients. Queries are encoded and responses decoded with dns-packet (safe
// here: the bytes come from our own server), raw bytes are available for byte-level checks.

import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { RotateMode } from '../../src/server/rotate.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { registryOf, zoneFromText } from './zones.js';

export interface TestServer {
  server: RunningServer;
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(
  zones: Array<{ origin: string; text: string } | ZoneSnapshot>,
  opts: { rotate?: RotateMode; maxUdp?: number; host?: string; tcp?: Parameters<typeof startServer>[0]['tcp'] } = {},
): Promise<TestServer> {
  const snaps = zones.map((z) => ('text' in z ? zoneFromText(z.origin, z.text) : z));
  const host = opts.host ?? '127.0.0.1';
  const server = await startServer({
    registry: registryOf(...snaps),
    endpoints: [{ host, port: 0 }],
    rotate: opts.rotate ?? 'cyclic',
    maxUdp: opts.maxUdp ?? 1232,
    log: silentLogger,
    tcp: opts.tcp,
  });
  return { server, host, port: server.listening[0].port, close: () => server.close() };
}

export interface QueryOptions {
  id?: number;
  rd?: boolean;
  /** EDNS: undefined = no OPT. */
  edns?: { udpSize?: number; do?: boolean; version?: number; options?: dnsPacket.PacketOpt[] };
  qclass?: string;
}

/** Encodes a standard query with dns-packet. */
export function buildQuery(name: string, type: string, opts: QueryOptions = {}): Buffer {
  const flags = opts.rd === false ? 0 : dnsPacket.RECURSION_DESIRED;
  const packet: dnsPacket.Packet = {
    type: 'query',
    id: opts.id ?? Math.floor(Math.random() * 65536),
    flags,
    questions: [{ name, type: type as dnsPacket.RecordType, class: (opts.qclass ?? 'IN') as dnsPacket.RecordClass }],
    additionals: opts.edns
      ? [{
        type: 'OPT', name: '.', udpPayloadSize: opts.edns.udpSize ?? 1232,
        flags: opts.edns.do ? dnsPacket.DNSSEC_OK : 0, ednsVersion: opts.edns.version ?? 0,
        options: opts.edns.options ?? [],
      } as dnsPacket.Answer]
      : [],
  };
  return dnsPacket.encode(packet);
}

/** Sends raw bytes over UDP and returns the raw reply; rejects after `timeoutMs` with no reply. */
export function udpExchange(host: string, port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP reply from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('message', (reply) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    });
    sock.send(msg, port, host);
  });
}

/** True if no UDP reply arrives within `waitMs` (for "must drop" cases). */
export async function udpNoReply(host: string, port: number, msg: Buffer, waitMs = 300): Promise<boolean> {
  try {
    await udpExchange(host, port, msg, waitMs);
    return false;
  } catch {
    return true;
  }
}

/** Opens a TCP connection, writes each message framed, collects `expect` framed replies. */
export function tcpExchange(host: string, port: number, msgs: Buffer[], expect = msgs.length, timeoutMs = 3000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const replies: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`got ${replies.length} of ${expect} TCP replies within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => {
      for (const m of msgs) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(m.length);
        sock.write(Buffer.concat([len, m]));
      }
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        replies.push(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
      }
      if (replies.length >= expect) {
        clearTimeout(timer);
        sock.destroy();
        resolve(replies);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export function decode(reply: Buffer): dnsPacket.Packet {
  return dnsPacket.decode(reply);
}

/** Header rcode (low 4 bits) of a raw reply. */
export function rcodeOf(reply: Buffer): number {
  return reply.readUInt16BE(2) & 0xf;
}

export function flagsOf(reply: Buffer): { qr: boolean; aa: boolean; tc: boolean; rd: boolean; ra: boolean; opcode: number } {
  const f = reply.readUInt16BE(2);
  return { qr: !!(f & 0x8000), aa: !!(f & 0x0400), tc: !!(f & 0x0200), rd: !!(f & 0x0100), ra: !!(f & 0x0080), opcode: (f >> 11) & 0xf };
}

export async function udpQuery(t: TestServer, name: string, type: string, opts: QueryOptions = {}): Promise<{ raw: Buffer; packet: dnsPacket.Packet }> {
  const raw = await udpExchange(t.host, t.port, buildQuery(name, type, opts));
  return { raw, packet: decode(raw) };
}

export async function tcpQuery(t: TestServer, name: string, type: string, opts: QueryOptions = {}): Promise<{ raw: Buffer; packet: dnsPacket.Packet }> {
  const [raw] = await tcpExchange(t.host, t.port, [buildQuery(name, type, opts)]);
  return { raw, packet: decode(raw) };
}
