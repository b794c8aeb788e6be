// The secondary's state machine (RFC 1034 §4.3.5, RFC 1995, RFC 1996) over a fake clock and a
// scripted primary: refresh, IXFR, fallback to AXFR, retry, expiry (SERVFAIL), NOTIFY, RFC 1982
// serial wrap, broken transfers, and the copy on disk.

import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RRClass, RRType, Rcode } from '../../src/dns/constants.js';
import { nameKey } from '../../src/dns/name.js';
import { handleMessage, type HandlerContext } from '../../src/server/handle.js';
import { Rotator } from '../../src/server/rotate.js';
import { loadZoneFile } from '../../src/zone/load.js';
import { printZone } from '../../src/zone/print.js';
import { StateStore } from '../../src/state/zone-state.js';
import { ZoneRegistry } from '../../src/zone/registry.js';
import type { ZoneSnapshot } from '../../src/zone/snapshot.js';
import { buildNotify } from '../../src/xfr/notify.js';
import { applyDeltas, SecondaryManager, SecondaryZone, type SecondaryClock, type SecondaryZoneOptions } from '../../src/xfr/secondary.js';
import {
  parsePrimary, soaSerialOf, TransferAssembler, TransferError, type IxfrDelta, type PrimaryAddress, type SecondaryTransport, type TransferResult, type TransferRR,
  type ZoneSink,
} from '../../src/xfr/xfr-client.js';
import { buildQuery, decode } from '../support/server.js';
import { name, zoneFromText } from '../support/zones.js';

const ORIGIN = 's.test';
const REFRESH = 3600;
const RETRY = 600;
const EXPIRE = 86400;

function zoneText(serial: number, extra: string[] = []): string {
  return [
    '$ORIGIN s.test.', '$TTL 300',
    `@ SOA ns1 hostmaster ${serial} ${REFRESH} ${RETRY} ${EXPIRE} 300`,
    '@ NS ns1', 'ns1 A 192.0.2.1', `v A 10.0.0.${serial & 0xff}`, ...extra,
  ].join('\n') + '\n';
}

const zone = (serial: number, extra?: string[]) => zoneFromText(ORIGIN, zoneText(serial, extra));

class FakeClock implements SecondaryClock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  now(): number {
    return this.t;
  }
  /** Runs every timer due within `ms`, in order, letting the async work of each finish. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function recordsOf(s: ZoneSnapshot): TransferRR[] {
  const out: TransferRR[] = [];
  for (const node of s.nodes.values()) for (const set of node.rrsets) for (const rdata of set.rdata) out.push({ owner: set.owner, type: set.type, class: RRClass.IN, ttl: set.ttl, rdata });
  out.sort((a, b) => (a.type === RRType.SOA ? -1 : b.type === RRType.SOA ? 1 : 0));
  return out;
}

const key = (r: TransferRR) => `${nameKey(r.owner)}|${r.type}|${r.ttl}|${r.rdata}`;

function deltaOf(a: ZoneSnapshot, b: ZoneSnapshot): IxfrDelta {
  const ra = recordsOf(a);
  const rb = recordsOf(b);
  const kb = new Set(rb.map(key));
  const ka = new Set(ra.map(key));
  return {
    fromSerial: a.serial, toSerial: b.serial,
    deleted: [ra[0]!, ...ra.slice(1).filter((r) => !kb.has(key(r)))],
    added: [rb[0]!, ...rb.slice(1).filter((r) => !ka.has(key(r)))],
  };
}

/** A primary that answers from a list of versions; each call is recorded. */
class ScriptedPrimary implements SecondaryTransport {
  versions = new Map<number, ZoneSnapshot>();
  serial: number;
  down = false;
  ixfr: 'ok' | 'error' | 'full' | 'bogus' = 'ok';
  /** Replaces the AXFR answer (a broken zone). */
  axfrRecords: TransferRR[] | undefined;
  /**
   * Full zones go into the secondary's sink as the network transport does (through the assembler),
   * the result `streamed`; false: answered as a list (`full`), which a transport may also do.
   */
  stream = true;
  calls: string[] = [];

  constructor(first: ZoneSnapshot) {
    this.versions.set(first.serial, first);
    this.serial = first.serial;
  }
  publish(s: ZoneSnapshot): void {
    this.versions.set(s.serial, s);
    this.serial = s.serial;
  }
  private get current(): ZoneSnapshot {
    return this.versions.get(this.serial)!;
  }
  async querySoa(_p: PrimaryAddress): Promise<TransferRR> {
    this.calls.push('soa');
    if (this.down) throw new TransferError('no answer to the SOA query within 2000 ms');
    return recordsOf(this.current)[0]!;
  }
  async transfer(_p: PrimaryAddress, _o: unknown, kind: 'axfr' | 'ixfr', ourSoa?: TransferRR, sink?: ZoneSink): Promise<TransferResult> {
    this.calls.push(kind);
    if (this.down) throw new TransferError('connection refused');
    if (kind === 'axfr') return this.full(kind, this.axfrRecords ?? recordsOf(this.current), sink);
    if (this.ixfr === 'error') throw new TransferError('IXFR answered with rcode 4', Rcode.NOTIMP);
    if (this.ixfr === 'full') return this.full(kind, recordsOf(this.current), sink, ourSoa);
    const from = ourSoa!.rdata;
    const ours = [...this.versions.values()].find((v) => v.soa.rdata[0] === from)!;
    const delta = deltaOf(ours, this.current);
    if (this.ixfr === 'bogus') delta.deleted.push({ owner: name('nothere.s.test'), type: RRType.A, class: RRClass.IN, ttl: 300, rdata: '\x01\x02\x03\x04' });
    return { kind: 'incremental', serial: this.serial, deltas: [delta] };
  }
  private full(kind: 'axfr' | 'ixfr', records: TransferRR[], sink: ZoneSink | undefined, ourSoa?: TransferRR): TransferResult {
    if (!this.stream || sink === undefined) return { kind: 'full', serial: this.serial, records };
    const asm = new TransferAssembler(name(ORIGIN), kind, ourSoa === undefined ? undefined : soaSerialOf(ourSoa.rdata), undefined, sink);
    const result = asm.push([...records, records[0]!]);
    if (result?.kind !== 'streamed') throw new Error(`expected a streamed result, got ${result?.kind}`);
    return { ...result, replay: (visit) => records.slice(0, result.count).forEach(visit) };
  }
}

/** Every line logged by the secondaries of the current test, `level message {fields}`. */
let logs: string[] = [];
const rec = (level: string) => (msg: string, fields?: object) => { logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`); };
const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
const PRIMARY = parsePrimary('192.0.2.53:5300')!;
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
  logs = [];
});

function setup(opts: { first?: ZoneSnapshot; file?: string; writeZone?: SecondaryZoneOptions['writeZone']; state?: SecondaryZoneOptions['state']; at?: number } = {}) {
  const clock = new FakeClock();
  clock.t = opts.at ?? 0;
  const primary = new ScriptedPrimary(opts.first ?? zone(1));
  const registry = new ZoneRegistry();
  const writeZone = opts.writeZone ?? (opts.file ? undefined : () => {});
  // A test's own writer gets a path it never opens: the copy is only written when there is a file.
  const file = opts.file ?? (opts.writeZone ? '/nonexistent/s.test.zone' : undefined);
  const sec = new SecondaryZone({ origin: name(ORIGIN), primaries: [PRIMARY], registry, transport: primary, log, clock, file, writeZone, state: opts.state });
  const manager = new SecondaryManager();
  manager.add(sec);
  const ctx: HandlerContext = { registry, rotator: new Rotator('none'), maxUdp: 1232, secondaries: manager };
  const ask = (qname: string, qtype = 'A') => decode(handleMessage(buildQuery(qname, qtype), 'udp', ctx, '198.51.100.1')!) as unknown as Reply;
  return { clock, primary, registry, sec, ctx, ask };
}

interface Reply {
  rcode: string;
  answers?: Array<{ data?: unknown }>;
}

const addressOf = (p: Reply) => p.answers?.map((a) => a.data);

describe('secondary refresh cycle', () => {
  it('answers SERVFAIL until the first transfer, then serves the zone (AXFR at start)', async () => {
    const { clock, primary, sec, ask } = setup();
    expect(ask('v.s.test').rcode).toBe('SERVFAIL');
    sec.start();
    await clock.advance(0);
    expect(primary.calls).toEqual(['soa', 'axfr']);
    expect(sec.state).toBe('serving');
    expect(sec.serial).toBe(1);
    const r = ask('v.s.test');
    expect(r.rcode).toBe('NOERROR');
    expect(addressOf(r)).toEqual(['10.0.0.1']);
  });

  it('checks the SOA every REFRESH; an unchanged serial means no transfer', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    primary.calls = [];
    await clock.advance(REFRESH * 1000 - 1);
    expect(primary.calls).toEqual([]);
    await clock.advance(1);
    expect(primary.calls).toEqual(['soa']);
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'soa']);
    expect(sec.serial).toBe(1);
  });

  it('a newer serial is pulled by IXFR and applied to our copy', async () => {
    const { clock, primary, sec, ask } = setup();
    sec.start();
    await clock.advance(0);
    primary.publish(zone(2, ['new A 192.0.2.77']));
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr']);
    expect(sec.serial).toBe(2);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.2']);
    expect(addressOf(ask('new.s.test'))).toEqual(['192.0.2.77']);
    expect(ask('nothing.s.test').rcode).toBe('NXDOMAIN');
  });

  it('an IXFR error falls back to AXFR', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    primary.publish(zone(2));
    primary.ixfr = 'error';
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr', 'axfr']);
    expect(sec.serial).toBe(2);
  });

  it('an IXFR whose differences do not apply to our copy falls back to AXFR', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    primary.publish(zone(2));
    primary.ixfr = 'bogus';
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr', 'axfr']);
    expect(sec.serial).toBe(2);
  });

  it('an IXFR answered with the full zone (AXFR-style) is used as is', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    primary.publish(zone(2));
    primary.ixfr = 'full';
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr']);
    expect(sec.serial).toBe(2);
  });
});

describe('secondary failures', () => {
  it('primary down: retries at SOA RETRY, keeps serving, recovers', async () => {
    const { clock, primary, sec, ask } = setup();
    sec.start();
    await clock.advance(0);
    primary.down = true;
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa']);
    expect(sec.state).toBe('retrying');
    expect(ask('v.s.test').rcode).toBe('NOERROR');
    await clock.advance(RETRY * 1000 - 1);
    expect(primary.calls).toEqual(['soa']);
    await clock.advance(1);
    expect(primary.calls).toEqual(['soa', 'soa']);
    primary.down = false;
    primary.publish(zone(2));
    await clock.advance(RETRY * 1000);
    expect(sec.serial).toBe(2);
    expect(sec.state).toBe('serving');
  });

  it('down past SOA EXPIRE: the zone answers SERVFAIL; back when the primary answers again', async () => {
    const { clock, primary, sec, ask } = setup();
    sec.start();
    await clock.advance(0);
    primary.down = true;
    await clock.advance(EXPIRE * 1000 - 1);
    expect(sec.state).toBe('retrying');
    expect(ask('v.s.test').rcode).toBe('NOERROR');
    await clock.advance(1);
    expect(sec.state).toBe('expired');
    expect(ask('v.s.test').rcode).toBe('SERVFAIL');
    expect(ask('s.test', 'SOA').rcode).toBe('SERVFAIL');
    // Still configured: not REFUSED like a zone we do not have.
    expect(ask('other.example', 'A').rcode).toBe('REFUSED');
    primary.down = false;
    primary.calls = [];
    await clock.advance(RETRY * 1000);
    expect(primary.calls).toEqual(['soa', 'axfr']);
    expect(sec.state).toBe('serving');
    expect(ask('v.s.test').rcode).toBe('NOERROR');
  });

  it('a successful refresh restarts the expiry clock', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    await clock.advance(EXPIRE * 1000 - REFRESH * 1000 / 2);
    primary.down = true;
    // The last success was at a multiple of REFRESH below EXPIRE: expiry is EXPIRE after it.
    await clock.advance(REFRESH * 1000);
    expect(sec.state).toBe('retrying');
    await clock.advance(EXPIRE * 1000);
    expect(sec.state).toBe('expired');
  });

  it('an EXPIRE longer than setTimeout allows (2^31-1 ms) still expires on time', async () => {
    const long = zoneFromText(ORIGIN, zoneText(1).replace(`${RETRY} ${EXPIRE}`, `${RETRY} 4000000`));
    const { clock, primary, sec } = setup({ first: long });
    sec.start();
    await clock.advance(0);
    primary.down = true;
    await clock.advance(4_000_000 * 1000 - 1);
    expect(sec.state).toBe('retrying');
    await clock.advance(1);
    expect(sec.state).toBe('expired');
  });

  it('a transferred zone that does not validate never replaces the good one', async () => {
    const { clock, primary, sec, ask } = setup();
    sec.start();
    await clock.advance(0);
    const broken = zone(2);
    primary.publish(broken);
    primary.ixfr = 'error';
    // A CNAME next to v's A: buildSnapshot rejects it.
    primary.axfrRecords = [...recordsOf(broken), { owner: name(`v.${ORIGIN}`), type: RRType.CNAME, class: RRClass.IN, ttl: 60, rdata: name(ORIGIN) }];
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr', 'axfr']);
    expect(sec.serial).toBe(1);
    expect(sec.state).toBe('retrying');
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);
  });
});

describe('RFC 1982 serial comparison', () => {
  it('a serial that wrapped past 2^32 is newer', async () => {
    const { clock, primary, sec } = setup({ first: zone(4294967295) });
    sec.start();
    await clock.advance(0);
    expect(sec.serial).toBe(4294967295);
    primary.publish(zone(1));
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa', 'ixfr']);
    expect(sec.serial).toBe(1);
  });

  it('a primary serial that is behind ours (RFC 1982) is not transferred', async () => {
    const { clock, primary, sec } = setup({ first: zone(10) });
    sec.start();
    await clock.advance(0);
    primary.publish(zone(4294967290)); // 10 - 16 mod 2^32: older
    primary.calls = [];
    await clock.advance(REFRESH * 1000);
    expect(primary.calls).toEqual(['soa']);
    expect(sec.serial).toBe(10);
  });
});

describe('NOTIFY to a secondary (RFC 1996)', () => {
  const notifyFrom = (ctx: HandlerContext, from: string, zoneName = ORIGIN) => {
    const soa = zone(2).soa;
    return handleMessage(buildNotify(0x4242, name(zoneName), soa), 'udp', ctx, from)!;
  };

  it('from the primary: NOERROR, AA, question echoed, and an immediate check', async () => {
    const { clock, primary, sec, ctx } = setup();
    sec.start();
    await clock.advance(0);
    primary.publish(zone(2));
    primary.calls = [];
    const reply = notifyFrom(ctx, '192.0.2.53');
    expect(reply.readUInt16BE(0)).toBe(0x4242);
    expect((reply[2]! >> 3) & 0xf).toBe(4); // opcode NOTIFY
    expect(reply[2]! & 0x80).toBe(0x80); // QR
    expect(reply[2]! & 0x04).toBe(0x04); // AA
    expect(reply[3]! & 0xf).toBe(Rcode.NOERROR);
    const p = decode(reply);
    expect(p.questions).toEqual([{ name: 's.test', type: 'SOA', class: 'IN' }]);
    await clock.advance(0);
    expect(primary.calls).toEqual(['soa', 'ixfr']);
    expect(sec.serial).toBe(2);
  });

  it('from the primary as an IPv4-mapped IPv6 address: accepted', async () => {
    const { clock, primary, sec, ctx } = setup();
    sec.start();
    await clock.advance(0);
    primary.calls = [];
    expect(notifyFrom(ctx, '::ffff:192.0.2.53')[3]! & 0xf).toBe(Rcode.NOERROR);
    await clock.advance(0);
    expect(primary.calls).toEqual(['soa']);
  });

  it('from another address, or for a zone we are not secondary for: NOTAUTH and no check', async () => {
    const { clock, primary, sec, ctx } = setup();
    sec.start();
    await clock.advance(0);
    primary.calls = [];
    expect(notifyFrom(ctx, '198.51.100.7')[3]! & 0xf).toBe(Rcode.NOTAUTH);
    expect(notifyFrom(ctx, '192.0.2.53', 'other.test')[3]! & 0xf).toBe(Rcode.NOTAUTH);
    await clock.advance(0);
    expect(primary.calls).toEqual([]);
  });

  it('a NOTIFY during a check runs one more check after it', async () => {
    const { clock, primary, sec } = setup();
    sec.start();
    await clock.advance(0);
    primary.calls = [];
    const running = sec.refresh();
    expect(sec.notify('192.0.2.53')).toBe(true);
    await running;
    await clock.advance(0);
    expect(primary.calls).toEqual(['soa', 'soa']);
  });
});

describe('the copy on disk', () => {
  it('is written after a transfer and served at once after a restart, even with the primary down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-sec-'));
    dirs.push(dir);
    const file = join(dir, 's.test.zone');
    const a = setup({ file, first: zone(7, ['txt TXT "hello world" "with \\"quotes\\""', 'mx MX 10 ns1']) });
    a.sec.start();
    await a.clock.advance(0);
    // Written before the swap (streamed, off the query path): flush() waits for a write in progress.
    await a.sec.flush();
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'latin1')).toMatch(/serial 7/);
    a.sec.stop();

    const b = setup({ file });
    b.primary.down = true;
    b.sec.start();
    // Before any timer runs: the copy is already served.
    expect(b.sec.serial).toBe(7);
    const r = b.ask('txt.s.test', 'TXT');
    expect(r.rcode).toBe('NOERROR');
    expect((r.answers![0] as { data: Buffer[] }).data.map((d) => d.toString())).toEqual(['hello world', 'with "quotes"']);
    await b.clock.advance(0);
    expect(b.sec.state).toBe('retrying');
    expect(b.ask('v.s.test').rcode).toBe('NOERROR');
    b.sec.stop();
  });
});

describe('timers kept across restarts (stateDir)', () => {
  /** A state directory and a copy file; each setup() on them is a new process. */
  function place() {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-sec-state-'));
    dirs.push(dir);
    return { file: join(dir, 's.test.zone'), store: () => new StateStore(join(dir, 'state'), log) };
  }

  it('an expired zone stays expired after a restart (SERVFAIL, the copy not served) until a transfer succeeds', async () => {
    const p = place();
    const a = setup({ file: p.file, state: p.store() });
    a.sec.start();
    await a.clock.advance(0);
    await waitForCondition(() => a.sec.serial === 1);
    a.primary.down = true;
    await a.clock.advance(EXPIRE * 1000);
    expect(a.sec.state).toBe('expired');
    a.sec.stop();
    expect(p.store().secondary(name(ORIGIN))).toMatchObject({ serial: 1, expired: true, expiresAt: EXPIRE * 1000 });

    const b = setup({ file: p.file, state: p.store(), at: EXPIRE * 1000 + 5000 });
    b.primary.down = true;
    b.sec.start();
    expect(b.sec.state).toBe('expired');
    expect(b.ask('v.s.test').rcode).toBe('SERVFAIL');
    expect(logs.some((l) => l.startsWith('error secondary zone expired (no successful refresh within SOA EXPIRE before the restart)'))).toBe(true);
    await b.clock.advance(RETRY * 1000 * 3);
    expect(b.ask('v.s.test').rcode).toBe('SERVFAIL');
    b.primary.down = false;
    b.primary.publish(zone(2));
    await b.clock.advance(b.sec.state === 'expired' ? RETRY * 1000 : 0);
    await waitForCondition(() => b.sec.serial === 2);
    expect(b.ask('v.s.test').rcode).toBe('NOERROR');
    expect(p.store().secondary(name(ORIGIN))).toMatchObject({ serial: 2, expired: false });
    b.sec.stop();
  });

  it('a restart keeps the expiry time recorded at the last refresh, not SOA EXPIRE from the restart', async () => {
    const p = place();
    const a = setup({ file: p.file, state: p.store() });
    a.sec.start();
    await a.clock.advance(0);
    await waitForCondition(() => a.sec.serial === 1);
    await a.clock.advance(REFRESH * 1000); // a successful refresh at REFRESH: expiry moves to REFRESH + EXPIRE
    expect(p.store().secondary(name(ORIGIN))).toEqual({ serial: 1, refreshedAt: REFRESH * 1000, expiresAt: (REFRESH + EXPIRE) * 1000, expired: false });
    a.sec.stop();

    // Restarted one minute before that expiry, with the primary gone: served until then, not a day longer.
    const b = setup({ file: p.file, state: p.store(), at: (REFRESH + EXPIRE - 60) * 1000 });
    b.primary.down = true;
    b.sec.start();
    expect(b.sec.serial).toBe(1);
    expect(b.ask('v.s.test').rcode).toBe('NOERROR');
    await b.clock.advance(59_000);
    expect(b.ask('v.s.test').rcode).toBe('NOERROR');
    await b.clock.advance(1_000);
    expect(b.sec.state).toBe('expired');
    expect(b.ask('v.s.test').rcode).toBe('SERVFAIL');
    b.sec.stop();
  });
});

describe('the zone as it arrives', () => {
  it('a full zone streamed into the builder is served, from AXFR and from IXFR answered AXFR-style', async () => {
    const { clock, primary, sec, ask } = setup({ first: zone(1, ['www CNAME v', 'many TXT "a"', 'many TXT "b"']) });
    sec.start();
    await clock.advance(0);
    expect(sec.serial).toBe(1);
    expect(ask('www.s.test').answers).toHaveLength(2);
    expect(ask('many.s.test', 'TXT').answers).toHaveLength(2);
    primary.publish(zone(2));
    primary.ixfr = 'full';
    await clock.advance(REFRESH * 1000);
    expect(sec.serial).toBe(2);
    expect(ask('many.s.test', 'TXT').rcode).toBe('NXDOMAIN');
    expect(logs.filter((l) => l.startsWith('info secondary zone transferred')).map((l) => JSON.parse(l.slice(l.indexOf('{'))).how)).toEqual(['AXFR', 'IXFR']);
  });

  it('a broken zone streamed into the builder is rejected; its diagnostics point into the transfer', async () => {
    const { clock, primary, sec, ask } = setup();
    sec.start();
    await clock.advance(0);
    const next = zone(2);
    primary.publish(next);
    primary.ixfr = 'error';
    const cname = (target: string): TransferRR => ({ owner: name('dup.s.test'), type: RRType.CNAME, class: RRClass.IN, ttl: 300, rdata: name(target) });
    // Records 1 (SOA) to n, then two CNAMEs at one name: the message names the first one's place.
    const records = recordsOf(next);
    primary.axfrRecords = [...records, cname('v.s.test'), cname('ns1.s.test')];
    await clock.advance(REFRESH * 1000);
    expect(sec.serial).toBe(1);
    expect(sec.state).toBe('retrying');
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);
    const failed = logs.find((l) => l.startsWith('warn secondary zone refresh failed'));
    expect(failed).toContain(`multiple CNAME records at dup.s.test. (the first at line ${records.length + 1})`);
  });

  it('the log line of a transfer says how long it took (ms), as BIND and Knot do', async () => {
    const { clock, sec } = setup();
    sec.start();
    await clock.advance(0);
    const line = logs.find((l) => l.startsWith('info secondary zone transferred'))!;
    const fields = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    expect(fields).toMatchObject({ how: 'AXFR', serial: 1, records: 4 });
    expect(typeof fields.ms).toBe('number');
    expect(fields.ms).toBeGreaterThanOrEqual(0);
  });

  it('a transport may still answer with a list of records', async () => {
    const { clock, primary, sec, ask } = setup();
    primary.stream = false;
    sec.start();
    await clock.advance(0);
    expect(sec.serial).toBe(1);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);
  });
});

describe('the copy on disk comes before serving', () => {
  /** A writer whose writes finish when the test says so. */
  function gatedWriter() {
    const writes: Array<{ serial: number; done: () => void; fail: (e: Error) => void }> = [];
    const writeZone = (_file: string, snapshot: ZoneSnapshot) => new Promise<void>((done, fail) => { writes.push({ serial: snapshot.serial, done, fail }); });
    return { writes, writeZone };
  }

  it('a transferred zone is answered once its copy is written; the previous one answers meanwhile', async () => {
    const w = gatedWriter();
    const { clock, primary, sec, ask } = setup({ writeZone: w.writeZone });
    sec.start();
    await clock.advance(0);
    expect(w.writes.map((x) => x.serial)).toEqual([1]);
    // Transferred, not yet on disk: not served (a crash now must not have answered serial 1).
    expect(ask('v.s.test').rcode).toBe('SERVFAIL');
    w.writes[0]!.done();
    await waitForCondition(() => sec.serial === 1);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);

    primary.publish(zone(2));
    const check = sec.refresh();
    await waitForCondition(() => w.writes.length === 2);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);
    w.writes[1]!.done();
    await check;
    expect(sec.serial).toBe(2);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.2']);
    await sec.flush();
  });

  it('a copy that cannot be written is not served: logged, the check fails and is retried at SOA RETRY', async () => {
    const w = gatedWriter();
    const { clock, primary, sec, ask } = setup({ writeZone: w.writeZone });
    sec.start();
    await clock.advance(0);
    w.writes[0]!.done();
    await waitForCondition(() => sec.serial === 1);
    primary.publish(zone(2));
    const check = sec.refresh();
    await waitForCondition(() => w.writes.length === 2);
    w.writes[1]!.fail(new Error('ENOSPC: no space left on device'));
    await check;
    expect(logs.some((l) => l.startsWith('error cannot write the transferred zone to disk; not serving it') && l.includes('ENOSPC'))).toBe(true);
    expect(sec.state).toBe('retrying');
    expect(sec.serial).toBe(1);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.1']);
    // Retried after SOA RETRY; this time the disk has room.
    await clock.advance(RETRY * 1000);
    await waitForCondition(() => w.writes.length === 3);
    w.writes[2]!.done();
    await waitForCondition(() => sec.serial === 2);
    expect(addressOf(ask('v.s.test'))).toEqual(['10.0.0.2']);
  });

  it('the copy is a zone file that loads back to the same zone, written atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zonedns-sec-'));
    dirs.push(dir);
    const file = join(dir, 'sub', 's.test.zone');
    const first = zone(9, ['txt TXT "x y" "z"', 'mx MX 10 ns1', 'sub NS ns.sub', 'ns.sub A 192.0.2.9', '*.w AAAA 2001:db8::1', 'www CNAME v']);
    const { clock, sec } = setup({ file, first });
    sec.start();
    await clock.advance(0);
    await sec.flush();
    const loaded = loadZoneFile(file, { origin: name(ORIGIN) });
    expect(loaded.diagnostics).toEqual([]);
    expect(printZone(loaded.snapshot!)).toBe(printZone(first));
    expect(readFileSync(file, 'latin1').split('\n').slice(2, 3)[0]).toMatch(/^s\.test\.\t300\tIN\tSOA\t/);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['s.test.zone']);
  });
});

/** Polls (bounded) until `cond` holds, letting timers and I/O run. */
async function waitForCondition(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('applying IXFR differences (applyDeltas)', () => {
  const base = zone(1, ['mx MX 10 ns1', 'x A 192.0.2.10', 'x A 192.0.2.11']);
  const soaOf = (serial: number) => recordsOf(zone(serial))[0]!;
  const rr = (owner: string, type: number, rdata: string, ttl = 300): TransferRR => ({ owner: name(owner), type, class: RRClass.IN, ttl, rdata });
  const x10 = rr('x.s.test', RRType.A, '\xc0\x00\x02\x0a');
  const x11 = rr('x.s.test', RRType.A, '\xc0\x00\x02\x0b');
  const y = rr('y.s.test', RRType.A, '\xc0\x00\x02\x14');
  const text = (rrs: TransferRR[]) => rrs.map(key).sort();

  it('follows records across sequences: deleted, added, deleted again, re-added with another TTL', () => {
    const out = applyDeltas(base, [
      { fromSerial: 1, toSerial: 2, deleted: [soaOf(1), x10], added: [soaOf(2), y] },
      { fromSerial: 2, toSerial: 3, deleted: [soaOf(2), y], added: [soaOf(3), { ...x10, ttl: 60 }] },
    ]);
    expect(out[0]).toEqual(soaOf(3));
    const expected = recordsOf(base).slice(1).filter((r) => key(r) !== key(x10));
    expect(text(out.slice(1))).toEqual(text([...expected, { ...x10, ttl: 60 }]));
  });

  it('matches records by canonical form: names in RDATA in another case', () => {
    const out = applyDeltas(base, [{ fromSerial: 1, toSerial: 2, deleted: [soaOf(1), rr('MX.s.test', RRType.MX, '\x00\x0a' + name('NS1.S.TEST'))], added: [soaOf(2)] }]);
    expect(out.some((r) => r.type === RRType.MX)).toBe(false);
    expect(out).toHaveLength(recordsOf(base).length - 1);
  });

  it('a record deleted twice, deleted before it was added, or never there: an error (the caller falls back to AXFR)', () => {
    const twice = [{ fromSerial: 1, toSerial: 2, deleted: [soaOf(1), x11], added: [soaOf(2)] }, { fromSerial: 2, toSerial: 3, deleted: [soaOf(2), x11], added: [soaOf(3)] }];
    expect(() => applyDeltas(base, twice)).toThrow(/deletes a record we do not have: x\.s\.test\. type 1/);
    expect(() => applyDeltas(base, [{ fromSerial: 1, toSerial: 2, deleted: [soaOf(1), y], added: [soaOf(2), y] }])).toThrow(/do not have/);
    expect(() => applyDeltas(base, [{ fromSerial: 5, toSerial: 6, deleted: [soaOf(5)], added: [soaOf(6)] }])).toThrow(/from serial 5, but we have 1/);
  });
});
