// /metrics, /healthz and /readyz of a real `zonedns serve` process: the exposition is accepted by
// Prometheus's own parser and linter (`promtool check metrics`, Debian's prometheus package), and
// its counters say exactly what the queries this test sent were: by zone (never the query name),
// type, response code and transport, with truncation, drops, cache hits and refused transfers.
// /readyz waits for every zone's first outcome: a secondary whose primary has not answered yet
// keeps it at 503.

import { afterEach, describe, expect, test } from '@jest/globals';
import dgram from 'node:dgram';
import { cleanupDaemons, makeTempDir, startDaemon } from '../daemon/support/daemon.js';
import { describeWithPeers } from '../support/peers.js';
import { buildQuery, tcpExchange, udpExchange } from '../support/server.js';
import { query } from '../wire/helpers.js';
import { httpGet, metricsPort, opsConfig, promtoolCheck, samples } from './support/ops.js';

afterEach(cleanupDaemons);

const BIG = `$TTL 300\n@ SOA ns h 5 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n${Array.from({ length: 30 }, (_, i) => `@ TXT "${'t'.repeat(40)}${i}"`).join('\n')}\n`;
const BROKEN = '$TTL 300\n@ SOA ns h 1 3600 900 604800 300\n@ NS ns\nns A 192.0.2.300\n';

async function startMetricsDaemon() {
  const config = opsConfig(makeTempDir('zonedns-metrics-cfg-'), { identity: 'ns1.test' });
  const d = await startDaemon({ args: ['--config', config], files: { 'big.test.zone': BIG, 'broken.test.zone': BROKEN } });
  return { d, port: await metricsPort(d) };
}

describeWithPeers('/metrics of a running server, read by promtool', ['promtool'], () => {
  test('promtool accepts it, and every counter matches the queries sent', async () => {
    const { d, port } = await startMetricsDaemon();
    const udp = (msg: Buffer) => udpExchange(d.host, d.port, msg);
    const tcp = (msg: Buffer) => tcpExchange(d.host, d.port, [msg]);
    for (let i = 0; i < 4; i++) await udp(buildQuery('mail1.example.com', 'A')); // 1 built, 3 from the answer cache
    for (let i = 0; i < 2; i++) await udp(buildQuery('nope.example.com', 'A'));
    for (let i = 0; i < 2; i++) await tcp(buildQuery('example.com', 'MX'));
    await udp(buildQuery('www.example.org', 'A')); // REFUSED, counted under "none"
    await udp(query({ qname: 'example.com.', qtype: 65280 })); // a private type: "other"
    await udp(buildQuery('www.broken.test', 'A')); // its file failed: SERVFAIL
    await udp(buildQuery('big.test', 'TXT')); // 512 octets without EDNS: TC
    await udp(query({ qname: 'example.com.', qtype: 1, edns: { version: 1 } })); // BADVERS
    await udp(buildQuery('id.server', 'TXT', { qclass: 'CH' })); // CHAOS identity
    await tcp(buildQuery('example.com', 'AXFR')); // no transfer ACL: REFUSED
    // Two that get no answer: no header, and a response.
    const junk = dgram.createSocket('udp4');
    await new Promise<void>((r) => junk.send(Buffer.from('0102', 'hex'), d.port, d.host, () => r()));
    await new Promise<void>((r) => junk.send(Buffer.from(query({ qname: 'example.com.', qtype: 1, flags: 0x8000 })), d.port, d.host, () => r()));
    junk.close();
    // The drops are counted when the server reads them; an answered query after them means they were read.
    await udp(buildQuery('mail2.example.com', 'A'));

    const res = await httpGet(port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(promtoolCheck(res.body)).toEqual({ status: 0, output: '' });

    const got = samples(res.body);
    const pick = (prefix: string) => Object.fromEntries([...got].filter(([k]) => k.startsWith(`${prefix}{`)).map(([k, v]) => [k.slice(prefix.length), v]));
    expect(pick('zonedns_queries_total')).toEqual({
      '{qtype="A",transport="udp",zone="example.com."}': 7,
      '{qtype="other",transport="udp",zone="example.com."}': 1,
      '{qtype="MX",transport="tcp",zone="example.com."}': 2,
      '{qtype="AXFR",transport="tcp",zone="example.com."}': 1,
      '{qtype="A",transport="udp",zone="broken.test."}': 1,
      '{qtype="TXT",transport="udp",zone="big.test."}': 1,
      '{qtype="A",transport="udp",zone="none"}': 2,
      '{qtype="TXT",transport="udp",zone="none"}': 1,
    });
    expect(pick('zonedns_responses_total')).toEqual({
      '{rcode="NOERROR",transport="udp",zone="example.com."}': 6,
      '{rcode="NXDOMAIN",transport="udp",zone="example.com."}': 2,
      '{rcode="NOERROR",transport="tcp",zone="example.com."}': 2,
      '{rcode="REFUSED",transport="tcp",zone="example.com."}': 1,
      '{rcode="SERVFAIL",transport="udp",zone="broken.test."}': 1,
      '{rcode="NOERROR",transport="udp",zone="big.test."}': 1,
      '{rcode="REFUSED",transport="udp",zone="none"}': 1,
      '{rcode="BADVERS",transport="udp",zone="none"}': 1,
      '{rcode="NOERROR",transport="udp",zone="none"}': 1,
    });
    expect(pick('zonedns_responses_truncated_total')).toEqual({ '{transport="udp",zone="big.test."}': 1 });
    expect(pick('zonedns_queries_dropped_total')).toEqual({ '{transport="udp",zone="none"}': 2 });
    // The second of each repeated question comes from the cache: mail1 A 3, nope A 1, MX 1.
    expect(pick('zonedns_answer_cache_hits_total')).toEqual({ '{zone="example.com."}': 5 });
    expect(pick('zonedns_transfers_out_total')).toEqual({ '{result="refused",type="AXFR",zone="example.com."}': 1 });
    expect(pick('zonedns_zone_serial')).toEqual({
      '{zone="2.0.192.in-addr.arpa."}': 2026112401, '{zone="big.test."}': 5, '{zone="dev.test."}': 2026112401, '{zone="example.com."}': 2026112401,
    });
    expect(pick('zonedns_zone_loaded')).toMatchObject({ '{kind="primary",zone="broken.test."}': 0, '{kind="primary",zone="example.com."}': 1 });
    expect(pick('zonedns_zone_last_load_success')).toMatchObject({ '{zone="broken.test."}': 0, '{zone="example.com."}': 1 });
    expect(got.get('zonedns_zone_loads_total{result="ok"}')).toBe(4);
    expect(got.get('zonedns_zone_loads_total{result="failed"}')).toBe(1);
    expect(got.get('process_resident_memory_bytes')).toBeGreaterThan(10 << 20);

    // The series stay few whatever the traffic: names never become labels.
    for (let i = 0; i < 50; i++) await udp(buildQuery(`random-${i}.example.com`, 'A'));
    const after = samples((await httpGet(port, '/metrics')).body);
    expect(after.size).toBe(got.size);
    expect(after.get('zonedns_queries_total{qtype="A",transport="udp",zone="example.com."}')).toBe(57);
  }, 60_000);
});

describe('/healthz and /readyz', () => {
  test('the defences\' counters (limits/: RRL, cookies; the TCP limits) are in the scrape', async () => {
    const { d, port } = await startMetricsDaemon();
    const clientCookie = '\x01\x02\x03\x04\x05\x06\x07\x08';
    await udpExchange(d.host, d.port, query({ qname: 'example.com.', qtype: 1, edns: { options: [{ code: 10, data: clientCookie }] } }));
    await udpExchange(d.host, d.port, buildQuery('example.com', 'A'));
    await tcpExchange(d.host, d.port, [buildQuery('example.com', 'A')]);
    const res = await httpGet(port, '/metrics');
    expect(promtoolCheck(res.body)).toEqual({ status: 0, output: '' });
    const got = samples(res.body);
    expect(got.get('zonedns_cookies_total{status="client_only"}')).toBe(1);
    expect(got.get('zonedns_rrl_responses_total{outcome="checked"}')).toBe(2); // UDP only; no valid server cookie
    expect(got.get('zonedns_rrl_responses_total{outcome="limited"}')).toBeUndefined(); // zero samples are left out
    expect(got.get(`zonedns_tcp_connection_events_total{event="accepted",listener="${d.host}:${d.port}"}`)).toBe(1);
  });

  test('probes answer; other paths and methods do not', async () => {
    const { port } = await startMetricsDaemon();
    expect(await httpGet(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpGet(port, '/readyz')).toMatchObject({ status: 200, body: 'ready: 4 of 5 zones loaded\n' });
    expect((await httpGet(port, '/nope')).status).toBe(404);
    expect((await httpGet(port, '/metrics', 'POST')).status).toBe(405);
    expect(await httpGet(port, '/healthz', 'HEAD')).toMatchObject({ status: 200, body: '' });
  }, 30_000);

  test('not ready while a secondary has had no outcome; ready once its primary answers (even with an error)', async () => {
    // A "primary" that holds every SOA query until told to answer REFUSED.
    const primary = dgram.createSocket('udp4');
    const held: Array<{ msg: Buffer; port: number }> = [];
    let answering = false;
    const refuse = (msg: Buffer, port: number) => {
      const r = Buffer.from(msg);
      r[2] = (r[2]! | 0x80) & ~0x01;
      r[3] = 5;
      primary.send(r, port, '127.0.0.1');
    };
    primary.on('message', (msg, rinfo) => (answering ? refuse(msg, rinfo.port) : held.push({ msg, port: rinfo.port })));
    await new Promise<void>((r) => primary.bind(0, '127.0.0.1', () => r()));
    try {
      const cfgDir = makeTempDir('zonedns-readyz-');
      const config = opsConfig(cfgDir, { zones: [{ origin: 'sec.test', file: 'sec.test.zone', primaries: [`127.0.0.1:${primary.address().port}`] }] });
      const d = await startDaemon({ args: ['--config', config] });
      const port = await metricsPort(d);
      expect(await httpGet(port, '/readyz')).toEqual({ status: 503, body: 'not ready: zones are loading\n', type: 'text/plain; charset=utf-8' });
      answering = true;
      for (const h of held.splice(0)) refuse(h.msg, h.port);
      let ready = await httpGet(port, '/readyz');
      for (let i = 0; i < 100 && ready.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await httpGet(port, '/readyz');
      }
      expect(ready).toMatchObject({ status: 200, body: 'ready: 3 of 4 zones loaded\n' });
      const got = samples((await httpGet(port, '/metrics')).body);
      expect(got.get('zonedns_secondary_state{state="loading",zone="sec.test."}')).toBe(1);
      expect(got.get('zonedns_secondary_checks_total{result="failed",zone="sec.test."}')).toBe(1);
      expect(got.get('zonedns_zone_loaded{kind="secondary",zone="sec.test."}')).toBe(0);
      expect(got.get('zonedns_secondary_next_check_seconds{zone="sec.test."}')).toBeGreaterThan(0);
    } finally {
      primary.close();
    }
  }, 30_000);
});
