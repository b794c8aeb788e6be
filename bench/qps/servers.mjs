// The servers under test: how to configure and start each one on its own loopback port with the
// same two zones. Every one is a single worker, so "QPS per server core" compares like with like.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { knotConf, nsdConf } from '../peers.mjs';
import { HEALTH_TTL, writeHealthConfig } from './health-config.mjs';

const require = createRequire(import.meta.url);

export const SERVER_NAMES = ['zonedns', 'zonedns-metrics', 'zonedns-cookie-queries', 'zonedns-limits', 'zonedns-health', 'zonedns-node', 'zonedns-do', 'knot', 'knot-do', 'nsd', 'bind', 'dns2', 'dgram'];

/** The client cookie dnsperf sends to zonedns-limits with every query (RFC 7873 §4.1). */
export const BENCH_CLIENT_COOKIE = '0102030405060708';

/** `zonedns serve` on the bench's zones, with `config` written next to its other files. */
function zonednsCommand({ root, dir, zonesDir, port, nodeFlags = [] }, backend, config) {
  writeFileSync(join(dir, 'zonedns.json'), JSON.stringify(config));
  return [
    process.execPath, ...nodeFlags, join(root, 'bin/zonedns'), 'serve', '--config', join(dir, 'zonedns.json'), '--zones', zonesDir,
    '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', '--udp-backend', backend,
  ];
}

/**
 * Rate limiting and cookies off: dnsperf sends 100k QPS from one address, which RRL (on by
 * default) would rightly limit, as Debian's NSD does (see nsd below). zonedns-limits measures
 * what having them on costs.
 */
const LIMITS_OFF = { rrl: { enabled: false }, cookies: { enabled: false } };

/** Absolute path of an executable on PATH (or in the sbin directories Debian puts daemons in). */
export function which(cmd) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  return undefined;
}

/**
 * name -> { port, label, tcp (answers over TCP), exempt (skips the correctness check),
 *           dnsperfArgs (added to every dnsperf run against it), ttlCap (the check compares TTLs
 *           capped to it), signed (serves the signed copies of the zones, signed.mjs), dnssecOk
 *           (dnsperf asks with DO=1, -D), missing(): why it cannot run here or undefined,
 *           command(ctx): argv to exec }.
 * ctx = { root, here, dir (this server's scratch directory), zonesDir, small, big, port }.
 */
export const SERVERS = {
  // zonedns as shipped: `--udp-backend auto`, i.e. UDP through the udp_batch addon
  // (recvmmsg/sendmmsg batches) when `npm run build:native` built it, else node:dgram. The
  // table's header line says which one ran (UDP_BACKEND=node|native forces one).
  zonedns: {
    port: 5311,
    label: 'zonedns',
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: (ctx) => zonednsCommand(ctx, process.env.UDP_BACKEND ?? 'auto', LIMITS_OFF),
  },
  // What the per-packet defences cost, measured on the same queries: each carries a client
  // cookie (dnsperf -E, as a resolver that speaks RFC 7873 sends), so zonedns-limits makes a
  // server cookie (a SipHash) for each reply and adds it to the OPT, and RRL counts every
  // response (at a rate no key of this traffic reaches, so nothing is limited and every answer is
  // measured). zonedns-cookie-queries gets the same queries with both off: the baseline.
  'zonedns-cookie-queries': {
    port: 5319,
    label: 'zonedns (cookie queries, RRL/cookies off)',
    dnsperfArgs: ['-E', `10:${BENCH_CLIENT_COOKIE}`],
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: (ctx) => zonednsCommand(ctx, process.env.UDP_BACKEND ?? 'auto', LIMITS_OFF),
  },
  'zonedns-limits': {
    port: 5323,
    label: 'zonedns (cookie queries, RRL/cookies on)',
    dnsperfArgs: ['-E', `10:${BENCH_CLIENT_COOKIE}`],
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: (ctx) => zonednsCommand(ctx, process.env.UDP_BACKEND ?? 'auto', { rrl: { responsesPerSecond: 10_000_000 } }),
  },
  // zonedns with its Prometheus metrics on (every query counted, src/ops/query-counters.ts): the
  // same command with a configuration that sets `metrics` (its listener on port + 1; never
  // scraped during a run). The targets compare its QPS/core with zonedns's: counting may cost 5%.
  'zonedns-metrics': {
    port: 5324,
    label: 'zonedns + metrics',
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: (ctx) => zonednsCommand(ctx, process.env.UDP_BACKEND ?? 'auto', { ...LIMITS_OFF, metrics: `127.0.0.1:${ctx.port + 1}`, control: { enabled: false } }),
  },
  // zonedns with every A/AAAA name of both zones health-checked (health-config.mjs): the cost of
  // the health filter on the answer path, next to zonedns without it in the same run.
  'zonedns-health': {
    port: 5318,
    label: 'zonedns, all names health-checked',
    ttlCap: HEALTH_TTL,
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: ({ root, dir, zonesDir, small, big, port, nodeFlags = [] }) => {
      const config = join(dir, 'health.json');
      writeHealthConfig(config, [small, big], LIMITS_OFF);
      return [
        process.execPath, ...nodeFlags, join(root, 'bin/zonedns'), 'serve', '--config', config, '--zones', zonesDir, '--listen', `127.0.0.1:${port}`,
        '--log-level', 'warn', '--udp-backend', process.env.UDP_BACKEND ?? 'auto',
      ];
    },
  },
  // The pure-JS fallback (node:dgram), what runs where the addon cannot be built.
  'zonedns-node': {
    port: 5317,
    label: 'zonedns (node:dgram)',
    missing: ({ root }) => (existsSync(join(root, 'dist/cli/main.js')) ? undefined : 'no dist/: run `npm run build` (npm run bench does)'),
    command: (ctx) => zonednsCommand(ctx, 'node', LIMITS_OFF),
  },
  knot: {
    port: 5312,
    label: 'Knot',
    missing: () => (which('knotd') ? undefined : 'knotd not found (Debian: apt-get install knot)'),
    command: ({ dir, zonesDir, port }) => {
      mkdirSync(join(dir, 'db'), { recursive: true });
      writeFileSync(join(dir, 'knot.conf'), knotConf({ dir, port, zonesDir, zones: ['example.test', 'big.test'] }));
      return [which('knotd'), '-c', join(dir, 'knot.conf')];
    },
  },
  // DO=1 on signed copies of the same zones (signed.mjs): RRSIGs with every answer, NSEC3 proofs
  // with every negative one. The same servers, the same query mix, dnsperf -D.
  'zonedns-do': {
    signed: true,
    dnssecOk: true,
    port: 5320,
    label: 'zonedns DO=1 (signed)',
    missing: (ctx) => SERVERS.zonedns.missing(ctx) ?? ctx.signerMissing,
    command: (ctx) => SERVERS.zonedns.command(ctx),
  },
  'knot-do': {
    signed: true,
    dnssecOk: true,
    port: 5321,
    label: 'Knot DO=1 (signed)',
    missing: (ctx) => SERVERS.knot.missing(ctx) ?? ctx.signerMissing,
    command: (ctx) => SERVERS.knot.command(ctx),
  },
  nsd: {
    port: 5313,
    label: 'NSD',
    missing: () => (which('nsd') ? undefined : 'nsd not found (Debian: apt-get install nsd)'),
    command: ({ dir, zonesDir, port }) => {
      // Debian's NSD rate-limits responses (RRL) by default, which caps a benchmark at ~200 QPS.
      writeFileSync(join(dir, 'nsd.conf'), nsdConf({
        dir, listen: '127.0.0.1', zonesDir, zones: ['example.test', 'big.test'].map((name) => ({ name, file: `${name}.zone` })),
        server: [`port: ${port}`, 'minimal-responses: yes', 'rrl-ratelimit: 0', 'rrl-whitelist-ratelimit: 0', 'verbosity: 1'],
      }));
      return [which('nsd'), '-d', '-c', join(dir, 'nsd.conf')];
    },
  },
  bind: {
    port: 5314,
    label: 'BIND',
    missing: () => (which('named') ? undefined : 'named not found (Debian: apt-get install bind9)'),
    command: ({ dir, small, big, port }) => {
      writeFileSync(join(dir, 'named.conf'), `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port ${port} { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    minimal-responses yes;
    dnssec-validation no;
    notify no;
    allow-transfer { none; };
};
controls { };
zone "example.test" { type primary; file "${small}"; };
zone "big.test" { type primary; file "${big}"; };
`);
      return [which('named'), '-g', '-n', '1', '-c', join(dir, 'named.conf')];
    },
  },
  dns2: {
    port: 5315,
    label: 'dns2',
    missing: () => {
      try {
        require.resolve('dns2');
        return undefined;
      } catch {
        return 'dns2 not installed (it is a devDependency: npm ci)';
      }
    },
    command: ({ here, small, big, port }) => [process.execPath, join(here, 'dns2-server.mjs'), String(port), small, big],
  },
  dgram: {
    port: 5316,
    label: 'Node dgram',
    exempt: true, // one fixed answer by design
    noTcp: true,
    noZones: true,
    missing: () => undefined,
    command: ({ here, port }) => [process.execPath, join(here, 'dgram-responder.mjs'), String(port)],
  },
};
