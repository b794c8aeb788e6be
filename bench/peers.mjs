// Configuration files of the peer servers the benchmarks start beside zonedns (Knot, NSD), in one
// place: each bench adds only what it measures differently (RRL, transfers, a control socket).
// Every instance is our own, on loopback, with its state in `dir`.

/**
 * NSD's nsd.conf. `listen`: NSD's ip-address value ("127.0.0.1" or "127.0.0.1@port");
 * `server`: more lines for the server clause; each zone: { name, file, lines? }.
 */
export function nsdConf({ dir, listen, zonesDir, zones, server = [] }) {
  const lines = [
    'server:',
    `    ip-address: ${listen}`,
    '    do-ip6: no',
    '    server-count: 1',
    ...server.map((l) => `    ${l}`),
    '    username: ""',
    '    chroot: ""',
    `    zonesdir: "${zonesDir}"`,
    '    database: ""',
    `    zonelistfile: "${dir}/zone.list"`,
    `    xfrdfile: "${dir}/xfrd.state"`,
    `    xfrdir: "${dir}"`,
    `    pidfile: "${dir}/nsd.pid"`,
    `    logfile: "${dir}/nsd.log"`,
    '    zonefiles-write: 0',
    'remote-control:',
    '    control-enable: no',
  ];
  for (const z of zones) lines.push('zone:', `    name: "${z.name}"`, `    zonefile: "${z.file}"`, ...(z.lines ?? []).map((l) => `    ${l}`));
  return `${lines.join('\n')}\n`;
}

/** knotd's `server:` section: one loopback port, one worker of each kind (as every bench runs it). */
export function knotServer(dir, port) {
  return [
    'server:',
    `    rundir: "${dir}"`,
    `    pidfile: "${dir}/knot.pid"`,
    `    listen: 127.0.0.1@${port}`,
    '    udp-workers: 1',
    '    tcp-workers: 1',
    '    background-workers: 1',
  ];
}

/**
 * Knot's knot.conf serving `zones` (names) from `zonesDir` (<name>.zone), on one UDP worker as
 * zonedns answers on one thread; zone files loaded whole, never written back, no journal.
 * `control`: a knotc socket path.
 */
export function knotConf({ dir, port, zonesDir, zones, control }) {
  const lines = [
    ...knotServer(dir, port),
    ...(control === undefined ? [] : ['control:', `    listen: "${control}"`]),
    'database:',
    `    storage: "${dir}/db"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${zonesDir}"`,
    '    file: "%s.zone"',
    '    semantic-checks: off',
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
    ...zones.map((z) => `  - domain: ${z}`),
  ];
  return `${lines.join('\n')}\n`;
}
