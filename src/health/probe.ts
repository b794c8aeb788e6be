// The probes that decide whether an address is up: a TCP connect, or an HTTP(S) GET whose status
// (and optionally body) must match. Each settles once, never throws, and destroys its socket when
// the check's signal aborts (the check's timeout, or the check being stopped).

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CheckResult } from './check-state.js';
import type { Probe } from './check.js';
import type { ProbeSpec } from './rule.js';

/** Body read for `contains`: health endpoints are small; a huge one is not read to its end. */
const MAX_BODY = 64 * 1024;

export const runProbe: Probe = (spec, address, signal) =>
  spec.kind === 'tcp' ? tcpProbe(spec.port, address, signal) : httpProbe(spec, address, signal);

function tcpProbe(port: number, address: string, signal: AbortSignal): Promise<CheckResult> {
  return settleOnce(signal, (done) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => done({ ok: true }));
    socket.on('error', (e) => done(failure(e)));
    return () => socket.destroy();
  });
}

function httpProbe(spec: Extract<ProbeSpec, { kind: 'http' | 'https' }>, address: string, signal: AbortSignal): Promise<CheckResult> {
  return settleOnce(signal, (done) => {
    const bracketed = address.includes(':') ? `[${address}]` : address;
    const defaultPort = spec.kind === 'https' ? 443 : 80;
    const host = spec.host ?? bracketed;
    const options: https.RequestOptions = {
      host: address,
      port: spec.port,
      path: spec.path,
      method: 'GET',
      agent: false,
      headers: { host: spec.port === defaultPort ? host : `${host}:${spec.port}`, 'user-agent': 'zonedns-health-check', connection: 'close' },
    };
    if (spec.kind === 'https') {
      // Health endpoints often sit behind self-signed or internal certificates: verified only
      // when asked, then against `host` (SNI too) or the address.
      options.rejectUnauthorized = spec.verify;
      if (spec.host !== undefined) options.servername = spec.host;
    }
    const req = (spec.kind === 'https' ? https : http).request(options, (res) => {
      if (res.statusCode !== spec.expect) {
        done({ ok: false, reason: `HTTP ${res.statusCode}` });
        return;
      }
      const want = spec.contains;
      if (want === undefined) {
        done({ ok: true });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.includes(want)) done({ ok: true });
        else if (body.length >= MAX_BODY) done({ ok: false, reason: `body lacks ${JSON.stringify(want)} (first ${MAX_BODY} bytes)` });
      });
      res.once('end', () => done(body.includes(want) ? { ok: true } : { ok: false, reason: `body lacks ${JSON.stringify(want)}` }));
      res.on('error', (e) => done(failure(e)));
    });
    // Destroying the request after the result may emit more errors: all are listened to.
    req.on('error', (e) => done(failure(e)));
    req.end();
    return () => req.destroy();
  });
}

/**
 * A promise that settles with the first result `start` reports, or when `signal` aborts; either
 * way the cleanup `start` returned runs (the socket or request destroyed: nothing is left open).
 */
function settleOnce(signal: AbortSignal, start: (done: (r: CheckResult) => void) => () => void): Promise<CheckResult> {
  return new Promise((resolve) => {
    let settled = false;
    let cleanup: (() => void) | undefined;
    const done = (r: CheckResult) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(r);
      cleanup?.();
    };
    const onAbort = () => done({ ok: false, reason: 'aborted' });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    cleanup = start(done);
    if (settled) cleanup();
  });
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EADDRNOTAVAIL: 'address not available',
};

function failure(e: Error): CheckResult {
  const code = (e as NodeJS.ErrnoException).code;
  return { ok: false, reason: (code !== undefined ? REASONS[code] : undefined) ?? e.message };
}
