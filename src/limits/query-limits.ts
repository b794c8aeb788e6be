// The per-packet defences as the query path meets them: two named steps of handleMessage
// (server/handle.ts), one on each side of answering.
//
//   cookieStatus  before answering: what the client's COOKIE option says (RFC 7873 §5.2); a
//                 query that sent one is answered with a slot for ours (COOKIE_SLOT)
//   finish        after answering: response rate limiting over UDP for clients without a valid
//                 server cookie (rrl.ts), then our COOKIE option on the reply
//
// A limited response is dropped, or every `slip`-th one sent small: TC=1 (retry over TCP), or,
// to a client that sent a cookie, BADCOOKIE with a fresh server cookie (retry with it, which
// exempts it from the limit: BIND's choice, RFC 7873 §5.2.3 option 2).
// Our COOKIE option goes on every reply to a query that had one, except a zone transfer's
// (kept within its own size planning) and a TSIG-signed reply (the option would fall outside the
// MAC: appendEdnsOption only appends to an OPT that ends the message). Answers carry the slot, so
// the cookie is written in place; other replies (errors, NOTIFY) get it appended.

import { RRType, Rcode } from '../dns/constants.js';
import type { Logger } from '../log.js';
import { appendEdnsOption, fillEdnsOption } from '../wire/edns-option.js';
import { buildErrorResponse, EDNS_COOKIE, Flag, HEADER_SIZE, type DecodedQuery, type DecodeError, type EdnsOption, type Transport } from '../wire/index.js';
import { CLIENT_COOKIE_SIZE, CookieStatus, SERVER_COOKIE_SIZE, type ServerCookies } from './cookies.js';
import { RESPONSE_KIND_NAMES, RrlVerdict, type ResponseRateLimiter } from './rrl.js';

/** Our COOKIE option as an answer is encoded (and cached): the right size, filled in by finish. */
export const COOKIE_SLOT: readonly EdnsOption[] = Object.freeze([{ code: EDNS_COOKIE, data: '\0'.repeat(CLIENT_COOKIE_SIZE + SERVER_COOKIE_SIZE) }]);

export interface QueryLimitsOptions {
  readonly rrl?: ResponseRateLimiter;
  readonly cookies?: ServerCookies;
  /** The per-packet log (a LimitedLogger): malformed queries, limits starting. */
  readonly log?: Logger;
  /** Our UDP payload size, advertised in the OPT of a BADCOOKIE reply. */
  readonly maxUdp: number;
}

export class QueryLimits {
  readonly rrl: ResponseRateLimiter | undefined;
  readonly cookies: ServerCookies | undefined;
  readonly log: Logger | undefined;
  private readonly maxUdp: number;

  constructor(options: QueryLimitsOptions) {
    this.rrl = options.rrl;
    this.cookies = options.cookies;
    this.log = options.log;
    this.maxUdp = options.maxUdp;
    const log = this.log;
    if (this.rrl !== undefined && log !== undefined) {
      this.rrl.onLimit = (client, kind) => log.info('rate limiting responses', { client, kind: RESPONSE_KIND_NAMES[kind] });
    }
  }

  /** Step 1: the client's COOKIE option; NONE when it sent none or cookies are off. */
  cookieStatus(query: DecodedQuery | DecodeError, client: string): CookieStatus {
    const option = query.edns?.cookie;
    if (option === undefined || this.cookies === undefined) return CookieStatus.NONE;
    return this.cookies.check(option, client);
  }

  /**
   * Step 2: what goes out instead of `reply` (undefined: nothing). `status` is what
   * cookieStatus said for this query, moments ago (its cookie is still in this.cookies.reply).
   */
  finish(reply: Buffer, query: DecodedQuery | DecodeError, status: CookieStatus, transport: Transport, client: string): Buffer | undefined {
    // TCP clients cannot spoof their address; a valid cookie proves it too (RFC 7873 §5.2.5).
    if (this.rrl !== undefined && transport === 'udp' && status !== CookieStatus.VALID) {
      const verdict = this.rrl.check(reply, client);
      if (verdict === RrlVerdict.DROP) return undefined;
      if (verdict === RrlVerdict.SLIP) {
        if (status === CookieStatus.CLIENT) return this.withCookie(buildErrorResponse(query, Rcode.BADCOOKIE, this.maxUdp), query);
        return truncated(reply, query);
      }
    }
    return status === CookieStatus.NONE ? reply : this.withCookie(reply, query);
  }

  private withCookie(reply: Buffer, query: DecodedQuery | DecodeError): Buffer {
    const qtype = query.question?.qtype;
    if (qtype === RRType.AXFR || qtype === RRType.IXFR) return reply;
    const cookie = this.cookies!.reply;
    if (fillEdnsOption(reply, EDNS_COOKIE, cookie)) return reply;
    return appendEdnsOption(reply, EDNS_COOKIE, cookie) ?? reply;
  }
}

/**
 * The slipped form of a limited reply, as NSD sends it: its header and question with TC=1 and
 * nothing else, so a real client retries over TCP and a victim gets no more than was sent.
 */
function truncated(reply: Buffer, query: DecodedQuery | DecodeError): Buffer {
  const questionLength = query.question?.bytes.length ?? 0;
  const out = Buffer.allocUnsafe(HEADER_SIZE + questionLength);
  reply.copy(out, 0, 0, HEADER_SIZE + questionLength);
  out[2] = out[2]! | (Flag.TC >>> 8);
  out[4] = 0;
  out[5] = questionLength > 0 ? 1 : 0;
  out.fill(0, 6, HEADER_SIZE);
  return out;
}
