// A private Unbound resolver on loopback for tests that need a real resolver between a client and
// zonedns (it caches, honours TTLs, retries): `unbound -d -c CONF` in a temp directory, a free
// high port, stub zones pointing at our servers, no root priming needed for the stub zones. By
// default a plain caching resolver (no DNSSEC validation, no trust anchor); given `anchors` (DS or
// DNSKEY lines) it validates with them (`val-log-level: 2` puts the reason for a bogus answer in
// its log, `aggressive-nsec: no` judges each answer as the server sent it) and `query` asks with
// DO=1: AD=1 is a validated answer, SERVFAIL a bogus one. `do-not-query-localhost: no` lets it ask servers on
// 127.0.0.0/8 (by default it refuses to). Zones under a TLD Unbound serves itself by default
// (test., invalid., localhost., onion.: RFC 6761, RFC 7686) also get
// `local-zone: "<tld>." nodefault`, or it would answer NXDOMAIN without asking. Ready once a
// query under the first stub zone is answered. Stopped by its own PID (peer-process.ts).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './knot.js';
import { spawnPeerProcess, type PeerProcess } from './peer-process.js';
import { ask, encodeQuery, FLAG, fromLabels, parseResponse, T, udpAsk, type ParsedResponse } from './wire.js';

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
  /** A recursive query with DO=1 over TCP (AD tells a validated answer); throws when unanswered. */
  query(name: string, type: number): Promise<ParsedResponse>;
  stop(): Promise<void>;
}

/** TLDs Unbound answers itself unless told `nodefault` (its default local-zones). */
const DEFAULT_LOCAL_TLDS = ['test', 'invalid', 'localhost', 'onion'];

const trimDot = (s: string) => s.replace(/\.$/, '');

/** `anchorFile`: validate with the trust anchors in it; undefined: a plain caching resolver. */
export function unboundConf(dir: string, host: string, port: number, stubs: readonly StubZone[], anchorFile?: string): string {
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
    // is fetched), or a validator of the given anchors only; nothing answered from stale or
    // prefetched data, TTLs as the server gives them.
    ...(anchorFile === undefined
      ? ['    module-config: "iterator"']
      : ['    module-config: "validator iterator"', `    trust-anchor-file: "${anchorFile}"`, '    val-log-level: 2', '    aggressive-nsec: no']),
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

export async function startUnbound(opts: { stubs: readonly StubZone[]; host?: string; readyTimeoutMs?: number; anchors?: string }): Promise<RunningUnbound> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-unbound-'));
  const port = await freePort(host);
  const conf = join(dir, 'unbound.conf');
  let anchorFile: string | undefined;
  if (opts.anchors !== undefined) writeFileSync((anchorFile = join(dir, 'anchors')), opts.anchors);
  writeFileSync(conf, unboundConf(dir, host, port, opts.stubs, anchorFile));
  const proc = spawnPeerProcess('unbound', ['-d', '-c', conf], dir);
  let id = 1;
  const resolve = async (name: string, type: number = T.A, timeoutMs = 1000): Promise<ParsedResponse | undefined> => {
    const reply = await udpAsk({ host, port }, encodeQuery({ id: id++ & 0xffff, name: fromLabels(trimDot(name).split('.')), type, flags: FLAG.RD }), timeoutMs);
    return reply === undefined ? undefined : parseResponse(reply);
  };
  const query = async (name: string, type: number): Promise<ParsedResponse> => {
    const msg = encodeQuery({ id: id++ & 0xffff, name: fromLabels(trimDot(name).split('.')), type, flags: FLAG.RD, edns: { udpSize: 1232, do: true } });
    const raw = await ask({ host, port }, msg, true, 5000, 2);
    if (raw === undefined) throw new Error(`unbound gave no answer to ${name} ${type}\n${proc.log().slice(-3000)}`);
    return parseResponse(raw);
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
  return { host, port, process: proc, resolve, query, stop: () => proc.stop() };
}
