// The configuration of the health-checked variant of zonedns (servers.mjs, zonedns-health): every
// name with an A or AAAA record in the bench zones governed by one health rule, so every address
// answer goes through the health filter. The checks themselves are kept out of the measurement:
// TCP to port 9 of the (loopback, see gen-zones.mjs) addresses once an hour, staggered over the
// hour (~40 connects per second for the 100k-name zone, each refused at once), and `fall` 3, so
// no address goes down during a run. `ttl` 30 caps the answers' TTL as a real setup would: the
// correctness check compares TTLs capped the same way (SERVERS['zonedns-health'].ttlCap).
//
//   node bench/qps/health-config.mjs OUT.json ZONEFILE...

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const HEALTH_TTL = 30;

/** Owner names (absolute, no trailing dot) with A or AAAA in gen-zones.mjs's files. */
export function addressNames(zoneFile) {
  const names = new Set();
  let origin = '';
  for (const line of readFileSync(zoneFile, 'utf8').split('\n')) {
    const t = line.split(' ');
    if (t[0] === '$ORIGIN') origin = t[1].replace(/\.$/, '');
    const at = t.indexOf('IN');
    if (at < 1 || (t[at + 1] !== 'A' && t[at + 1] !== 'AAAA')) continue;
    names.add(t[0] === '@' ? origin : `${t[0]}.${origin}`);
  }
  return [...names];
}

/** `extra`: more top-level config keys (servers.mjs turns RRL and cookies off with them). */
export function writeHealthConfig(file, zoneFiles, extra = {}) {
  const names = zoneFiles.flatMap(addressNames);
  writeFileSync(file, JSON.stringify({
    ...extra,
    health: [{ names, tcp: 9, interval: '1h', timeout: '2s', fall: 3, rise: 2, ttl: HEALTH_TTL }],
  }));
  return names.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, ...zones] = process.argv.slice(2);
  if (!out || zones.length === 0) {
    console.error('usage: node bench/qps/health-config.mjs OUT.json ZONEFILE...');
    process.exit(2);
  }
  console.log(`${out}: ${writeHealthConfig(out, zones)} names governed`);
}
