// Zone transfers, secondary side: what we ask a primary and how we read its answers.
//
//   - an SOA query over UDP (RFC 1034 §4.3.5: the refresh check), falling back to nothing else;
//   - AXFR (RFC 5936) and IXFR (RFC 1995) over TCP, read message by message with a strict,
//     bounded response decoder that decompresses owner names and the names inside RDATA of the
//     RFC 3597 §4 well-known types, and hands each record on without an object of its own;
//   - TransferAssembler: the RR stream -> "up to date" | full zone (a list, or streamed into a
//     ZoneSink: the secondary's snapshot builder, as the records arrive) | list of differences.
//
// The transport is an interface (SecondaryTransport) so the state machine in secondary.ts is
// tested against a scripted primary; networkTransport is the real one.

import dgram from 'node:dgram';
import net from 'node:net';
import { isIPv6 } from 'node:net';
import type { Bytes } from '../dns/bytes.js';
import { RRClass, RRType } from '../dns/constants.js';
import { nameKey, type Name } from '../dns/name.js';
import { serialGreater } from '../dns/serial.js';
import { Flag, HEADER_SIZE, MessageWriter, OPCODE_MASK, OPCODE_SHIFT, RCODE_MASK, Section } from '../wire/index.js';
import { nameScanReason, scanName } from '../wire/wire-name.js';
import type { RR } from '../wire/writer.js';
import { signRequest, TsigStreamVerifier } from '../tsig/tsig.js';
import type { TsigKey } from '../tsig/keys.js';
import { locateTsig } from '../tsig/wire.js';

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
export interface TransferMessage extends MessageHead {
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

// The decoder keeps no per-record objects: records go to a visitor as (owner, type, class, TTL,
// RDATA). Owner names in a transfer are nearly all compression pointers to a name decoded just
// before (the previous owner, or a suffix of it), so decoded names are remembered by their offset
// in the message: a repeated owner costs a lookup and is the same string as before (one string per
// owner in the snapshot, and the builder's same-owner check compares pointers). Pointers can only
// reach the first 16 KiB of a message (14-bit offsets), so only names starting there are kept.
// Generation stamps make a new message forget the previous one's names without clearing anything.

/** Node's Buffer has latin1Slice (what toString('latin1', ...) calls) without the argument checks. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/** Offsets a compression pointer can reach. */
const POINTER_SPACE = 0x4000;
const nameGeneration = new Uint32Array(POINTER_SPACE);
const nameAtOffset: string[] = new Array<string>(POINTER_SPACE).fill('');
let generation = 0;
/** One uncompressed name (at most 255 octets). */
const nameScratch = Buffer.allocUnsafe(256) as Latin1Buffer;
/** RDATA with its names uncompressed: at most the 65535 octets sent plus two names grown to 255. */
const rdataScratch = Buffer.allocUnsafe(0x10000 + 2 * 256) as Latin1Buffer;
/** Where the name read by nameIn ends in the message (after its in-line octets). */
let nameNext = 0;

const asBuffer = (msg: Uint8Array): Latin1Buffer => (Buffer.isBuffer(msg) ? msg : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength)) as Latin1Buffer;

/** msg[start, end) as a binary string; four octets (an A record) are cheaper without a native call. */
function octets(msg: Latin1Buffer, start: number, end: number): string {
  if (end - start === 4) return String.fromCharCode(msg[start]!, msg[start + 1]!, msg[start + 2]!, msg[start + 3]!);
  return msg.latin1Slice(start, end);
}

/** The name at `off`, validated (scanName's rules); sets nameNext. */
function nameIn(msg: Latin1Buffer, off: number, end: number): Name {
  const next = scanName(msg, off, end);
  if (next < 0) fail(nameScanReason(next));
  nameNext = next;
  return nameFrom(msg, off);
}

/** The uncompressed name at `pos` of a name scanName has accepted, remembered by offset. */
function nameFrom(msg: Latin1Buffer, pos: number): Name {
  if (pos < POINTER_SPACE && nameGeneration[pos] === generation) return nameAtOffset[pos] as Name;
  const len = msg[pos]!;
  let name: Name;
  if (len >= 0xc0) name = nameFrom(msg, ((len & 0x3f) << 8) | msg[pos + 1]!);
  else name = nameScratch.latin1Slice(0, copyName(msg, pos, nameScratch, 0)) as Name;
  if (pos < POINTER_SPACE) {
    nameGeneration[pos] = generation;
    nameAtOffset[pos] = name;
  }
  return name;
}

/** Copies the uncompressed name at `pos` (accepted by scanName) to out[at...]; returns the end. */
function copyName(msg: Uint8Array, pos: number, out: Uint8Array, at: number): number {
  for (;;) {
    const len = msg[pos]!;
    if (len === 0) {
      out[at++] = 0;
      return at;
    }
    if (len >= 0xc0) {
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    for (let i = 0; i <= len; i++) out[at++] = msg[pos++]!;
  }
}

/** Receives one record of a message's answer section; TTL already cut to 31 bits (RFC 2181 §8). */
export type RecordVisitor = (owner: Name, type: number, cls: number, ttl: number, rdata: Bytes) => void;

/** A response's header facts and question, read by readHead. */
export interface MessageHead {
  readonly id: number;
  readonly opcode: number;
  readonly rcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  /** The question, when the message has one (RFC 5936 §2.2.1: only the first must). */
  readonly question?: { readonly name: Name; readonly qtype: number; readonly qclass: number };
}

/** Where readHead stopped: the first record. */
let recordsStart = 0;

/** Header and question of a response; starts a new message for the name memory. Throws TransferError. */
function readHead(msg: Latin1Buffer): MessageHead {
  if (msg.length < HEADER_SIZE) fail('shorter than a header');
  if (++generation === 0x100000000) {
    nameGeneration.fill(0);
    generation = 1;
  }
  const flags = (msg[2]! << 8) | msg[3]!;
  if ((flags & Flag.QR) === 0) fail('QR is not set');
  const qd = (msg[4]! << 8) | msg[5]!;
  if (qd > 1) fail(`QDCOUNT ${qd}`);
  let question: MessageHead['question'];
  recordsStart = HEADER_SIZE;
  if (qd === 1) {
    const name = nameIn(msg, HEADER_SIZE, msg.length);
    const next = nameNext;
    if (next + 4 > msg.length) fail('question runs past the end');
    question = { name, qtype: (msg[next]! << 8) | msg[next + 1]!, qclass: (msg[next + 2]! << 8) | msg[next + 3]! };
    recordsStart = next + 4;
  }
  return {
    id: (msg[0]! << 8) | msg[1]!, opcode: (flags >>> OPCODE_SHIFT) & OPCODE_MASK, rcode: flags & RCODE_MASK,
    aa: (flags & Flag.AA) !== 0, tc: (flags & Flag.TC) !== 0, question,
  };
}

/**
 * The records after the question (readHead just read this message's head): answer records to
 * `visit`, at most `limit` of them; authority and additional are checked and skipped (a TSIG there
 * is the caller's business). Counts must match the octets. Throws TransferError.
 */
function readRecords(msg: Latin1Buffer, visit: RecordVisitor, limit = Infinity): void {
  const an = (msg[6]! << 8) | msg[7]!;
  const total = an + ((msg[8]! << 8) | msg[9]!) + ((msg[10]! << 8) | msg[11]!);
  const end = msg.length;
  let off = recordsStart;
  for (let i = 0; i < total; i++) {
    const inAnswer = i < an && i < limit;
    let owner: Name | undefined;
    let next: number;
    if (inAnswer) {
      owner = nameIn(msg, off, end);
      next = nameNext;
    } else {
      next = scanName(msg, off, end);
      if (next < 0) fail(nameScanReason(next));
    }
    if (next + 10 > end) fail('record header runs past the end');
    const type = (msg[next]! << 8) | msg[next + 1]!;
    const rdEnd = next + 10 + ((msg[next + 8]! << 8) | msg[next + 9]!);
    if (rdEnd > end) fail('RDATA runs past the end');
    off = rdEnd;
    if (!inAnswer) continue;
    const cls = (msg[next + 2]! << 8) | msg[next + 3]!;
    // RFC 2181 §8: a TTL with the top bit set is read as zero.
    const ttl = msg[next + 4]! & 0x80 ? 0 : msg[next + 4]! * 0x1000000 + ((msg[next + 5]! << 16) | (msg[next + 6]! << 8) | msg[next + 7]!);
    visit(owner!, type, cls, ttl, rdataOf(msg, type, next + 10, rdEnd));
  }
  if (off !== end) fail(`${end - off} octets after the last record`);
}

/**
 * Decodes one response message strictly: QR set, counts that match the octets, names with
 * backward-only pointers, RDATA within RDLENGTH. Authority and additional are checked and skipped
 * (a TSIG there is the caller's business). Throws TransferError.
 */
export function decodeTransferMessage(msg: Uint8Array): TransferMessage {
  const buf = asBuffer(msg);
  const head = readHead(buf);
  const answer: TransferRR[] = [];
  readRecords(buf, (owner, type, cls, ttl, rdata) => {
    answer.push({ owner, type, class: cls, ttl, rdata });
  });
  return { ...head, answer };
}

/** RDATA as uncompressed wire octets (a latin1 string, like the rest of the code base). */
function rdataOf(msg: Latin1Buffer, type: number, start: number, end: number): Bytes {
  const layout = nameLayout(type);
  if (layout === undefined) return octets(msg, start, end);
  const [prefix, names] = layout;
  if (start + prefix > end) fail(`${type} RDATA too short`);
  let off = start + prefix;
  if (prefix === 0 && names === 1) {
    // NS, CNAME, PTR, DNAME: the RDATA is the name, shared with the owner of the same name.
    const name = nameIn(msg, off, end);
    if (nameNext === end) return name;
    off = start;
  }
  // A name inside RDATA may point anywhere earlier in the message, but must end inside RDATA.
  let at = 0;
  for (let i = start; i < off; i++) rdataScratch[at++] = msg[i]!;
  for (let i = 0; i < names; i++) {
    const next = scanName(msg, off, end);
    if (next < 0) fail(nameScanReason(next));
    at = copyName(msg, off, rdataScratch, at);
    off = next;
  }
  if (type === RRType.SOA && end - off !== 20) fail('SOA RDATA must end with 20 octets of counters');
  for (let i = off; i < end; i++) rdataScratch[at++] = msg[i]!;
  return rdataScratch.latin1Slice(0, at);
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

/**
 * Takes the records of a full zone (AXFR, or IXFR answered AXFR-style) as they arrive, instead of
 * a list: the secondary builds its snapshot while the transfer is still being read. A transfer that
 * fails after some records leaves the sink half-filled; the caller drops it.
 */
export interface ZoneSink {
  /** One record (class IN), in transfer order, the SOA first, names uncompressed (case as sent). */
  add(owner: Name, type: number, ttl: number, rdata: Bytes): void;
}

/** Visits the records a sink received again, in the same order (for diagnostics that point at one). */
export type TransferReplay = (visit: (rr: TransferRR) => void) => void;

export type TransferResult =
  /** IXFR: the primary has nothing newer than our serial (a lone SOA). */
  | { readonly kind: 'current'; readonly soa: TransferRR }
  /** AXFR, or IXFR answered AXFR-style: every record, the SOA first (closing SOA not repeated). */
  | { readonly kind: 'full'; readonly serial: number; readonly records: TransferRR[] }
  /** The same, with the `count` records given to the ZoneSink passed to transfer(). */
  | { readonly kind: 'streamed'; readonly serial: number; readonly count: number; readonly replay: TransferReplay }
  | { readonly kind: 'incremental'; readonly serial: number; readonly deltas: IxfrDelta[] };

const noReplay: TransferReplay = () => {};

/**
 * Reads the answer RRs of a transfer as they arrive and says when the transfer is complete
 * (RFC 5936 §2.2: AXFR ends with the opening SOA repeated; RFC 1995 §4: an incremental IXFR
 * ends with the new SOA where the next deletion sequence would begin). With a sink, a full zone's
 * records go there, not into a list, and the result is `streamed` (replay: set by the transport).
 */
export class TransferAssembler {
  /** A full zone's records, when there is no sink. */
  private readonly rrs: TransferRR[] = [];
  private count = 0;
  private first: TransferRR | undefined;
  private newSerial = 0;
  private mode: 'start' | 'full' | 'incremental' = 'start';
  private done: TransferResult | undefined;
  private readonly originKey: Name;
  // Incremental state.
  private deltas: IxfrDelta[] = [];
  private current: { fromSerial: number; toSerial: number; deleted: TransferRR[]; added: TransferRR[] } | undefined;
  private inAdds = false;

  constructor(
    origin: Name, private readonly kind: 'axfr' | 'ixfr', private readonly ourSerial?: number,
    private readonly maxRecords = DEFAULT_TRANSFER_LIMITS.maxRecords, private readonly sink?: ZoneSink,
  ) {
    this.originKey = nameKey(origin);
  }

  get result(): TransferResult | undefined {
    return this.done;
  }

  /** Adds one message's answer RRs; returns the result once complete. Throws TransferError. */
  push(answer: readonly TransferRR[]): TransferResult | undefined {
    for (const rr of answer) this.record(rr.owner, rr.type, rr.class, rr.ttl, rr.rdata);
    return this.done;
  }

  /**
   * For IXFR, a message that ends with a lone SOA not newer than ours means "current" (RFC 1995
   * §4). A lone newer SOA is the start of a longer answer split over messages: keep reading.
   */
  endOfMessage(): TransferResult | undefined {
    if (this.done === undefined && this.kind === 'ixfr' && this.mode === 'start' && this.first !== undefined
      && (this.ourSerial === undefined || !serialGreater(this.newSerial, this.ourSerial))) {
      this.done = { kind: 'current', soa: this.first };
    }
    return this.done;
  }

  private isApex(owner: Name): boolean {
    return owner.length === this.originKey.length && nameKey(owner) === this.originKey;
  }

  /** One answer RR (a RecordVisitor). Throws TransferError. */
  readonly record = (owner: Name, type: number, cls: number, ttl: number, rdata: Bytes): void => {
    if (this.done !== undefined) throw new TransferError('records after the closing SOA');
    if (++this.count > this.maxRecords) throw new TransferError(`more than ${this.maxRecords} records`);
    if (cls !== RRClass.IN) throw new TransferError(`record of class ${cls}`);
    const isSoa = type === RRType.SOA;
    if (isSoa && !this.isApex(owner)) throw new TransferError('SOA record not at the zone apex');
    if (this.mode === 'full') {
      if (isSoa) return this.close(rdata);
      if (this.sink !== undefined) this.sink.add(owner, type, ttl, rdata);
      else this.rrs.push({ owner, type, class: cls, ttl, rdata });
      return;
    }
    const rr: TransferRR = { owner, type, class: cls, ttl, rdata };
    if (this.first === undefined) {
      if (!isSoa) throw new TransferError('the transfer does not begin with the zone SOA');
      this.first = rr;
      this.newSerial = soaSerialOf(rdata);
      return;
    }
    if (this.mode === 'start') {
      // Second RR: a SOA (other than the new one) opens an incremental answer (RFC 1995 §4).
      if (this.kind === 'ixfr' && isSoa && soaSerialOf(rdata) !== this.newSerial) {
        this.mode = 'incremental';
      } else if (this.kind === 'ixfr' && isSoa) {
        // SOA, SOA with the same serial: an empty zone AXFR-style; not a valid zone anyway.
        throw new TransferError('AXFR-style answer with nothing but the SOA');
      } else {
        this.mode = 'full';
        const f = this.first;
        if (this.sink !== undefined) this.sink.add(f.owner, f.type, f.ttl, f.rdata);
        else this.rrs.push(f);
        if (isSoa) return this.close(rdata);
        if (this.sink !== undefined) this.sink.add(owner, type, ttl, rdata);
        else this.rrs.push(rr);
        return;
      }
    }
    this.incremental(rr);
  };

  /** The closing SOA of a full zone. */
  private close(rdata: Bytes): void {
    if (soaSerialOf(rdata) !== this.newSerial) throw new TransferError('closing SOA differs from the opening one');
    this.done = this.sink !== undefined
      ? { kind: 'streamed', serial: this.newSerial, count: this.count - 1, replay: noReplay }
      : { kind: 'full', serial: this.newSerial, records: this.rrs };
  }

  private incremental(rr: TransferRR): void {
    const newSerial = this.newSerial;
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
  /**
   * The primary's SOA for the zone, from an authoritative NOERROR answer. `signal` aborts it
   * (the zone stopped): the promise rejects at once and the socket and timers are gone.
   */
  querySoa(primary: PrimaryAddress, origin: Name, signal?: AbortSignal): Promise<TransferRR>;
  /**
   * An AXFR, or an IXFR from `ourSoa`, read to completion. With a sink, a transport may hand the
   * records of a full zone to it as they arrive (result `streamed`) instead of listing them.
   */
  transfer(primary: PrimaryAddress, origin: Name, kind: 'axfr' | 'ixfr', ourSoa?: TransferRR, sink?: ZoneSink, signal?: AbortSignal): Promise<TransferResult>;
}

/** Calls `abort` when `signal` fires; returns the function that stops listening. */
function onAbort(signal: AbortSignal | undefined, abort: () => void): () => void {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    queueMicrotask(abort);
    return () => {};
  }
  signal.addEventListener('abort', abort, { once: true });
  return () => signal.removeEventListener('abort', abort);
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
    async querySoa(primary, origin, signal) {
      const tries = opts.soaTries ?? 3;
      let lastError: Error = new TransferError('no answer');
      for (let i = 0; i < tries && signal?.aborted !== true; i++) {
        try {
          return await soaOnce(primary, origin, opts.soaTimeoutMs ?? 2000, opts.signer?.(primary), signal);
        } catch (e) {
          lastError = e as Error;
          if (e instanceof TransferError && e.rcode !== undefined) throw e; // an answer: do not repeat
        }
      }
      throw lastError;
    },
    transfer(primary, origin, kind, ourSoa, sink, signal) {
      return tcpTransfer(primary, origin, kind, ourSoa, limits, opts.signer?.(primary), sink, signal);
    },
  };
}

function soaOnce(primary: PrimaryAddress, origin: Name, timeoutMs: number, signer: RequestSigner | undefined, signal: AbortSignal | undefined): Promise<TransferRR> {
  const id = randomId();
  let req = buildRequest(id, origin, RRType.SOA);
  if (signer) req = signer.sign(req);
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(isIPv6(primary.host) ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (err: Error | undefined, rr?: TransferRR) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      sock.close();
      if (err) reject(err);
      else resolve(rr!);
    };
    const timer = setTimeout(() => finish(new TransferError(`no answer to the SOA query within ${timeoutMs} ms`)), timeoutMs);
    const stopListening = onAbort(signal, () => finish(new TransferError('SOA query abandoned: the zone stopped')));
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

function tcpTransfer(primary: PrimaryAddress, origin: Name, kind: 'axfr' | 'ixfr', ourSoa: TransferRR | undefined, limits: TransferLimits, signer: RequestSigner | undefined, sink: ZoneSink | undefined, signal: AbortSignal | undefined): Promise<TransferResult> {
  const id = randomId();
  let req = buildRequest(id, origin, kind === 'axfr' ? RRType.AXFR : RRType.IXFR, kind === 'ixfr' ? ourSoa : undefined);
  if (signer) req = signer.sign(req);
  const assembler = new TransferAssembler(origin, kind, ourSoa === undefined ? undefined : soaSerialOf(ourSoa.rdata), limits.maxRecords, sink);
  const originKey = nameKey(origin);
  const what = kind.toUpperCase();
  // With a sink, the messages are kept (no copies: views of the socket's chunks) so that the
  // records can be replayed for diagnostics: a few MB, against a list of objects per record.
  const kept: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: primary.host, port: primary.port });
    // Unread octets: `buf`, then the chunks in `more` (joined only once a whole message is there,
    // so a message split over many chunks is copied once, not once per chunk).
    let buf: Buffer = Buffer.alloc(0);
    const more: Buffer[] = [];
    let have = 0;
    let need = 2;
    let bytes = 0;
    let first = true;
    let settled = false;
    const finish = (err: Error | undefined, result?: TransferResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopListening();
      sock.destroy();
      if (err) reject(err);
      else resolve(result!);
    };
    const timer = setTimeout(() => finish(new TransferError(`${what} incomplete after ${limits.timeoutMs} ms`)), limits.timeoutMs);
    const stopListening = onAbort(signal, () => finish(new TransferError(`${what} abandoned: the zone stopped`)));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(req.length);
      sock.write(Buffer.concat([len, req]));
    });
    sock.on('data', (chunk: Buffer) => {
      if (settled) return;
      have += chunk.length;
      if (buf.length === 0 && more.length === 0) buf = chunk;
      else more.push(chunk);
      if (have < need) return;
      if (more.length > 0) {
        buf = Buffer.concat([buf, ...more], have);
        more.length = 0;
      }
      try {
        let off = 0;
        while (buf.length - off >= 2) {
          const n = (buf[off]! << 8) | buf[off + 1]!;
          if (buf.length - off < 2 + n) break;
          const msg = buf.subarray(off + 2, off + 2 + n);
          off += 2 + n;
          bytes += n;
          if (bytes > limits.maxBytes) throw new TransferError(`${what} larger than ${limits.maxBytes} octets`);
          if (msg.length < 2 || ((msg[0]! << 8) | msg[1]!) !== id) throw new TransferError(`${what} message with another ID`);
          signer?.verify(msg);
          const m = msg as Latin1Buffer;
          const head = readHead(m);
          if (head.rcode !== 0) throw new TransferError(`${what} answered with rcode ${head.rcode}`, head.rcode);
          if (first && (head.question === undefined || nameKey(head.question.name) !== originKey)) throw new TransferError(`${what} answer without our question`);
          first = false;
          if (sink !== undefined) kept.push(msg);
          readRecords(m, assembler.record);
          let result = assembler.result ?? assembler.endOfMessage();
          if (result !== undefined) {
            if (off < buf.length) throw new TransferError(`data after the end of the ${what}`);
            signer?.finish();
            if (result.kind === 'streamed') {
              const count = result.count;
              result = { ...result, replay: (visit) => replayAnswers(kept, count, visit) };
            } else kept.length = 0;
            return finish(undefined, result);
          }
        }
        buf = buf.subarray(off);
        have = buf.length;
        need = have >= 2 ? 2 + ((buf[0]! << 8) | buf[1]!) : 2;
      } catch (e) {
        finish(e as Error);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.on('close', () => finish(new TransferError(`${what} connection closed before the transfer was complete`)));
  });
}

/** The first `count` answer RRs of `messages` (already decoded once, so they decode again). */
function replayAnswers(messages: readonly Buffer[], count: number, visit: (rr: TransferRR) => void): void {
  let left = count;
  for (const msg of messages) {
    if (left <= 0) return;
    const m = msg as Latin1Buffer;
    readHead(m);
    readRecords(m, (owner, type, cls, ttl, rdata) => {
      left--;
      visit({ owner, type, class: cls, ttl, rdata });
    }, left);
  }
}
