// NOTIFY in (RFC 1996), for the zones we are secondary for: the answer, and the TSIG around it.
//
// Order, as for transfers (transfer.ts) and as Knot does:
//   TSIG present and bad (unknown key, bad MAC, clock) ...... its RFC 8945 §5.2 error reply:
//                                                            NOTAUTH + BADKEY/BADSIG/BADTIME
//   not an SOA IN question, not our secondary zone, or the
//   sender is not one of its primaries (RFC 1996 §3.10) .... NOTAUTH (Knot's answer)
//   the zone has a `primaryKey` and the NOTIFY is unsigned .. NOTAUTH (nothing to sign it with)
//   signed with a valid key that is not the zone's ......... NOTAUTH + BADKEY, TSIG unsigned
//                                                            (Knot's answer to an ACL that wants
//                                                            another key)
//   otherwise .............................................. NOERROR with AA, the question echoed
//                                                            (§4.7); the zone checks its primary
// A reply to a NOTIFY whose TSIG verified is signed with that key (RFC 8945 §5.3), whatever its
// RCODE; the BADKEY case is the exception §5.3.2 makes.

import { Opcode, Rcode, RRClass, RRType } from '../dns/constants.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import { buildErrorResponse, encodeResponse, type DecodedQuery } from '../wire/index.js';
import type { NotifyVerdict } from './secondary.js';
import type { TsigCheck, TsigHook } from '../tsig/hook.js';
import { appendTsigError, DEFAULT_FUDGE, TsigError } from '../tsig/tsig.js';
import { readTsigRdata } from '../tsig/wire.js';

/** Our secondary zones, as NOTIFY sees them (SecondaryManager). */
export interface NotifyReceiver {
  receiveNotify(zone: Name, address: string, keyName: Name | undefined): NotifyVerdict;
}

export interface NotifyInContext {
  readonly secondaries?: NotifyReceiver;
  /** Verifies TSIG (the same hook as transfers); absent: TSIG is not looked at. */
  readonly tsig?: TsigHook;
  readonly maxUdp: number;
  readonly log?: Logger;
  /** Seconds since the epoch, for the BADKEY reply's Time Signed; default the system clock. */
  readonly now?: () => number;
}

const REASONS: Record<Exclude<NotifyVerdict, 'accepted'>, string> = {
  'not-secondary': 'not a zone we are secondary for',
  'not-primary': 'the sender is not a primary of the zone',
  unsigned: 'the zone requires its primaryKey and the NOTIFY is not signed',
  'wrong-key': 'signed with a key that is not the zone\'s primaryKey',
};

/** The reply to a NOTIFY request (`query` decoded from `msg`); never throws. */
export function answerNotify(msg: Uint8Array, query: DecodedQuery, ctx: NotifyInContext, client: string): Buffer {
  const q = query.question;
  const zone = nameToText(q.name);
  // RFC 8945 §5.2: a TSIG that does not verify is answered with its error before anything else.
  let check: TsigCheck = { kind: 'unsigned' };
  if (query.tsig !== undefined && ctx.tsig !== undefined) {
    check = ctx.tsig.verifyRequest(msg, query);
    if (check.kind === 'invalid') {
      ctx.log?.warn('NOTIFY refused', { zone, client, reason: `TSIG ${check.reason}` });
      return check.reply;
    }
  }
  const keyName = check.kind === 'valid' ? check.keyName : undefined;
  const sign = (reply: Buffer): Buffer => (check.kind === 'valid' ? check.sign(reply, 0) : reply);
  const verdict: NotifyVerdict | 'not-soa' = q.qclass !== RRClass.IN || q.qtype !== RRType.SOA ? 'not-soa'
    : ctx.secondaries?.receiveNotify(q.name, client, keyName) ?? 'not-secondary';
  if (verdict === 'accepted') {
    return sign(encodeResponse({
      id: query.id, opcode: Opcode.NOTIFY, flags: { aa: true, rd: query.rd, ad: false, cd: false }, rcode: Rcode.NOERROR,
      question: q, edns: query.edns === undefined ? undefined : { udpSize: ctx.maxUdp, do: query.edns.do },
    }, 512));
  }
  const signedBy = keyName === undefined ? {} : { key: nameToText(keyName) };
  ctx.log?.info('NOTIFY refused', { zone, client, ...signedBy, reason: verdict === 'not-soa' ? 'not an SOA IN question' : REASONS[verdict] });
  const refusal = buildErrorResponse(query, Rcode.NOTAUTH, ctx.maxUdp);
  if (verdict === 'wrong-key' && query.tsig !== undefined) {
    const rd = readTsigRdata(msg, query.tsig);
    // Verified a moment ago, so readable; a string here would be a bug: answer without TSIG.
    if (typeof rd === 'string') return refusal;
    return appendTsigError(refusal, {
      kind: 'unsigned', keyName: query.tsig.keyName, algorithm: nameKey(rd.algorithm),
      timeSigned: (ctx.now ?? (() => Math.floor(Date.now() / 1000)))(), fudge: DEFAULT_FUDGE, error: TsigError.BADKEY,
    });
  }
  return sign(refusal);
}
