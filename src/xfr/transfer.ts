// Answering AXFR and IXFR requests: find the zone, check who asks, pick the answer.
//
// Order of checks (malformed before policy, as Knot and NSD answer; then BIND's, so operators see
// the answers they expect):
//   IXFR without the client's SOA in authority ............ FORMERR (RFC 1995 §3)
//   QNAME not the apex of a zone we serve ................ REFUSED (as for any query outside our zones)
//   TSIG present and bad .................................. its RFC 8945 §5.2 error reply
//   client not in the zone's transfer ACL ................ REFUSED (RFC 5936 §5, BIND's allow-transfer)
//   ACL names keys, request not signed with one ........... REFUSED
// A malformed request is answered FORMERR whoever sends it: the answer says nothing about the zone.
//
// AXFR only arrives here over TCP (the handler answers NOTIMP over UDP, RFC 5936 §4.2). IXFR over
// UDP gets one message (see ixfr.ts). A TCP answer is an Iterable of messages produced lazily; the
// transport writes them with backpressure.

import { RRType, Rcode, rcodeToString } from '../dns/constants.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import type { TsigCheck, TsigHook } from '../tsig/hook.js';
import { buildErrorResponse, readName, responseSizeLimit, Section, type DecodedQuery, type Transport } from '../wire/index.js';
import type { ZoneRegistry } from '../zone/registry.js';
import { transferDecision, type TransferPolicy } from './acl.js';
import type { TransferStats, TransferStreamOptions } from './axfr.js';
import { axfrCache, type AxfrCache } from './axfr-cache.js';
import { ixfrMessages, ixfrUdpMessage, planIxfr, type IxfrPlan } from './ixfr.js';

/** Server-wide transfer settings, shared by every zone. */
export interface XfrContext {
  /** Used by zones that have no `transfer` of their own; undefined: such zones refuse transfers. */
  readonly defaultPolicy?: TransferPolicy;
  readonly tsig?: TsigHook;
  readonly log?: Logger;
  /** Merge journal entries into one difference sequence (RFC 1995 §6). Default true. */
  readonly condense?: boolean;
  /** Encoded AXFRs kept per snapshot (axfr-cache.ts); default the process-wide `axfrCache`. */
  readonly axfrCache?: AxfrCache;
  /** Told how each transfer request ended (ops/ counts them); `zone` undefined: not a zone we serve. */
  readonly observe?: (zone: Name | undefined, kind: 'AXFR' | 'IXFR', result: TransferOutcome) => void;
}

/** How a transfer request ended: answered in full, refused (or malformed), or cut short mid-stream. */
export type TransferOutcome = 'done' | 'refused' | 'aborted';

/** The SOA serial a client sent in an IXFR's authority section (RFC 1995 §3), or why there is none. */
export function ixfrClientSerial(msg: Uint8Array, query: DecodedQuery): { serial: number } | { error: string } {
  const rec = query.records?.find((r) => r.section === Section.AUTHORITY && r.type === RRType.SOA);
  if (rec === undefined) return { error: 'IXFR without an SOA in the authority section' };
  if (nameKey(rec.owner) !== nameKey(query.question.name)) return { error: 'IXFR SOA owner is not the zone' };
  const end = rec.rdataOffset + rec.rdataLength;
  // MNAME and RNAME may be compressed (pointers into the message), then five 32-bit counters.
  const mname = readName(msg, rec.rdataOffset, end);
  if (typeof mname === 'number') return { error: 'IXFR SOA: bad MNAME' };
  const rname = readName(msg, mname.next, end);
  if (typeof rname === 'number') return { error: 'IXFR SOA: bad RNAME' };
  if (rname.next + 20 !== end) return { error: 'IXFR SOA: RDATA is not 20 octets of counters after the names' };
  const p = rname.next;
  return { serial: ((msg[p]! << 24) >>> 0) + ((msg[p + 1]! << 16) | (msg[p + 2]! << 8) | msg[p + 3]!) };
}

export interface TransferRequestContext {
  readonly registry: ZoneRegistry;
  readonly xfr: XfrContext | undefined;
  readonly maxUdp: number;
}

/**
 * The answer to an AXFR or IXFR query: one message, or (TCP) a lazy sequence of messages. The
 * snapshot and journal entries are captured now, before anything is produced.
 */
export function answerTransfer(msg: Uint8Array, query: DecodedQuery, transport: Transport, ctx: TransferRequestContext, client: string): Buffer | Iterable<Buffer> {
  const xfr = ctx.xfr;
  const log = xfr?.log;
  const q = query.question;
  const kind = q.qtype === RRType.AXFR ? 'AXFR' : 'IXFR';
  const zoneText = nameToText(q.name);
  // Only the apex of a zone we serve can be transferred.
  const handle = ctx.registry.get(q.name);
  // Refusals are warnings: a secondary that cannot transfer is a misconfiguration someone must fix.
  const refuse = (rcode: number, why: string, sign?: (m: Buffer, i: number) => Buffer): Buffer => {
    log?.warn(`${kind} refused`, { zone: zoneText, client, rcode: rcodeToString(rcode), reason: why });
    xfr?.observe?.(handle?.origin, kind, 'refused');
    const reply = buildErrorResponse(query, rcode, ctx.maxUdp);
    return sign === undefined ? reply : sign(reply, 0);
  };

  // The request's own form first (RFC 1995 §3: an IXFR carries the client's SOA).
  const cs = kind === 'IXFR' ? ixfrClientSerial(msg, query) : undefined;
  if (cs !== undefined && 'error' in cs) return refuse(Rcode.FORMERR, cs.error);

  const snapshot = handle?.snapshot;
  if (handle === undefined) return refuse(Rcode.REFUSED, 'not a zone we serve');
  // Configured but not loaded (load failed, never transferred, expired): SERVFAIL, as queries get.
  if (snapshot === undefined) return refuse(Rcode.SERVFAIL, 'zone not loaded');

  // RFC 8945 §5.2: a bad signature is answered before anything else is looked at.
  let check: TsigCheck = { kind: 'unsigned' };
  if (query.tsig !== undefined && xfr?.tsig !== undefined) {
    check = xfr.tsig.verifyRequest(msg, query);
    if (check.kind === 'invalid') {
      log?.warn(`${kind} refused`, { zone: zoneText, client, reason: `TSIG: ${check.reason}` });
      xfr?.observe?.(handle.origin, kind, 'refused');
      return check.reply;
    }
  }
  const signer = check.kind === 'valid' ? check.sign : undefined;

  const decision = transferDecision(handle.options?.transfer, xfr?.defaultPolicy, client);
  if (decision.kind === 'refuse') return refuse(Rcode.REFUSED, decision.reason, signer);
  if (decision.kind === 'requireKey') {
    if (check.kind !== 'valid') return refuse(Rcode.REFUSED, xfr?.tsig === undefined ? 'the ACL requires a TSIG key, and TSIG is not available' : 'the ACL requires a TSIG key and the request is not signed');
    if (!decision.keys.includes(nameKey(check.keyName))) return refuse(Rcode.REFUSED, `TSIG key ${nameToText(check.keyName)} is not allowed`, signer);
  }

  const opts: TransferStreamOptions = {
    udpSize: ctx.maxUdp,
    sign: signer,
    reserve: check.kind === 'valid' ? check.reserve : 0,
  };
  const fields = { zone: zoneText, client, serial: snapshot.serial };

  if (cs === undefined) {
    const stats: TransferStats = { messages: 0, records: 0, bytes: 0 };
    log?.info('AXFR started', fields);
    return logged((xfr?.axfrCache ?? axfrCache).messages(snapshot, query, opts, stats), stats, xfr, 'AXFR', handle.origin, fields);
  }

  const plan: IxfrPlan = planIxfr(snapshot, handle.journal, cs.serial, { condense: xfr?.condense });
  const planFields = { ...fields, from: cs.serial, answer: plan.kind === 'full' ? `AXFR-style (${plan.reason})` : plan.kind };
  if (transport === 'udp') {
    const reply = ixfrUdpMessage(snapshot, query, plan, responseSizeLimit('udp', query.edns?.udpSize, ctx.maxUdp), opts);
    log?.info('IXFR over UDP answered', { ...planFields, size: reply.length });
    xfr?.observe?.(handle.origin, 'IXFR', 'done');
    return reply;
  }
  const stats: TransferStats = { messages: 0, records: 0, bytes: 0 };
  log?.info('IXFR started', planFields);
  // The AXFR-style answer is the AXFR's messages under the IXFR question (RFC 1995 §4): cached alike.
  const messages = plan.kind === 'full' ? (xfr?.axfrCache ?? axfrCache).messages(snapshot, query, opts, stats) : ixfrMessages(snapshot, query, plan, opts, stats);
  return logged(messages, stats, xfr, 'IXFR', handle.origin, planFields);
}

/** Passes messages through and logs (and tells the observer) how the stream ended. */
function* logged(
  messages: Generator<Buffer, void, undefined>, stats: TransferStats, xfr: XfrContext | undefined, kind: 'AXFR' | 'IXFR', zone: Name, fields: Record<string, string | number>,
): Generator<Buffer, void, undefined> {
  const log = xfr?.log;
  const started = performance.now();
  let complete = false;
  try {
    yield* messages;
    complete = true;
  } finally {
    const done: Record<string, string | number> = { ...fields, messages: stats.messages, records: stats.records, bytes: stats.bytes, ms: Math.round(performance.now() - started) };
    if (stats.cache !== undefined) done.cache = stats.cache;
    if (complete) log?.info(`${kind} finished`, done);
    else log?.warn(`${kind} aborted`, done);
    xfr?.observe?.(zone, kind, complete ? 'done' : 'aborted');
  }
}
