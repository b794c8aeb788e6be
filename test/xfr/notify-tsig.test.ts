// NOTIFY with TSIG (RFC 8945), both ways:
//   out: the config that gives a NOTIFY target its key (`notify[i].key`, `notifyKey`), the signed
//        NOTIFY, and the reply check (a reply that does not verify keeps the retries going);
//   in:  a NOTIFY to one of our secondary zones with a `primaryKey`: right key -> check now and a
//        signed NOERROR; unsigned, wrong secret, unknown or other key -> NOTAUTH (+ BADSIG/BADKEY)
//        and no check;
//   and both over real loopback UDP: our Notifier to our own secondary.

import { afterEach, describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/cli/config.js';
import { Rcode } from '../../src/dns/constants.js';
import { nameFromText, nameToText, type Name } from '../../src/dns/name.js';
import type { Logger, LogFields } from '../../src/log.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import {
  buildNotify, Notifier, parseNotifyTarget, udpNotifyTransport, tsigErrorName,
  type NotifyOutcome, type NotifyTarget, type NotifyTransport,
} from '../../src/xfr/notify.js';
import { FakeClock } from './support/fake-clock.js';
import { SecondaryManager, SecondaryZone } from '../../src/xfr/secondary.js';
import { createTsigHook } from '../../src/tsig/hook.js';
import { parseTsigKey, TsigKeyring, type TsigKey } from '../../src/tsig/keys.js';
import { locateTsig, readTsigRdata } from '../../src/tsig/wire.js';
import { appendTsigError, signRequest, signResponse, TsigError, verifyRequest, verifyResponse } from '../../src/tsig/tsig.js';
import type { PrimaryAddress, SecondaryTransport, TransferRR } from '../../src/xfr/xfr-client.js';
import { parsePrimary, TransferError } from '../../src/xfr/xfr-client.js';
import { zoneFromText } from '../support/zones.js';

const NOW = 1_700_000_000;
const secret = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const KEY = parseTsigKey('notify-key.', 'hmac-sha256', secret(0x11));
/** Same name, other secret: a MAC that does not verify (BADSIG). */
const WRONG_SECRET = parseTsigKey('notify-key.', 'hmac-sha256', secret(0x22));
/** A key we know, but not the zone's. */
const OTHER = parseTsigKey('other-key.', 'hmac-sha256', secret(0x33));
/** A key we do not know at all (BADKEY). */
const UNKNOWN = parseTsigKey('unknown-key.', 'hmac-sha256', secret(0x44));

const snap = zoneFromText('n.test', '$TTL 300\n@ SOA ns h 2024 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n');

function recorder(): { logs: string[]; log: Logger } {
  const logs: string[] = [];
  const rec = (level: string) => (msg: string, fields?: LogFields) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
  return { logs, log: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') } };
}

/** The TSIG RR of a message: key name, error, MAC length; undefined when there is none. */
function tsigOf(msg: Buffer): { key: string; error: number; macLength: number } | undefined {
  const loc = locateTsig(msg);
  if (loc.kind === 'malformed') throw new Error(loc.reason);
  if (loc.kind === 'none') return undefined;
  const rd = readTsigRdata(msg, loc.pos);
  if (typeof rd === 'string') throw new Error(rd);
  return { key: nameToText(loc.pos.keyName), error: rd.error, macLength: rd.mac.length };
}

/** `msg` without its TSIG RR (ARCOUNT one less). */
function stripTsig(msg: Buffer): Buffer {
  const loc = locateTsig(msg);
  if (loc.kind !== 'tsig') return Buffer.from(msg);
  const out = Buffer.from(msg.subarray(0, loc.pos.offset));
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('config: which key signs a NOTIFY target', () => {
  const keys = [
    { name: 'notify-key', secret: secret(0x11) },
    { name: 'zone-key', algorithm: 'hmac-sha512', secret: secret(0x55) },
    { name: 'target-key', secret: secret(0x66) },
  ];
  const keyOf = (t: NotifyTarget) => (t.key === undefined ? undefined : nameToText(t.key.name));

  it('a target object names its own key; strings stay unsigned unless a notifyKey applies', () => {
    const cfg = parseConfig(JSON.stringify({
      keys,
      notify: ['192.0.2.1', { address: '192.0.2.2:5300', key: 'target-key' }],
    }), '/x');
    expect(cfg.notify!.map((t) => [t.text, t.host, t.port, keyOf(t)])).toEqual([
      ['192.0.2.1', '192.0.2.1', 53, undefined],
      ['192.0.2.2:5300', '192.0.2.2', 5300, 'target-key.'],
    ]);
    expect(cfg.notify![1]!.key!.algorithm.id).toBe('hmac-sha256');
  });

  it('own key, else the zone\'s notifyKey, else the top-level notifyKey', () => {
    const cfg = parseConfig(JSON.stringify({
      keys,
      notifyKey: 'notify-key',
      notify: ['192.0.2.1', { address: '192.0.2.2', key: 'target-key' }],
      zones: [
        { file: 'a', origin: 'a.test', notifyKey: 'zone-key', notify: ['192.0.2.3', { address: '192.0.2.4', key: 'target-key' }] },
        { file: 'b', origin: 'b.test', notify: ['192.0.2.5'] },
        // notifyKey without notify: the server-wide targets, signed with the zone's key.
        { file: 'c', origin: 'c.test', notifyKey: 'zone-key' },
        { file: 'd', origin: 'd.test' },
      ],
    }), '/x');
    expect(nameToText(cfg.notifyKey!)).toBe('notify-key.');
    expect(cfg.notify!.map(keyOf)).toEqual(['notify-key.', 'target-key.']);
    expect(cfg.zones[0]!.notify!.map(keyOf)).toEqual(['zone-key.', 'target-key.']);
    expect(nameToText(cfg.zones[0]!.notifyKey!)).toBe('zone-key.');
    expect(cfg.zones[0]!.notify![0]!.key!.algorithm.id).toBe('hmac-sha512');
    expect(cfg.zones[1]!.notify!.map(keyOf)).toEqual(['notify-key.']);
    expect(cfg.zones[2]!.notify!.map((t) => [t.text, keyOf(t)])).toEqual([['192.0.2.1', 'zone-key.'], ['192.0.2.2', 'target-key.']]);
    expect(cfg.zones[3]!.notify).toBeUndefined(); // the server-wide list, as before
  });

  it('errors name the path: undefined keys, bad objects, bad addresses', () => {
    const bad = (o: object) => () => parseConfig(JSON.stringify(o), '/x');
    expect(bad({ keys, notify: [{ address: '192.0.2.1', key: 'nope' }] })).toThrow(/^notify\[0\]\.key: TSIG key "nope\." is not defined/);
    expect(bad({ keys, notifyKey: 'nope', notify: ['192.0.2.1'] })).toThrow(/^notifyKey: TSIG key "nope\." is not defined/);
    expect(bad({ keys, notifyKey: 'nope' })).toThrow(/^notifyKey: TSIG key "nope\." is not defined/);
    expect(bad({ keys, zones: [{ file: 'a', origin: 'a.test', notifyKey: 'nope', notify: ['192.0.2.1'] }] })).toThrow(/^zones\[0\]\.notifyKey: TSIG key "nope\." is not defined/);
    expect(bad({ keys, zones: [{ file: 'a', origin: 'a.test', notifyKey: 'nope' }] })).toThrow(/^zones\[0\]\.notifyKey: TSIG key "nope\." is not defined/);
    expect(bad({ keys, zones: [{ file: 'a', notify: [{ address: '192.0.2.1', key: 'nope' }] }] })).toThrow(/^zones\[0\]\.notify\[0\]\.key: TSIG key "nope\." is not defined/);
    expect(bad({ keys, notify: [{ key: 'notify-key' }] })).toThrow(/^notify\[0\]\.address: required/);
    expect(bad({ keys, notify: [{ address: '192.0.2.1', keys: ['notify-key'] }] })).toThrow(/^notify\[0\]\.keys: unknown key \(allowed: address, key\)/);
    expect(bad({ keys, notify: [{ address: 'ns.example.', key: 'notify-key' }] })).toThrow(/^notify\[0\]\.address: "ns\.example\.": expected an IP address/);
    expect(bad({ keys, notify: [{ address: '192.0.2.1', key: '' }] })).toThrow(/^notify\[0\]\.key: expected a non-empty string/);
    expect(bad({ notify: [42] })).toThrow(/^notify\[0\]: expected a non-empty string/);
  });
});

// ---------------------------------------------------------------------------------------------

class FakeTransport implements NotifyTransport {
  sent: Array<{ at: number; msg: Buffer; target: NotifyTarget }> = [];
  receive: ((msg: Buffer, from: { address: string; port: number }) => void) | undefined;
  constructor(private readonly clock: FakeClock) {}
  send(msg: Buffer, target: NotifyTarget): void {
    this.sent.push({ at: this.clock.now, msg, target });
  }
  onMessage(r: (msg: Buffer, from: { address: string; port: number }) => void): void {
    this.receive = r;
  }
  async close(): Promise<void> {}
  /**
   * The secondary's answer to sent message `i`: the request turned into a response, then signed
   * with `key` over the request's MAC (or `mac`), left unsigned, or given an unsigned TSIG error.
   */
  reply(i: number, how: { key?: TsigKey; mac?: string; rcode?: number; tsigError?: number; time?: number } = {}): void {
    const req = this.sent[i]!.msg;
    const res = stripTsig(req);
    res.writeUInt16BE(0x8000 | (4 << 11) | 0x0400 | (how.rcode ?? 0), 2);
    let out = res;
    if (how.tsigError !== undefined) {
      const loc = locateTsig(req);
      if (loc.kind !== 'tsig') throw new Error('request not signed');
      const v = verifyRequest(req, loc.pos, new TsigKeyring([]), NOW);
      // Any keyring without the key yields the BADKEY reply; rewrite its error for BADSIG.
      if (v.ok || v.reply.kind !== 'unsigned') throw new Error('expected an unsigned error reply');
      out = appendTsigError(res, { ...v.reply, error: how.tsigError });
    } else if (how.key !== undefined) {
      const loc = locateTsig(req);
      const requestMac = how.mac ?? (loc.kind === 'tsig' ? (readTsigRdata(req, loc.pos) as { mac: Buffer }).mac.toString('latin1') : undefined);
      out = signResponse(res, { key: how.key, requestMac, timeSigned: how.time ?? NOW }).message;
    }
    this.receive!(out, { address: this.sent[i]!.target.host, port: this.sent[i]!.target.port });
  }
}

function notifierSetup(target: NotifyTarget) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock);
  const outcomes: NotifyOutcome[] = [];
  const { logs, log } = recorder();
  let id = 200;
  const notifier = new Notifier({ transport, clock, log, now: () => NOW, nextId: () => id++, onDone: (_z, _t, o) => outcomes.push(o) });
  notifier.notify(snap.origin, snap.soa, snap.serial, [target]);
  return { clock, transport, outcomes, logs, notifier };
}

const signedTarget: NotifyTarget = { ...parseNotifyTarget('127.0.0.1:5300'), key: KEY };

describe('NOTIFY out with a key', () => {
  it('is signed: the TSIG verifies with the key, and only with it; the same bytes on every retry', () => {
    const { clock, transport } = notifierSetup(signedTarget);
    const msg = transport.sent[0]!.msg;
    expect(tsigOf(msg)).toEqual({ key: 'notify-key.', error: 0, macLength: 32 });
    const loc = locateTsig(msg);
    if (loc.kind !== 'tsig') throw new Error('no TSIG');
    expect(verifyRequest(msg, loc.pos, new TsigKeyring([KEY]), NOW)).toMatchObject({ ok: true });
    expect(verifyRequest(msg, loc.pos, new TsigKeyring([WRONG_SECRET]), NOW)).toMatchObject({ ok: false, kind: 'badsig' });
    // The NOTIFY itself is the unsigned one plus the TSIG RR.
    expect(stripTsig(msg).equals(buildNotify(200, snap.origin, snap.soa))).toBe(true);
    clock.advance(3000);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]!.msg.equals(msg)).toBe(true);
  });

  it('a reply signed over our request MAC ends the retries: acknowledged, key logged', () => {
    const { clock, transport, outcomes, logs, notifier } = notifierSetup(signedTarget);
    transport.reply(0, { key: KEY });
    expect(outcomes).toEqual([{ kind: 'answered', rcode: 0, tries: 1 }]);
    expect(notifier.pending).toBe(0);
    expect(logs.find((l) => l.startsWith('info NOTIFY acknowledged'))).toMatch(/"key":"notify-key\."/);
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(1);
  });

  it.each([
    ['unsigned', {}, /UNSIGNED: the response to a signed request is not signed/],
    ['signed with the wrong secret', { key: WRONG_SECRET }, /BADSIG: response MAC does not verify/],
    ['signed over another request MAC', { key: KEY, mac: 'x'.repeat(32) }, /BADSIG/],
    ['signed by another key', { key: OTHER }, /BADKEY: signed with key other-key\., not notify-key\./],
    ['BADSIG from the secondary (unsigned TSIG error)', { rcode: Rcode.NOTAUTH, tsigError: TsigError.BADSIG }, /the secondary answered BADSIG \(rcode 9\)/],
    ['BADKEY from the secondary', { rcode: Rcode.NOTAUTH, tsigError: TsigError.BADKEY }, /the secondary answered BADKEY \(rcode 9\)/],
    ['signed, but 10 minutes off', { key: KEY, time: NOW - 600 }, /BADTIME/],
  ] as const)('a reply %s does not count: logged, retried, and the give-up says why', (_what, how, why) => {
    const { clock, transport, outcomes, logs, notifier } = notifierSetup(signedTarget);
    transport.reply(0, how);
    expect(outcomes).toEqual([]);
    expect(notifier.pending).toBe(1);
    const warn = logs.find((l) => l.startsWith('warn NOTIFY reply rejected'));
    expect(warn).toMatch(why);
    expect(warn).toMatch(/"target":"127\.0\.0\.1:5300"/);
    clock.advance(2000);
    expect(transport.sent).toHaveLength(2);
    // The same wrong reply to every send: all five tries, then a give-up that names the reason.
    for (let i = 1; i < 5; i++) {
      transport.reply(i, how);
      clock.advance(30_000);
    }
    expect(transport.sent).toHaveLength(5);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: 'gave-up', tries: 5 });
    expect((outcomes[0] as { rejected: string }).rejected).toMatch(why);
    expect(logs.find((l) => l.startsWith('warn NOTIFY not acknowledged with a valid TSIG; giving up'))).toBeDefined();
  });

  it('a bad reply, then a good one: acknowledged at the try that got it', () => {
    const { clock, transport, outcomes } = notifierSetup(signedTarget);
    transport.reply(0, {});
    clock.advance(2000);
    transport.reply(1, { key: KEY });
    expect(outcomes).toEqual([{ kind: 'answered', rcode: 0, tries: 2 }]);
  });

  it('a signed error reply (NOTAUTH, verified) ends the retries like an unsigned one does unsigned', () => {
    const { transport, outcomes, logs } = notifierSetup(signedTarget);
    transport.reply(0, { key: KEY, rcode: Rcode.NOTAUTH });
    expect(outcomes).toEqual([{ kind: 'answered', rcode: Rcode.NOTAUTH, tries: 1 }]);
    expect(logs.find((l) => l.startsWith('warn NOTIFY answered with an error'))).toMatch(/"rcode":9.*"key":"notify-key\."/);
  });

  it('a target without a key: unsigned NOTIFY, any reply counts (as before)', () => {
    const { transport, outcomes } = notifierSetup(parseNotifyTarget('127.0.0.1:5300'));
    expect(tsigOf(transport.sent[0]!.msg)).toBeUndefined();
    transport.reply(0, {});
    expect(outcomes).toEqual([{ kind: 'answered', rcode: 0, tries: 1 }]);
  });

  it('names the TSIG errors', () => {
    expect([16, 17, 18, 22, 99].map(tsigErrorName)).toEqual(['BADSIG', 'BADKEY', 'BADTIME', 'BADTRUNC', '99']);
  });
});

// ---------------------------------------------------------------------------------------------

const ORIGIN = 'n.test';
const PRIMARY = parsePrimary('192.0.2.53')!;

/** A primary that only counts SOA queries (and fails them: a check is all we look for). */
class CountingPrimary implements SecondaryTransport {
  checks = 0;
  async querySoa(_p: PrimaryAddress, _o: Name): Promise<TransferRR> {
    this.checks++;
    throw new TransferError('not reachable in this test');
  }
  async transfer(): Promise<never> {
    throw new TransferError('not reachable in this test');
  }
}

/** Timers run only when told to (the check a NOTIFY schedules with a 0 ms wait). */
class StepClock {
  private due: Array<() => void> = [];
  setTimeout(fn: () => void, ms: number): unknown {
    if (ms === 0) this.due.push(fn);
    return fn;
  }
  clearTimeout(h: unknown): void {
    this.due = this.due.filter((f) => f !== h);
  }
  now(): number {
    return 0;
  }
  async run(): Promise<void> {
    const fns = this.due;
    this.due = [];
    for (const f of fns) f();
    await new Promise((r) => setImmediate(r));
  }
}

function secondarySetup(opts: { primaryKey?: Name; keys?: TsigKey[] } = {}) {
  const registry = new ZoneRegistry();
  const primary = new CountingPrimary();
  const clock = new StepClock();
  const { logs, log } = recorder();
  const sec = new SecondaryZone({ origin: nameFromText(`${ORIGIN}.`), primaries: [PRIMARY], registry, transport: primary, log, clock, primaryKey: opts.primaryKey });
  const manager = new SecondaryManager();
  manager.add(sec);
  const ctx: HandlerContext = {
    registry, rotator: new Rotator('none'), maxUdp: 1232, secondaries: manager,
    xfr: { log, tsig: createTsigHook(new TsigKeyring(opts.keys ?? [KEY, OTHER]), { now: () => NOW }) },
  };
  /** Sends a NOTIFY signed with `key` (unsigned without); returns the reply and the request MAC. */
  const notify = (key: TsigKey | undefined, from = '192.0.2.53', time = NOW) => {
    const plain = buildNotify(0x4242, nameFromText(`${ORIGIN}.`), snap.soa);
    const signed = key === undefined ? undefined : signRequest(plain, key, time);
    const reply = handleMessage(signed?.message ?? plain, 'udp', ctx, from)!;
    return { reply, rcode: reply[3]! & 0xf, tsig: tsigOf(reply), mac: signed?.mac };
  };
  return { primary, clock, logs, sec, notify };
}

describe('NOTIFY in, zone with a primaryKey', () => {
  const primaryKey = KEY.name;

  it('signed with the key: NOERROR, reply signed over our MAC, and a check runs now', async () => {
    const { primary, clock, logs, notify } = secondarySetup({ primaryKey });
    const r = notify(KEY);
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.reply[2]! & 0x80).toBe(0x80); // QR
    expect((r.reply[2]! >> 3) & 0xf).toBe(4); // opcode NOTIFY
    expect(r.tsig).toEqual({ key: 'notify-key.', error: 0, macLength: 32 });
    expect(verifyResponse(r.reply, KEY, r.mac!, NOW)).toMatchObject({ ok: true });
    expect(verifyResponse(r.reply, WRONG_SECRET, r.mac!, NOW)).toMatchObject({ ok: false, kind: 'badsig' });
    await clock.run();
    expect(primary.checks).toBe(1);
    expect(logs.find((l) => l.startsWith('info NOTIFY received'))).toMatch(/"key":"notify-key\."/);
  });

  it.each([
    ['unsigned', undefined, undefined, /the zone requires its primaryKey and the NOTIFY is not signed/],
    ['signed with a known key that is not the zone\'s', OTHER, { key: 'other-key.', error: TsigError.BADKEY, macLength: 0 }, /not the zone's primaryKey/],
    ['signed with the right name and the wrong secret', WRONG_SECRET, { key: 'notify-key.', error: TsigError.BADSIG, macLength: 0 }, /TSIG BADSIG/],
    ['signed with an unknown key', UNKNOWN, { key: 'unknown-key.', error: TsigError.BADKEY, macLength: 0 }, /TSIG BADKEY: unknown key unknown-key\./],
  ] as const)('%s: NOTAUTH with the TSIG error BIND/Knot send, and no check', async (_what, key, tsig, reason) => {
    const { primary, clock, logs, notify } = secondarySetup({ primaryKey });
    const r = notify(key);
    expect(r.rcode).toBe(Rcode.NOTAUTH);
    expect(r.tsig).toEqual(tsig);
    await clock.run();
    expect(primary.checks).toBe(0);
    expect(logs.find((l) => / NOTIFY refused/.test(l))).toMatch(reason);
    expect(logs.find((l) => l.startsWith('info NOTIFY received'))).toBeUndefined();
  });

  it('signed with the key but 10 minutes off: NOTAUTH + BADTIME, signed, and no check', async () => {
    const { primary, clock, notify } = secondarySetup({ primaryKey });
    const r = notify(KEY, '192.0.2.53', NOW - 600);
    expect(r.rcode).toBe(Rcode.NOTAUTH);
    expect(r.tsig).toMatchObject({ key: 'notify-key.', error: TsigError.BADTIME, macLength: 32 });
    await clock.run();
    expect(primary.checks).toBe(0);
  });

  it('signed with the key from an address that is not a primary: NOTAUTH, still signed, no check', async () => {
    const { primary, clock, notify } = secondarySetup({ primaryKey });
    const r = notify(KEY, '198.51.100.9');
    expect(r.rcode).toBe(Rcode.NOTAUTH);
    expect(r.tsig).toEqual({ key: 'notify-key.', error: 0, macLength: 32 });
    expect(verifyResponse(r.reply, KEY, r.mac!, NOW)).toMatchObject({ ok: true });
    await clock.run();
    expect(primary.checks).toBe(0);
  });
});

describe('NOTIFY in, zone without a primaryKey', () => {
  it('unsigned from the primary: accepted as before, reply unsigned', async () => {
    const { primary, clock, notify } = secondarySetup();
    const r = notify(undefined);
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.tsig).toBeUndefined();
    await clock.run();
    expect(primary.checks).toBe(1);
  });

  it('signed with a key we know: accepted, reply signed; a bad signature is still BADSIG', async () => {
    const { primary, clock, notify } = secondarySetup();
    const r = notify(OTHER);
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(verifyResponse(r.reply, OTHER, r.mac!, NOW)).toMatchObject({ ok: true });
    const bad = notify(WRONG_SECRET);
    expect([bad.rcode, bad.tsig?.error]).toEqual([Rcode.NOTAUTH, TsigError.BADSIG]);
    await clock.run();
    expect(primary.checks).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('over loopback UDP: our Notifier -> our secondary, both with TSIG', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function exchange(notifyKey: TsigKey): Promise<{ outcome: NotifyOutcome; checks: () => number; primaryLogs: string[]; secondaryLogs: string[] }> {
    const registry = new ZoneRegistry();
    const primary = new CountingPrimary();
    const sec = recorder();
    // The real clock: a NOTIFY's check is scheduled with setTimeout(0).
    const zone = new SecondaryZone({ origin: snap.origin, primaries: [parsePrimary('127.0.0.1')!], registry, transport: primary, log: sec.log, primaryKey: KEY.name, timers: { initialRetryMs: 3_600_000 } });
    cleanups.push(() => zone.stop());
    const manager = new SecondaryManager();
    manager.add(zone);
    const server: RunningServer = await startServer({
      registry, endpoints: [{ host: '127.0.0.1', port: 0 }], rotate: 'none', maxUdp: 1232, log: sec.log, secondaries: manager,
      xfr: { log: sec.log, tsig: createTsigHook(new TsigKeyring([KEY])) },
    });
    cleanups.push(() => server.close());
    const pri = recorder();
    const outcome = await new Promise<NotifyOutcome>((resolve) => {
      const n = new Notifier({
        transport: udpNotifyTransport(), log: pri.log, schedule: { tries: 3, initialMs: 100, maxMs: 200 },
        onDone: (_z, _t, o) => {
          void n.close();
          resolve(o);
        },
      });
      n.notify(snap.origin, snap.soa, snap.serial, [{ ...parseNotifyTarget(`127.0.0.1:${server.listening[0]!.port}`), key: notifyKey }]);
    });
    return { outcome, checks: () => primary.checks, primaryLogs: pri.logs, secondaryLogs: sec.logs };
  }

  it('the right key: acknowledged with a verified reply, and the secondary checks', async () => {
    const r = await exchange(KEY);
    expect(r.outcome).toEqual({ kind: 'answered', rcode: 0, tries: 1 });
    expect(r.primaryLogs.find((l) => l.startsWith('info NOTIFY acknowledged'))).toMatch(/"key":"notify-key\."/);
    expect(r.secondaryLogs.find((l) => l.startsWith('info NOTIFY received'))).toMatch(/"key":"notify-key\."/);
    await waitFor(() => r.checks() === 1);
  });

  it('the wrong secret: every try answered BADSIG, none accepted, no check', async () => {
    const r = await exchange(WRONG_SECRET);
    expect(r.outcome).toMatchObject({ kind: 'gave-up', tries: 3, rejected: 'the secondary answered BADSIG (rcode 9)' });
    expect(r.primaryLogs.filter((l) => l.startsWith('warn NOTIFY reply rejected')).length).toBeGreaterThanOrEqual(1);
    expect(r.secondaryLogs.filter((l) => /^warn NOTIFY refused .*TSIG BADSIG/.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(r.checks()).toBe(0);
  });
});

/** Polls `ok` every 10 ms; fails after 5 s. */
async function waitFor(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
