// TSIG (RFC 8945): signing and verifying DNS messages with a shared HMAC key. A pure module: the
// caller gives the bytes, the keys and the time (seconds since the epoch); nothing here does I/O.
//
// What the MAC covers (RFC 8945 §4.3):
//   request ............. message | TSIG variables
//   response ............ request MAC (u16 length + MAC) | message | TSIG variables
//   next message of a
//   multi-message
//   response (§5.3.1) ... previous MAC (u16 length + MAC) | unsigned messages since, in full |
//                         message | timers (time signed, fudge)
// where "message" is the message without its TSIG RR: ARCOUNT one less, and the ID replaced by the
// TSIG's Original ID; the TSIG variables are the key name (canonical: lower case, uncompressed),
// class ANY, TTL 0, algorithm name (canonical), time signed (u48), fudge, error, other len, other.
//
// Server side, the checks run in the order of RFC 8945 §5.2:
//   TSIG RDATA unreadable, CLASS not ANY, TTL not 0 .... FORMERR, no TSIG in the reply
//   unknown key, or algorithm not the key's ........... NOTAUTH + BADKEY, unsigned TSIG (MAC size 0)
//   MAC longer than the hash, or shorter than
//   max(10 octets, half the hash) (§5.2.2.1) ........... FORMERR, no TSIG in the reply
//   MAC wrong .......................................... NOTAUTH + BADSIG, unsigned TSIG
//   |now - time signed| > fudge ....................... NOTAUTH + BADTIME, signed; Time Signed is
//                                                        the request's, Other Data our time (u48)
//   MAC shorter than a truncated key's length (§5.2.4)  NOTAUTH + BADTRUNC, signed
// MACs are compared with crypto.timingSafeEqual; a truncated MAC is compared with the same prefix
// of the computed one (§5.2.2.1).

import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { Rcode, RRClass } from '../dns/constants.js';
import type { Bytes } from '../dns/bytes.js';
import { nameKey, namesEqual, nameToText, type Name } from '../dns/name.js';
import { HEADER_SIZE } from '../wire/message.js';
import type { TsigPosition } from '../wire/query.js';
import { algorithmFromWire, type KeyLookup, type TsigKey } from './keys.js';
import { appendTsigRecord, locateTsig, readTsigRdata, tsigRecordSize, writeU48, type TsigRdata } from './wire.js';

/** TSIG error codes (RFC 8945 §3), carried in the TSIG RR's Error field. */
export const TsigError = {
  NOERROR: 0,
  BADSIG: Rcode.BADSIG,
  BADKEY: Rcode.BADKEY,
  BADTIME: Rcode.BADTIME,
  BADTRUNC: Rcode.BADTRUNC,
} as const;

/** RFC 8945 §10: 300 seconds is the recommended fudge. */
export const DEFAULT_FUDGE = 300;

/** RFC 8945 §5.3.1: at most 99 unsigned messages between two signed ones. */
export const MAX_UNSIGNED_MESSAGES = 99;

/** What a TSIG RR we write says, besides the MAC. */
export interface TsigSignContext {
  readonly key: TsigKey;
  /** The MAC of the request being answered (as received, even if truncated); absent for a request. */
  readonly requestMac?: Bytes;
  /** Seconds since the epoch. */
  readonly timeSigned: number;
  readonly fudge?: number;
  readonly error?: number;
  readonly otherData?: Bytes;
  /** Default: the ID of the message being signed. */
  readonly originalId?: number;
}

export interface SignedMessage {
  /** The message with its TSIG RR appended (ARCOUNT one more). */
  readonly message: Buffer;
  /** The MAC, for the next message of a stream or to verify the response to a request. */
  readonly mac: Bytes;
}

/** Octets the TSIG RR for `key` takes: the `reserve` to pass to encodeResponse. */
export function tsigSize(key: TsigKey, otherLength = 0): number {
  return tsigRecordSize(key.name, key.algorithm.wireName, key.macSize, otherLength);
}

// ---------------------------------------------------------------------------------------------
// Digest pieces

function u16buf(v: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v & 0xffff, 0);
  return b;
}

function latin1(b: Bytes): Buffer {
  return Buffer.from(b, 'latin1');
}

function startHmac(key: TsigKey): Hmac {
  return createHmac(key.algorithm.hash, key.secret);
}

/** The MAC of the request or of the previous message, as RFC 8945 §4.3.2 prefixes it. */
function updatePrefixedMac(h: Hmac, mac: Uint8Array): void {
  h.update(u16buf(mac.length));
  h.update(mac);
}

/** msg[0, end) with the ID replaced by `originalId` and ARCOUNT lowered by `tsigCount`. */
function updateMessage(h: Hmac, msg: Uint8Array, end: number, originalId: number, tsigCount: number): void {
  const header = Buffer.from(msg.subarray(0, HEADER_SIZE));
  header.writeUInt16BE(originalId, 0);
  header.writeUInt16BE(header.readUInt16BE(10) - tsigCount, 10);
  h.update(header);
  h.update(msg.subarray(HEADER_SIZE, end));
}

/** RFC 8945 §4.3.3: the TSIG variables. */
function updateVariables(h: Hmac, keyName: Name, algorithm: Name, timeSigned: number, fudge: number, error: number, other: Uint8Array): void {
  const k = nameKey(keyName);
  const a = nameKey(algorithm);
  const b = Buffer.allocUnsafe(k.length + 6 + a.length + 12);
  let p = b.write(k, 0, 'latin1');
  b.writeUInt16BE(RRClass.ANY, p);
  b.writeUInt32BE(0, p + 2);
  p += 6;
  p += b.write(a, p, 'latin1');
  writeU48(b, p, timeSigned);
  b.writeUInt16BE(fudge, p + 6);
  b.writeUInt16BE(error, p + 8);
  b.writeUInt16BE(other.length, p + 10);
  h.update(b);
  h.update(other);
}

/** RFC 8945 §5.3.1: only the timers for the messages after the first. */
function updateTimers(h: Hmac, timeSigned: number, fudge: number): void {
  const b = Buffer.allocUnsafe(8);
  writeU48(b, 0, timeSigned);
  b.writeUInt16BE(fudge, 6);
  h.update(b);
}

/** True when `received` is the (possibly truncated) prefix of `computed`. Constant-time. */
function macMatches(computed: Buffer, received: Uint8Array): boolean {
  if (received.length === 0 || received.length > computed.length) return false;
  return timingSafeEqual(computed.subarray(0, received.length), received);
}

// ---------------------------------------------------------------------------------------------
// Signing

/**
 * What precedes the message in the digest: nothing (a request), the request MAC (first message of
 * a response), or an HMAC already fed with the previous MAC and any unsigned messages since.
 */
type Chain = { readonly kind: 'request' } | { readonly kind: 'first'; readonly requestMac: Uint8Array } | { readonly kind: 'next'; readonly hmac: Hmac };

function sign(message: Uint8Array, ctx: TsigSignContext, chain: Chain): SignedMessage {
  if (message.length < HEADER_SIZE) throw new RangeError('not a DNS message: shorter than a header');
  const key = ctx.key;
  const fudge = ctx.fudge ?? DEFAULT_FUDGE;
  const error = ctx.error ?? 0;
  const other = ctx.otherData === undefined ? Buffer.alloc(0) : latin1(ctx.otherData);
  const originalId = ctx.originalId ?? ((message[0]! << 8) | message[1]!);
  const timeSigned = Math.floor(ctx.timeSigned);
  if (!(timeSigned >= 0 && timeSigned < 2 ** 48)) throw new RangeError(`time signed ${ctx.timeSigned} is not a 48-bit number of seconds`);
  const h = chain.kind === 'next' ? chain.hmac : startHmac(key);
  if (chain.kind === 'first') updatePrefixedMac(h, chain.requestMac);
  updateMessage(h, message, message.length, originalId, 0);
  if (chain.kind === 'next') updateTimers(h, timeSigned, fudge);
  else updateVariables(h, key.name, key.algorithm.wireName, timeSigned, fudge, error, other);
  const mac = h.digest().subarray(0, key.macSize);
  const out = appendTsigRecord(message, {
    keyName: key.name,
    algorithm: key.algorithm.wireName,
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    otherData: other,
  });
  return { message: out, mac: mac.toString('latin1') };
}

/** Signs a request (our NOTIFY, our SOA query, ...). Keep `mac` to verify the response. */
export function signRequest(msg: Uint8Array, key: TsigKey, now: number, fudge = DEFAULT_FUDGE): SignedMessage {
  return sign(msg, { key, timeSigned: now, fudge }, { kind: 'request' });
}

/**
 * Signs a response. `first`: the only or first message of the response, whose MAC covers the
 * request MAC and all the TSIG variables. Otherwise a later message of a multi-message response
 * (AXFR, IXFR): the MAC covers `previousMac`, the message and the timers (RFC 8945 §5.3.1); we sign
 * every message. TsigStreamSigner keeps the chain for you.
 */
export function signResponse(response: Uint8Array, ctx: TsigSignContext, first = true, previousMac?: Bytes): SignedMessage {
  if (first) {
    return sign(response, ctx, ctx.requestMac === undefined ? { kind: 'request' } : { kind: 'first', requestMac: latin1(ctx.requestMac) });
  }
  if (previousMac === undefined) throw new Error('signResponse: a message after the first needs the previous MAC');
  return sign(response, ctx, { kind: 'next', hmac: chainedHmac(ctx.key, latin1(previousMac)) });
}

function chainedHmac(key: TsigKey, previousMac: Uint8Array): Hmac {
  const h = startHmac(key);
  updatePrefixedMac(h, previousMac);
  return h;
}

/**
 * Signs the messages of a multi-message response in turn (RFC 8945 §5.3.1). We sign every message
 * (simplest for interoperability); pass() sends one unsigned instead, as the RFC allows for up to
 * 99 in a row: its octets then go into the next MAC.
 */
export class TsigStreamSigner {
  private readonly base: Omit<TsigSignContext, 'timeSigned'> & { readonly requestMac: Bytes };
  /** Fed with the previous MAC and the unsigned messages since; undefined before the first. */
  private hmac: Hmac | undefined;
  private previous: Bytes | undefined;
  private unsignedRun = 0;

  constructor(ctx: Omit<TsigSignContext, 'timeSigned'> & { readonly requestMac: Bytes }) {
    this.base = ctx;
  }

  /** The message with its TSIG RR; `now` in seconds. */
  sign(message: Uint8Array, now: number): Buffer {
    const ctx = { ...this.base, timeSigned: now };
    const signed =
      this.hmac === undefined ? sign(message, ctx, { kind: 'first', requestMac: latin1(this.base.requestMac) }) : sign(message, ctx, { kind: 'next', hmac: this.hmac });
    this.previous = signed.mac;
    this.hmac = chainedHmac(this.base.key, latin1(signed.mac));
    this.unsignedRun = 0;
    return signed.message;
  }

  /** Lets `message` go out unsigned: returned as is, its octets kept for the next MAC. */
  pass(message: Uint8Array): Uint8Array {
    if (this.hmac === undefined) throw new Error('TsigStreamSigner: the first message must be signed');
    if (this.unsignedRun >= MAX_UNSIGNED_MESSAGES) throw new Error(`TsigStreamSigner: more than ${MAX_UNSIGNED_MESSAGES} unsigned messages in a row`);
    this.hmac.update(message);
    this.unsignedRun++;
    return message;
  }

  /** The MAC of the last message signed. */
  get mac(): Bytes | undefined {
    return this.previous;
  }
}

// ---------------------------------------------------------------------------------------------
// Verifying a request (server side)

/** The TSIG RR an error response carries. */
export type TsigErrorReply =
  /** FORMERR: the reply has no TSIG RR. */
  | { readonly kind: 'none' }
  /** BADKEY, BADSIG: a TSIG RR with MAC size 0 (RFC 8945 §5.3.2: MUST NOT be signed). */
  | {
      readonly kind: 'unsigned';
      readonly keyName: Name;
      readonly algorithm: Name;
      readonly timeSigned: number;
      readonly fudge: number;
      readonly error: number;
    }
  /** BADTIME, BADTRUNC: signed with the request's key over the request MAC (RFC 8945 §5.2.3). */
  | { readonly kind: 'signed'; readonly ctx: TsigSignContext };

export interface TsigVerified {
  readonly ok: true;
  readonly key: TsigKey;
  /** The request's MAC as received (truncated if it was): the response's MAC covers it. */
  readonly requestMac: Bytes;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly originalId: number;
  /** Ready for signResponse / TsigStreamSigner, timed at the `now` given to verifyRequest. */
  readonly reply: TsigSignContext;
}

export type TsigFailureKind = 'formerr' | 'badkey' | 'badsig' | 'badtime' | 'badtrunc';

export interface TsigVerifyFailure {
  readonly ok: false;
  readonly kind: TsigFailureKind;
  /** The header RCODE of the reply: NOTAUTH, or FORMERR. */
  readonly rcode: number;
  /** The TSIG Error of the reply (0 for FORMERR, which carries no TSIG). */
  readonly tsigError: number;
  readonly keyName: Name;
  readonly reason: string;
  /** How to add the TSIG RR to the error response: appendTsigError(response, reply). */
  readonly reply: TsigErrorReply;
}

export type TsigVerifyResult = TsigVerified | TsigVerifyFailure;

function failure(kind: TsigFailureKind, keyName: Name, reason: string, reply: TsigErrorReply): TsigVerifyFailure {
  const tsigError =
    kind === 'badkey' ? TsigError.BADKEY : kind === 'badsig' ? TsigError.BADSIG : kind === 'badtime' ? TsigError.BADTIME : kind === 'badtrunc' ? TsigError.BADTRUNC : 0;
  return { ok: false, kind, rcode: kind === 'formerr' ? Rcode.FORMERR : Rcode.NOTAUTH, tsigError, keyName, reason, reply };
}

const NO_REPLY: TsigErrorReply = { kind: 'none' };

function u48(v: number): Bytes {
  const b = Buffer.allocUnsafe(6);
  writeU48(b, 0, Math.floor(v));
  return b.toString('latin1');
}

/** Checks the MAC size against the hash (RFC 8945 §5.2.2.1); a reason when it is not allowed. */
function macSizeProblem(key: TsigKey, size: number): string | undefined {
  const a = key.algorithm;
  if (size > a.size) return `MAC of ${size} octets is longer than ${a.id}'s ${a.size}`;
  if (size < a.minSize) return `MAC of ${size} octets is shorter than the ${a.minSize} allowed for ${a.id}`;
  return undefined;
}

/** The local truncation policy (RFC 8945 §5.2.4): a key declared truncated wants at least that. */
function truncProblem(key: TsigKey, size: number): string | undefined {
  if (key.macSize < key.algorithm.size && size < key.macSize) return `MAC of ${size} octets is shorter than the ${key.macSize} this key requires`;
  return undefined;
}

function computeFirst(msg: Uint8Array, pos: TsigPosition, key: TsigKey, rd: TsigRdata, requestMac: Uint8Array | undefined): Buffer {
  const h = startHmac(key);
  if (requestMac !== undefined) updatePrefixedMac(h, requestMac);
  updateMessage(h, msg, pos.offset, rd.originalId, 1);
  updateVariables(h, pos.keyName, rd.algorithm, rd.timeSigned, rd.fudge, rd.error, rd.otherData);
  return h.digest();
}

/**
 * Verifies the TSIG of a request, as located by decodeQuery. `now` is in seconds. On failure, the
 * result says what to answer: RCODE, TSIG error, and the TSIG RR of the reply.
 */
export function verifyRequest(msg: Uint8Array, pos: TsigPosition, keys: KeyLookup, now: number): TsigVerifyResult {
  const keyName = pos.keyName;
  const rd = readTsigRdata(msg, pos);
  if (typeof rd === 'string') return failure('formerr', keyName, rd, NO_REPLY);
  if (pos.class !== RRClass.ANY) return failure('formerr', keyName, `TSIG class is ${pos.class}, not ANY`, NO_REPLY);
  if (pos.ttl !== 0) return failure('formerr', keyName, `TSIG TTL is ${pos.ttl}, not 0`, NO_REPLY);

  const unsigned = (error: number): TsigErrorReply => ({
    kind: 'unsigned',
    keyName,
    algorithm: nameKey(rd.algorithm),
    timeSigned: Math.floor(now),
    fudge: DEFAULT_FUDGE,
    error,
  });
  const key = keys.get(keyName);
  if (key === undefined) return failure('badkey', keyName, `unknown key ${nameToText(keyName)}`, unsigned(TsigError.BADKEY));
  const alg = algorithmFromWire(rd.algorithm);
  if (alg !== key.algorithm) {
    const what = alg === undefined ? `unsupported algorithm ${nameToText(rd.algorithm)}` : `algorithm ${alg.id}`;
    return failure('badkey', keyName, `${what}, but key ${nameToText(keyName)} is ${key.algorithm.id}`, unsigned(TsigError.BADKEY));
  }

  const sizeProblem = macSizeProblem(key, rd.mac.length);
  if (sizeProblem !== undefined) return failure('formerr', keyName, sizeProblem, NO_REPLY);

  const computed = computeFirst(msg, pos, key, rd, undefined);
  if (!macMatches(computed, rd.mac)) return failure('badsig', keyName, `MAC does not verify with key ${nameToText(keyName)}`, unsigned(TsigError.BADSIG));

  const requestMac = rd.mac.toString('latin1');
  const signed = (error: number, timeSigned: number, otherData?: Bytes): TsigErrorReply => ({
    kind: 'signed',
    ctx: { key, requestMac, timeSigned, fudge: DEFAULT_FUDGE, error, otherData },
  });
  if (Math.abs(now - rd.timeSigned) > rd.fudge) {
    return failure('badtime', keyName, `time signed ${rd.timeSigned} is ${Math.floor(now - rd.timeSigned)}s from ours, fudge ${rd.fudge}`, signed(TsigError.BADTIME, rd.timeSigned, u48(now)));
  }
  const trunc = truncProblem(key, rd.mac.length);
  if (trunc !== undefined) return failure('badtrunc', keyName, trunc, signed(TsigError.BADTRUNC, now));

  return {
    ok: true,
    key,
    requestMac,
    timeSigned: rd.timeSigned,
    fudge: rd.fudge,
    originalId: rd.originalId,
    reply: { key, requestMac, timeSigned: Math.floor(now), fudge: DEFAULT_FUDGE },
  };
}

/** Octets the reply's TSIG RR takes (the `reserve` for encodeResponse). */
export function tsigErrorReplySize(reply: TsigErrorReply): number {
  switch (reply.kind) {
    case 'none':
      return 0;
    case 'unsigned':
      return tsigRecordSize(reply.keyName, reply.algorithm, 0, 0);
    case 'signed':
      return tsigSize(reply.ctx.key, reply.ctx.otherData?.length ?? 0);
  }
}

/** The error response with the TSIG RR that `reply` asks for (unchanged for 'none'). */
export function appendTsigError(response: Uint8Array, reply: TsigErrorReply): Buffer {
  switch (reply.kind) {
    case 'none':
      return Buffer.from(response);
    case 'unsigned':
      return appendTsigRecord(response, {
        keyName: reply.keyName,
        algorithm: reply.algorithm,
        timeSigned: reply.timeSigned,
        fudge: reply.fudge,
        mac: Buffer.alloc(0),
        originalId: (response[0]! << 8) | response[1]!,
        error: reply.error,
        otherData: Buffer.alloc(0),
      });
    case 'signed':
      return signResponse(response, reply.ctx, true).message;
  }
}

// ---------------------------------------------------------------------------------------------
// Verifying responses (client side: answers to our NOTIFY and SOA queries, zone transfers in)

export type TsigResponseFailureKind =
  | 'malformed'
  /** The request was signed; the response (or its last message) is not. */
  | 'unsigned'
  | 'formerr'
  | 'badkey'
  | 'badsig'
  | 'badtime'
  | 'badtrunc'
  /** The server answered with a TSIG error (BADKEY, BADSIG, BADTIME, BADTRUNC, ...). */
  | 'peer-error';

export interface TsigResponseFailure {
  readonly ok: false;
  readonly kind: TsigResponseFailureKind;
  readonly reason: string;
  /** For 'peer-error': the TSIG Error the server sent. */
  readonly peerError?: number;
  /** For a peer BADTIME whose MAC verified: the server's clock (Other Data), in seconds. */
  readonly peerTime?: number;
}

export interface TsigResponseVerified {
  readonly ok: true;
  /** Whether this message carried a TSIG (only later messages of a stream may not). */
  readonly signed: boolean;
  /** The MAC of the last signed message. */
  readonly mac: Bytes;
  readonly timeSigned: number;
}

export type TsigResponseResult = TsigResponseVerified | TsigResponseFailure;

function responseFailure(kind: TsigResponseFailureKind, reason: string, extra?: { peerError?: number; peerTime?: number }): TsigResponseFailure {
  return { ok: false, kind, reason, ...extra };
}

function readU48(b: Uint8Array): number {
  return ((b[0]! << 8) | b[1]!) * 0x100000000 + (((b[2]! << 24) >>> 0) + ((b[3]! << 16) | (b[4]! << 8) | b[5]!));
}

/** Key, algorithm and MAC size of a response TSIG; a failure, or undefined when they are fine. */
function checkResponseRecord(pos: TsigPosition, rd: TsigRdata, key: TsigKey): TsigResponseFailure | undefined {
  if (pos.class !== RRClass.ANY || pos.ttl !== 0) return responseFailure('formerr', 'TSIG class is not ANY or TTL is not 0');
  if (!namesEqual(pos.keyName, key.name)) return responseFailure('badkey', `signed with key ${nameToText(pos.keyName)}, not ${nameToText(key.name)}`);
  if (algorithmFromWire(rd.algorithm) !== key.algorithm) return responseFailure('badkey', `algorithm ${nameToText(rd.algorithm)} is not the key's ${key.algorithm.id}`);
  return undefined;
}

function checkAfterMac(rd: TsigRdata, key: TsigKey, now: number): TsigResponseFailure | undefined {
  if (Math.abs(now - rd.timeSigned) > rd.fudge) return responseFailure('badtime', `time signed ${rd.timeSigned} is ${Math.floor(now - rd.timeSigned)}s from ours, fudge ${rd.fudge}`);
  const trunc = truncProblem(key, rd.mac.length);
  if (trunc !== undefined) return responseFailure('badtrunc', trunc);
  return undefined;
}

/** Verifies a single-message response (or the first message of a stream) to our signed request. */
function verifyFirst(msg: Uint8Array, key: TsigKey, requestMac: Uint8Array, now: number): { result: TsigResponseResult; mac?: Buffer } {
  const loc = locateTsig(msg);
  if (loc.kind === 'malformed') return { result: responseFailure('malformed', loc.reason) };
  if (loc.kind === 'none') return { result: responseFailure('unsigned', 'the response to a signed request is not signed') };
  const pos = loc.pos;
  const rd = readTsigRdata(msg, pos);
  if (typeof rd === 'string') return { result: responseFailure('formerr', rd) };
  const bad = checkResponseRecord(pos, rd, key);
  if (bad !== undefined) return { result: bad };
  if (rd.error !== 0 && rd.mac.length === 0) {
    // RFC 8945 §5.3.2: BADKEY and BADSIG replies are unsigned; nothing to verify.
    return { result: responseFailure('peer-error', `the server answered TSIG error ${rd.error}`, { peerError: rd.error }) };
  }
  const sizeProblem = macSizeProblem(key, rd.mac.length);
  if (sizeProblem !== undefined) return { result: responseFailure('formerr', sizeProblem) };
  const computed = computeFirst(msg, pos, key, rd, requestMac);
  if (!macMatches(computed, rd.mac)) return { result: responseFailure('badsig', `response MAC does not verify with key ${nameToText(key.name)}`) };
  if (rd.error !== 0) {
    const peerTime = rd.error === TsigError.BADTIME && rd.otherData.length === 6 ? readU48(rd.otherData) : undefined;
    return { result: responseFailure('peer-error', `the server answered TSIG error ${rd.error}`, { peerError: rd.error, peerTime }) };
  }
  const late = checkAfterMac(rd, key, now);
  if (late !== undefined) return { result: late };
  const mac = Buffer.from(rd.mac);
  return { result: { ok: true, signed: true, mac: mac.toString('latin1'), timeSigned: rd.timeSigned }, mac };
}

/** Verifies the response to a request we signed with `key` (`requestMac` from signRequest). */
export function verifyResponse(msg: Uint8Array, key: TsigKey, requestMac: Bytes, now: number): TsigResponseResult {
  return verifyFirst(msg, key, latin1(requestMac), now).result;
}

/**
 * Verifies the messages of a multi-message response (AXFR, IXFR) one by one (RFC 8945 §5.3.1):
 * the first must be signed; up to `maxUnsigned` (99) unsigned messages in a row are allowed
 * between signed ones, and their octets go into the next MAC; finish() fails if the last message
 * was unsigned. A failure is final: every later call returns it again.
 */
export class TsigStreamVerifier {
  private readonly key: TsigKey;
  private readonly requestMac: Buffer;
  private readonly maxUnsigned: number;
  private hmac: Hmac | undefined;
  private lastMac: Bytes = '';
  private lastTime = 0;
  private unsignedRun = 0;
  private count = 0;
  private failed: TsigResponseFailure | undefined;

  constructor(key: TsigKey, requestMac: Bytes, options: { maxUnsigned?: number } = {}) {
    this.key = key;
    this.requestMac = latin1(requestMac);
    this.maxUnsigned = options.maxUnsigned ?? MAX_UNSIGNED_MESSAGES;
  }

  /** Messages seen so far. */
  get messages(): number {
    return this.count;
  }

  verify(msg: Uint8Array, now: number): TsigResponseResult {
    if (this.failed !== undefined) return this.failed;
    const r = this.step(msg, now);
    if (!r.ok) this.failed = r;
    return r;
  }

  /** Call after the last message: fails when it was unsigned, or when there was none. */
  finish(): TsigResponseResult {
    if (this.failed !== undefined) return this.failed;
    if (this.count === 0) return (this.failed = responseFailure('unsigned', 'no message was received'));
    if (this.unsignedRun > 0) return (this.failed = responseFailure('unsigned', `the last ${this.unsignedRun} message(s) of the response are not signed`));
    return { ok: true, signed: true, mac: this.lastMac, timeSigned: this.lastTime };
  }

  private chainFrom(mac: Uint8Array): void {
    this.hmac = startHmac(this.key);
    updatePrefixedMac(this.hmac, mac);
    this.unsignedRun = 0;
  }

  private step(msg: Uint8Array, now: number): TsigResponseResult {
    this.count++;
    if (this.hmac === undefined) {
      const { result, mac } = verifyFirst(msg, this.key, this.requestMac, now);
      if (result.ok) {
        this.chainFrom(mac!);
        this.lastMac = result.mac;
        this.lastTime = result.timeSigned;
      }
      return result;
    }
    const loc = locateTsig(msg);
    if (loc.kind === 'malformed') return responseFailure('malformed', `message ${this.count}: ${loc.reason}`);
    if (loc.kind === 'none') {
      if (++this.unsignedRun > this.maxUnsigned) return responseFailure('unsigned', `more than ${this.maxUnsigned} unsigned messages in a row (RFC 8945 §5.3.1)`);
      this.hmac.update(msg);
      return { ok: true, signed: false, mac: this.lastMac, timeSigned: this.lastTime };
    }
    const pos = loc.pos;
    const rd = readTsigRdata(msg, pos);
    if (typeof rd === 'string') return responseFailure('formerr', `message ${this.count}: ${rd}`);
    const bad = checkResponseRecord(pos, rd, this.key);
    if (bad !== undefined) return bad;
    if (rd.error !== 0) return responseFailure('peer-error', `message ${this.count}: the server sent TSIG error ${rd.error}`, { peerError: rd.error });
    const sizeProblem = macSizeProblem(this.key, rd.mac.length);
    if (sizeProblem !== undefined) return responseFailure('formerr', `message ${this.count}: ${sizeProblem}`);
    const h = this.hmac;
    updateMessage(h, msg, pos.offset, rd.originalId, 1);
    updateTimers(h, rd.timeSigned, rd.fudge);
    if (!macMatches(h.digest(), rd.mac)) return responseFailure('badsig', `message ${this.count}: MAC does not verify`);
    const late = checkAfterMac(rd, this.key, now);
    if (late !== undefined) return late;
    this.chainFrom(rd.mac);
    this.lastMac = rd.mac.toString('latin1');
    this.lastTime = rd.timeSigned;
    return { ok: true, signed: true, mac: this.lastMac, timeSigned: rd.timeSigned };
  }
}
