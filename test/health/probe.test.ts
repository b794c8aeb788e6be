// The real probes against real listeners on loopback: TCP connect, HTTP status and body, HTTPS
// with a self-signed certificate (accepted unless `verify`), and a target that accepts but never
// answers, which the check's abort ends (socket destroyed, promise settled).

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbe } from '../../src/health/probe.js';
import type { ProbeSpec } from '../../src/health/rule.js';
import { findProgram } from '../support/peers.js';

const HOST = '127.0.0.1';
const never = () => new AbortController().signal;
const http_ = (port: number, more: Partial<Exclude<ProbeSpec, { kind: 'tcp' }>> = {}): ProbeSpec => ({ kind: 'http', port, path: '/healthz', expect: 200, verify: false, ...more });

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)));
}

describe('probes', () => {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  let web: number;
  let silent: number;
  let closed: number;
  const closedByClient = new Set<net.Socket>();

  beforeAll(async () => {
    const w = http.createServer((req, res) => {
      if (req.url === '/healthz') res.end(`host=${req.headers.host} ok`);
      else if (req.url === '/big') res.end('x'.repeat(200_000));
      else { res.statusCode = 503; res.end('down'); }
    });
    servers.push(w);
    web = await listen(w);
    // Accepts, reads, never answers; notes when the client has closed the connection.
    const s = net.createServer((sock) => {
      sockets.push(sock);
      sock.resume();
      sock.on('close', () => closedByClient.add(sock));
      sock.on('error', () => {});
    });
    servers.push(s);
    silent = await listen(s);
    const c = net.createServer();
    closed = await listen(c);
    await new Promise((r) => c.close(r)); // nothing listens there now
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  test('tcp: a listener is up, a closed port is "connection refused"', async () => {
    expect(await runProbe({ kind: 'tcp', port: web }, HOST, never())).toEqual({ ok: true });
    expect(await runProbe({ kind: 'tcp', port: closed }, HOST, never())).toEqual({ ok: false, reason: 'connection refused' });
  });

  test('http: status, body text, Host header', async () => {
    expect(await runProbe(http_(web), HOST, never())).toEqual({ ok: true });
    expect(await runProbe(http_(web, { contains: 'ok' }), HOST, never())).toEqual({ ok: true });
    expect(await runProbe(http_(web, { host: 'www.example.com', contains: `host=www.example.com:${web} ok` }), HOST, never())).toEqual({ ok: true });
    expect(await runProbe(http_(web, { contains: 'healthy' }), HOST, never())).toEqual({ ok: false, reason: 'body lacks "healthy"' });
    expect(await runProbe(http_(web, { path: '/other' }), HOST, never())).toEqual({ ok: false, reason: 'HTTP 503' });
    expect(await runProbe(http_(web, { path: '/other', expect: 503 }), HOST, never())).toEqual({ ok: true });
    expect(await runProbe(http_(web, { path: '/big', contains: 'y' }), HOST, never())).toEqual({ ok: false, reason: 'body lacks "y" (first 65536 bytes)' });
    expect(await runProbe(http_(closed), HOST, never())).toEqual({ ok: false, reason: 'connection refused' });
  });

  test('IPv6: the address in brackets in the Host header', async () => {
    const v6 = http.createServer((req, res) => res.end(`host=${req.headers.host}`));
    const port = await new Promise<number>((resolve) => v6.listen(0, '::1', () => resolve((v6.address() as AddressInfo).port)));
    try {
      expect(await runProbe(http_(port, { path: '/', contains: `host=[::1]:${port}` }), '::1', never())).toEqual({ ok: true });
      expect(await runProbe({ kind: 'tcp', port }, '::1', never())).toEqual({ ok: true });
    } finally {
      await new Promise((r) => v6.close(r));
    }
  });

  test('a target that never answers: the abort settles the probe and closes the connection', async () => {
    for (const spec of [{ kind: 'tcp', port: silent } as const, http_(silent)]) {
      const before = sockets.length;
      const ac = new AbortController();
      const probing = runProbe(spec, HOST, ac.signal);
      const deadline = Date.now() + 2000;
      while (sockets.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      if (spec.kind === 'tcp') {
        // A TCP check is done at connect: up, even if the server says nothing.
        expect(await probing).toEqual({ ok: true });
        continue;
      }
      ac.abort();
      expect(await probing).toEqual({ ok: false, reason: 'aborted' });
      const sock = sockets.at(-1)!;
      const deadline2 = Date.now() + 2000;
      while (!closedByClient.has(sock) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 5));
      expect(closedByClient.has(sock)).toBe(true);
    }
    const ac = new AbortController();
    ac.abort();
    expect(await runProbe({ kind: 'tcp', port: web }, HOST, ac.signal)).toEqual({ ok: false, reason: 'aborted' });
  });
});

describe('https probes', () => {
  const openssl = findProgram('openssl');
  let dir: string;
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    if (openssl === undefined) return;
    dir = mkdtempSync(join(tmpdir(), 'zonedns-probe-'));
    execFileSync(openssl, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=www.example.com',
      '-addext', 'subjectAltName=DNS:www.example.com', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => res.end(`sni ok ${req.headers.host}`));
    port = await listen(server);
  });

  afterAll(async () => {
    if (server !== undefined) await new Promise((r) => server.close(r));
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const spec = (verify: boolean): ProbeSpec => ({ kind: 'https', port, path: '/', host: 'www.example.com', expect: 200, contains: 'sni ok', verify });

  (openssl === undefined ? test.skip : test)('a self-signed certificate is accepted unless verify is on', async () => {
    expect(await runProbe(spec(false), HOST, new AbortController().signal)).toEqual({ ok: true });
    const verified = await runProbe(spec(true), HOST, new AbortController().signal);
    expect(verified.ok).toBe(false);
    expect(verified.reason).toMatch(/self[- ]signed certificate/);
  });
});
