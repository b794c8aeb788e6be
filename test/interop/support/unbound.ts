// A private Unbound resolver on loopback for tests that need a real resolver between a client and
// zonedns (it caches, honours TTLs, retries): `unbound -d -c CONF` in a temp directory, a free
// high port, stub zones pointing at our servers, no DNSSEC validation, no trust anchor and no
// root priming needed for the stub zones. `do-not-query-localhost: no` lets it ask servers on
// 127.0.0.0/8 (by default it refuses to). Zones under a TLD Unbound serves itself by default
// (test., invalid., localhost., onion.: RFC 6761, RFC 7686) also get
// `local-zone: "<tld>." nodefault`, or it would answer NXDOMAIN without asking. Ready once a
// query under the first stub zone is answered. Stopped by its own PID (peer-process.ts).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './knot.js';
import { spawnPeerProcess, type PeerProcess } from './peer-process.js';
import { encodeQuery, FLAG, fromLabels, parseResponse, T, udpAsk, type ParsedResponse } from './wire.js';

export interface StubZone {
  /** `example.com` (no trailing dot needed). */
  name: string;
  host: string;
  port: number;
}

export interface RunningUnbound {
  readonly host: string;
  readonly port: number;
  readonly process: PeerProcess;
  /** A recursive query (RD=1) through it; undefined when it does not answer in time. */
  resolve(name: string, type?: number, timeoutMs?: number): Promise<ParsedResponse | undefined>;
  stop(): Promise<void>;
}

/** TLDs Unbound answers itself unless told `nodefault` (its default local-zones). */
const DEFAULT_LOCAL_TLDS = ['test', 'invalid', 'localhost', 'onion'];

const trimDot = (s: string) => s.replace(/\.$/, '');

export function unboundConf(dir: string, host: string, port: number, stubs: readonly StubZone[]): string {
  const lines = [
    'server:',
    `    interface: ${host}`,
    `    port: ${port}`,
    '    do-ip6: no',
    '    do-daemonize: no',
    '    username: ""',
    '    chroot: ""',
    `    directory: "${dir}"`,
    '    pidfile: ""',
    '    use-syslog: no',
    '    logfile: ""',
    '    verbosity: 1',
    '    num-threads: 1',
    '    so-reuseport: no',
    '    access-control: 127.0.0.0/8 allow',
    '    do-not-query-localhost: no',
    // A plain caching resolver: no validator (the test zones are unsigned, and no trust anchor
    // is fetched), nothing answered from stale or prefetched data, TTLs as the server gives them.
    '    module-config: "iterator"',
    '    auto-trust-anchor-file: ""',
    '    qname-minimisation: no',
    '    prefetch: no',
    '    serve-expired: no',
    '    cache-min-ttl: 0',
  ];
  const tlds = new Set(stubs.map((s) => trimDot(s.name).split('.').pop()!.toLowerCase()));
  for (const tld of tlds) if (DEFAULT_LOCAL_TLDS.includes(tld)) lines.push(`    local-zone: "${tld}." nodefault`);
  for (const s of stubs) lines.push('stub-zone:', `    name: "${trimDot(s.name)}."`, `    stub-addr: ${s.host}@${s.port}`);
  lines.push('remote-control:', '    control-enable: no');
  return lines.join('\n') + '\n';
}

export async function startUnbound(opts: { stubs: readonly StubZone[]; host?: string; readyTimeoutMs?: number }): Promise<RunningUnbound> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-unbound-'));
  const port = await freePort(host);
  const conf = join(dir, 'unbound.conf');
  writeFileSync(conf, unboundConf(dir, host, port, opts.stubs));
  const proc = spawnPeerProcess('unbound', ['-d', '-c', conf], dir);
  let id = 1;
  const resolve = async (name: string, type: number = T.A, timeoutMs = 1000): Promise<ParsedResponse | undefined> => {
    const reply = await udpAsk({ host, port }, encodeQuery({ id: id++ & 0xffff, name: fromLabels(trimDot(name).split('.')), type, flags: FLAG.RD }), timeoutMs);
    return reply === undefined ? undefined : parseResponse(reply);
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 10_000);
  const probe = trimDot(opts.stubs[0]!.name);
  for (;;) {
    if (proc.exited()) {
      const log = proc.log();
      await proc.stop();
      throw new Error(`unbound exited before it was ready:\n${log}`);
    }
    const r = await resolve(probe, T.SOA, 300);
    if (r !== undefined && r.rcode !== 2) break;
    if (Date.now() > deadline) {
      const log = proc.log();
      await proc.stop();
      throw new Error(`unbound did not answer for ${probe} within ${opts.readyTimeoutMs ?? 10_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, port, process: proc, resolve, stop: () => proc.stop() };
}
