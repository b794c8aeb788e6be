// Real secondaries for the transfer interop tests: Knot (knotd), BIND (named) and NSD, each in
// its own temp directory with its own configuration, on a free loopback port, pulling one zone
// from our primary, accepting NOTIFY from 127.0.0.1 and allowing AXFR to 127.0.0.1 (so a test can
// read back what the secondary holds). `stop` ends exactly the process this module started, by
// its PID (SIGTERM, then SIGKILL), and removes the directory.
//
// With `key` (TSIG, RFC 8945), the secondary signs its SOA queries and transfers to the primary
// with that key and accepts NOTIFY from the primary only signed with it, each in its own syntax:
// knotd `key:` + remote `key` + notify `acl` with `key`; named `key` + `primaries { ... key k; }`
// (a signed NOTIFY is verified before anything else); nsd `key:` + `request-xfr: ... k` +
// `allow-notify: ... k`. Reading back by AXFR from 127.0.0.1 stays unsigned.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnPeerProcess } from './peer-process.js';

export interface Secondary {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** Everything the server logged so far (stdout, stderr and its log file, if any). */
  log(): string;
  stop(): Promise<void>;
}

export interface SecondarySpec {
  zone: string;
  primaryPort: number;
  /** Our port (chosen by the caller, so the primary can be told where to send NOTIFY). */
  port: number;
  host?: string;
  /** TSIG key for everything between the secondary and the primary. */
  key?: PeerKey;
  /** More zones from the same primary, configured like `zone` (named and nsd). */
  moreZones?: readonly string[];
}

export interface PeerKey {
  /** Without the trailing dot. */
  name: string;
  /** Base64. */
  secret: string;
  /** Default hmac-sha256. */
  algorithm?: string;
}

function spawnPeer(name: string, program: string, args: string[], dir: string, port: number, host: string, logFile?: string): Secondary {
  const peer = spawnPeerProcess(program, args, dir, logFile);
  return { name, host, port, pid: peer.pid, dir, log: peer.log, stop: peer.stop };
}

const zoneText = (z: string) => (z.endsWith('.') ? z : `${z}.`);

/** knotd: `remote` + `acl` (notify from, transfer to 127.0.0.1) + zone `master:`. */
export function startKnotSecondary(spec: SecondarySpec): Secondary {
  const host = spec.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-knot2-'));
  mkdirSync(join(dir, 'db'));
  const key = spec.key;
  const conf = [
    'server:',
    `    rundir: "${dir}"`,
    `    listen: ${host}@${spec.port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    ...(key === undefined ? [] : ['key:', `  - id: ${key.name}`, `    algorithm: ${key.algorithm ?? 'hmac-sha256'}`, `    secret: ${key.secret}`]),
    'remote:',
    '  - id: primary',
    `    address: 127.0.0.1@${spec.primaryPort}`,
    ...(key === undefined ? [] : [`    key: ${key.name}`]),
    'acl:',
    '  - id: notify_from_primary',
    '    address: 127.0.0.1',
    ...(key === undefined ? [] : [`    key: ${key.name}`]),
    '    action: notify',
    '  - id: transfer_to_tests',
    '    address: 127.0.0.1',
    '    action: transfer',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    zonefile-sync: -1',
    'zone:',
    `  - domain: "${zoneText(spec.zone)}"`,
    '    master: primary',
    '    acl: [notify_from_primary, transfer_to_tests]',
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'knot.conf'), conf);
  return spawnPeer('knotd', 'knotd', ['-c', join(dir, 'knot.conf')], dir, spec.port, host);
}

/** named -g: `type secondary; primaries { 127.0.0.1 port N; };`, debug 3 so the log says how it transferred. */
export function startBindSecondary(spec: SecondarySpec): Secondary {
  const host = spec.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-bind2-'));
  const key = spec.key;
  const keyClause = key === undefined ? '' : ` key "${key.name}"`;
  const conf = `${key === undefined ? '' : `key "${key.name}" { algorithm ${key.algorithm ?? 'hmac-sha256'}; secret "${key.secret}"; };\n`}options {
  directory "${dir}";
  listen-on port ${spec.port} { ${host}; };
  listen-on-v6 { none; };
  pid-file "${join(dir, 'named.pid')}";
  session-keyfile "${join(dir, 'session.key')}";
  managed-keys-directory "${dir}";
  recursion no;
  notify no;
  dnssec-validation no;
  allow-transfer { 127.0.0.1; };
};
controls { };
${[spec.zone, ...spec.moreZones ?? []].map((zone, i) => `zone "${zoneText(zone)}" {
  type secondary;
  primaries { 127.0.0.1 port ${spec.primaryPort}${keyClause}; };
  file "${join(dir, i === 0 ? 'zone.db' : `zone${i}.db`)}";
  allow-notify { ${key === undefined ? '127.0.0.1' : `key "${key.name}"`}; };
};
`).join('')}`;
  writeFileSync(join(dir, 'named.conf'), conf);
  return spawnPeer('named', 'named', ['-g', '-d', '3', '-n', '1', '-c', join(dir, 'named.conf')], dir, spec.port, host);
}

/** nsd -d: `request-xfr` from the primary, `allow-notify`, `provide-xfr` to 127.0.0.1. */
export function startNsdSecondary(spec: SecondarySpec): Secondary {
  const host = spec.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-nsd2-'));
  const logFile = join(dir, 'nsd.log');
  const key = spec.key;
  const keyName = key === undefined ? 'NOKEY' : key.name;
  const conf = `server:
  ip-address: ${host}@${spec.port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  pidfile: "${join(dir, 'nsd.pid')}"
  xfrdfile: "${join(dir, 'xfrd.state')}"
  xfrdir: "${dir}"
  zonelistfile: "${join(dir, 'zone.list')}"
  logfile: "${logFile}"
  verbosity: 2
  server-count: 1
remote-control:
  control-enable: no
${key === undefined ? '' : `key:\n  name: "${key.name}"\n  algorithm: ${key.algorithm ?? 'hmac-sha256'}\n  secret: "${key.secret}"\n`}${[spec.zone, ...spec.moreZones ?? []].map((zone, i) => `zone:
  name: "${zoneText(zone)}"
  zonefile: "${i === 0 ? 'zone.db' : `zone${i}.db`}"
  request-xfr: 127.0.0.1@${spec.primaryPort} ${keyName}
  allow-notify: 127.0.0.1 ${keyName}
  provide-xfr: 127.0.0.1 NOKEY
`).join('')}`;
  writeFileSync(join(dir, 'nsd.conf'), conf);
  return spawnPeer('nsd', 'nsd', ['-d', '-c', join(dir, 'nsd.conf')], dir, spec.port, host, logFile);
}
