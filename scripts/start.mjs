// `npm start`: build dist/ if it is missing or older than src/ (and the udp_batch addon if it is
// missing and can be built), then serve the bundled zones.
// Skipping a fresh build keeps `npm start` instant and lets it run beside tests using dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const main = join(root, 'dist/cli/main.js');
if (!existsSync(main) || statSync(main).mtimeMs < newest(join(root, 'src'))) {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// The udp_batch addon makes UDP about twice as fast; it builds in a second or two where a C
// compiler and Node's headers are present. Without it zonedns serves UDP through node:dgram.
// Rebuilt when its sources are newer than the build (a pull that changed them).
const addon = join(root, 'native/udp_batch/build/Release/udp_batch.node');
const addonSources = ['udp_batch.c', 'memory.cc', 'binding.gyp'].map((f) => join(root, 'native/udp_batch', f)).filter((f) => existsSync(f));
const stale = () => addonSources.some((f) => statSync(f).mtimeMs > statSync(addon).mtimeMs);
if ((!existsSync(addon) || stale()) && process.platform === 'linux') {
  const b = spawnSync(process.execPath, [join(root, 'native/udp_batch/build.mjs')], { cwd: root, stdio: 'ignore' });
  if (b.status !== 0) process.stderr.write('note: the udp_batch addon did not build (`npm run build:native` shows why); serving UDP through node:dgram\n');
}
// Ctrl-C and SIGTERM reach the server (same process group); it shuts down and we exit with it.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
const r = spawnSync(process.execPath, [join(root, 'bin/zonedns'), 'serve', ...process.argv.slice(2)], { cwd: process.cwd(), stdio: 'inherit' });
process.exit(r.status ?? 0);
