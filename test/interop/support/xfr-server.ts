// zonedns as a primary for the transfer interop tests: in-process, on a loopback port, with the
// zone in a temp file (so a test edits the file and reloads it the way the watcher would), a
// transfer ACL, NOTIFY targets over real UDP, and a journal in a temp state directory. Every
// log line is kept so tests can check what the primary did (AXFR vs IXFR served, NOTIFY acked).
//
// With `key`, transfers need that TSIG key (ACL `keys`) and NOTIFYs are signed with it.
//
// With `dnssec`, zonedns signs the zone (a signing hidden primary).
//
// Also: a small AXFR/IXFR client over TCP (reads messages until the closing SOA; optionally
// TSIG-signed, every message verified) and SOA polling.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../../src/dns/name.js';
import { rdataToText } from '../../../src/dns/rdata/index.js';
import type { Logger, LogFields } from '../../../src/log.js';
import { ZoneManager } from '../../../src/reload/zones.js';
import { SigningService } from '../../../src/dnssec/signing-service.js';
import { DEFAULT_SIGN_POLICY, type SignPolicy } from '../../../src/dnssec/sign-zone.js';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { ZoneRegistry } from '../../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../../src/zone/snapshot.js';
import { TransferPolicy } from '../../../src/xfr/acl.js';
import { Notifier, parseNotifyTarget, udpNotifyTransport } from '../../../src/xfr/notify.js';
import { XfrService } from '../../../src/xfr/service.js';
import { createTsigHook } from '../../../src/tsig/hook.js';
import { TsigKeyring, type TsigKey } from '../../../src/tsig/keys.js';
import { signRequest, TsigStreamVerifier } from '../../../src/tsig/tsig.js';
import { encodeQuery, nameText, parseResponse, T, typeName, udpAsk, type ParsedRR } from './wire.js';

export interface XfrPrimary {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly file: string;
  readonly origin: string;
  /** Every line logged, `level message {fields}`. */
  readonly logs: string[];
  snapshot(): ZoneSnapshot;
  /** Writes new zone text and reloads it (what the file watcher does on a change). */
  update(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function startXfrPrimary(opts: {
  origin: string;
  text: string;
  /** Transfer ACL of the zone (default: 127.0.0.1 only). */
  allow?: string[];
  /** NOTIFY targets, `127.0.0.1:PORT`. */
  notify?: string[];
  host?: string;
  /** TSIG: transfers must be signed with this key (and come from `allow`); NOTIFYs are signed with it. */
  key?: TsigKey;
  /** zonedns signs the zone (keys and signed copy in the temp state directory). */
  dnssec?: Partial<SignPolicy>;
}): Promise<XfrPrimary> {
  const dir = mkdtempSync(join(tmpdir(), 'zonedns-xfr-primary-'));
  const file = join(dir, `${opts.origin}.zone`);
  writeFileSync(file, opts.text);
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => {
    logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  };
  const log: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  const origin = nameFromText(opts.origin.endsWith('.') ? opts.origin : `${opts.origin}.`);
  const registry = new ZoneRegistry();
  const notifier = new Notifier({ transport: udpNotifyTransport(log), log, schedule: { tries: 5, initialMs: 1000, maxMs: 4000 } });
  const service = new XfrService({ log, stateDir: join(dir, 'state'), notifier });
  const signing = new SigningService({ stateDir: join(dir, 'state'), log, serial: 'keep' });
  const stage = opts.dnssec === undefined ? undefined : signing.stage({ ...DEFAULT_SIGN_POLICY, ...opts.dnssec });
  const manager = new ZoneManager(registry, log, undefined, [{
    file, origin, stage,
    transfer: new TransferPolicy({ allow: opts.allow ?? ['127.0.0.1'], keys: opts.key === undefined ? undefined : [opts.key.name] }),
    notify: (opts.notify ?? []).map((t) => ({ ...parseNotifyTarget(t), key: opts.key })),
  }], {}, service);
  await manager.loadAll();
  await manager.settled();
  if (registry.get(origin)?.snapshot === undefined) throw new Error(`primary zone did not load:\n${logs.slice(0, 20).join('\n')}`);
  const host = opts.host ?? '127.0.0.1';
  let server: RunningServer;
  try {
    const tsig = opts.key === undefined ? undefined : createTsigHook(new TsigKeyring([opts.key]));
    server = await startServer({ registry, endpoints: [{ host, port: 0 }], rotate: 'cyclic', maxUdp: 1232, log, xfr: { log, tsig } });
  } catch (e) {
    await Promise.all([notifier.close(), signing.close()]);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  service.start();
  return {
    host,
    port: server.listening[0]!.port,
    dir,
    file,
    origin: opts.origin,
    logs,
    snapshot: () => registry.get(origin)!.snapshot!,
    async update(text: string) {
      writeFileSync(file, text);
      await manager.pathChanged(file);
    },
    async close() {
      await Promise.all([server.close(), notifier.close(), manager.close(), signing.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 100 ms until it returns a value other than undefined, or throws at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, details?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${details ? `\n${details()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let nextId = 1;

/** The zone's SOA serial as `host:port` serves it over UDP (authoritatively), or undefined. */
export async function soaSerial(host: string, port: number, zone: string): Promise<number | undefined> {
  const name = nameFromText(zone.endsWith('.') ? zone : `${zone}.`);
  const reply = await udpAsk({ host, port }, encodeQuery({ id: nextId++ & 0xffff, name, type: T.SOA }), 300);
  if (reply === undefined) return undefined;
  try {
    const p = parseResponse(reply);
    const soa = p.answer.find((r) => r.type === T.SOA);
    if (p.rcode !== 0 || soa === undefined) return undefined;
    const rdata = Buffer.from(soa.canon, 'hex');
    return rdata.readUInt32BE(rdata.length - 20);
  } catch {
    return undefined;
  }
}

export interface TransferResult {
  rcode: number;
  messages: number;
  bytes: number;
  rrs: ParsedRR[];
}

/**
 * An AXFR (or IXFR from `serial`) over TCP: reads messages until the answer is complete (the
 * closing SOA; for IXFR a lone SOA when current), an error rcode, or the timeout.
 */
export function transfer(host: string, port: number, zone: string, opts: {
  type?: 'AXFR' | 'IXFR'; serial?: number; localAddress?: string; timeoutMs?: number;
  /** Sign the request with this key and verify every message of the answer (a failure rejects). */
  key?: TsigKey;
} = {}): Promise<TransferResult> {
  const name = nameFromText(zone.endsWith('.') ? zone : `${zone}.`);
  const type = opts.type ?? 'AXFR';
  let query = encodeQuery({ id: 0x5151, name, type: type === 'AXFR' ? T.AXFR : T.IXFR });
  if (type === 'IXFR') {
    // NSCOUNT 1 and the client's SOA: owner = pointer to the question, minimal names.
    const rdata = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(20)]);
    rdata.writeUInt32BE((opts.serial ?? 0) >>> 0, 2);
    const rr = Buffer.concat([Buffer.from([0xc0, 12, 0, T.SOA, 0, 1, 0, 0, 0, 0, 0, rdata.length]), rdata]);
    query = Buffer.concat([query, rr]);
    query.writeUInt16BE(1, 8);
  }
  let verifier: TsigStreamVerifier | undefined;
  if (opts.key !== undefined) {
    const signed = signRequest(query, opts.key, Math.floor(Date.now() / 1000));
    query = signed.message;
    verifier = new TsigStreamVerifier(opts.key, signed.mac);
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, localAddress: opts.localAddress });
    const rrs: ParsedRR[] = [];
    let messages = 0;
    let bytes = 0;
    let buf = Buffer.alloc(0);
    let soas = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`${type} of ${zone} from ${host}:${port}: incomplete after ${opts.timeoutMs ?? 20_000} ms (${messages} messages, ${rrs.length} RRs)`));
    }, opts.timeoutMs ?? 20_000);
    const done = (rcode: number) => {
      clearTimeout(timer);
      sock.destroy();
      const last = rcode === 0 ? verifier?.finish() : undefined;
      if (last !== undefined && !last.ok) reject(new Error(`${type} of ${zone} from ${host}:${port}: TSIG ${last.kind}: ${last.reason}`));
      else resolve({ rcode, messages, bytes, rrs });
    };
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        const msg = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        messages++;
        bytes += n;
        const checked = verifier?.verify(msg, Math.floor(Date.now() / 1000));
        if (checked !== undefined && !checked.ok) {
          clearTimeout(timer);
          sock.destroy();
          return reject(new Error(`${type} of ${zone} from ${host}:${port}: message ${messages}: TSIG ${checked.kind}: ${checked.reason}`));
        }
        const p = parseResponse(Buffer.from(msg));
        if (p.rcode !== 0) return done(p.rcode);
        for (const rr of p.answer) {
          rrs.push(rr);
          if (rr.type === T.SOA) soas++;
        }
        // Complete: AXFR(-style) ends with the second SOA. An incremental IXFR holds the new SOA
        // three times (first, before the last additions, last); "up to date" is one lone SOA.
        if (soas >= 2 && (type === 'AXFR' || rrs[1]!.type !== T.SOA)) return done(0);
        if (type === 'IXFR') {
          if (rrs.length === 1 && soas === 1) return done(0);
          const newSerial = serialOf(rrs[0]!);
          const atNew = rrs.filter((r) => r.type === T.SOA && serialOf(r) === newSerial).length;
          if (atNew >= 3 && rrs[rrs.length - 1]!.type === T.SOA) return done(0);
        }
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ rcode: -1, messages, bytes, rrs });
    });
  });
}

function serialOf(soa: ParsedRR): number {
  const rdata = Buffer.from(soa.canon, 'hex');
  return rdata.readUInt32BE(rdata.length - 20);
}

/** `owner ttl TYPE canon-hex`, owner lower-cased: one RR, comparable across servers. */
export function rrKey(rr: ParsedRR): string {
  return `${nameText(rr.owner.toLowerCase())} ${rr.ttl} ${rr.type} ${rr.canon}`;
}

/**
 * The RRs of an AXFR without the closing SOA as zone-file lines, in the order sent (to load back,
 * or for dnssec-verify and ldns-verify-zone: `lines.join('\n') + '\n'`).
 */
export function axfrLines(rrs: readonly ParsedRR[]): string[] {
  return rrs.slice(0, -1).map((r) => `${nameText(r.owner)} ${r.ttl} IN ${typeName(r.type)} ${rdataToText(r.type, Buffer.from(r.canon, 'hex').toString('latin1'))}`);
}

/** The RRs of an AXFR without the closing SOA, as sorted keys. */
export function zoneKeys(rrs: readonly ParsedRR[]): string[] {
  return rrs.slice(0, -1).map(rrKey).sort();
}
