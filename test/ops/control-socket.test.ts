// The control channel (src/ops/control-protocol.ts, control-socket.ts) against what a hostile or
// clumsy client does: requests checked before parsing (size, and nesting: BIND's CVE-2023-3341
// was a deeply nested control message parsed recursively), slow and idle clients that never
// hold anyone else up, a connection flood, and the socket file itself: mode 0600, a stale file
// left by a killed server replaced, a live server's socket or a non-socket never touched.

import { afterEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { ControlError, jsonDepth, MAX_REQUEST_BYTES, parseRequest, requestLine } from '../../src/ops/control-protocol.js';
import { listenControl, type ControlHandler, type ControlSocket } from '../../src/ops/control-socket.js';

const dirs: string[] = [];
const sockets: ControlSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'zonedns-ctl-'));
  dirs.push(d);
  return d;
};

const echo: ControlHandler = (r) => ({ verb: r.verb, zone: r.zone });
const LIMITS = { requestTimeoutMs: 300, writeTimeoutMs: 1000, maxConnections: 4 };

async function serve(handler = echo, path = join(tempDir(), 'ctl.sock')): Promise<ControlSocket> {
  const s = await listenControl(path, handler, silentLogger, LIMITS);
  sockets.push(s);
  return s;
}

/** Sends `bytes` and resolves with everything the server says before it closes. */
function talk(path: string, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(path);
    let out = '';
    c.on('connect', () => c.write(bytes));
    c.on('data', (d) => { out += d.toString(); });
    c.on('close', () => resolve(out));
    // Reset by the server (a connection over the limit): what was said so far, likely nothing.
    c.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(out) : reject(e)));
  });
}
const ask = async (path: string, bytes: string | Buffer) => JSON.parse(await talk(path, bytes)) as { ok: boolean; result?: unknown; error?: string };

describe('requests are checked before they are parsed', () => {
  test.each([
    ['status', '{"v":1,"verb":"status"}', { v: 1, verb: 'status' }],
    ['a zone', '{"v":1,"verb":"zones","zone":"example.com"}', { v: 1, verb: 'zones', zone: 'example.com' }],
    ['brackets inside a string', '{"v":1,"verb":"notify","zone":"[[{{\\"]]"}', { v: 1, verb: 'notify', zone: '[[{{"]]' }],
  ])('%s: accepted', (_what, line, want) => {
    expect(parseRequest(line)).toEqual(want);
  });

  test.each([
    ['not JSON', '{"v":1,', 'not JSON'],
    ['an array', '[1]', 'not a JSON object'],
    ['one level of nesting', '{"v":1,"verb":"status","x":{}}', 'nested too deeply'],
    ['CVE-2023-3341 shape: deep nesting', `{"v":1,"verb":"status","zone":${'['.repeat(1500)}`, 'nested too deeply'],
    ['too large', `{"v":1,"verb":"zones","zone":"${'a'.repeat(MAX_REQUEST_BYTES)}"}`, `larger than ${MAX_REQUEST_BYTES}`],
    ['another protocol version', '{"v":2,"verb":"status"}', 'protocol version 2'],
    ['an unknown verb', '{"v":1,"verb":"dance"}', 'unknown verb "dance"'],
    ['an unknown key', '{"v":1,"verb":"status","force":true}', 'unknown request key "force"'],
    ['a verb without its zone', '{"v":1,"verb":"refresh"}', 'refresh needs a zone'],
    ['a zone where none is taken', '{"v":1,"verb":"status","zone":"x"}', 'status takes no zone'],
    ['a zone that is not a string', '{"v":1,"verb":"zones","zone":5}', '"zone" must be a non-empty string'],
  ])('%s: refused', (_what, line, error) => {
    expect(() => parseRequest(line)).toThrow(ControlError);
    expect(() => parseRequest(line)).toThrow(error);
  });

  test('the depth scan is linear and stops at the limit: a megabyte of brackets takes no stack', () => {
    expect(jsonDepth('['.repeat(1 << 20), 1)).toBe(2);
    expect(jsonDepth('{"a":"[[[[","b":{}}', 8)).toBe(2);
  });
});

describe('the control socket', () => {
  test('mode 0600, created with it; one request, one answer, then the server closes', async () => {
    const s = await serve();
    expect(lstatSync(s.path).mode & 0o777).toBe(0o600);
    expect(await ask(s.path, requestLine('zones', 'example.com'))).toEqual({ ok: true, result: { verb: 'zones', zone: 'example.com' } });
    expect(await ask(s.path, '{"v":1,"verb":"status","zone":' + '['.repeat(1000) + '\n')).toEqual({ ok: false, error: expect.stringContaining('nested too deeply') });
  });

  test('a verb that fails says why; a bug in a verb is an error answer, not a crash', async () => {
    const s = await serve((r) => {
      if (r.verb === 'notify') throw new ControlError('no zone x.');
      throw new Error('boom');
    });
    expect(await ask(s.path, requestLine('notify', 'x'))).toEqual({ ok: false, error: 'no zone x.' });
    expect(await ask(s.path, requestLine('status'))).toEqual({ ok: false, error: 'boom' });
  });

  test('an oversized request is refused once it passes the limit, without waiting for its end', async () => {
    const s = await serve();
    const reply = await ask(s.path, Buffer.alloc(MAX_REQUEST_BYTES + 10, 0x61));
    expect(reply).toEqual({ ok: false, error: `request larger than ${MAX_REQUEST_BYTES} bytes` });
  });

  test('a slow client and a connection flood hold nobody up: others are answered, the slow one is cut off', async () => {
    const s = await serve();
    const slow = net.connect(s.path);
    const slowClosed = new Promise<number>((resolve) => { const t0 = performance.now(); slow.on('close', () => resolve(performance.now() - t0)); });
    slow.on('error', () => {});
    slow.write('{"v":1,');
    expect(await ask(s.path, requestLine('status'))).toMatchObject({ ok: true });
    // Fill the remaining places; one more is closed at once, and answered again once they go.
    const idle = await Promise.all([1, 2, 3].map(() => new Promise<net.Socket>((resolve) => { const c = net.connect(s.path, () => resolve(c)); c.on('error', () => {}); })));
    expect(await talk(s.path, requestLine('status'))).toBe('');
    expect(await slowClosed).toBeLessThan(LIMITS.requestTimeoutMs + 1000);
    for (const c of idle) c.destroy();
    await new Promise((r) => setImmediate(r));
    let answered = false;
    for (let i = 0; i < 50 && !answered; i++) answered = (await talk(s.path, requestLine('status'))) !== '';
    expect(answered).toBe(true);
  });

  test('close() lets an answer in flight out (ctl stop answers before the server goes)', async () => {
    let closed: Promise<void> | undefined;
    let socket: ControlSocket | undefined;
    const s = await serve(() => {
      // As `serve` does on `ctl stop`: the shutdown starts now, the answer goes out after.
      closed = socket!.close();
      return { stopping: true };
    });
    socket = s;
    const started = performance.now();
    expect(JSON.parse(await talk(s.path, requestLine('stop')))).toEqual({ ok: true, result: { stopping: true } });
    await closed;
    expect(performance.now() - started).toBeLessThan(1500); // not the 2 s safety net
    expect(existsSync(s.path)).toBe(false);
  });
});

describe('the socket file at start-up', () => {
  test('a stale socket left by a killed process is replaced', async () => {
    const path = join(tempDir(), 'ctl.sock');
    const child = spawn(process.execPath, ['-e', 'require("net").createServer().listen(process.argv[1], () => console.log("up"))', path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    expect(lstatSync(path).isSocket()).toBe(true);
    const s = await serve(echo, path);
    expect(await ask(s.path, requestLine('status'))).toMatchObject({ ok: true });
  });

  test('a socket another process answers on is left alone: an error, not a takeover', async () => {
    const first = await serve();
    await expect(listenControl(first.path, echo, silentLogger, LIMITS)).rejects.toThrow('another process answers on this socket');
    expect(await ask(first.path, requestLine('status'))).toMatchObject({ ok: true });
  });

  test('a file that is not a socket is never deleted', async () => {
    const path = join(tempDir(), 'ctl.sock');
    writeFileSync(path, 'precious');
    await expect(listenControl(path, echo, silentLogger, LIMITS)).rejects.toThrow('exists and is not a socket');
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  test('a missing directory is created', async () => {
    const s = await serve(echo, join(tempDir(), 'run', 'zonedns', 'ctl.sock'));
    expect(await ask(s.path, requestLine('status'))).toMatchObject({ ok: true });
  });
});
