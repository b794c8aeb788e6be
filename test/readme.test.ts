// Every shell block in README.md is exercised or says why not: a block must be preceded by a
// `<!-- readme-test: KIND -->` marker. run: each command exits 0. serve: started as a user
// would (`npm start`; `npm ci` is what .ci/run itself runs before this suite), then the
// with-server blocks run against it and must get an answer. dev: `zonedns dev`, whose output
// must be exactly the text block marked dev-output that follows it.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { lookup, startDev } from './support/dev.js';
import { describeWithPeers } from './support/peers.js';

const ROOT = new URL('..', import.meta.url).pathname;
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Block {
  kind: string;
  commands: string[];
  line: number;
  /** The block's lines as written. */
  text: string;
}

function blocks(): Block[] {
  const out: Block[] = [];
  const lines = README.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // Text blocks only when marked (what a command prints); every shell block must be.
    const text = /^```text\s*$/.test(lines[i]) && /^<!-- readme-test: /.test(lines[i - 1] ?? '');
    if (!text && !/^```(sh|bash)\s*$/.test(lines[i])) continue;
    const marker = /^<!-- readme-test: (\S+)/.exec(lines[i - 1] ?? '');
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    const commands = text ? [] : body.map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'));
    out.push({ kind: marker ? marker[1] : 'unmarked', commands, line: i - body.length, text: body.join('\n') + '\n' });
  }
  return out;
}

const all = blocks();

describe('README', () => {
  test('every shell block is marked for this test', () => {
    expect(all.filter((b) => b.kind === 'unmarked').map((b) => `README.md:${b.line}`)).toEqual([]);
    expect(all.some((b) => b.kind === 'serve')).toBe(true);
  });

  test.each(all.filter((b) => b.kind === 'run').flatMap((b) => b.commands))('runs: %s', (cmd) => {
    const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect({ cmd, status: r.status, stderr: r.stderr }).toEqual({ cmd, status: 0, stderr: r.stderr });
    expect(r.stdout).toMatch(/OK/);
  });
});

describeWithPeers('README quick start (npm start, then dig)', ['dig'], () => {
  const serve = all.find((b) => b.kind === 'serve')!;
  let server: ChildProcess | undefined;
  let log = '';

  beforeAll(async () => {
    // The block reads `npm ci && npm start`: npm ci already ran (it is how this suite got its
    // node_modules), so start the server exactly as the second half says.
    const command = serve.commands[0].replace(/^npm ci && /, '');
    expect(command).toBe('npm start');
    server = spawn('bash', ['-c', command], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    server.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const deadline = Date.now() + 60_000;
    while (!/ info ready /.test(log)) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`npm start did not become ready:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 90_000);

  afterAll(() => {
    if (server?.pid) {
      try { process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  });

  test.each(all.filter((b) => b.kind === 'with-server').flatMap((b) => b.commands))('answers: %s', (cmd) => {
    const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/status: NOERROR/);
    expect(r.stdout).toMatch(/flags: qr aa/);
    expect(r.stdout).toMatch(/www\.example\.com\.\s+\d+\s+IN\s+CNAME\s+example\.com\./);
    expect(r.stdout).toMatch(/example\.com\.\s+\d+\s+IN\s+A\s+192\.0\.2\.1[012]/);
  });
});

describe('README local development domain (zonedns dev)', () => {
  const command = all.find((b) => b.kind === 'dev');
  const printed = all.find((b) => b.kind === 'dev-output');

  test('prints exactly the README\'s text, and serves what it says', async () => {
    expect(command?.commands).toHaveLength(1);
    const args = /^node bin\/zonedns dev(?: (.*))?$/.exec(command!.commands[0]);
    expect(args).not.toBeNull();
    const dev = await startDev(args![1]?.split(' ') ?? []);
    try {
      expect(dev.stdout()).toBe(printed!.text);
      expect(await lookup('127.0.0.1', dev.port, 'myapp.dev.test', 'A')).toEqual({ rcode: 0, data: ['127.0.0.1'] });
    } finally {
      await dev.stop();
    }
  }, 30_000);
});
