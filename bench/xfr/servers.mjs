// The servers of the transfer benchmark, as primaries (serving the bench zone, AXFR allowed to
// 127.0.0.1, no NOTIFY) and as secondaries (pulling it from a primary at start, AXFR to
// 127.0.0.1 allowed so the bench can check what they hold, no NOTIFY: the zone's NS names point
// off the machine). Each runs in its own directory with its own configuration, on its own loopback
// port, single-worker where the server has workers, logging at info so the transfer lines show.
// Also: how to read each one's own account of a transfer's duration from its log.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knotServer, nsdConf } from '../peers.mjs';

export const NAMES = ['zonedns', 'knot', 'nsd', 'bind'];
export const LABELS = { zonedns: 'zonedns', knot: 'Knot', nsd: 'NSD', bind: 'BIND' };
/** The program each needs (zonedns: Node and dist/, checked by the caller). */
export const PROGRAMS = { knot: 'knotd', nsd: 'nsd', bind: 'named' };
export const INSTALL = { knot: 'apt-get install knot', nsd: 'apt-get install nsd', bind: 'apt-get install bind9' };
/** Roles each can take in this bench (NSD as a secondary would need its xfrd: not measured). */
export const CAN_BE_SECONDARY = { zonedns: true, knot: true, nsd: false, bind: true };

const fq = (z) => (z.endsWith('.') ? z : `${z}.`);

const bindOptions = (dir, port) => `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { 127.0.0.1; };
};
controls { };
`;

const knotHead = (dir, port) => [
  ...knotServer(dir, port),
  'log:',
  '  - target: stderr',
  '    any: info',
  'database:',
  `    storage: "${dir}/db"`,
  'acl:',
  '  - id: transfer_to_local',
  '    address: 127.0.0.1',
  '    action: transfer',
];

/**
 * argv (and the log file, when the server writes one itself) of `name` as the primary of `origin`
 * from `zoneFile`. ctx = { dir, port, origin, zoneFile, zonedns: [node, script] }.
 */
export function primaryCommand(name, { dir, port, origin, zoneFile, zonedns, which }) {
  mkdirSync(dir, { recursive: true });
  switch (name) {
    case 'zonedns': {
      const cfg = { listen: [`127.0.0.1:${port}`], zones: [{ file: zoneFile, origin }], transfer: { allow: ['127.0.0.1'] }, log: { level: 'info', format: 'json' } };
      writeFileSync(join(dir, 'zonedns.json'), JSON.stringify(cfg, null, 2) + '\n');
      return { argv: [...zonedns, 'serve', '--config', join(dir, 'zonedns.json')] };
    }
    case 'knot': {
      mkdirSync(join(dir, 'db'), { recursive: true });
      const conf = [
        ...knotHead(dir, port),
        'template:',
        '  - id: default',
        `    storage: "${dir}"`,
        // Serve the file as it is: no write-back, no journal, optional checks off.
        '    zonefile-sync: -1',
        '    zonefile-load: whole',
        '    journal-content: none',
        '    semantic-checks: off',
        'zone:',
        `  - domain: "${fq(origin)}"`,
        `    file: "${zoneFile}"`,
        '    acl: [transfer_to_local]',
      ].join('\n') + '\n';
      writeFileSync(join(dir, 'knot.conf'), conf);
      return { argv: [which('knotd'), '-c', join(dir, 'knot.conf')] };
    }
    case 'nsd': {
      // Debian's NSD rate-limits responses (RRL) by default; the SOA poll must not be limited.
      writeFileSync(join(dir, 'nsd.conf'), nsdConf({
        dir, listen: `127.0.0.1@${port}`, zonesDir: dir, zones: [{ name: fq(origin), file: zoneFile, lines: ['provide-xfr: 127.0.0.1 NOKEY'] }],
        server: ['rrl-ratelimit: 0', 'rrl-whitelist-ratelimit: 0', 'verbosity: 2'],
      }));
      return { argv: [which('nsd'), '-d', '-c', join(dir, 'nsd.conf')], logFile: join(dir, 'nsd.log') };
    }
    case 'bind': {
      writeFileSync(join(dir, 'named.conf'), `${bindOptions(dir, port)}zone "${fq(origin)}" { type primary; file "${zoneFile}"; };\n`);
      return { argv: [which('named'), '-g', '-n', '1', '-c', join(dir, 'named.conf')] };
    }
    default:
      throw new Error(`${name} cannot be a primary here`);
  }
}

/**
 * argv of `name` as a secondary of `origin` pulling from 127.0.0.1:primaryPort; it keeps its copy
 * in `dir` (empty at start, so the first transfer is a full AXFR). Every one writes the copy to
 * disk: zonedns and BIND always, Knot with its default zonefile-sync: 0.
 */
export function secondaryCommand(name, { dir, port, origin, primaryPort, zonedns, which }) {
  mkdirSync(dir, { recursive: true });
  switch (name) {
    case 'zonedns': {
      // An (empty) zonesDir: with nothing to watch, `serve` never finishes starting (chokidar's
      // watch([]) emits no 'ready'), so it would not log "ready" nor stop on SIGTERM.
      mkdirSync(join(dir, 'zones'), { recursive: true });
      const cfg = {
        listen: [`127.0.0.1:${port}`],
        zonesDir: join(dir, 'zones'),
        zones: [{ origin, file: join(dir, 'copy.zone'), primaries: [`127.0.0.1:${primaryPort}`], transfer: { allow: ['127.0.0.1'] } }],
        log: { level: 'info', format: 'json' },
      };
      writeFileSync(join(dir, 'zonedns.json'), JSON.stringify(cfg, null, 2) + '\n');
      return { argv: [...zonedns, 'serve', '--config', join(dir, 'zonedns.json')] };
    }
    case 'knot': {
      mkdirSync(join(dir, 'db'), { recursive: true });
      const conf = [
        ...knotHead(dir, port),
        'remote:',
        '  - id: primary',
        `    address: 127.0.0.1@${primaryPort}`,
        'template:',
        '  - id: default',
        `    storage: "${dir}"`,
        'zone:',
        `  - domain: "${fq(origin)}"`,
        '    master: primary',
        '    acl: [transfer_to_local]',
      ].join('\n') + '\n';
      writeFileSync(join(dir, 'knot.conf'), conf);
      return { argv: [which('knotd'), '-c', join(dir, 'knot.conf')] };
    }
    case 'bind': {
      writeFileSync(join(dir, 'named.conf'), `${bindOptions(dir, port)}zone "${fq(origin)}" {
  type secondary;
  primaries { 127.0.0.1 port ${primaryPort}; };
  file "${dir}/copy.db";
};
`);
      return { argv: [which('named'), '-g', '-n', '1', '-c', join(dir, 'named.conf')] };
    }
    default:
      throw new Error(`${name} cannot be a secondary here`);
  }
}

const jsonLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => {
  try {
    return JSON.parse(l);
  } catch {
    return undefined;
  }
}).filter(Boolean);

/**
 * Durations (seconds) of the outgoing AXFRs the primary logged, in order. zonedns: "AXFR finished
 * ... ms"; Knot: "AXFR, outgoing, ..., finished, S seconds"; BIND: "AXFR ended: ..., S secs".
 * NSD logs no duration: undefined.
 */
export function primaryLogSeconds(name, text) {
  switch (name) {
    case 'zonedns':
      return jsonLines(text).filter((j) => j.msg === 'AXFR finished').map((j) => j.ms / 1000);
    case 'knot':
      return [...text.matchAll(/AXFR, outgoing, remote [^,]+, finished, ([\d.]+) seconds/g)].map((m) => Number(m[1]));
    case 'bind':
      return [...text.matchAll(/AXFR ended: .*?([\d.]+) secs/g)].map((m) => Number(m[1]));
    default:
      return undefined;
  }
}

/**
 * The secondary's own account of the transfer, in seconds. BIND: "Transfer completed: ..., S
 * secs"; Knot: "AXFR, incoming, ..., finished, S seconds"; zonedns: the `ms` of "secondary zone
 * transferred" (transfer request to serving), or for older builds without it, the time between
 * its first log line and that one.
 */
export function secondaryLogSeconds(name, text) {
  switch (name) {
    case 'bind': {
      const m = /Transfer completed: .*?([\d.]+) secs/.exec(text);
      return m ? Number(m[1]) : undefined;
    }
    case 'knot': {
      const m = /AXFR, incoming, remote [^,]+, finished, ([\d.]+) seconds/.exec(text);
      return m ? Number(m[1]) : undefined;
    }
    case 'zonedns': {
      const lines = jsonLines(text);
      const done = lines.find((j) => j.msg === 'secondary zone transferred');
      if (!done || !lines.length) return undefined;
      if (typeof done.ms === 'number') return done.ms / 1000;
      return (Date.parse(done.time) - Date.parse(lines[0].time)) / 1000;
    }
    default:
      return undefined;
  }
}
