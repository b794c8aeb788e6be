// NOTIFY out: the message (RFC 1996 §3.7), the retry schedule over an injected clock and
// transport (no real sleeps), what ends the retries, and one exchange over real loopback UDP.

import { describe, expect, it } from '@jest/globals';
import dgram from 'node:dgram';
import { RRType } from '../../src/dns/constants.js';
import {
  buildNotify, DEFAULT_NOTIFY_SCHEDULE, Notifier, parseNotifyTarget, retryDelays, udpNotifyTransport,
  type NotifyOutcome, type NotifyTarget, type NotifyTransport,
} from '../../src/xfr/notify.js';
import { zoneFromText } from '../support/zones.js';
import { parse } from './support/xfr.js';
import { FakeClock } from './support/fake-clock.js';

const snap = zoneFromText('n.test', '$TTL 300\n@ SOA ns h 2024 3600 900 604800 300\n@ NS ns\nns A 192.0.2.1\n');

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
  /** The secondary's answer to sent message `i`. */
  reply(i: number, opts: { rcode?: number; id?: number; opcode?: number; qr?: boolean; from?: string } = {}): void {
    const req = this.sent[i]!.msg;
    const res = Buffer.from(req);
    if (opts.id !== undefined) res.writeUInt16BE(opts.id, 0);
    const opcode = opts.opcode ?? 4;
    res.writeUInt16BE(((opts.qr ?? true) ? 0x8000 : 0) | (opcode << 11) | 0x0400 | (opts.rcode ?? 0), 2);
    this.receive!(res, { address: opts.from ?? this.sent[i]!.target.host, port: this.sent[i]!.target.port });
  }
}

function setup(targets = ['127.0.0.1:5300']) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock);
  const outcomes: Array<[string, NotifyOutcome]> = [];
  let id = 100;
  const notifier = new Notifier({ transport, clock, nextId: () => id++, onDone: (_z, t, o) => outcomes.push([t.text, o]) });
  const ts = targets.map(parseNotifyTarget);
  return { clock, transport, notifier, outcomes, ts };
}

describe('the NOTIFY message', () => {
  it('opcode 4, AA, QR=0, question <zone> SOA IN, the new SOA in the answer (RFC 1996 §3.7)', () => {
    const m = buildNotify(0x1234, snap.origin, snap.soa);
    const p = parse(m);
    expect(p.id).toBe(0x1234);
    expect(p.opcode).toBe(4);
    expect(p.flags & 0x8000).toBe(0);
    expect(p.flags & 0x0400).toBeTruthy();
    expect(p.question.equals(Buffer.concat([Buffer.from(snap.origin, 'latin1'), Buffer.from([0, RRType.SOA, 0, 1])]))).toBe(true);
    expect(p.answer.map((r) => r.type)).toEqual([RRType.SOA]);
    expect(p.answer[0]!.text).toMatch(/ 000007e800000e100000038400093a800000012c$/); // 2024 3600 900 604800 300
  });

  it('targets: address with optional port', () => {
    expect(parseNotifyTarget('192.0.2.1')).toEqual({ host: '192.0.2.1', port: 53, text: '192.0.2.1' });
    expect(parseNotifyTarget('192.0.2.1:5300')).toMatchObject({ host: '192.0.2.1', port: 5300 });
    expect(parseNotifyTarget('[::1]:5300')).toMatchObject({ host: '::1', port: 5300 });
    expect(parseNotifyTarget('2001:db8::1')).toMatchObject({ host: '2001:db8::1', port: 53 });
    expect(() => parseNotifyTarget('ns.example.com')).toThrow(/IP address/);
    expect(() => parseNotifyTarget('192.0.2.1:0')).toThrow(/port/);
  });
});

describe('retry schedule (injected clock and transport)', () => {
  it('the default: 5 sends, 2 s doubling, capped', () => {
    expect(DEFAULT_NOTIFY_SCHEDULE).toEqual({ tries: 5, initialMs: 2000, maxMs: 30_000 });
    expect(retryDelays()).toEqual([2000, 4000, 8000, 16000, 30000]);
    expect(retryDelays({ tries: 3, initialMs: 1000, maxMs: 1500 })).toEqual([1000, 1500, 1500]);
  });

  it('unanswered: sent at 0, 2, 6, 14, 30 s, then given up at 60 s; nothing left pending', () => {
    const { clock, transport, notifier, outcomes, ts } = setup();
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    clock.advance(120_000);
    expect(transport.sent.map((s) => s.at)).toEqual([0, 2000, 6000, 14000, 30000]);
    // The same message (same ID) each time: a late answer to any send counts.
    expect(new Set(transport.sent.map((s) => s.msg.toString('hex'))).size).toBe(1);
    expect(outcomes).toEqual([['127.0.0.1:5300', { kind: 'gave-up', tries: 5 }]]);
    expect(notifier.pending).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a response with the same ID and opcode from the target stops the retries', () => {
    const { clock, transport, notifier, outcomes, ts } = setup();
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    clock.advance(2500); // first retry went out
    transport.reply(1);
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(2);
    expect(outcomes).toEqual([['127.0.0.1:5300', { kind: 'answered', rcode: 0, tries: 2 }]]);
    expect(clock.pending).toBe(0);
  });

  it('an error response (NOTAUTH) also ends the retries: asking again would not change it', () => {
    const { clock, transport, notifier, outcomes, ts } = setup();
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    transport.reply(0, { rcode: 9 });
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(1);
    expect(outcomes[0]![1]).toEqual({ kind: 'answered', rcode: 9, tries: 1 });
  });

  it.each([
    ['another ID', { id: 999 }],
    ['another opcode', { opcode: 0 }],
    ['a request (QR=0)', { qr: false }],
    ['another address', { from: '127.0.0.2' }],
  ])('ignores a datagram with %s', (_, opts) => {
    const { clock, transport, notifier, ts } = setup();
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    transport.reply(0, opts);
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(5);
  });

  it('each target on its own schedule; a newer NOTIFY for the same target replaces the pending one', () => {
    const { clock, transport, notifier, outcomes, ts } = setup(['127.0.0.1:5300', '[::1]:5301']);
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    expect(transport.sent.map((s) => s.target.text)).toEqual(['127.0.0.1:5300', '[::1]:5301']);
    transport.reply(1); // ::1 answers
    clock.advance(3000);
    notifier.notify(snap.origin, snap.soa, snap.serial + 1, [ts[0]!]);
    expect(outcomes.map(([t, o]) => `${t} ${o.kind}`)).toEqual(['[::1]:5301 answered', '127.0.0.1:5300 replaced']);
    const ids = new Set(transport.sent.filter((s) => s.target === ts[0]).map((s) => s.msg.readUInt16BE(0)));
    expect(ids.size).toBe(2);
    clock.advance(120_000);
    expect(notifier.pending).toBe(0);
  });

  it('close() stops every retry', async () => {
    const { clock, transport, notifier, ts } = setup();
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    await notifier.close();
    clock.advance(120_000);
    expect(transport.sent).toHaveLength(1);
    notifier.notify(snap.origin, snap.soa, snap.serial, ts);
    expect(transport.sent).toHaveLength(1);
  });
});

describe('over real UDP', () => {
  it('a loopback secondary that answers the second try', async () => {
    const secondary = dgram.createSocket('udp4');
    await new Promise<void>((r) => secondary.bind(0, '127.0.0.1', () => r()));
    let seen = 0;
    secondary.on('message', (msg, rinfo) => {
      seen++;
      if (seen < 2) return; // lose the first
      const res = Buffer.from(msg);
      res.writeUInt16BE(res.readUInt16BE(2) | 0x8000, 2);
      secondary.send(res, rinfo.port, rinfo.address);
    });
    const done = new Promise<NotifyOutcome>((resolve) => {
      const n = new Notifier({
        transport: udpNotifyTransport(),
        schedule: { tries: 3, initialMs: 50, maxMs: 100 },
        onDone: (_z, _t, o) => {
          void n.close();
          resolve(o);
        },
      });
      n.notify(snap.origin, snap.soa, snap.serial, [parseNotifyTarget(`127.0.0.1:${secondary.address().port}`)]);
    });
    expect(await done).toEqual({ kind: 'answered', rcode: 0, tries: 2 });
    secondary.close();
  });
});
