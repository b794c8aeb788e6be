// On a wildcard listen (0.0.0.0, ::) a UDP reply must leave from the address its query was sent
// to: resolvers drop replies from any other address (dig says "reply from unexpected source"
// and waits on). The udp_batch addon does it with IP_PKTINFO / IPV6_RECVPKTINFO; node:dgram
// cannot, so that backend listens on each local address instead, and says so in its log.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { promisify } from 'node:util';
import type { Logger, LogFields } from '../../src/log.js';
import { startServer, type RunningServer, type UdpBackend } from '../../src/server/server.js';
import { describeNative } from '../support/native.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { registryOf, zoneFromText } from '../support/zones.js';
import { deadline } from './support/net.js';
import { TRICKY_ZONE } from './support/server.js';
import { parseResponse, query } from './support/wire.js';

interface Wildcard {
  server: RunningServer;
  v4port: number;
  v6port: number;
  warnings: string[];
}

async function startWildcard(backend: UdpBackend): Promise<Wildcard> {
  const warnings: string[] = [];
  const warn = (msg: string, fields?: LogFields) => warnings.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug() {}, info() {}, warn, error: warn };
  const server = await startServer({
    registry: registryOf(zoneFromText('tricky.test', TRICKY_ZONE)),
    endpoints: [{ host: '0.0.0.0', port: 0 }, { host: '::', port: 0 }],
    rotate: 'none',
    maxUdp: 1232,
    log,
    udpBackend: backend,
  });
  const tcp = server.listening.filter((l) => l.transport === 'tcp');
  return { server, v4port: tcp.find((l) => l.address === '0.0.0.0')!.port, v6port: tcp.find((l) => l.address === '::')!.port, warnings };
}

/** Sends a query from `from` to `to`:`port`; resolves with the address the reply came from, or 'no reply'. */
async function askFrom(from: string, to: string, port: number): Promise<string> {
  const sock = dgram.createSocket(to.includes(':') ? 'udp6' : 'udp4');
  sock.on('error', () => undefined); // ICMP port unreachable: reported as 'no reply'
  await new Promise<void>((resolve) => sock.bind(0, from, () => resolve()));
  try {
    const reply = new Promise<string>((resolve) => sock.once('message', (msg, rinfo) => {
      expect(parseResponse(msg).answer.length).toBe(2);
      resolve(rinfo.address);
    }));
    sock.send(query('web.tricky.test', 'A', { id: 0x5a5a }), port, to);
    return await deadline(reply, 1000, `a reply from ${to}`).catch(() => 'no reply');
  } finally {
    sock.close();
  }
}

describeNative('wildcard listen, udp backend native: replies from the address queried', () => {
  let w: Wildcard;
  beforeAll(async () => {
    w = await startWildcard('native');
  });
  afterAll(() => w.server.close());

  test.each([
    ['127.0.0.1', '127.0.0.9'],
    ['127.0.0.2', '127.0.0.9'],
    ['127.3.4.5', '127.0.0.1'],
  ])('a query to %s (from %s) is answered from the address queried', async (to, from) => {
    expect(await askFrom(from, to, w.v4port)).toBe(to);
  });

  test('a query to ::1 is answered from ::1', async () => {
    expect(await askFrom('::1', '::1', w.v6port)).toBe('::1');
  });

  test('one UDP socket per wildcard, no warning', () => {
    expect(w.server.listening.filter((l) => l.transport === 'udp').map((l) => l.address).sort()).toEqual(['0.0.0.0', '::']);
    expect(w.warnings).toEqual([]);
  });

  describeWithPeers('dig, which drops a reply from another address than it asked', ['dig'], () => {
    test('dig @127.0.0.2', async () => {
      const { stdout } = await promisify(execFile)(findProgram('dig')!, ['@127.0.0.2', '-p', String(w.v4port), '+tries=1', '+time=2', 'web.tricky.test', 'A']);
      expect(stdout).toMatch(/status: NOERROR/);
      expect(stdout).toMatch(/SERVER: 127\.0\.0\.2#/);
      expect(stdout).not.toMatch(/unexpected source/);
    });
  });
});

describe('wildcard listen, udp backend node: one socket per local address, never a reply from another', () => {
  let w: Wildcard;
  beforeAll(async () => {
    w = await startWildcard('node');
  });
  afterAll(() => w.server.close());

  test('the log says so, naming the addresses', () => {
    expect(w.warnings).toHaveLength(2);
    expect(w.warnings[0]).toMatch(/^udp backend node cannot choose the source address of replies on a wildcard listen: listening for UDP on each local address instead .*"listen":"0\.0\.0\.0","addresses":"[^"]*127\.0\.0\.1/);
    expect(w.warnings[1]).toMatch(/"listen":"::","addresses":"[^"]*::1/);
    const udp = w.server.listening.filter((l) => l.transport === 'udp').map((l) => l.address);
    expect(udp).toContain('127.0.0.1');
    expect(udp).toContain('::1');
    expect(udp).not.toContain('0.0.0.0');
  });

  test('queries to 127.0.0.1 and ::1 are answered from those addresses', async () => {
    expect(await askFrom('127.0.0.9', '127.0.0.1', w.v4port)).toBe('127.0.0.1');
    expect(await askFrom('::1', '::1', w.v6port)).toBe('::1');
  });

  test('a loopback address no interface lists (127.0.0.2) gets no UDP reply at all, not one from 127.0.0.1', async () => {
    expect(await askFrom('127.0.0.9', '127.0.0.2', w.v4port)).toBe('no reply');
  });
});
