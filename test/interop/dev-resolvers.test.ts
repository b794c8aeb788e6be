// `zonedns dev`'s resolver recipes against the real resolvers: each gets exactly the file
// `zonedns dev` prints, plus only what makes it run here (its listening address and port, a pid
// file, no daemonising), and must resolve myapp.DOMAIN to 127.0.0.1 through zonedns. Variants
// add the settings common installations have that break a naive recipe: dnsmasq's
// stop-dns-rebind (OpenWrt, Pi-hole), unbound's DNSSEC validation (Debian's default) and
// private-address (pfSense, Pi-hole). systemd-resolved runs in its own network and mount
// namespaces (needs root; see support/resolved.ts) with the drop-in in its resolved.conf.d.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { usualDevPort } from '../../src/dev/port.js';
import { lookup, printedRecipe, startDev, type DevProcess } from '../support/dev.js';
import { describeWithPeers } from '../support/peers.js';
import { freePort } from './support/knot.js';
import { spawnPeerProcess, type PeerProcess } from './support/peer-process.js';
import { resolvedSandboxUnavailable, startResolvedSandbox, type ResolvedSandbox } from './support/resolved.js';

/** Polls a resolver until NAME TYPE answers DATA (it may still be starting), else throws with its log. */
async function resolvesTo(port: number, name: string, type: 'A' | 'AAAA', data: string[], peer: PeerProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  for (;;) {
    try {
      const r = await lookup('127.0.0.1', port, name, type);
      if (r.rcode === 0 && JSON.stringify(r.data) === JSON.stringify(data)) return;
      last = JSON.stringify(r);
    } catch (e) {
      last = (e as Error).message;
    }
    if (peer.exited() || Date.now() > deadline) throw new Error(`${name} ${type}: wanted ${data.join(' ')}, last: ${last}\n${peer.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWithPeers('zonedns dev recipes, through real dnsmasq and unbound', ['dnsmasq', 'unbound'], () => {
  let dev: DevProcess;
  const peers: PeerProcess[] = [];
  beforeAll(async () => {
    dev = await startDev(['--resolver', 'all', '--listen', '127.0.0.1:0', '--to', 'box=172.17.0.2']);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await dev?.stop();
  });

  async function dnsmasq(extra: string[], content: string): Promise<{ port: number; peer: PeerProcess }> {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-dnsmasq-'));
    writeFileSync(join(dir, 'zonedns-dev.test.conf'), content);
    const port = await freePort();
    const peer = spawnPeerProcess('dnsmasq', [
      '--no-daemon', `--conf-file=${join(dir, 'zonedns-dev.test.conf')}`, `--port=${port}`, '--listen-address=127.0.0.1',
      '--bind-interfaces', '--no-resolv', '--no-hosts', `--pid-file=${join(dir, 'dnsmasq.pid')}`, ...extra,
    ], dir);
    peers.push(peer);
    return { port, peer };
  }

  test('NetworkManager\'s dnsmasq gets the same lines as dnsmasq on its own', () => {
    expect(printedRecipe(dev.stdout(), 'networkmanager').content).toBe(printedRecipe(dev.stdout(), 'dnsmasq').content);
  });

  test.each([
    ['as installed', []],
    ['with stop-dns-rebind (OpenWrt, Pi-hole)', ['--stop-dns-rebind']],
  ])('dnsmasq %s resolves myapp.dev.test, deep names and --to names through zonedns', async (_name, extra) => {
    const { port, peer } = await dnsmasq(extra, printedRecipe(dev.stdout(), 'dnsmasq').content);
    await resolvesTo(port, 'myapp.dev.test', 'A', ['127.0.0.1'], peer);
    await resolvesTo(port, 'a.b.c.dev.test', 'AAAA', ['::1'], peer);
    await resolvesTo(port, 'box.dev.test', 'A', ['172.17.0.2'], peer);
  }, 30_000);

  test.each([
    ['as installed, not validating', []],
    ['validating with the root trust anchor, as Debian ships it', ['trust-anchor-file: "/usr/share/dns/root.key"']],
    ['with private-address rebind protection (pfSense, Pi-hole)', ['private-address: 127.0.0.0/8', 'private-address: 172.16.0.0/12', 'private-address: ::1/128']],
  ])('unbound %s resolves myapp.dev.test through zonedns, and keeps other .test names to itself', async (_name, extra) => {
    if (extra.some((l) => l.includes('root.key')) && !existsSync('/usr/share/dns/root.key')) throw new Error('/usr/share/dns/root.key is missing (Debian package dns-root-data)');
    const recipe = printedRecipe(dev.stdout(), 'unbound');
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-unbound-'));
    // The printed file as Debian's unbound.conf includes /etc/unbound/unbound.conf.d/*.conf.
    writeFileSync(join(dir, basename(recipe.path)), recipe.content);
    const port = await freePort();
    writeFileSync(join(dir, 'unbound.conf'), [
      'server:',
      `    interface: 127.0.0.1@${port}`,
      `    port: ${port}`,
      '    chroot: ""',
      '    username: ""',
      `    directory: "${dir}"`,
      `    pidfile: "${join(dir, 'unbound.pid')}"`,
      '    use-syslog: no',
      ...extra.map((l) => `    ${l}`),
      `include-toplevel: "${join(dir, basename(recipe.path))}"`,
      '',
    ].join('\n'));
    const peer = spawnPeerProcess('unbound', ['-d', '-c', join(dir, 'unbound.conf')], dir);
    peers.push(peer);
    await resolvesTo(port, 'myapp.dev.test', 'A', ['127.0.0.1'], peer);
    await resolvesTo(port, 'a.b.c.dev.test', 'AAAA', ['::1'], peer);
    await resolvesTo(port, 'box.dev.test', 'A', ['172.17.0.2'], peer);
    // RFC 6761 §6.2: the rest of .test stays unbound's own NXDOMAIN, never asked of the root.
    expect((await lookup('127.0.0.1', port, 'other.test', 'A')).rcode).toBe(3);
  }, 30_000);

  test('zonedns dev killed (-9) and started again: dnsmasq, configured once, reaches it again', async () => {
    const domain = `again${process.pid}.test`;
    const first = await startDev([domain, '--resolver', 'dnsmasq']);
    expect(first.port).toBe(usualDevPort(domain));
    const { port, peer } = await dnsmasq([], printedRecipe(first.stdout(), 'dnsmasq').content);
    await resolvesTo(port, `myapp.${domain}`, 'A', ['127.0.0.1'], peer);
    await first.stop('SIGKILL');
    const second = await startDev([domain, '--resolver', 'dnsmasq']);
    try {
      // A name dnsmasq has not cached: it must come from the new zonedns.
      await resolvesTo(port, `fresh.${domain}`, 'A', ['127.0.0.1'], peer);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describeWithPeers('zonedns dev recipe, through a real systemd-resolved', ['systemd-resolved', 'unshare', 'nsenter', 'ip', 'dig'], () => {
  let sandbox: ResolvedSandbox;
  let dev: DevProcess;
  beforeAll(async () => {
    sandbox = await startResolvedSandbox();
    // zonedns runs in the sandbox's network namespace too: resolved reaches it on its loopback.
    dev = await startDev(['--resolver', 'systemd-resolved', '--listen', '127.0.0.1:0'], { wrap: sandbox.enter });
    const recipe = printedRecipe(dev.stdout(), 'systemd-resolved');
    expect(recipe.path).toBe('/etc/systemd/resolved.conf.d/zonedns-dev.test.conf');
    await sandbox.startResolved({ [basename(recipe.path)]: recipe.content });
  }, 60_000);
  afterAll(async () => {
    await dev?.stop();
    await sandbox?.stop();
  });

  test('its parser takes the drop-in: no warning about it, and the DNS server it names is in use', async () => {
    const used = `Using DNS server 127.0.0.1:${dev.port} for transaction`;
    const deadline = Date.now() + 15_000;
    let answer = '';
    // dig blocks this process: between tries, let resolved's log lines in.
    while ((!/^myapp\.dev\.test\.\s+\d+\s+IN\s+A\s+127\.0\.0\.1$/m.test(answer) || !sandbox.log().includes(used)) && Date.now() < deadline) {
      answer = sandbox.dig('myapp.dev.test', 'A');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toMatch(/^myapp\.dev\.test\.\s+\d+\s+IN\s+A\s+127\.0\.0\.1$/m);
    expect(sandbox.log()).toContain(used);
    // resolved names the file and line of whatever it could not parse (config_parse's warnings).
    expect(sandbox.log()).not.toMatch(/zonedns-dev\.test\.conf:\d+: /);
  }, 30_000);

  test('resolves deep names and AAAA too', () => {
    expect(sandbox.dig('a.b.c.dev.test', 'AAAA')).toMatch(/^a\.b\.c\.dev\.test\.\s+\d+\s+IN\s+AAAA\s+::1$/m);
  });
}, resolvedSandboxUnavailable);
