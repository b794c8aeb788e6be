// A spoofed flood on loopback against a real `zonedns serve`: queries "from" 250 addresses of
// one /24 (on loopback any 127/8 address is ours to bind, so the replies come back to us and can
// be counted) for a name whose answer is ~30 times the query, while a real client on another
// prefix asks at a normal rate. With RRL on (the rate scaled down so a short flood is a long
// one), what the victim prefix receives must not exceed what was sent in its name by more than
// 10 % (NSD's figure on the flood: 1.04), and the real client loses nothing.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadline } from '../e2e/support/net.js';
import { parseResponse, query } from '../e2e/support/wire.js';
import { cleanupDaemons, makeTempDir, sleep, startDaemon, type Daemon } from './support/daemon.js';

const TXT = Array.from({ length: 5 }, (_, i) => `b TXT "${String(i).repeat(200)}"`).join('\n');
const ZONE = `$ORIGIN f.test.\n$TTL 300\n@ SOA ns hostmaster 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.80\n${TXT}\n`;
const RATE = 20;
/** 4,000 queries at ~3,000 per second (150 times the scaled limit), in slices of 50. */
const FLOOD = { addresses: 250, slices: 80, perSlice: 50, gapMs: 16 };

let d: Daemon;
beforeAll(async () => {
  const config = join(makeTempDir(), 'zonedns.json');
  writeFileSync(config, JSON.stringify({ rrl: { responsesPerSecond: RATE, windowSeconds: 5 } }));
  d = await startDaemon({ bundled: false, files: { 'f.test.zone': ZONE }, args: ['--config', config] });
}, 30_000);
afterAll(cleanupDaemons);

function bind(address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

test('spoofed flood from one /24: bytes out <= 1.1 x bytes in; a client on another prefix loses nothing', async () => {
  const victims = await Promise.all(Array.from({ length: FLOOD.addresses }, (_, i) => bind(`127.1.0.${1 + i}`)));
  const legit = await bind('127.0.2.1');
  const seen = { sent: 0, bytesIn: 0, bytesOut: 0, full: 0, truncated: 0, other: 0 };
  for (const s of victims) {
    s.on('message', (m) => {
      seen.bytesOut += m.length;
      const r = parseResponse(m);
      if (r.tc) seen.truncated++;
      else if (r.answer.length === 5) seen.full++;
      else seen.other++;
    });
  }
  // The amplifying query: 37 octets with EDNS, answered with ~1,100.
  const q = query('b.f.test', 'TXT', { edns: { udpSize: 1232 } });
  const legitAnswers = new Map<number, boolean>();
  legit.on('message', (m) => {
    const r = parseResponse(m);
    legitAnswers.set(r.id, !r.tc && r.answer.length === 1);
  });
  try {
    let legitId = 1;
    const legitLoop = (async () => {
      for (; legitId <= 40; legitId++) {
        legit.send(query('www.f.test', 'A', { id: legitId }), d.port, d.host);
        await sleep(40);
      }
    })();
    for (let slice = 0; slice < FLOOD.slices; slice++) {
      for (let k = 0; k < FLOOD.perSlice; k++) {
        victims[(slice * FLOOD.perSlice + k) % victims.length]!.send(q, d.port, d.host);
        seen.sent++;
        seen.bytesIn += q.length;
      }
      await sleep(FLOOD.gapMs);
    }
    await legitLoop;
    // Whatever the server still had queued arrives within a moment.
    await deadline((async () => {
      while (legitAnswers.size < 40) await sleep(20);
    })(), 5000, 'answers to the real client').catch(() => undefined);
    await sleep(300);
  } finally {
    for (const s of [...victims, legit]) s.close();
  }
  const ratio = seen.bytesOut / seen.bytesIn;
  if (process.env.ZONEDNS_FLOOD_VERBOSE) process.stderr.write(`flood: ${JSON.stringify(seen)}, out/in ${ratio.toFixed(3)}\n`);
  expect([...legitAnswers.values()].filter(Boolean).length).toBe(40);
  expect(ratio).toBeLessThanOrEqual(1.1);
  // Without RRL every query would have had its full answer (out/in ~30).
  expect(seen.full).toBeLessThan(seen.sent / 10);
  expect(seen.truncated).toBeGreaterThan(seen.sent / 4);
  expect(seen.other).toBe(0);
}, 30_000);
