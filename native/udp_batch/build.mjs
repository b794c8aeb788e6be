// `npm run build:native`: builds the udp_batch addon with the node-gyp that ships with npm,
// against the headers of the Node that runs this script (no download: loopback-only machines
// and CI have no network). Not an install script on purpose: without the addon, zonedns uses
// its pure-JS UDP transport, so a failed build must never fail `npm ci`.
//
//   npm run build:native            # node-gyp rebuild in native/udp_batch
//   NODEDIR=/path npm run build:native

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`build:native: ${message}\nzonedns still works: it serves UDP through node:dgram (udpBackend "node").\n`);
  process.exit(1);
}

if (process.platform !== 'linux') fail(`the addon uses Linux's recvmmsg/sendmmsg; nothing to build on ${process.platform}`);

// npm run exports the bundled node-gyp's path; otherwise it sits next to npm.
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].find((p) => p && existsSync(p));
if (!gyp) fail('node-gyp not found (it ships with npm; or set npm_config_node_gyp)');

// Headers: an explicit NODEDIR or npm's `nodedir` config, else the running Node's own prefix
// (Debian's nodejs puts node_api.h and uv.h under /usr/include/node).
const prefix = dirname(dirname(process.execPath));
const nodedir = [process.env.NODEDIR, process.env.npm_config_nodedir, prefix].find(
  (d) => d && existsSync(join(d, 'include/node/node_api.h')),
);
const args = [gyp, 'rebuild', '--release'];
if (nodedir) args.push(`--nodedir=${nodedir}`);
else process.stderr.write('build:native: no local Node headers found; node-gyp will try to download them\n');

const r = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (r.error) fail(`cannot run node-gyp: ${r.error.message}`);
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}`);
const out = join(here, 'build/Release/udp_batch.node');
if (!existsSync(out)) fail(`node-gyp succeeded but ${out} is missing`);
process.stderr.write(`build:native: built ${out}\n`);
