// `zonedns ctl VERB [ZONE]`: one request to a running server over its control socket
// (ops/control-protocol.ts), its answer printed for people, or as JSON with --json.
//
// The socket is found as the server finds it: --socket, else the configuration's (--config FILE:
// `control.socket`, else `zonedns.sock` in its `stateDir`), else /run/zonedns/zonedns.sock.
// Exit codes: 0 done, 1 the server said no (unknown zone, ...), 2 usage or configuration,
// 3 no server answers on the socket.

import net from 'node:net';
import { controlSocketPath, DEFAULT_CONTROL_SOCKET } from '../ops/ops.js';
import { requestLine, VERBS, type ControlResponse, type Verb } from '../ops/control-protocol.js';
import type { ZoneReport } from '../ops/verbs.js';
import { loadConfigFile } from './config.js';

export interface CtlOptions {
  verb: string;
  zone?: string;
  socket?: string;
  config?: string;
  json?: boolean;
  /** How long to wait for the answer (a reload of a big zone takes a while). */
  timeoutMs?: number;
}

export interface CtlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

/** The largest answer we read (a status of every zone of a big server fits many times over). */
const MAX_ANSWER_BYTES = 256 << 20;

export async function runCtl(opts: CtlOptions): Promise<CtlResult> {
  const fail = (code: number, message: string): CtlResult => ({ code, stdout: '', stderr: `zonedns ctl: ${message}\n` });
  if (!Object.hasOwn(VERBS, opts.verb)) return fail(EXIT_USAGE, `unknown verb "${opts.verb}" (verbs: ${Object.keys(VERBS).join(', ')})`);
  const verb = opts.verb as Verb;
  if (VERBS[verb] === 'required' && opts.zone === undefined) return fail(EXIT_USAGE, `${verb} needs a zone: zonedns ctl ${verb} ZONE`);
  if (VERBS[verb] === 'none' && opts.zone !== undefined) return fail(EXIT_USAGE, `${verb} takes no zone`);
  let path = opts.socket;
  if (path === undefined && opts.config !== undefined) {
    try {
      path = controlSocketPath(loadConfigFile(opts.config)).path;
    } catch (e) {
      return fail(EXIT_USAGE, (e as Error).message);
    }
  }
  path ??= DEFAULT_CONTROL_SOCKET;
  let response: ControlResponse;
  try {
    response = await exchange(path, requestLine(verb, opts.zone), opts.timeoutMs ?? 120_000);
  } catch (e) {
    return fail(EXIT_UNREACHABLE, `${path}: ${(e as Error).message}`);
  }
  if (!response.ok) return fail(EXIT_REFUSED, response.error);
  return { code: 0, stdout: opts.json ? `${JSON.stringify(response.result, null, 2)}\n` : human(verb, response.result), stderr: '' };
}

function exchange(path: string, line: string, timeoutMs: number): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const chunks: Buffer[] = [];
    let length = 0;
    const done = (err: Error | undefined, value?: ControlResponse) => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(line));
    socket.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_ANSWER_BYTES) done(new Error('answer too large'));
      else chunks.push(chunk);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? 'no such socket (is zonedns running? see --socket, --config)'
        : e.code === 'ECONNREFUSED' ? 'nothing answers (a socket left by a server that is gone?)'
          : e.code === 'EACCES' ? 'permission denied (the socket is only for the user zonedns runs as, and root)' : e.message;
      done(new Error(why));
    });
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        done(undefined, JSON.parse(text) as ControlResponse);
      } catch {
        done(new Error(text === '' ? 'the server closed the connection without an answer' : 'unreadable answer'));
      }
    });
  });
}

/** The answer as lines for people. */
function human(verb: Verb, result: unknown): string {
  switch (verb) {
    case 'status': return statusText(result as StatusResult);
    case 'zones': return (result as ZoneReport[]).map(zoneText).join('');
    case 'notify': {
      const r = result as { zone: string; serial: number; targets: string[] };
      return `NOTIFY for ${r.zone} serial ${r.serial} sent to ${r.targets.join(', ')}\n`;
    }
    case 'reload': {
      const r = result as { zone?: string; serial?: number; loaded?: number; failed?: number };
      return r.zone === undefined ? `zone files loaded: ${r.loaded} ok, ${r.failed} failed\n` : `${r.zone} loaded, serial ${r.serial}\n`;
    }
    case 'refresh':
    case 'retransfer': {
      const r = result as { zone: string; serial?: number; outcome: string };
      return `${r.zone} ${r.outcome === 'transferred' ? 'transferred' : 'up to date'}, serial ${r.serial ?? '-'}\n`;
    }
    case 'reconfig': {
      const r = result as { zonesBefore: number; zonesAfter: number; needRestart: string[] };
      return `configuration applied: ${r.zonesAfter} zones (before: ${r.zonesBefore})${r.needRestart.length > 0 ? `; needs a restart to apply: ${r.needRestart.join(', ')}` : ''}\n`;
    }
    case 'stop': return 'stopping\n';
    default: return `${JSON.stringify(result)}\n`;
  }
}

interface StatusResult {
  version: string;
  pid: number;
  uptimeSeconds: number;
  configFile?: string;
  listening: string[];
  controlSocket?: string;
  metrics?: string;
  ready: boolean;
  zones: { total: number; loaded: number; failed: number; secondaries: number; expired: number };
  zoneLoads: { ok: number; failed: number };
  rssBytes: number;
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m ${s}s` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

function statusText(r: StatusResult): string {
  const z = r.zones;
  return [
    `zonedns ${r.version}, pid ${r.pid}, up ${duration(r.uptimeSeconds)}, ${r.ready ? 'ready' : 'not ready (zones loading)'}`,
    `zones: ${z.total} (${z.loaded} loaded, ${z.failed} failed${z.secondaries > 0 ? `; ${z.secondaries} secondary, ${z.expired} expired` : ''})`,
    `zone file loads: ${r.zoneLoads.ok} ok, ${r.zoneLoads.failed} failed`,
    `listening: ${r.listening.join(', ')}`,
    ...(r.configFile === undefined ? [] : [`config: ${r.configFile}`]),
    ...(r.controlSocket === undefined ? [] : [`control: ${r.controlSocket}`]),
    ...(r.metrics === undefined ? [] : [`metrics: http://${r.metrics}/metrics`]),
    `memory: ${(r.rssBytes / 1048576).toFixed(1)} MiB resident`,
  ].join('\n') + '\n';
}

function zoneText(z: ZoneReport): string {
  const lines = [`${z.zone} ${z.kind} ${z.state} serial ${z.serial ?? '-'}${z.loadedAt === undefined ? '' : ` loaded ${z.loadedAt}`}`, `  source: ${z.source}`];
  if (z.lastLoad?.error !== undefined) lines.push(`  last load ${z.lastLoad.at} failed: ${z.lastLoad.error}`);
  const s = z.secondary;
  if (s !== undefined) {
    if (s.lastCheck !== undefined) lines.push(`  last check ${s.lastCheck.at}: ${s.lastCheck.outcome}${s.lastCheck.error === undefined ? '' : ` (${s.lastCheck.error})`}`);
    if (s.nextCheckInSeconds !== undefined) lines.push(`  next check in ${duration(s.nextCheckInSeconds)} (${s.nextCheckAt})`);
    if (s.expiresInSeconds !== undefined) lines.push(`  expires in ${duration(s.expiresInSeconds)} (${s.expiresAt}) without a successful check`);
  }
  return lines.join('\n') + '\n';
}
