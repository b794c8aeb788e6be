// handleMessage: one DNS message in, one reply (or nothing) out. Transports only move bytes;
// everything a query goes through lives here, in one direction:
//   decode (unreadable: drop; malformed: FORMERR) -> cookie (limits/) -> guards -> pick zone ->
//   resolve -> health filter (health/: down addresses out) -> (DO=1: dnssec/answer.ts adds RRSIGs
//   and proofs) -> rotate -> encode within the size limit (drop additional first, then TC) ->
//   rate limit and our cookie (limits/).
// Zone transfers (AXFR, IXFR) branch off after the guards to xfr/transfer.ts; over TCP their
// answer is a lazy sequence of messages (handleStreamMessage), which the TCP transport writes
// with backpressure.

import { Opcode, RRClass, RRType, Rcode, rcodeToString, typeToString } from '../dns/constants.js';
import { nameKey, nameToText, readName, type Name } from '../dns/name.js';
import { signAnswer, type SignedRRset } from '../dnssec/answer.js';
import { CookieStatus } from '../limits/cookies.js';
import { COOKIE_SLOT, type QueryLimits } from '../limits/query-limits.js';
import { resolve, type Resolution, type ResolveOptions } from '../query/resolve.js';
import {
  buildErrorResponse, decodeQuery, EDE_NOT_AUTHORITATIVE, encodeResponse, NO_QUESTION, replyRcode, responseSizeLimit,
  type DecodedQuery, type DecodeError, type EdnsOption, type RR, type SectionEntry, type Transport,
} from '../wire/index.js';
import type { ZoneRegistry } from '../zone/registry.js';
import type { RRset, ZoneSnapshot } from '../zone/snapshot.js';
import { answerNotify, type NotifyReceiver } from '../xfr/notify-in.js';
import { answerTransfer, type XfrContext } from '../xfr/transfer.js';
import type { AnswerFilter } from '../health/service.js';
import { isRotatable, rotate, type RotateMode, type Rotator } from './rotate.js';
import { cacheVariant, type AnswerCache, type CacheEntry } from './answer-cache.js';
import type { IdentityStep, QueryMeter } from './steps.js';

export interface HandlerContext {
  readonly registry: ZoneRegistry;
  readonly rotator: Rotator;
  /** Largest UDP response we send to EDNS clients (and advertise in our OPT). */
  readonly maxUdp: number;
  /** Opt-in query log, called after each answered query. */
  readonly queryLog?: (entry: QueryLogEntry) => void;
  /** Zone transfer settings (ACL default, TSIG, logging); absent: every transfer is REFUSED. */
  readonly xfr?: XfrContext;
  /** Encoded answers per snapshot (see answer-cache.ts); absent: every answer is built anew. */
  readonly cache?: AnswerCache;
  /** Our secondary zones (xfr/secondary.ts): whether a NOTIFY is accepted (xfr/notify-in.ts). */
  readonly secondaries?: NotifyReceiver;
  /** Counts every message and its reply (ops/query-counters.ts); absent: nothing is counted. */
  readonly meter?: QueryMeter;
  /** CHAOS identity, NSID and EXPIRE (ops/identity.ts); absent: CHAOS is REFUSED, those options ignored. */
  readonly identity?: IdentityStep;
  /** DNS cookies, response rate limiting, the per-packet log (limits/); absent: none of them. */
  readonly limits?: QueryLimits;
  /** Health-checked A/AAAA (health/service.ts): takes down addresses out of answers. */
  readonly health?: AnswerFilter;
}

/** A TCP reply: one message, or several (a zone transfer) produced one at a time. */
export type StreamReply = Buffer | Iterable<Buffer>;

export interface QueryLogEntry {
  client: string;
  transport: Transport;
  qname: string;
  qtype: string;
  /** NOERROR, NXDOMAIN, ... (rcodeToString). */
  rcode: string;
  size: number;
}

/**
 * Answers one message. Returns undefined when the message must not be answered (no readable
 * header, or a response: answering responses makes reflection loops). Never throws.
 */
export function handleMessage(msg: Uint8Array, transport: Transport, ctx: HandlerContext, client = ''): Buffer | undefined {
  const reply = answer(msg, transport, ctx, client);
  // A multi-message answer only arises over TCP; callers that need all of it use
  // handleStreamMessage. Here it is cut to its first message (an error or a one-message answer
  // is exactly that).
  const one = reply === undefined || Buffer.isBuffer(reply) ? reply : firstMessage(reply);
  ctx.meter?.count(one, transport);
  if (ctx.queryLog !== undefined && one !== undefined) logQuery(ctx.queryLog, one, transport, client);
  return one;
}

/**
 * handleMessage for TCP: a zone transfer comes back as an Iterable of messages, produced lazily
 * from the snapshot current when the query arrived. Never throws (the Iterable may, mid-stream,
 * if the process runs out of memory or a bug surfaces: the transport then closes the connection).
 */
export function handleStreamMessage(msg: Uint8Array, ctx: HandlerContext, client = ''): StreamReply | undefined {
  const reply = answer(msg, 'tcp', ctx, client);
  if (ctx.meter !== undefined) {
    if (reply === undefined || Buffer.isBuffer(reply)) ctx.meter.count(reply, 'tcp');
    else ctx.meter.countStream(msg);
  }
  if (reply === undefined || ctx.queryLog === undefined) return reply;
  if (Buffer.isBuffer(reply)) {
    logQuery(ctx.queryLog, reply, 'tcp', client);
    return reply;
  }
  return logFirst(reply, ctx.queryLog, client);
}

function* logFirst(messages: Iterable<Buffer>, log: (entry: QueryLogEntry) => void, client: string): Generator<Buffer, void, undefined> {
  let first = true;
  for (const m of messages) {
    if (first) logQuery(log, m, 'tcp', client);
    first = false;
    yield m;
  }
}

function firstMessage(messages: Iterable<Buffer>): Buffer | undefined {
  const it = messages[Symbol.iterator]();
  try {
    const r = it.next();
    return r.done ? undefined : r.value;
  } finally {
    it.return?.();
  }
}

function logQuery(log: (entry: QueryLogEntry) => void, reply: Buffer, transport: Transport, client: string): void {
  // Our own reply: its question is well-formed whenever QDCOUNT is 1.
  let qname = '?';
  let qtype = '?';
  if (reply.readUInt16BE(4) === 1) {
    try {
      const [name, end] = readName(reply.toString('latin1'), 12);
      qname = nameToText(name);
      qtype = typeToString(reply.readUInt16BE(end));
    } catch {
      // an error reply without a readable question
    }
  }
  log({ client, transport, qname, qtype, rcode: rcodeToString(replyRcode(reply)), size: reply.length });
}

function answer(msg: Uint8Array, transport: Transport, ctx: HandlerContext, client: string): StreamReply | undefined {
  const decoded = decodeQuery(msg);
  if (decoded.kind === 'drop') return undefined;
  const limits = ctx.limits;
  const cookie = limits === undefined ? CookieStatus.NONE : limits.cookieStatus(decoded, client);
  const reply = decoded.kind === 'error' ? answerMalformed(decoded, ctx, client, cookie) : answerDecoded(msg, decoded, transport, ctx, client, cookie);
  if (limits === undefined || !Buffer.isBuffer(reply)) return reply;
  return limits.finish(reply, decoded, cookie, transport, client);
}

/**
 * A message the decoder refused (FORMERR, NOTIMP, BADVERS). One exception: a QUERY with no
 * question but a COOKIE option asks for a server cookie (RFC 7873 §5.4): NOERROR, cookie attached.
 */
function answerMalformed(decoded: DecodeError, ctx: HandlerContext, client: string, cookie: CookieStatus): Buffer {
  if (cookie !== CookieStatus.NONE && decoded.reason === NO_QUESTION && decoded.opcode === Opcode.QUERY) {
    return buildErrorResponse(decoded, Rcode.NOERROR, ctx.maxUdp);
  }
  ctx.limits?.log?.debug('malformed query', { client, rcode: decoded.rcode, reason: decoded.reason });
  return buildErrorResponse(decoded, undefined, ctx.maxUdp);
}

function answerDecoded(msg: Uint8Array, decoded: DecodedQuery, transport: Transport, ctx: HandlerContext, client: string, cookie: CookieStatus): StreamReply {
  if (decoded.opcode === Opcode.NOTIFY) {
    return answerNotify(msg, decoded, { secondaries: ctx.secondaries, tsig: ctx.xfr?.tsig, maxUdp: ctx.maxUdp, log: ctx.xfr?.log }, client);
  }
  // RFC 8945 §5.2, §5.3: a signed query (a secondary's SOA query before a transfer) is verified
  // first and answered signed, outside the answer cache; transfers do the same in answerTransfer.
  const qtype = decoded.question.qtype;
  if (decoded.tsig !== undefined && ctx.xfr?.tsig !== undefined && qtype !== RRType.AXFR && qtype !== RRType.IXFR) {
    const check = ctx.xfr.tsig.verifyRequest(msg, decoded);
    if (check.kind === 'invalid') {
      ctx.xfr.log?.info('signed query refused', { client, qname: nameToText(decoded.question.name), qtype: typeToString(qtype), reason: `TSIG: ${check.reason}` });
      return check.reply;
    }
    if (check.kind === 'valid') {
      const reply = answerQuery(msg, decoded, transport, { ...ctx, cache: undefined }, client, check.reserve);
      return Buffer.isBuffer(reply) ? check.sign(reply, 0) : reply;
    }
  }
  // A query that sent a COOKIE gets ours: a slot in the OPT, filled in by limits.finish.
  return answerQuery(msg, decoded, transport, ctx, client, 0, cookie === CookieStatus.NONE ? undefined : COOKIE_SLOT);
}

/**
 * A decoded QUERY; `reserve` octets of the size limit are left for a TSIG RR; `ourOptions` go in
 * the answer's OPT (a query with an OPT only). The identity step (NSID, EXPIRE) adds its options
 * to the finished reply, before any TSIG signs it and before limits/ fills the cookie slot.
 */
function answerQuery(msg: Uint8Array, decoded: DecodedQuery, transport: Transport, ctx: HandlerContext, client: string, reserve: number, ourOptions?: readonly EdnsOption[]): StreamReply {
  const identity = ctx.identity;
  const room = identity === undefined ? 0 : identity.reserve(decoded);
  const reply = lookUp(msg, decoded, transport, ctx, client, reserve + room, ourOptions);
  return room === 0 || !Buffer.isBuffer(reply) ? reply : identity!.finish(reply, decoded);
}

function lookUp(msg: Uint8Array, decoded: DecodedQuery, transport: Transport, ctx: HandlerContext, client: string, reserve: number, ourOptions?: readonly EdnsOption[]): StreamReply {
  // CHAOS-class TXT (id.server, version.bind): the identity step answers, or the guard refuses.
  if (decoded.question.qclass === RRClass.CH && ctx.identity !== undefined) return ctx.identity.chaos(decoded, ctx.maxUdp);
  const refusal = guard(decoded, transport);
  if (refusal !== undefined) return buildErrorResponse(decoded, refusal, ctx.maxUdp);
  const q = decoded.question;
  const qkey = nameKey(q.name);
  const handle = ctx.registry.findForQuestion(qkey, q.qtype);
  if (ctx.meter !== undefined) ctx.meter.zone = handle;
  if (q.qtype === RRType.AXFR || q.qtype === RRType.IXFR) {
    return answerTransfer(msg, decoded, transport, { registry: ctx.registry, xfr: ctx.xfr, maxUdp: ctx.maxUdp }, client);
  }
  // A configured zone without data (a secondary not yet transferred, or expired: RFC 1034
  // §4.3.5) is ours but unusable: SERVFAIL, as BIND and Knot answer, not REFUSED.
  if (handle !== undefined && handle.snapshot === undefined) return buildErrorResponse(decoded, Rcode.SERVFAIL, ctx.maxUdp);
  // The zone of the query name decides per-zone options (rotation) for the whole answer.
  const rotateMode = handle?.options?.rotate ?? ctx.rotator.mode;
  const zone = handle?.snapshot;
  const limit = responseSizeLimit(transport, decoded.edns?.udpSize, ctx.maxUdp) - reserve;
  let cached: CachedSlot | undefined;
  if (zone !== undefined && ctx.cache !== undefined) {
    const variant = cacheVariant(q.qtype, limit, decoded.edns !== undefined, decoded.edns?.do === true, ourOptions !== undefined);
    const entry = ctx.cache.get(zone, qkey, variant);
    const offset = entry?.rotating ? ctx.rotator.next(entry.rotating, rotateMode) : 0;
    const at = entry?.rotations[offset];
    if (at !== undefined) {
      if (ctx.meter !== undefined) ctx.meter.cacheHit = true;
      return ctx.cache.reply(zone, at, decoded.id, decoded.rd, decoded.cd, q.bytes);
    }
    cached = { zone, qkey, variant, entry, offset };
  }
  const finder = (key: Name, qtype: number): ZoneSnapshot | undefined => ctx.registry.findForQuestion(key, qtype)?.snapshot;
  const opts = decoded.edns?.do === true && zone !== undefined ? WITH_PROOF_FACTS : undefined;
  const resolution = resolve(finder, q.name, q.qtype, opts);
  // Health filter, before rotation: down addresses leave governed RRsets (the cache hit above
  // never holds one: a transition makes the service drop the zone's cached answers). Signed zones
  // have no health rules (start-up refuses them), so the DNSSEC additions see the zone's RRsets.
  const healthy = ctx.health === undefined ? resolution : ctx.health.filter(resolution);
  return encodeResolution(decoded, healthy, limit, ctx, rotateMode, cached, zone, ourOptions);
}

/** A query with DO=1 (RFC 3225) asks for DNSSEC records: resolve collects what they need. */
const WITH_PROOF_FACTS: ResolveOptions = { dnssec: true };

/** Where a miss stores its encoding: the entry if the question is known, the offset already taken. */
interface CachedSlot {
  zone: ZoneSnapshot;
  qkey: string;
  variant: number;
  entry: CacheEntry | undefined;
  /** Rotation offset already drawn for a known entry (drawing again would skip a rotation). */
  offset: number;
}

/** The checks a query must pass before we look anything up; an rcode means "answer with it". */
function guard(query: DecodedQuery, transport: Transport): number | undefined {
  const { qtype, qclass } = query.question;
  // NOTIFY is answered before the guards (xfr/notify-in.ts).
  if (query.opcode !== Opcode.QUERY) return query.opcode === Opcode.NOTIFY ? Rcode.NOTAUTH : Rcode.NOTIMP;
  // Zones are class IN only; other classes are not ours to answer (CHAOS: the identity step, if any).
  if (qclass !== RRClass.IN) return Rcode.REFUSED;
  // AXFR is TCP-only (RFC 5936 §4.2): over UDP, NOTIMP as Knot and NSD answer. AXFR over TCP
  // and IXFR go to xfr/transfer.ts, which refuses them unless the zone's ACL allows the client.
  if (qtype === RRType.AXFR && transport === 'udp') return Rcode.NOTIMP;
  // Meta and pseudo types that make no sense as a question (RFC 6895 §3.1).
  if (qtype === RRType.OPT || qtype === RRType.TSIG || qtype === RRType.TKEY) return Rcode.FORMERR;
  if (qtype === RRType.MAILA || qtype === RRType.MAILB) return Rcode.NOTIMP;
  return undefined;
}

function encodeResolution(
  query: DecodedQuery, res: Resolution, limit: number, ctx: HandlerContext, rotateMode: RotateMode, slot: CachedSlot | undefined, zone?: ZoneSnapshot,
  ourOptions?: readonly EdnsOption[],
): Buffer {
  let rcode: number;
  let aa = true;
  switch (res.kind) {
    case 'refused':
      // Not a name of ours: we are no resolver (RA=0). With EDNS, say so as Knot does (RFC 8914).
      return buildErrorResponse(query, Rcode.REFUSED, ctx.maxUdp, EDE_NOT_AUTHORITATIVE);
    case 'servfail':
      return buildErrorResponse(query, Rcode.SERVFAIL, ctx.maxUdp);
    case 'answer':
    case 'nodata':
      rcode = Rcode.NOERROR;
      break;
    case 'nxdomain':
      rcode = Rcode.NXDOMAIN;
      break;
    case 'yxdomain':
      rcode = Rcode.YXDOMAIN;
      break;
    case 'referral':
      rcode = Rcode.NOERROR;
      aa = res.aa;
      break;
    default: {
      const unreachable: never = res;
      throw new Error(`unhandled resolution ${(unreachable as Resolution).kind}`);
    }
  }
  const rotating = res.answer.filter(isRotatable);
  // Cacheable: one zone read (see answer-cache.ts) and at most one rotating RRset, whose offset
  // then names the variant.
  const cacheable = slot !== undefined && !res.crossZone && rotating.length <= 1;
  const rotator = ctx.rotator;
  const offsetFor = (set: RRset): number => {
    if (!isRotatable(set)) return 0;
    if (cacheable && slot.entry !== undefined) return slot.offset;
    return rotator.next(set, rotateMode);
  };
  let drawn = 0;
  const answerWire = (set: RRset): RR[] => {
    const offset = offsetFor(set);
    if (isRotatable(set)) drawn = offset;
    return toWire(set, offset);
  };
  const signed = res.facts !== undefined && zone !== undefined ? signAnswer(res, zone) : undefined;
  let answer: SectionEntry[];
  let authority: SectionEntry[];
  let additional: SectionEntry[];
  if (signed === undefined) {
    answer = res.answer.map(answerWire);
    authority = res.authority.map((set) => toWire(set, 0));
    additional = res.additional.map((set, i) => (i < res.requiredAdditional ? { rrs: toWire(set, 0), required: true } : toWire(set, 0)));
  } else {
    answer = signed.answer.map((u) => withSigs(answerWire(u.set), u, true));
    authority = signed.authority.map((u) => withSigs(toWire(u.set, 0), u, true));
    additional = signed.additional.map((u, i) => withSigs(toWire(u.set, 0), u, i < signed.requiredAdditional));
  }
  const edns = query.edns;
  const reply = encodeResponse(
    {
      id: query.id,
      opcode: query.opcode,
      flags: { aa, rd: query.rd, ad: false, cd: query.cd },
      rcode,
      question: query.question,
      answer,
      authority,
      additional,
      edns: edns === undefined ? undefined : { udpSize: ctx.maxUdp, do: edns.do, options: ourOptions },
    },
    limit,
  );
  // The cache copies the bytes: the reply is the caller's to send.
  if (cacheable) ctx.cache!.set(slot.zone, slot.qkey, slot.variant, slot.entry, rotating[0], drawn, reply);
  return reply;
}

/** An RRset and its RRSIGs as one unit for the writer (never split, wire/writer.ts). */
function withSigs(rrs: RR[], unit: SignedRRset, required: boolean): SectionEntry {
  return { rrs, sigs: unit.sigs === undefined ? undefined : toWire(unit.sigs, 0), required };
}

function toWire(set: RRset, offset: number): RR[] {
  const rdata = offset === 0 ? set.rdata : rotate(set.rdata, offset);
  const out: RR[] = new Array(rdata.length);
  for (let i = 0; i < rdata.length; i++) out[i] = { owner: set.owner, type: set.type, class: RRClass.IN, ttl: set.ttl, rdata: rdata[i] };
  return out;
}
