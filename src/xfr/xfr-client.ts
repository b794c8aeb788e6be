// Zone transfers, secondary side: what we ask a primary and how we read its answers.
//
//   - an SOA query over UDP (RFC 1034 §4.3.5: the refresh check), falling back to nothing else;
//   - AXFR (RFC 5936) and IXFR (RFC 1995) over TCP, read message by message with a strict,
//     bounded response decoder (decodeTransferMessage) that decompresses owner names and the
//     names inside RDATA of the RFC 3597 §4 well-known types;
//   - interpretTransfer: the RR stream -> "up to date" | full zone | list of differences.
//
// The transport is an interface (SecondaryTransport) so the state machine in secondary.ts is
// tested against a scripted primary; tcpUdpTransport is the real one.

import dgram from 'node:dgram';
import net from 'node:net';
import { isIPv6 } from 'node:net';
import { RRClass, RRType } from '../dns/constants.js';
import { nameKey, type Name } from '../dns/name.js';
import { serialGreater } from '../dns/serial.js';
import { Flag, HEADER_SIZE, MessageWriter, OPCODE_MASK, OPCODE_SHIFT, RCODE_MASK, Section } from '../wire/index.js';
import { nameScanReason, readName, scanName } from '../wire/wire-name.js';
import type { RR } from '../wire/writer.js';
import { signRequest, TsigStreamVerifier } from './tsig.js';
import type { TsigKey } from './tsig-keys.js';
import { locateTsig } from './tsig-wire.js';

/** Where a primary listens: `127.0.0.1:5300`, `[::1]:53`, `192.0.2.1` (port 53). */
export interface PrimaryAddress {
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

export class TransferError extends Error {
  override readonly name = 'TransferError';
  constructor(message: string, readonly rcode?: number) {
    super(message);
  }
}

/** One RR of an answer section, names uncompressed (case as sent). */
export type TransferRR = RR;

/** A decoded transfer (or SOA) response message: header facts and its answer section. */
export interface TransferMessage {
  readonly id: number;
  readonly opcode: number;
  readonly rcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  /** The question, when the message has one (RFC 5936 §2.2.1: only the first must). */
  readonly question?: { readonly name: Name; readonly qtype: number; readonly qclass: number };
  readonly answer: TransferRR[];
}

/** Bounds against a hostile or broken primary. */
export interface TransferLimits {
  /** Records in one transfer. */
  readonly maxRecords: number;
  /** Octets in one transfer (sum of message sizes). */
  readonly maxBytes: number;
  /** Whole transfer, connect to closing SOA. */
  readonly timeoutMs: number;
}

export const DEFAULT_TRANSFER_LIMITS: TransferLimits = { maxRecords: 5_000_000, maxBytes: 1 << 30, timeoutMs: 120_000 };

/**
 * RDATA layouts whose names may be compressed and must be decompressed on receipt (RFC 3597 §4:
 * the RFC 1035 types MUST, and RP, AFSDB, RT, PX, SRV SHOULD): octets before the first name, how
 * many names follow, then the rest copied. NAPTR, SIG and NXT are copied as sent (no modern
 * server compresses them).
 */
function nameLayout(type: number): [prefix: number, names: number] | undefined {
  switch (type) {
    case RRType.NS: case RRType.MD: case RRType.MF: case RRType.CNAME: case RRType.MB: case RRType.MG: case RRType.MR: case RRType.PTR:
    case RRType.DNAME:
      return [0, 1];
    case RRType.SOA: case RRType.MINFO: case RRType.RP:
      return [0, 2];
    case RRType.MX: case RRType.AFSDB: case RRType.RT: case RRType.KX:
      return [2, 1];
    case RRType.PX:
      return [2, 2];
    case RRType.SRV:
      return [6, 1];
    default:
      return undefined;
  }
}

function fail(why: string): never {
  throw new TransferError(`malformed response: ${why}`);
}

function nameAt(msg: Uint8Array, off: number, end: number): { name: Name; next: number } {
  const r = readName(msg, off, end);
  if (typeof r === 'number') fail(nameScanReason(r));
  return r;
}

/**
 * Decodes one response message strictly: QR set, counts that match the octets, names with
 * backward-only pointers, RDATA within RDLENGTH. Authority and additional are checked and skipped
 * (a TSIG there is the caller's business). Throws TransferError.
 */
export function decodeTransferMessage(msg: Uint8Array): TransferMessage {
  if (msg.length < HEADER_SIZE) fail('shorter than a header');
  const u16 = (o: number) => (msg[o]! << 8) | msg[o + 1]!;
  const id = u16(0);
  const flags = u16(2);
  if ((flags & Flag.QR) === 0) fail('QR is not set');
  const qd = u16(4);
  const an = u16(6);
  const ns = u16(8);
  const ar = u16(10);
  if (qd > 1) fail(`QDCOUNT ${qd}`);
  const end = msg.length;
  let off = HEADER_SIZE;
  let question: TransferMessage['question'];
  if (qd === 1) {
    const { name, next } = nameAt(msg, off, end);
    if (next + 4 > end) fail('question runs past the end');
    question = { name, qtype: u16(next), qclass: u16(next + 2) };
    off = next + 4;
  }
  const answer: TransferRR[] = [];
  for (let i = 0; i < an + ns + ar; i++) {
    const inAnswer = i < an;
    let owner: Name | undefined;
    let next: number;
    if (inAnswer) ({ name: owner, next } = nameAt(msg, off, end));
    else {
      next = scanName(msg, off, end);
      if (next < 0) fail(nameScanReason(next));
    }
    if (next + 10 > end) fail('record header runs past the end');
    const type = u16(next);
    const cls = u16(next + 2);
    const ttl = (((msg[next + 4]! << 24) >>> 0) + (msg[next + 5]! << 16) + (msg[next + 6]! << 8) + msg[next + 7]!) >>> 0;
    const rdlen = u16(next + 8);
    const rdStart = next + 10;
    const rdEnd = rdStart + rdlen;
    if (rdEnd > end) fail('RDATA runs past the end');
    off = rdEnd;
    if (!inAnswer) continue;
    // RFC 2181 §8: a TTL with the top bit set is read as zero.
    answer.push({ owner: owner!, type, class: cls, ttl: ttl > 0x7fffffff ? 0 : ttl, rdata: rdataOf(msg, type, rdStart, rdEnd) });
  }
  if (off !== end) fail(`${end - off} octets after the last record`);
  return {
    id, opcode: (flags >>> OPCODE_SHIFT) & OPCODE_MASK, rcode: flags & RCODE_MASK,
    aa: (flags & Flag.AA) !== 0, tc: (flags & Flag.TC) !== 0, question, answer,
  };
}

/** RDATA as uncompressed wire octets (a latin1 string, like the rest of the code base). */
function rdataOf(msg: Uint8Array, type: number, start: number, end: number): string {
  const raw = (a: number, b: number) => Buffer.from(msg.buffer, msg.byteOffset + a, b - a).toString('latin1');
  const layout = nameLayout(type);
  if (layout === undefined) return raw(start, end);
  const [prefix, names] = layout;
  if (start + prefix > end) fail(`${type} RDATA too short`);
  let out = raw(start, start + prefix);
  let off = start + prefix;
  for (let i = 0; i < names; i++) {
    // A name inside RDATA may point anywhere earlier in the message, but must end inside RDATA.
    const { name, next } = nameAt(msg, off, end);
    out += name;
    off = next;
  }
  if (type === RRType.SOA && end - off !== 20) fail('SOA RDATA must end with 20 octets of counters');
  return out + raw(off, end);
}

/** The serial in SOA RDATA (the first of the five 32-bit counters after the two names). */
export function soaSerialOf(rdata: string): number {
  const at = rdata.length - 20;
  return ((rdata.charCodeAt(at) << 24) >>> 0) + (rdata.charCodeAt(at + 1) << 16) + (rdata.charCodeAt(at + 2) << 8) + rdata.charCodeAt(at + 3);
}

/** REFRESH, RETRY, EXPIRE, MINIMUM (seconds) of SOA RDATA. */
export function soaTimers(rdata: string): { refresh: number; retry: number; expire: number; minimum: number } {
  const at = rdata.length - 16;
  const u32 = (o: number) => ((rdata.charCodeAt(o) << 24) >>> 0) + (rdata.charCodeAt(o + 1) << 16) + (rdata.charCodeAt(o + 2) << 8) + rdata.charCodeAt(o + 3);
  return { refresh: u32(at), retry: u32(at + 4), expire: u32(at + 8), minimum: u32(at + 12) };
}

// ------------------------------------------------------------------------------ interpretation

/** One IXFR difference sequence (RFC 1995 §4): from `fromSerial` to `toSerial`. */
export interface IxfrDelta {
  readonly fromSerial: number;
  readonly toSerial: number;
  /** Records removed, the old SOA first. */
  readonly deleted: TransferRR[];
  /** Records added, the new SOA first. */
  readonly added: TransferRR[];
}

export type TransferResult =
  /** IXFR: the primary has nothing newer than our serial (a lone SOA). */
  | { readonly kind: 'current'; readonly soa: TransferRR }
  /** AXFR, or IXFR answered AXFR-style: every record, the SOA first (closing SOA not repeated). */
  | { readonly kind: 'full'; readonly serial: number; readonly records: TransferRR[] }
  | { readonly kind: 'incremental'; readonly serial: number; readonly deltas: IxfrDelta[] };

/**
 * Reads the answer RRs of a transfer as they arrive and says when the transfer is complete
 * (RFC 5936 §2.2: AXFR ends with the opening SOA repeated; RFC 1995 §4: an incremental IXFR
 * ends with the new SOA where the next deletion sequence would begin).
 */
export class TransferAssembler {
  private readonly rrs: TransferRR[] = [];
  private first: TransferRR | undefined;
  private mode: 'start' | 'full' | 'incremental' = 'start';
  private done: TransferResult | undefined;
  // Incremental state.
  private deltas: IxfrDelta[] = [];
  private current: { fromSerial: number; toSerial: number; deleted: TransferRR[]; added: TransferRR[] } | undefined;
  private inAdds = false;

  constructor(private readonly origin: Name, private readonly kind: 'axfr' | 'ixfr', private readonly ourSerial?: number, private readonly maxRecords = DEFAULT_TRANSFER_LIMITS.maxRecords) {}

  get result(): TransferResult | undefined {
    return this.done;
  }

  /** Adds one message's answer RRs; returns the result once complete. Throws TransferError. */
  push(answer: readonly TransferRR[]): TransferResult | undefined {
    for (const rr of answer) {
      if (this.done !== undefined) throw new TransferError('records after the closing SOA');
      if (this.rrs.length + 1 > this.maxRecords) throw new TransferError(`more than ${this.maxRecords} records`);
      this.add(rr);
    }
    return this.done;
  }

  /**
   * For IXFR, a message that ends with a lone SOA not newer than ours means "current" (RFC 1995
   * §4). A lone newer SOA is the start of a longer answer split over messages: keep reading.
   */
  endOfMessage(): TransferResult | undefined {
    if (this.done === undefined && this.kind === 'ixfr' && this.mode === 'start' && this.first !== undefined
      && (this.ourSerial === undefined || !serialGreater(soaSerialOf(this.first.rdata), this.ourSerial))) {
      this.done = { kind: 'current', soa: this.first };
    }
    return this.done;
  }

  private isApexSoa(rr: TransferRR): boolean {
    return rr.type === RRType.SOA && nameKey(rr.owner) === nameKey(this.origin);
  }

  private add(rr: TransferRR): void {
    if (rr.class !== RRClass.IN) throw new TransferError(`record of class ${rr.class}`);
    if (rr.type === RRType.SOA && !this.isApexSoa(rr)) throw new TransferError('SOA record not at the zone apex');
    if (this.first === undefined) {
      if (!this.isApexSoa(rr)) throw new TransferError('the transfer does not begin with the zone SOA');
      this.first = rr;
      this.rrs.push(rr);
      return;
    }
    const newSerial = soaSerialOf(this.first.rdata);
    if (this.mode === 'start') {
      // Second RR: a SOA (other than the new one) opens an incremental answer (RFC 1995 §4).
      if (this.kind === 'ixfr' && rr.type === RRType.SOA && soaSerialOf(rr.rdata) !== newSerial) {
        this.mode = 'incremental';
      } else if (this.kind === 'ixfr' && rr.type === RRType.SOA) {
        // SOA, SOA with the same serial: an empty zone AXFR-style; not a valid zone anyway.
        throw new TransferError('AXFR-style answer with nothing but the SOA');
      } else {
        this.mode = 'full';
      }
    }
    if (this.mode === 'full') {
      if (rr.type === RRType.SOA) {
        if (soaSerialOf(rr.rdata) !== newSerial) throw new TransferError('closing SOA differs from the opening one');
        this.done = { kind: 'full', serial: newSerial, records: this.rrs };
        return;
      }
      this.rrs.push(rr);
      return;
    }
    // Incremental.
    this.rrs.push(rr);
    if (rr.type === RRType.SOA) {
      const serial = soaSerialOf(rr.rdata);
      if (this.current === undefined || this.inAdds) {
        // Where a deletion sequence begins: the new serial here closes the answer.
        if (this.current !== undefined) this.deltas.push(this.current);
        this.current = undefined;
        this.inAdds = false;
        if (serial === newSerial && this.deltas.length > 0) {
          this.done = { kind: 'incremental', serial: newSerial, deltas: this.deltas };
          return;
        }
        const from = this.deltas.length === 0 ? this.ourSerial : this.deltas[this.deltas.length - 1]!.toSerial;
        if (from !== undefined && serial !== from) throw new TransferError(`IXFR sequence starts at serial ${serial}, expected ${from}`);
        this.current = { fromSerial: serial, toSerial: serial, deleted: [rr], added: [] };
      } else {
        this.current.toSerial = serial;
        this.current.added.push(rr);
        this.inAdds = true;
      }
      return;
    }
    if (this.current === undefined) throw new TransferError('IXFR record outside a difference sequence');
    (this.inAdds ? this.current.added : this.current.deleted).push(rr);
  }
}

// ------------------------------------------------------------------------------ requests

/** An SOA query or a transfer request (IXFR carries our SOA in the authority section, RFC 1995 §3). */
export function buildRequest(id: number, origin: Name, qtype: number, ourSoa?: TransferRR): Buffer {
  const w = new MessageWriter();
  w.begin({ id, opcode: 0, flags: { aa: false, rd: false, ad: false, cd: false }, rcode: 0 }, { name: origin, qtype, qclass: RRClass.IN }, undefined, 0xffff);
  if (ourSoa !== undefined) w.put(Section.AUTHORITY, [ourSoa]);
  const msg = w.finish();
  msg[2]! &= ~(Flag.QR >> 8) & 0xff; // a request
  return msg;
}

// ------------------------------------------------------------------------------ transport

/** What the secondary asks a primary. Both reject with TransferError (or a socket error). */
export interface SecondaryTransport {
  /** The primary's SOA for the zone, from an authoritative NOERROR answer. */
  querySoa(primary: PrimaryAddress, origin: Name): Promise<TransferRR>;
  /** An AXFR, or an IXFR from `ourSoa`, read to completion. */
  transfer(primary: PrimaryAddress, origin: Name, kind: 'axfr' | 'ixfr', ourSoa?: TransferRR): Promise<TransferResult>;
}

export interface RealTransportOptions {
  limits?: TransferLimits;
  /** SOA query: wait per try, and tries (UDP loses datagrams). */
  soaTimeoutMs?: number;
  soaTries?: number;
  /** Signs a request / checks each response message (TSIG); absent: unsigned. */
  signer?: (primary: PrimaryAddress) => RequestSigner | undefined;
}

/** TSIG around one exchange: sign the request, then check every response message in order. */
export interface RequestSigner {
  sign(request: Buffer): Buffer;
  /** Throws TransferError if a message fails verification; `last` at the end of the stream. */
  verify(message: Buffer): void;
  finish(): void;
}

/** TSIG (RFC 8945) for one exchange with `key`: a signed request, every response message verified. */
export function tsigSigner(key: TsigKey, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)): RequestSigner {
  let verifier: TsigStreamVerifier | undefined;
  return {
    sign(request) {
      const signed = signRequest(request, key, nowSeconds());
      verifier = new TsigStreamVerifier(key, signed.mac);
      return signed.message;
    },
    verify(message) {
      const r = verifier!.verify(message, nowSeconds());
      if (!r.ok) throw new TransferError(`TSIG: ${r.reason}`);
    },
    finish() {
      const r = verifier!.finish();
      if (!r.ok) throw new TransferError(`TSIG: ${r.reason}`);
    },
  };
}

const randomId = () => Math.floor(Math.random() * 0x10000);

export function parsePrimary(text: string): PrimaryAddress | undefined {
  let host = text;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([0-9.]+):(\d+)$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (v4) {
    host = v4[1]!;
    port = Number(v4[2]);
  }
  if (net.isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port, text };
}

/** The real transport: SOA over UDP, transfers over TCP (RFC 5936 §4.2), one connection each. */
export function networkTransport(opts: RealTransportOptions = {}): SecondaryTransport {
  const limits = opts.limits ?? DEFAULT_TRANSFER_LIMITS;
  return {
    async querySoa(primary, origin) {
      const tries = opts.soaTries ?? 3;
      let lastError: Error = new TransferError('no answer');
      for (let i = 0; i < tries; i++) {
        try {
          return await soaOnce(primary, origin, opts.soaTimeoutMs ?? 2000, opts.signer?.(primary));
        } catch (e) {
          lastError = e as Error;
          if (e instanceof TransferError && e.rcode !== undefined) throw e; // an answer: do not repeat
        }
      }
      throw lastError;
    },
    transfer(primary, origin, kind, ourSoa) {
      return tcpTransfer(primary, origin, kind, ourSoa, limits, opts.signer?.(primary));
    },
  };
}

function soaOnce(primary: PrimaryAddress, origin: Name, timeoutMs: number, signer: RequestSigner | undefined): Promise<TransferRR> {
  const id = randomId();
  let req = buildRequest(id, origin, RRType.SOA);
  if (signer) req = signer.sign(req);
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(isIPv6(primary.host) ? 'udp6' : 'udp4');
    const finish = (err: Error | undefined, rr?: TransferRR) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(rr!);
    };
    const timer = setTimeout(() => finish(new TransferError(`no answer to the SOA query within ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (e) => finish(e));
    sock.on('message', (msg, rinfo) => {
      // Only the primary itself, with our ID (RFC 5452 reasoning).
      if (rinfo.address !== primary.host || rinfo.port !== primary.port || msg.length < 2 || msg.readUInt16BE(0) !== id) return;
      try {
        // A signed SOA answer must verify. An unsigned one is accepted (zonedns itself signs only
        // transfers): the serial only decides whether to transfer, and the transfer must verify.
        if (signer !== undefined && locateTsig(msg).kind !== 'none') {
          signer.verify(msg);
          signer.finish();
        }
        const m = decodeTransferMessage(msg);
        if (m.question === undefined || nameKey(m.question.name) !== nameKey(origin) || m.question.qtype !== RRType.SOA) throw new TransferError('answer to another question');
        if (m.rcode !== 0) throw new TransferError(`SOA query answered with rcode ${m.rcode}`, m.rcode);
        if (!m.aa) throw new TransferError('SOA answer is not authoritative', -1);
        const soa = m.answer.find((rr) => rr.type === RRType.SOA && nameKey(rr.owner) === nameKey(origin));
        if (soa === undefined) throw new TransferError('no SOA in the answer', -1);
        finish(undefined, soa);
      } catch (e) {
        finish(e as Error);
      }
    });
    sock.send(req, primary.port, primary.host);
  });
}

function tcpTransfer(primary: PrimaryAddress, origin: Name, kind: 'axfr' | 'ixfr', ourSoa: TransferRR | undefined, limits: TransferLimits, signer: RequestSigner | undefined): Promise<TransferResult> {
  const id = randomId();
  let req = buildRequest(id, origin, kind === 'axfr' ? RRType.AXFR : RRType.IXFR, kind === 'ixfr' ? ourSoa : undefined);
  if (signer) req = signer.sign(req);
  const assembler = new TransferAssembler(origin, kind, ourSoa === undefined ? undefined : soaSerialOf(ourSoa.rdata), limits.maxRecords);
  const what = kind.toUpperCase();
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: primary.host, port: primary.port });
    let buf: Buffer = Buffer.alloc(0);
    let bytes = 0;
    let first = true;
    let settled = false;
    const finish = (err: Error | undefined, result?: TransferResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(result!);
    };
    const timer = setTimeout(() => finish(new TransferError(`${what} incomplete after ${limits.timeoutMs} ms`)), limits.timeoutMs);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(req.length);
      sock.write(Buffer.concat([len, req]));
    });
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const n = buf.readUInt16BE(0);
          const msg = Buffer.from(buf.subarray(2, 2 + n));
          buf = buf.subarray(2 + n);
          bytes += n;
          if (bytes > limits.maxBytes) throw new TransferError(`${what} larger than ${limits.maxBytes} octets`);
          if (msg.length < 2 || msg.readUInt16BE(0) !== id) throw new TransferError(`${what} message with another ID`);
          signer?.verify(msg);
          const m = decodeTransferMessage(msg);
          if (m.rcode !== 0) throw new TransferError(`${what} answered with rcode ${m.rcode}`, m.rcode);
          if (first && (m.question === undefined || nameKey(m.question.name) !== nameKey(origin))) throw new TransferError(`${what} answer without our question`);
          first = false;
          let result = assembler.push(m.answer);
          result ??= assembler.endOfMessage();
          if (result !== undefined) {
            if (buf.length > 0) throw new TransferError(`data after the end of the ${what}`);
            signer?.finish();
            return finish(undefined, result);
          }
        }
      } catch (e) {
        finish(e as Error);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new TransferError(`${what} connection closed before the transfer was complete`)));
  });
}
