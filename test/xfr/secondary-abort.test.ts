// Stopping a secondary zone ends what it has in flight: an SOA query to a primary that never
// answers, or a transfer from one that accepts and then says nothing, must not hold the process
// (and `serve`'s shutdown) for their timeouts. Real sockets on 127.0.0.1; the timeouts here are a
// minute, so only the abort can end these within the test's deadline.

import { afterEach, describe, expect, it } from '@jest/globals';
import dgram from 'node:dgram';
import net from 'node:net';
import { silentLogger } from '../../src/log.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import { SecondaryZone } from '../../src/xfr/secondary.js';
import { DEFAULT_TRANSFER_LIMITS, networkTransport, parsePrimary, type PrimaryAddress } from '../../src/xfr/xfr-client.js';
import { name } from '../support/zones.js';

const origin = name('silent.test');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A UDP socket that reads queries and never answers; resolves on the first query. */
async function silentUdp(): Promise<{ primary: PrimaryAddress; asked: Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  let heard!: () => void;
  const asked = new Promise<void>((r) => { heard = r; });
  sock.on('message', () => heard());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => sock.close(() => r())));
  return { primary: parsePrimary(`127.0.0.1:${sock.address().port}`)!, asked };
}

/** A TCP server that accepts, reads the request and never answers; resolves on the first request. */
async function silentTcp(): Promise<{ primary: PrimaryAddress; asked: Promise<void> }> {
  const conns = new Set<net.Socket>();
  let heard!: () => void;
  const asked = new Promise<void>((r) => { heard = r; });
  const srv = net.createServer((c) => { conns.add(c); c.on('data', () => heard()); c.on('error', () => {}); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { for (const c of conns) c.destroy(); srv.close(() => r()); }));
  return { primary: parsePrimary(`127.0.0.1:${(srv.address() as net.AddressInfo).port}`)!, asked };
}

describe('an aborted SOA query or transfer ends at once', () => {
  it('SOA query: rejects with "abandoned", no retries after the abort', async () => {
    const { primary, asked } = await silentUdp();
    const t = networkTransport({ soaTimeoutMs: 60_000, soaTries: 3 });
    const ac = new AbortController();
    const pending = t.querySoa(primary, origin, ac.signal);
    await asked;
    ac.abort();
    await expect(pending).rejects.toThrow(/SOA query abandoned/);
  }, 10_000);

  it('AXFR: rejects with "abandoned" and closes the connection', async () => {
    const { primary, asked } = await silentTcp();
    const t = networkTransport({ limits: { ...DEFAULT_TRANSFER_LIMITS, timeoutMs: 60_000 } });
    const ac = new AbortController();
    const pending = t.transfer(primary, origin, 'axfr', undefined, undefined, ac.signal);
    await asked;
    ac.abort();
    await expect(pending).rejects.toThrow(/AXFR abandoned/);
  }, 10_000);

  it('an already aborted signal: nothing waits', async () => {
    const { primary } = await silentUdp();
    const ac = new AbortController();
    ac.abort();
    await expect(networkTransport({ soaTimeoutMs: 60_000 }).querySoa(primary, origin, ac.signal)).rejects.toThrow();
  }, 10_000);

  it('SecondaryZone.stop() during its first SOA query: the check ends, the zone stays stopped', async () => {
    const { primary, asked } = await silentUdp();
    const sec = new SecondaryZone({
      origin, primaries: [primary], registry: new ZoneRegistry(), log: silentLogger,
      transport: networkTransport({ soaTimeoutMs: 60_000 }),
    });
    sec.start();
    await asked;
    const check = sec.refresh(); // the check in flight
    sec.stop();
    await check;
    expect(sec.state).toBe('stopped');
  }, 10_000);
});
