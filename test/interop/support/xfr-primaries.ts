// Real PRIMARIES for the secondary interop tests: Knot (knotd) and BIND (named -g), each in its
// own temp directory with its own configuration, on a free loopback port, serving one zone from
// a file we write, allowing transfers to 127.0.0.1 and sending NOTIFY to our port.
//
//   update(text) rewrites the zone file and reloads it: `knotc -s <socket> zone-reload` for Knot
//   (its control socket lives in the temp directory), SIGHUP to our own named's PID for BIND
//   (named reloads its configuration and changed zone files on SIGHUP, no rndc key needed).
//
// `stop` ends exactly the process this module started, by its PID (SIGTERM, then SIGKILL).

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../support/peers.js';
import { nameFromText } from '../../../src/dns/name.js';
import { soaSerial, waitFor } from './xfr-server.js';
import { encodeQuery, parseResponse, T, udpAsk } from './wire.js';
import { spawnPeerProcess } from './peer-process.js';

export interface Primary {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  log(): string;
  /** Writes new zone text and makes the server reload it; resolves once it serves `serial`. */
  update(text: string, serial: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PrimarySpec {
  zone: string;
  text: string;
  /** Initial serial in `text` (ready = serving it). */
  serial: number;
  /** Our port, to NOTIFY. */
  notifyPort: number;
  port: number;
  /**
   * A TSIG key (hmac-sha256) that transfers then require. Knot also signs its NOTIFY to us with it
   * (remote `key`); BIND does not (its `also-notify` has no key here).
   */
  key?: { name: string; secret: string };
}

const fqdn = (z: string) => (z.endsWith('.') ? z : `${z}.`);

async function spawnPrimary(
  name: string, program: string, args: string[], dir: string, spec: PrimarySpec, file: string,
  reload: (pid: number) => Promise<void>, logFile?: string,
): Promise<Primary> {
  const peer = spawnPeerProcess(program, args, dir, logFile);
  const { pid, log } = peer;
  const primary: Primary = {
    name, host: '127.0.0.1', port: spec.port, pid, dir, log,
    async update(text, serial) {
      writeFileSync(file, text);
      // Servers compare modification times; make sure this one is seen as newer.
      const later = new Date(Date.now() + 2000);
      utimesSync(file, later, later);
      await reload(pid);
      await waitFor(`${name} to serve serial ${serial}`, async () => ((await soaSerial('127.0.0.1', spec.port, spec.zone)) === serial ? true : undefined), 10_000, log);
    },
    stop: peer.stop,
  };
  try {
    await waitFor(`${name} to serve ${spec.zone} serial ${spec.serial}`, async () => {
      if (peer.exited()) throw new Error(`${name} exited: ${log()}`);
      return (await soaSerial('127.0.0.1', spec.port, spec.zone)) === spec.serial ? true : undefined;
    }, 15_000, log);
  } catch (e) {
    await primary.stop();
    throw e;
  }
  return primary;
}

function run(program: string, args: string[]): Promise<string> {
  const path = findProgram(program);
  if (path === undefined) return Promise.reject(new Error(`${program} is not installed`));
  return new Promise((resolve, reject) => {
    execFile(path, args, { timeout: 10_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** knotd as primary: `acl` allowing transfer to 127.0.0.1, `notify` to our port, IXFR from file differences. */
export function startKnotPrimary(spec: PrimarySpec): Promise<Primary> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-knotp-'));
  mkdirSync(join(dir, 'db'));
  const file = join(dir, 'zone.db');
  writeFileSync(file, spec.text);
  const socket = join(dir, 'knot.sock');
  const conf = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: 127.0.0.1@${spec.port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'control:',
    `    listen: "${socket}"`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    ...(spec.key === undefined ? [] : ['key:', `  - id: ${spec.key.name}`, '    algorithm: hmac-sha256', `    secret: ${spec.key.secret}`]),
    'remote:',
    '  - id: zonedns',
    `    address: 127.0.0.1@${spec.notifyPort}`,
    ...(spec.key === undefined ? [] : [`    key: ${spec.key.name}`]),
    'acl:',
    '  - id: transfer_to_local',
    '    address: 127.0.0.1',
    ...(spec.key === undefined ? [] : [`    key: ${spec.key.name}`]),
    '    action: transfer',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    zonefile-sync: -1',
    // A reload of an edited file becomes a journal entry: IXFR to us.
    '    zonefile-load: difference',
    '    journal-content: changes',
    '    semantic-checks: off',
    'zone:',
    `  - domain: "${fqdn(spec.zone)}"`,
    `    file: "${file}"`,
    '    notify: zonedns',
    '    acl: [transfer_to_local]',
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'knot.conf'), conf);
  return spawnPrimary('knotd', 'knotd', ['-c', join(dir, 'knot.conf')], dir, spec, file, async () => {
    await run('knotc', ['-s', socket, 'zone-reload', fqdn(spec.zone)]);
  });
}

/** named.conf for a primary of `spec.zone` (the zone file at `file`); `zoneExtra` goes in the zone block. */
function bindConf(spec: PrimarySpec, dir: string, file: string, zoneExtra = ''): string {
  return `options {
  directory "${dir}";
  key-directory "${dir}";
  listen-on port ${spec.port} { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "${join(dir, 'named.pid')}";
  session-keyfile "${join(dir, 'session.key')}";
  managed-keys-directory "${dir}";
  recursion no;
  dnssec-validation no;
  allow-transfer { ${spec.key === undefined ? '127.0.0.1' : `key "${spec.key.name}"`}; };
  notify explicit;
  also-notify { 127.0.0.1 port ${spec.notifyPort}; };
  notify-source 127.0.0.1;
};
controls { };
${spec.key === undefined ? '' : `key "${spec.key.name}" { algorithm hmac-sha256; secret "${spec.key.secret}"; };`}
zone "${fqdn(spec.zone)}" {
  type primary;
  file "${file}";
  ixfr-from-differences yes;${zoneExtra}
};
`;
}

/** named -g as primary: `allow-transfer`, `notify explicit; also-notify { 127.0.0.1 port N; }`, IXFR from differences. */
export function startBindPrimary(spec: PrimarySpec): Promise<Primary> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-bindp-'));
  const file = join(dir, 'zone.db');
  writeFileSync(file, spec.text);
  writeFileSync(join(dir, 'named.conf'), bindConf(spec, dir, file));
  return spawnPrimary('named', 'named', ['-g', '-n', '1', '-c', join(dir, 'named.conf')], dir, spec, file, async (pid) => {
    process.kill(pid, 'SIGHUP');
  });
}

/**
 * named -g as a signing primary: `dnssec-policy default; inline-signing yes;` (a CSK made at
 * start, ECDSAP256SHA256, NSEC), the registrar story of issue #10. The zone it serves and
 * transfers is the signed one, whose serial BIND keeps on its own: ready is "serves a signed SOA",
 * and `update` resolves once the signed serial has moved on (its `serial` argument is ignored).
 */
export async function startBindSigningPrimary(spec: PrimarySpec): Promise<Primary> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-bindsp-'));
  const file = join(dir, 'zone.db');
  writeFileSync(file, spec.text);
  writeFileSync(join(dir, 'named.conf'), bindConf(spec, dir, file, '\n  dnssec-policy default;\n  inline-signing yes;'));
  const peer = spawnPeerProcess('named', ['-g', '-n', '1', '-c', join(dir, 'named.conf')], dir);
  const signedSerial = async (): Promise<number | undefined> => {
    const name = nameFromText(fqdn(spec.zone));
    const reply = await udpAsk({ host: '127.0.0.1', port: spec.port }, encodeQuery({ id: 4242, name, type: T.SOA, edns: { udpSize: 1232, do: true } }), 300);
    if (reply === undefined) return undefined;
    const p = parseResponse(reply);
    if (!p.answer.some((rr) => rr.type === T.RRSIG)) return undefined;
    return soaSerial('127.0.0.1', spec.port, spec.zone);
  };
  let serial: number;
  try {
    serial = await waitFor(`named to sign ${spec.zone}`, async () => {
      if (peer.exited()) throw new Error(`named exited: ${peer.log()}`);
      return signedSerial();
    }, 20_000, peer.log);
  } catch (e) {
    await peer.stop();
    throw e;
  }
  return {
    name: 'named (inline-signing)', host: '127.0.0.1', port: spec.port, pid: peer.pid, dir, log: peer.log, stop: peer.stop,
    async update(text) {
      writeFileSync(file, text);
      const later = new Date(Date.now() + 2000);
      utimesSync(file, later, later);
      process.kill(peer.pid, 'SIGHUP');
      const before = serial;
      serial = await waitFor(`named to re-sign ${spec.zone}`, async () => {
        const now = await signedSerial();
        return now !== undefined && now !== before ? now : undefined;
      }, 20_000, peer.log);
    },
  };
}
