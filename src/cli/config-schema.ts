// The configuration file, described once: the keys, their types, defaults and descriptions. From
// this one schema come the validation of every config file (config.ts), the JSON Schema that
// editors use (zonedns.schema.json) and the README's configuration reference (config-docs.ts).
//
// To add a key: add one line in the right `obj({ ... })` below, built from config-kit.ts
// (`text()`, `int(min, max)`, `flag()`, `oneOf([...])`, `list(item, what)`, `obj({...})`), with
// `.default(value)` (or `.optional()` when "not set" means something) and `.describe('what it
// does, for the README')`. A new object of keys gets `.prefault({})` so its keys' defaults apply
// when it is absent. Then `npm run schema` regenerates zonedns.schema.json and the README block.
// parseConfig returns the key typed and defaulted as `config.yourKey`; nothing else to write,
// unless the value needs checks a schema cannot make (a file to read, a name to parse, a path
// relative to the config file): do those in config.ts after validation, failing with the key's
// path (`fail('zones[1].origin', ...)`).

import * as z from 'zod';
import { DEFAULT_RRL } from '../limits/rrl.js';
import { SERIAL_POLICIES } from '../reload/serial-policy.js';
import { DEFAULT_TCP_OPTIONS } from '../server/tcp.js';
import { DEFAULT_JOURNAL_LIMITS } from '../xfr/journal.js';
import { DEFAULT_TSIG_ALGORITHM, TSIG_ALGORITHMS } from '../tsig/keys.js';
import { DEFAULT_ZONE_LIMITS as LIMITS, LIMIT_RANGES as RANGE } from '../zone/limits.js';
import { duration, either, flag, hex, int, list, obj, oneOf, table, text } from './config-kit.js';
import { ALGORITHMS, type AlgorithmName } from '../dnssec/keys.js';
import { DEFAULT_SIGN_POLICY } from '../dnssec/sign-zone.js';

export const DEFAULT_LISTEN = ['127.0.0.1:5353', '[::1]:5353'];

const ROTATE = ['cyclic', 'random', 'none'] as const;

const transfer = () => obj({
  allow: list(text(), 'an array of addresses or prefixes ("10.0.0.0/8", "::1", "any")')
    .describe('Addresses and prefixes allowed to transfer (`"192.0.2.53"`, `"10.0.0.0/8"`, `"::1"`, `"any"`); `[]` allows none.'),
  keys: list(text(), 'an array of TSIG key names').optional()
    .describe('TSIG key names (from `keys` / `keyFile`): a request must then also be signed with one of them, and every message of the answer is signed.'),
});

const notify = () => list(
  either([text(), obj({
    address: text().describe('ADDR or ADDR:PORT (port 53 by default).'),
    key: text().optional().describe('TSIG key name (from `keys` / `keyFile`) to sign this target\'s NOTIFY with.'),
  })], 'a non-empty string "ADDR[:PORT]" or an object { "address": "ADDR[:PORT]", "key": "name" }'),
  'an array of "ADDR", "ADDR:PORT" or { "address": "ADDR:PORT", "key": "name" }',
);

const httpCheck = (kind: 'http' | 'https') => obj({
  port: int(1, 65535).default(kind === 'http' ? 80 : 443).describe('Port to connect to on each address.'),
  path: text().default('/').describe('Path to GET.'),
  host: text().optional().describe(`Host header${kind === 'https' ? ' and TLS server name' : ''}; by default the address.`),
  expect: int(100, 599).default(200).describe('The status code that means up.'),
  contains: text().optional().describe('Text the body must also contain (within its first 64 KiB).'),
  ...(kind === 'https' ? { verify: flag().default(false).describe('Verify the certificate (against `host`, else the address); by default it is not.') } : {}),
});

const health = () => list(obj({
  names: list(text(), 'a non-empty array of domain names', 1)
    .describe('Names whose A and AAAA records are checked: an address that fails the check leaves their answers.'),
  tcp: int(1, 65535).optional().describe('Check by connecting to this TCP port on each address.'),
  http: httpCheck('http').optional().describe('Check by an HTTP GET to each address.'),
  https: httpCheck('https').optional().describe('Check by an HTTPS GET to each address.'),
  interval: duration().default('5s').describe('Time between two checks of an address (`"5s"`, `"500ms"`, `"1m"`).'),
  timeout: duration().default('2s').describe('A check without a result after this long fails; less than `interval`.'),
  fall: int(1, 100).default(3).describe('Consecutive failed checks that take an address out of answers.'),
  rise: int(1, 100).default(2).describe('Consecutive good checks that bring it back.'),
  ttl: int(0, 2147483647).optional().describe('Cap on the TTL of these names\' A and AAAA answers, so resolvers ask again soon after a change.'),
  allDown: oneOf(['all', 'servfail']).default('all').describe('With every address down: answer with all of them (`all`, fail open) or SERVFAIL.'),
  weights: table(int(0, 100), 'addresses with weights 0-100').optional()
    .describe('Relative weight per address (`{ "192.0.2.1": 3 }`; others weigh 1): how often it comes first in answers, in proportion; 0: never first while one weighing more is up.'),
}), 'an array of health checks');

const healthText = 'Health checks of A/AAAA addresses (see "Health-checked addresses"): one object per group of names, with one of `tcp`, `http`, `https`.';

const notifyKeyText = 'TSIG key name that signs the NOTIFY targets which name no key of their own.';

/** Bounds on loading a zone (zone/limits.ts): every field optional, so a zone's can override the server's one by one. */
const zoneLimits = () => obj({
  maxIncludes: int(...RANGE.maxIncludes).optional().describe(`\`$INCLUDE\`s followed in one zone, all its files together (the depth alone does not bound the work); by default ${LIMITS.maxIncludes}.`),
  maxIncludeDepth: int(...RANGE.maxIncludeDepth).optional().describe(`Deepest \`$INCLUDE\` nesting; by default ${LIMITS.maxIncludeDepth}.`),
  maxGenerateRecords: int(...RANGE.maxGenerateRecords).optional().describe(`Records made by all of a zone's \`$GENERATE\`s together; by default ${LIMITS.maxGenerateRecords}.`),
  maxRecords: int(...RANGE.maxRecords).optional().describe(`Records in one zone; by default ${LIMITS.maxRecords}.`),
  maxZoneBytes: int(...RANGE.maxZoneBytes).optional().describe(`Octets of a zone's files, the zone file and its includes together; by default ${LIMITS.maxZoneBytes} (1 GiB).`),
  maxEntryBytes: int(...RANGE.maxEntryBytes).optional().describe(`Octets of one record or directive (across parentheses), checked while reading; by default ${LIMITS.maxEntryBytes} (1 MiB).`),
  includeWithin: either([oneOf(['anywhere', 'zone-directory']), list(text(), 'an array of directories')], '"anywhere", "zone-directory" or an array of directories').optional()
    .describe('Where `$INCLUDE` may read: `"anywhere"` (by default, as BIND), `"zone-directory"` (at or below the zone file\'s directory), or only at or below these directories.'),
});

/** Signing durations: days and weeks ("14d", "1w", "36h"). */
const signingTime = () => duration('"14d", "1w" or "36h"');

const dnssec = () => either([flag(), obj({
  algorithm: oneOf(Object.keys(ALGORITHMS) as AlgorithmName[]).default(DEFAULT_SIGN_POLICY.algorithm)
    .describe('`ecdsap256sha256` (13) or `ed25519` (15): the zone key\'s algorithm.'),
  nsec: oneOf(['nsec', 'nsec3']).default(DEFAULT_SIGN_POLICY.nsec)
    .describe('Denial of existence: `nsec`, or `nsec3` (no salt, no extra iterations, no opt-out: RFC 9276).'),
  signatureValidity: signingTime().default('14d').describe('How long a new signature is valid (expirations are spread over its last quarter or so).'),
  refresh: signingTime().default('7d').describe('A signature is made again this long before it expires (at least an hour, and an hour shorter than `signatureValidity`).'),
})], 'true, false, or { "algorithm", "nsec", "signatureValidity", "refresh" }');

const dnssecText = 'zonedns signs the zone and keeps it signed (keys and the signed zone in `stateDir`, which it then needs): `true` for the defaults, or the settings below.';

const zone = obj({
  file: text().describe('The zone file (a secondary\'s transferred copy is kept there).'),
  origin: text().optional().describe('The zone\'s name; by default the SOA owner, `$ORIGIN`, or the file name. Required with `primaries`.'),
  rotate: oneOf(ROTATE).optional().describe('Record order for this zone; by default the top-level `rotate`.'),
  serial: oneOf(SERIAL_POLICIES).optional().describe('Serial policy for this zone; by default the top-level `serial`. Not with `primaries`.'),
  transfer: transfer().optional().describe('Who may AXFR/IXFR this zone; replaces the top-level `transfer`.'),
  notify: notify().optional().describe('Secondaries to NOTIFY on a new serial of this zone; replaces the top-level `notify`.'),
  notifyKey: text().optional().describe(`${notifyKeyText} Without its own \`notify\`, the zone signs the top-level targets with it.`),
  primaries: list(text(), 'a non-empty array of "ADDR" or "ADDR:PORT"', 1).optional()
    .describe('Makes this a secondary zone: primaries to transfer it from (`"192.0.2.1"`, `"[2001:db8::1]:5300"`), in order of preference.'),
  primaryKey: text().optional()
    .describe('TSIG key name (from `keys` / `keyFile`) that signs requests to the primaries; their NOTIFYs must then be signed with it too.'),
  zoneLimits: zoneLimits().optional().describe('This zone\'s bounds on loading, over the top-level `zoneLimits`, key by key.'),
  health: health().optional().describe(`${healthText} Names must be in this zone; added to the top-level \`health\`.`),
  dnssec: dnssec().optional().describe(`${dnssecText} Replaces the top-level \`dnssec\`; \`false\` turns it off for this zone. Not with \`primaries\`.`),
});

export const configSchema = obj({
  $schema: text().optional().describe('`"./zonedns.schema.json"` (or its path or URL) lets editors validate and complete this file; zonedns ignores it.'),
  $comment: z.string().optional().describe('Free text; ignored.'),
  listen: list(text(), 'a non-empty array of "ADDR:PORT"', 1).default(DEFAULT_LISTEN)
    .describe('Addresses to answer on, UDP and TCP each (`"0.0.0.0:53"`, `"[::]:53"`).'),
  zonesDir: text().optional()
    .describe('A directory whose `*.zone` files are each one zone, reloaded when files are added, changed or removed. By default `./zones`, only when `zones` is empty.'),
  zones: list(zone, 'an array of zones').default([]).describe('Zones listed one by one, with options of their own.'),
  rotate: oneOf(ROTATE).default('cyclic')
    .describe('Order of A and AAAA records in answers: `cyclic` walks through every rotation in turn, `random` shuffles, `none` keeps the zone file\'s order.'),
  serial: oneOf(SERIAL_POLICIES).default('keep')
    .describe('When a zone\'s content changes without a serial bump: `keep` serves the file\'s serial (and warns; a serial below the one already served is refused), `auto` a date-based `YYYYMMDDnn`, `unixtime` seconds; both RFC 1982-safe and, with `stateDir`, above every serial served before.'),
  maxUdp: int(512, 65535).default(1232)
    .describe('Largest UDP answer to EDNS clients (RFC 6891); larger ones set TC and the client retries over TCP. 1232 avoids IP fragmentation.'),
  udpBackend: oneOf(['auto', 'node', 'native']).default('auto')
    .describe('UDP transport: `native` batches datagrams through the C addon (`npm run build:native`), `node` uses node:dgram, `auto` the addon when it is built.'),
  log: obj({
    level: oneOf(['debug', 'info', 'warn', 'error']).default('info').describe('Least severe level logged.'),
    format: oneOf(['text', 'json']).default('text').describe('`text` lines, or one JSON object per line.'),
    queries: flag().default(false).describe('One log line per query.'),
  }).prefault({}).describe('Logs, on stderr.'),
  tcp: obj({
    idleTimeoutMs: int(100, 3_600_000).default(DEFAULT_TCP_OPTIONS.idleTimeoutMs)
      .describe('A TCP connection with no whole query coming in and no answer going out for this long is closed (RFC 7766 §6.2.3).'),
    queryTimeoutMs: int(100, 3_600_000).default(DEFAULT_TCP_OPTIONS.queryTimeoutMs)
      .describe('A query must arrive whole this long after its first byte, or the connection is closed (a byte every few seconds does not keep it).'),
    maxConnections: int(1, 100_000).default(DEFAULT_TCP_OPTIONS.maxConnections)
      .describe('Open TCP connections at most; at the cap, the least recently active connection of the address holding the most makes room for a newcomer.'),
    maxConnectionsPerClient: int(1, 100_000).default(DEFAULT_TCP_OPTIONS.maxConnectionsPerClient)
      .describe('Open TCP connections from one address at most; further ones are closed at once.'),
    // At least one largest message (64 KiB) must fit, or a big answer could never be sent.
    maxPendingBytes: int(65_536, 2 ** 30).default(DEFAULT_TCP_OPTIONS.maxPendingBytes)
      .describe('Answers waiting to be read on one connection before zonedns stops reading its queries (a client that pipelines without reading only fills its own window).'),
  }).prefault({}).describe('DNS over TCP, and its limits against clients that hold connections.'),
  rrl: obj({
    enabled: flag().default(true).describe('Response rate limiting over UDP; `false` turns it off.'),
    responsesPerSecond: int(1, 10_000_000).default(DEFAULT_RRL.responsesPerSecond)
      .describe('Responses per second to one client prefix, per kind (answers per name and type; NXDOMAIN and NODATA per zone; referrals per delegation; errors together). A real resolver never reaches 200.'),
    slip: int(0, 10).default(DEFAULT_RRL.slip)
      .describe('Every slip-th limited response is sent as an empty TC=1 reply (BADCOOKIE to a cookie client), so real clients retry over TCP; the others are dropped. 0 drops all, 1 truncates all.'),
    windowSeconds: int(1, 3600).default(DEFAULT_RRL.windowSeconds)
      .describe('Seconds of debt a flood can run up: how long it stays limited after it stops.'),
    ipv4PrefixLength: int(8, 32).default(DEFAULT_RRL.ipv4PrefixLength).describe('IPv4 clients in one prefix of this length count as one.'),
    ipv6PrefixLength: int(16, 64).default(DEFAULT_RRL.ipv6PrefixLength).describe('IPv6 clients in one prefix of this length count as one.'),
    tableSize: int(1024, 1 << 24).default(DEFAULT_RRL.tableSize).describe('Keys (prefix, kind, name) tracked at once: fixed memory, 16 bytes each.'),
  }).prefault({}).describe('Response rate limiting (as BIND, NSD and Knot do): a spoofed flood gets a trickle of small replies; TCP and clients with a valid DNS cookie are exempt.'),
  cookies: obj({
    enabled: flag().default(true).describe('DNS cookies; `false` ignores the COOKIE option.'),
    secret: hex(16).optional()
      .describe('The server secret, 32 hex digits (`openssl rand -hex 16`). Servers sharing it (an anycast address; BIND, Knot and NSD take the same form) accept each other\'s cookies. Without it, a random one replaced daily.'),
    previousSecrets: list(hex(16), 'an array of secrets, 32 hexadecimal digits each').default([])
      .describe('Secrets replaced recently whose cookies are still accepted (and renewed): the old one while rolling `secret` over.'),
  }).prefault({}).describe('DNS cookies (RFC 7873, RFC 9018 interoperable server cookies): a client that returns its server cookie is exempt from rate limiting.'),
  transfer: transfer().optional().describe('Who may AXFR/IXFR the zones that have no `transfer` of their own. Without it, nobody.'),
  notify: notify().optional()
    .describe('Secondaries to NOTIFY (RFC 1996) when a zone gets a new serial, for zones without their own: `"ADDR[:PORT]"` or `{ "address": "ADDR[:PORT]", "key": "name" }`.'),
  notifyKey: text().optional().describe(notifyKeyText),
  stateDir: text().optional().describe('Where what must survive a restart or a crash is kept, one file per zone: served serials, IXFR journals, secondary zones\' refresh and expiry times, and the keys and signed copies of the zones zonedns signs. Must be writable; without it, in memory only.'),
  journal: obj({
    maxEntries: int(1, 100_000).default(DEFAULT_JOURNAL_LIMITS.maxEntries).describe('Changes kept per zone for IXFR; an older client gets the whole zone.'),
    maxBytes: int(0, 2 ** 31 - 1).default(DEFAULT_JOURNAL_LIMITS.maxBytes).describe('Bytes of changes kept per zone.'),
  }).prefault({}).describe('How much zone history IXFR can answer from.'),
  keys: list(obj({
    name: text().describe('The key\'s name, as its peers know it.'),
    algorithm: text().optional().describe(`One of ${Object.keys(TSIG_ALGORITHMS).join(', ')}; by default ${DEFAULT_TSIG_ALGORITHM}.`),
    secret: text().describe('The shared secret, base64 (what `tsig-keygen` prints).'),
  }), 'an array of { name, algorithm, secret }').optional().describe('TSIG keys (RFC 8945).'),
  keyFile: text().optional().describe('More TSIG keys, from a file in BIND\'s format (what `tsig-keygen NAME` prints).'),
  zoneLimits: zoneLimits().optional()
    .describe('Bounds on loading one zone, so that a careless or hostile zone file ends in a `file:line` error naming the bound instead of a load that never finishes. Only regular files are read (a FIFO, device or directory is an error).'),
  health: health().default([]).describe(`${healthText} Names in any zone served.`),
  identity: text().optional()
    .describe('This server\'s name (at most 255 octets), to tell servers apart behind one address: the answer to CHAOS TXT `id.server` and `hostname.bind`, and the NSID (RFC 5001) sent to queries that ask for it. Without it those are REFUSED and no NSID is sent.'),
  nsid: text().optional().describe('The NSID payload, when it should differ from `identity`: text, or `0x` followed by hex digits.'),
  version: text().optional().describe('The answer to CHAOS TXT `version.bind` and `version.server` (at most 255 octets); without it they are REFUSED.'),
  metrics: text().optional()
    .describe('`"ADDR:PORT"` of an HTTP listener with Prometheus metrics (`/metrics`) and probes (`/healthz`, `/readyz`), e.g. `"127.0.0.1:9153"`. Without it, none, and queries are not counted.'),
  control: obj({
    enabled: flag().default(true).describe('Listen on the control socket.'),
    socket: text().optional().describe('Its path; by default `zonedns.sock` in `stateDir`, else `/run/zonedns/zonedns.sock` when the directory `/run/zonedns` exists (systemd\'s `RuntimeDirectory=zonedns`), else none.'),
  }).prefault({}).describe('The control socket of `zonedns ctl` (mode 0600: only this user and root can use it).'),
  dnssec: dnssec().optional().describe(`${dnssecText} For every zone loaded from a file that does not say otherwise.`),
}).describe('zonedns configuration');

/** The configuration as validated, with defaults filled in, before names, ACLs and paths are read. */
export type ConfigJson = z.output<typeof configSchema>;
