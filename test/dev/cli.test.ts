// `zonedns dev` as a user runs it: a real process on loopback, real queries, its banner, the
// files --apply writes and --remove deletes (under --root, never the real /etc), a restart on
// the same port, hostile datagrams while it answers, and the refusals.

import { afterAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { usualDevPort } from '../../src/dev/port.js';
import { BIN, lookup, printedRecipe, REPO_ROOT, startDev, type DevProcess } from '../support/dev.js';
import { describeWithPeers, findProgram } from '../support/peers.js';
import { buildQuery, rcodeOf, tcpExchange } from '../support/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'zonedns-dev-'));
const running = new Set<DevProcess>();
afterAll(async () => {
  await Promise.all([...running].map((d) => d.stop()));
  rmSync(scratch, { recursive: true, force: true });
});
let dirs = 0;
const freshDir = () => {
  const d = join(scratch, String(++dirs));
  mkdirSync(d);
  return d;
};

async function dev(args: string[]): Promise<DevProcess> {
  const d = await startDev(args);
  running.add(d);
  return d;
}

/** `zonedns dev ARGS` that exits by itself (--no-serve, --remove, usage errors). */
function devOnce(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'dev', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
}

describe('zonedns dev: serving', () => {
  test('answers the domain and every name below it as this machine, over UDP and TCP; Ctrl-C exits 0', async () => {
    const d = await dev(['serving.test', '--listen', '127.0.0.1:0', '--to', 'db=172.17.0.2']);
    expect(d.stdout()).toContain(`zonedns dev: serving serving.test on 127.0.0.1 port ${d.port} (UDP and TCP)\n`);
    expect(d.stdout()).toContain('  serving.test and every name below it: A 127.0.0.1, AAAA ::1\n  db.serving.test and every name below it: A 172.17.0.2\n');
    expect(await lookup('127.0.0.1', d.port, 'myapp.serving.test', 'A')).toEqual({ rcode: 0, data: ['127.0.0.1'] });
    expect(await lookup('127.0.0.1', d.port, 'a.b.c.serving.test', 'AAAA')).toEqual({ rcode: 0, data: ['::1'] });
    expect(await lookup('127.0.0.1', d.port, 'v2.db.serving.test', 'A')).toEqual({ rcode: 0, data: ['172.17.0.2'] });
    const [tcp] = await tcpExchange('127.0.0.1', d.port, [buildQuery('www.serving.test', 'A')]);
    expect(rcodeOf(tcp)).toBe(0);
    expect(tcp.includes(Buffer.from([127, 0, 0, 1]))).toBe(true);
    // Not a resolver: other names are refused.
    expect((await lookup('127.0.0.1', d.port, 'example.com', 'A')).rcode).toBe(5);
    expect(await d.stop('SIGINT')).toBe(0);
  });

  test('hostile datagrams while it answers: it keeps answering', async () => {
    const d = await dev(['hostile.test', '--listen', '127.0.0.1:0']);
    const sock = dgram.createSocket('udp4');
    const junk = [Buffer.alloc(0), Buffer.from([0xff]), Buffer.alloc(12, 0xff), Buffer.alloc(600, 0x41), buildQuery('x.hostile.test', 'A').subarray(0, 20)];
    for (let i = 0; i < 200; i++) sock.send(junk[i % junk.length], d.port, '127.0.0.1');
    expect(await lookup('127.0.0.1', d.port, 'after.hostile.test', 'A')).toEqual({ rcode: 0, data: ['127.0.0.1'] });
    sock.close();
    expect(d.exited()).toBe(false);
    await d.stop();
  });

  test('killed (-9) and started again: the same port, so a configured resolver still reaches it', async () => {
    const domain = `restart${process.pid}.test`;
    const first = await dev([domain]);
    expect(first.port).toBe(usualDevPort(domain));
    await first.stop('SIGKILL');
    const second = await dev([domain]);
    expect(second.port).toBe(first.port);
    expect(await lookup('127.0.0.1', second.port, `myapp.${domain}`, 'A')).toEqual({ rcode: 0, data: ['127.0.0.1'] });
    // Its recipe names the same port, so nothing needs applying again.
    expect(printedRecipe(second.stdout(), 'dnsmasq').content).toBe(printedRecipe(first.stdout(), 'dnsmasq').content);
    await second.stop();
  });

  test('its usual port taken: serves on a free one, and says who holds the usual one', async () => {
    const domain = `taken${process.pid}.test`;
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((r) => holder.bind(usualDevPort(domain), '127.0.0.1', () => r()));
    try {
      const d = await dev([domain]);
      expect(d.port).not.toBe(usualDevPort(domain));
      expect(d.stderr()).toContain(`port 127.0.0.1:${usualDevPort(domain)} is in use (EADDRINUSE): another program holds it: `);
      expect(d.stderr()).toContain(`(pid ${process.pid}) on 127.0.0.1:${usualDevPort(domain)}/udp`);
      expect(d.stderr()).toContain(`Serving on port ${d.port} instead`);
      // The hints carry the port it took, so --apply writes what was printed.
      expect(d.stdout()).toContain(`\`zonedns dev ${domain} --listen 127.0.0.1:${d.port} --resolver NAME --apply\``);
      expect(await lookup('127.0.0.1', d.port, `x.${domain}`, 'A')).toEqual({ rcode: 0, data: ['127.0.0.1'] });
      await d.stop();
    } finally {
      holder.close();
    }
  });

  test('--listen on a taken port: exit 1 naming the holder', async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    const port = holder.address().port;
    const r = devOnce(['--listen', `127.0.0.1:${port}`]);
    holder.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`zonedns dev: cannot listen: port 127.0.0.1:${port} is in use (EADDRINUSE): another program holds it: `);
    expect(r.stderr).toMatch(/Pick another port with --listen 127\.0\.0\.1:PORT/);
  });
});

describe('zonedns dev: the resolver recipe', () => {
  test('this system\'s resolver (here: a root whose resolv.conf is systemd-resolved\'s stub): its recipe only', () => {
    const root = freshDir();
    mkdirSync(join(root, 'etc'));
    symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc', 'resolv.conf'));
    const r = devOnce(['--no-serve', '--root', root]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('This system: systemd-resolved (/etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf).\n');
    expect(r.stdout).toContain([
      'systemd-resolved (Ubuntu, Fedora, Arch; Debian with systemd-resolved):',
      '  /etc/systemd/resolved.conf.d/zonedns-dev.test.conf',
      '    # zonedns dev: send dev.test to zonedns (zonedns dev --remove deletes this file)',
      '    [Resolve]',
      `    DNS=127.0.0.1:${usualDevPort('dev.test')}`,
      '    Domains=~dev.test',
      '  then: sudo systemctl restart systemd-resolved',
      '',
      '`zonedns dev --apply` writes this file (asking for sudo);',
      '`zonedns dev --remove` deletes it.',
      '',
    ].join('\n'));
    expect(r.stdout).not.toMatch(/^(unbound|dnsmasq|networkmanager|macos)\b/m);
  });

  test('--apply writes exactly the printed file; --remove deletes it and leaves files it did not write', () => {
    const root = freshDir();
    const shown = devOnce(['app.test', '--resolver', 'unbound', '--no-serve', '--root', root]);
    const recipe = printedRecipe(shown.stdout, 'unbound');
    expect(recipe.path).toBe('/etc/unbound/unbound.conf.d/zonedns-app.test.conf');
    const applied = devOnce(['app.test', '--resolver', 'unbound', '--apply', '--no-serve', '--root', root]);
    expect(applied.status).toBe(0);
    expect(applied.stdout).toBe(`wrote ${join(root, recipe.path)}\n`);
    expect(readFileSync(join(root, recipe.path), 'utf8')).toBe(recipe.content);

    // Someone else's file where another recipe would go stays.
    const foreign = join(root, '/etc/dnsmasq.d/zonedns-app.test.conf');
    mkdirSync(dirname(foreign), { recursive: true });
    writeFileSync(foreign, 'server=/app.test/192.0.2.1\n');
    const removed = devOnce(['app.test', '--remove', '--root', root]);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`deleted ${join(root, recipe.path)}\n`);
    expect(removed.stdout).toContain(`left ${foreign} alone: zonedns dev did not write it\n`);
    expect(existsSync(join(root, recipe.path))).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    expect(devOnce(['app.test', '--remove', '--root', root]).stdout).toContain('nothing to remove: no resolver file for app.test written by zonedns dev\n');
  });

  test('--apply while serving writes the file naming the port it serves on', async () => {
    const root = freshDir();
    const d = await dev(['applied.test', '--listen', '127.0.0.1:0', '--resolver', 'dnsmasq', '--apply', '--root', root]);
    const file = join(root, '/etc/dnsmasq.d/zonedns-applied.test.conf');
    expect(d.stdout()).toContain(`wrote ${file}\n`);
    expect(readFileSync(file, 'utf8')).toContain(`server=/applied.test/127.0.0.1#${d.port}\n`);
    await d.stop();
  });

  test('--resolver all prints every recipe, macOS\'s too', () => {
    const r = devOnce(['--resolver', 'all', '--no-serve']);
    for (const kind of ['systemd-resolved', 'networkmanager', 'dnsmasq', 'unbound', 'macos']) expect(() => printedRecipe(r.stdout, kind)).not.toThrow();
    expect(printedRecipe(r.stdout, 'macos')).toEqual({ path: '/etc/resolver/dev.test', content: expect.stringContaining(`nameserver 127.0.0.1\nport ${usualDevPort('dev.test')}\n`), then: 'nothing; the file is read at once' });
  });
});

describe('zonedns dev: refusals', () => {
  test.each([
    [['myapp.local'], /^zonedns dev: cannot serve myapp\.local: names under \.local are multicast DNS \(RFC 6762\)/],
    [['app.localhost'], /cannot serve app\.localhost: names under \.localhost already mean this machine/],
    [['--to', 'api'], /--to "api": expected NAME=ADDRESS/],
    [['--to', 'api=999.1.1.1'], /is not an IPv4 or IPv6 address/],
    [['--listen', 'nonsense'], /--listen "nonsense": expected ADDR:PORT/],
    [['--resolver', 'all', '--apply'], /--apply writes one resolver's file: give --resolver NAME/],
    [['--apply', '--remove'], /--apply and --remove exclude each other/],
    [['--listen', '127.0.0.1:1', '--listen', '127.0.0.1:2'], /give --listen once/],
  ])('%j: exit 2 and the reason', (args, why) => {
    const r = devOnce([...args, '--no-serve']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(why) });
  });

  test('--apply where no known resolver is found: exit 2, asks for --resolver', () => {
    const root = freshDir();
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'resolv.conf'), 'nameserver 192.0.2.53\n');
    const r = devOnce(['--apply', '--no-serve', '--root', root]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('zonedns dev: cannot tell which resolver this system uses (/etc/resolv.conf names 192.0.2.53): give --resolver systemd-resolved|networkmanager|dnsmasq|unbound\n');
  });

  test('a public name: served, with a note on stderr', () => {
    const r = devOnce(['dev.example.com', '--no-serve', '--resolver', 'dnsmasq']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^zonedns dev: note: dev\.example\.com is not under a name reserved for private use/);
  });
});


// Without privileges, --apply asks sudo to run the same step as root (and nothing else). Run as
// nobody with a stand-in sudo that records its arguments and runs the command still as nobody:
// the real /etc stays unwritable, so the step fails there, says what to run, and does not ask
// sudo again.
describeWithPeers('zonedns dev --apply without privileges', ['setpriv'], () => {
  test('runs `sudo -- node bin/zonedns dev ... --apply --no-serve`, and says what to run when that fails', () => {
    // Where nobody may look (mkdtemp makes 0700 directories).
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-sudo-'));
    chmodSync(dir, 0o755);
    const log = join(dir, 'sudo.log');
    writeFileSync(join(dir, 'sudo'), `#!/bin/sh\necho "$@" >> ${log}\nshift\nSUDO_UID=65534 exec "$@"\n`, { mode: 0o755 });
    writeFileSync(log, '');
    chmodSync(log, 0o666);
    const r = spawnSync(findProgram('setpriv')!, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'dev', 'sudo.test', '--resolver', 'dnsmasq', '--apply', '--no-serve'], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
    const sudoLog = readFileSync(log, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    const port = usualDevPort('sudo.test');
    const step = `dev sudo.test --listen 127.0.0.1:${port} --resolver dnsmasq --apply --no-serve`;
    expect(sudoLog).toBe(`-- ${process.execPath} ${BIN} ${step}\n`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`zonedns dev: writing /etc/dnsmasq.d/zonedns-sudo.test.conf needs root, and sudo did not run: run \`sudo zonedns ${step}\`\n`);
    expect(existsSync('/etc/dnsmasq.d/zonedns-sudo.test.conf')).toBe(false);
  });
}, () => (process.getuid?.() === 0 ? undefined : 'runs as root, to become nobody'));
