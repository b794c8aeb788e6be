// NOTIFY out (RFC 1996): tell secondaries that a zone changed, so they pull it now instead of at
// their next refresh.
//
// A NOTIFY is a request (QR=0) with opcode 4, AA set, the question <zone> SOA IN, and the new SOA
// in the answer section (§3.7: a hint the secondary may use). It goes over UDP to each configured
// target and is repeated until a response with the same ID and opcode comes back from that
// address (§3.6), at most `tries` times, waiting `initialMs`, then twice as long each time up to
// `maxMs` (§3.6 asks for retries with increasing intervals; BIND sends 5, Knot 5 spaced 5 s).
// Any response ends the retries: NOERROR is an acknowledgement, and an error (NOTAUTH, REFUSED)
// would not change on retrying. A newer NOTIFY for the same zone and target replaces an older
// one still being retried.
//
// TSIG (RFC 8945): a target with a key gets a signed NOTIFY, and its reply must carry a TSIG that
// verifies over our request MAC (§5.3; the same message is resent, so one MAC covers every try,
// and the default schedule ends after 60 s, well inside the 300 s fudge).
// A reply that is unsigned, does not verify, or is a TSIG error (BADKEY/BADSIG, which §5.3.2 sends
// unsigned) proves nothing: it is logged and the retries go on, as for a lost datagram.
//
// The clock and the transport are injected, so the schedule is tested without sleeping.

import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Opcode, RRClass, RRType } from '../dns/constants.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import { Flag, MessageWriter, OPCODE_MASK, OPCODE_SHIFT, Section } from '../wire/index.js';
import type { RRset } from '../zone/snapshot.js';
import { addressBytes } from './acl.js';
import { signRequest, TsigError, verifyResponse } from '../tsig/tsig.js';
import type { TsigKey } from '../tsig/keys.js';

/** Where to send NOTIFY: `192.0.2.1`, `192.0.2.1:5300`, `[2001:db8::1]:53`, `2001:db8::1`. */
export interface NotifyTarget {
  readonly host: string;
  readonly port: number;
  readonly text: string;
  /** TSIG key to sign the NOTIFY with (and to verify the reply); unsigned when absent. */
  readonly key?: TsigKey;
}

export class NotifyTargetError extends Error {
  override readonly name = 'NotifyTargetError';
}

/** Parses a NOTIFY target; the port defaults to 53. Throws NotifyTargetError. */
export function parseNotifyTarget(text: string): NotifyTarget {
  let host: string;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4port = /^([0-9.]+):(\d+)$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (v4port) {
    host = v4port[1]!;
    port = Number(v4port[2]);
  } else {
    host = text;
  }
  if (addressBytes(host) === undefined) throw new NotifyTargetError(`"${text}": expected an IP address with an optional port (192.0.2.1:53, [2001:db8::1]:53)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NotifyTargetError(`"${text}": port must be 1-65535`);
  return { host, port, text };
}

/** The NOTIFY request for a zone (RFC 1996 §3.7). */
export function buildNotify(id: number, origin: Name, soa: RRset, cls: number = RRClass.IN): Buffer {
  const w = new MessageWriter();
  w.begin(
    { id, opcode: Opcode.NOTIFY, flags: { aa: true, rd: false, ad: false, cd: false }, rcode: 0 },
    { name: origin, qtype: RRType.SOA, qclass: cls },
    undefined,
    512,
  );
  w.put(Section.ANSWER, [{ owner: soa.owner, type: RRType.SOA, class: cls, ttl: soa.ttl, rdata: soa.rdata[0]! }]);
  const msg = w.finish();
  msg[2]! &= ~(Flag.QR >> 8) & 0xff; // a request, not a response
  return msg;
}

/** Sends datagrams and reports the ones that come back. */
export interface NotifyTransport {
  send(msg: Buffer, target: NotifyTarget): void;
  /** Registers the one receiver of incoming datagrams. */
  onMessage(receive: (msg: Buffer, from: { address: string; port: number }) => void): void;
  close(): Promise<void>;
}

export interface NotifyClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: NotifyClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // pending retries never keep a stopping process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface NotifySchedule {
  /** Sends in all, the first included. */
  readonly tries: number;
  /** Wait after the first send, doubled after each retry... */
  readonly initialMs: number;
  /** ...up to this. */
  readonly maxMs: number;
}

export const DEFAULT_NOTIFY_SCHEDULE: NotifySchedule = { tries: 5, initialMs: 2000, maxMs: 30_000 };

/** The waits after each send: 2000, 4000, 8000, 16000, 30000 with the defaults. */
export function retryDelays(s: NotifySchedule = DEFAULT_NOTIFY_SCHEDULE): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.tries; i++) out.push(Math.min(s.initialMs * 2 ** i, s.maxMs));
  return out;
}

interface Pending {
  readonly key: string;
  readonly id: number;
  readonly zone: string;
  readonly serial: number;
  readonly target: NotifyTarget;
  readonly address: Uint8Array;
  readonly msg: Buffer;
  /** Signed NOTIFY: the key and our request MAC, which the reply's MAC must cover. */
  readonly tsig: { readonly key: TsigKey; readonly mac: string } | undefined;
  sent: number;
  timer: unknown;
  /** Why the last reply was not accepted (TSIG), for the give-up log line. */
  rejected: string | undefined;
}

export type NotifyOutcome =
  | { readonly kind: 'answered'; readonly rcode: number; readonly tries: number }
  /** `rejected`: the last reply that came back did not pass TSIG verification, and why. */
  | { readonly kind: 'gave-up'; readonly tries: number; readonly rejected?: string }
  | { readonly kind: 'replaced' };

const TSIG_ERROR_NAMES: Record<number, string> = {
  [TsigError.BADSIG]: 'BADSIG', [TsigError.BADKEY]: 'BADKEY', [TsigError.BADTIME]: 'BADTIME', [TsigError.BADTRUNC]: 'BADTRUNC',
};

/** `BADSIG` for 16, ...; the number for others. */
export function tsigErrorName(error: number): string {
  return TSIG_ERROR_NAMES[error] ?? String(error);
}

const systemNow = (): number => Math.floor(Date.now() / 1000);

export interface NotifierOptions {
  transport: NotifyTransport;
  clock?: NotifyClock;
  log?: Logger;
  schedule?: NotifySchedule;
  /** 16-bit message IDs; random by default (RFC 5452 reasoning applies to responses we accept). */
  nextId?: () => number;
  /** Observes the end of each NOTIFY (tests, stats). */
  onDone?: (zone: string, target: NotifyTarget, outcome: NotifyOutcome) => void;
  /** Seconds since the epoch, for TSIG (targets with a `key`); default the system clock. */
  now?: () => number;
}

export class Notifier {
  private readonly transport: NotifyTransport;
  private readonly clock: NotifyClock;
  private readonly delays: number[];
  private readonly byKey = new Map<string, Pending>();
  private readonly byId = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly opts: NotifierOptions) {
    this.transport = opts.transport;
    this.clock = opts.clock ?? realClock;
    this.delays = retryDelays(opts.schedule);
    this.transport.onMessage((msg, from) => this.receive(msg, from));
  }

  /** NOTIFYs in flight. */
  get pending(): number {
    return this.byKey.size;
  }

  /** Sends NOTIFY for `origin` with its new SOA to every target. */
  notify(origin: Name, soa: RRset, serial: number, targets: readonly NotifyTarget[]): void {
    if (this.closed) return;
    const zone = nameToText(origin);
    for (const target of targets) {
      const key = `${nameKey(origin)} ${target.host} ${target.port}`;
      const old = this.byKey.get(key);
      if (old !== undefined) {
        this.stop(old);
        this.opts.onDone?.(zone, target, { kind: 'replaced' });
      }
      const id = this.freeId();
      let msg = buildNotify(id, origin, soa);
      let tsig: Pending['tsig'];
      if (target.key !== undefined) {
        const signed = signRequest(msg, target.key, (this.opts.now ?? systemNow)());
        msg = signed.message;
        tsig = { key: target.key, mac: signed.mac };
      }
      const p: Pending = { key, id, zone, serial, target, address: addressBytes(target.host)!, msg, tsig, sent: 0, timer: undefined, rejected: undefined };
      this.byKey.set(key, p);
      this.byId.set(id, p);
      this.send(p);
    }
  }

  private freeId(): number {
    for (;;) {
      const id = (this.opts.nextId?.() ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
      if (!this.byId.has(id)) return id;
    }
  }

  private send(p: Pending): void {
    p.sent++;
    try {
      this.transport.send(p.msg, p.target);
    } catch (e) {
      this.opts.log?.warn('NOTIFY send failed', { zone: p.zone, target: p.target.text, error: (e as Error).message });
    }
    this.opts.log?.debug('NOTIFY sent', { zone: p.zone, target: p.target.text, serial: p.serial, try: p.sent });
    p.timer = this.clock.setTimeout(() => this.expired(p), this.delays[p.sent - 1]!);
  }

  private expired(p: Pending): void {
    if (this.byKey.get(p.key) !== p) return;
    if (p.sent < this.delays.length) {
      this.send(p);
      return;
    }
    this.stop(p);
    if (p.rejected === undefined) {
      this.opts.log?.warn('NOTIFY not answered; giving up (the secondary will still refresh on its own)', { zone: p.zone, target: p.target.text, serial: p.serial, tries: p.sent });
      this.opts.onDone?.(p.zone, p.target, { kind: 'gave-up', tries: p.sent });
    } else {
      this.opts.log?.warn('NOTIFY not acknowledged with a valid TSIG; giving up', { zone: p.zone, target: p.target.text, serial: p.serial, tries: p.sent, tsig: p.rejected });
      this.opts.onDone?.(p.zone, p.target, { kind: 'gave-up', tries: p.sent, rejected: p.rejected });
    }
  }

  private stop(p: Pending): void {
    this.clock.clearTimeout(p.timer);
    this.byKey.delete(p.key);
    this.byId.delete(p.id);
  }

  /** A datagram from a secondary: the response to one of our NOTIFYs, or ignored. */
  receive(msg: Buffer, from: { address: string; port: number }): void {
    if (msg.length < 12) return;
    const flags = msg.readUInt16BE(2);
    if ((flags & Flag.QR) === 0 || ((flags >>> OPCODE_SHIFT) & OPCODE_MASK) !== Opcode.NOTIFY) return;
    const p = this.byId.get(msg.readUInt16BE(0));
    if (p === undefined) return;
    // Only the target itself may end the retries (a spoofed answer from elsewhere may not).
    const src = addressBytes(from.address);
    if (src === undefined || Buffer.compare(Buffer.from(src), Buffer.from(p.address)) !== 0) return;
    const rcode = flags & 0xf;
    const signedBy = p.tsig === undefined ? {} : { key: nameToText(p.tsig.key.name) };
    if (p.tsig !== undefined) {
      const v = verifyResponse(msg, p.tsig.key, p.tsig.mac, (this.opts.now ?? systemNow)());
      if (!v.ok) {
        const why = v.kind === 'peer-error' ? `the secondary answered ${tsigErrorName(v.peerError ?? 0)} (rcode ${rcode})` : `${v.kind.toUpperCase()}: ${v.reason}`;
        p.rejected = why;
        this.opts.log?.warn('NOTIFY reply rejected: TSIG does not verify; retrying', { zone: p.zone, target: p.target.text, serial: p.serial, ...signedBy, tsig: why });
        return;
      }
    }
    this.stop(p);
    if (rcode === 0) this.opts.log?.info('NOTIFY acknowledged', { zone: p.zone, target: p.target.text, serial: p.serial, tries: p.sent, ...signedBy });
    else this.opts.log?.warn('NOTIFY answered with an error', { zone: p.zone, target: p.target.text, serial: p.serial, rcode, ...signedBy });
    this.opts.onDone?.(p.zone, p.target, { kind: 'answered', rcode, tries: p.sent });
  }

  /** Stops every retry and closes the transport. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.byKey.values()]) this.stop(p);
    await this.transport.close();
  }
}

/** The real transport: one unconnected UDP socket per address family, on an ephemeral port. */
export function udpNotifyTransport(log?: Logger): NotifyTransport {
  const sockets = new Map<'udp4' | 'udp6', dgram.Socket>();
  let receive: ((msg: Buffer, from: { address: string; port: number }) => void) | undefined;
  const socketFor = (family: 'udp4' | 'udp6'): dgram.Socket => {
    let s = sockets.get(family);
    if (s === undefined) {
      s = dgram.createSocket({ type: family, ipv6Only: family === 'udp6' });
      s.on('message', (msg, rinfo) => receive?.(msg, { address: rinfo.address, port: rinfo.port }));
      s.on('error', (err) => log?.warn('NOTIFY socket error', { error: err.message }));
      s.bind(0);
      s.unref();
      sockets.set(family, s);
    }
    return s;
  };
  return {
    send(msg, target) {
      socketFor(isIPv6(target.host) ? 'udp6' : 'udp4').send(msg, target.port, target.host);
    },
    onMessage(r) {
      receive = r;
    },
    close: () => Promise.all([...sockets.values()].map((s) => new Promise<void>((res) => s.close(() => res())))).then(() => { sockets.clear(); }),
  };
}
