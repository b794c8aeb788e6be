// Real DNSSEC validators for tests, judging what an authoritative server under test sends:
//
// - unbound (Debian `unbound`) as a validating resolver: `unbound -d -c CONF` on a free loopback
//   port, its own temp directory, a stub-zone per zone to the server under test (port included),
//   a trust-anchor-file with the DS of each signed zone family's apex, `do-not-query-localhost: no`
//   (the stubs are on 127.0.0.1) and `local-zone: "test." nodefault` (unbound answers .test names
//   itself otherwise, RFC 6761). `val-log-level: 2` puts the reason for a bogus answer in its log.
//   Ask it with RD=1, DO=1: AD=1 is a validated answer; SERVFAIL is a bogus one.
// - delv (bind9-dnsutils), which validates one answer from one server against an anchor file.
//
// Each stops exactly the process it started (peer-process.ts).

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../support/peers.js';
import { freePort } from './knot.js';
import { spawnPeerProcess } from './peer-process.js';
import { ask, encodeQuery, FLAG, fromLabels, parseResponse, type Endpoint, type ParsedResponse } from './wire.js';

export interface StubZone {
  /** Zone name without the trailing dot. */
  zone: string;
  host: string;
  port: number;
}

export interface RunningUnbound {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** Asks `name`/`type` with RD=1 and DO=1 (over TCP: no truncation to get in the way). */
  query(name: string, type: number): Promise<ParsedResponse>;
  /** Everything it printed: with val-log-level 2, why an answer was bogus. */
  log(): string;
  stop(): Promise<void>;
}

const textName = (name: string) => fromLabels(name.replace(/\.$/, '').split('.').filter(Boolean));

/** Starts unbound validating with `anchors` (DS or DNSKEY lines) and forwarding `stubs` to the server under test. */
export async function startUnbound(opts: { stubs: readonly StubZone[]; anchors: string; readyZone: string }): Promise<RunningUnbound> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-unbound-'));
  const port = await freePort();
  const host = '127.0.0.1';
  writeFileSync(join(dir, 'anchors'), opts.anchors);
  const conf = [
    'server:',
    `  interface: ${host}@${port}`,
    `  port: ${port}`,
    '  do-ip6: no',
    '  num-threads: 1',
    '  so-reuseport: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${join(dir, 'unbound.pid')}"`,
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 1',
    '  val-log-level: 2',
    '  do-not-query-localhost: no',
    '  local-zone: "test." nodefault',
    `  trust-anchor-file: "${join(dir, 'anchors')}"`,
    // Nothing from the Internet: no root priming matters for names under the stubs.
    '  harden-glue: yes',
    '  qname-minimisation: no',
    // Each answer judged as zonedns sent it, not synthesized from NSEC records cached for another.
    '  aggressive-nsec: no',
    'remote-control:',
    '  control-enable: no',
    ...opts.stubs.flatMap((s) => ['stub-zone:', `  name: "${s.zone}."`, `  stub-addr: ${s.host}@${s.port}`]),
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'unbound.conf'), conf);
  const peer = spawnPeerProcess('unbound', ['-d', '-c', join(dir, 'unbound.conf')], dir);
  const ep: Endpoint = { host, port };
  let id = 1;
  const query = async (name: string, type: number): Promise<ParsedResponse> => {
    const msg = encodeQuery({ id: id++ & 0xffff, name: textName(name), type, flags: FLAG.RD, edns: { udpSize: 1232, do: true } });
    const raw = await ask(ep, msg, true, 5000, 2);
    if (raw === undefined) throw new Error(`unbound gave no answer to ${name} ${type}\n${peer.log().slice(-3000)}`);
    return parseResponse(raw);
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (peer.exited()) {
      const log = peer.log();
      await peer.stop();
      throw new Error(`unbound exited:\n${log}\n--- unbound.conf ---\n${conf}`);
    }
    const raw = await ask(ep, encodeQuery({ id: id++, name: textName(opts.readyZone), type: 6, flags: FLAG.RD }), false, 300, 1);
    if (raw !== undefined) break;
    if (Date.now() > deadline) {
      const log = peer.log();
      await peer.stop();
      throw new Error(`unbound not answering on ${host}:${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, port, pid: peer.pid, query, log: peer.log, stop: peer.stop };
}

/** A DNSKEY RR as zone-file text (a trust anchor line), from its owner and RDATA in hex. */
export function dnskeyText(owner: string, rdataHex: string): string {
  const r = Buffer.from(rdataHex, 'hex');
  return `${owner.replace(/\.?$/, '.')} 3600 IN DNSKEY ${r.readUInt16BE(0)} ${r[2]} ${r[3]} ${r.subarray(4).toString('base64')}\n`;
}

/** Trust anchors for delv's -a (`trust-anchors { ... }` syntax) from DS lines. */
export function delvAnchors(ds: string): string {
  const lines = ds.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 7)
    .map((f) => {
      const at = f.indexOf('DS');
      return `  "${f[0]}" static-ds ${f[at + 1]} ${f[at + 2]} ${f[at + 3]} "${f.slice(at + 4).join('')}";`;
    });
  return `trust-anchors {\n${lines.join('\n')}\n};\n`;
}

export interface DelvResult {
  /** delv said "fully validated" (a positive or a negative answer). */
  validated: boolean;
  /** Negative: "ncache nxdomain" / "ncache nxrrset"; undefined for a positive answer. */
  negative: 'nxdomain' | 'nxrrset' | undefined;
  output: string;
}

/**
 * `delv @host -p port -a anchorFile +root=root name type`: validates one answer taken straight
 * from the server under test (delv does not iterate: every name must be served there).
 */
export function delv(server: Endpoint, anchorFile: string, root: string, name: string, type: string): Promise<DelvResult> {
  const path = findProgram('delv');
  if (path === undefined) return Promise.reject(new Error('delv is not installed'));
  const args = [`@${server.host}`, '-p', String(server.port), '-a', anchorFile, `+root=${root}`, '+tcp', name, type];
  return new Promise((resolve) => {
    execFile(path, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const output = `$ delv ${args.join(' ')}\n${stdout}${stderr}${err ? `\n(${err.message})` : ''}`;
      const negative = /ncache nxdomain/.test(output) ? 'nxdomain' : /ncache nxrrset/.test(output) ? 'nxrrset' : undefined;
      resolve({ validated: /; (negative response, )?fully validated/.test(output), negative, output });
    });
  });
}
