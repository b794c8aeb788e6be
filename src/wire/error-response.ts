// Error replies built from whatever part of the query could be read.
//
// What is echoed, matching Knot 3.2: ID, opcode and RD; the question when it was readable; an OPT
// when the query's OPT was readable (RFC 6891 §7), with the DO bit copied (RFC 3225 §3) and, for
// BADVERS, extended RCODE 1 and version 0 (RFC 6891 §6.1.3). AA, CD and everything else are clear.
// An OPT may carry options, e.g. an Extended DNS Error (RFC 8914) saying why.

import type { EdnsOption } from './message.js';
import type { EdnsInfo, Question } from './query.js';
import { OUR_UDP_PAYLOAD, TCP_MAX_MESSAGE } from './size-limit.js';
import { encodeResponse } from './writer.js';

/** What an error reply needs: a DecodeError or a DecodedQuery both fit. */
export interface ErrorReplySource {
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly question: Question | undefined;
  readonly edns: EdnsInfo | undefined;
  /** A DecodeError's own rcode, used when none is passed. */
  readonly rcode?: number;
}

/** RFC 8914 §4.21: EDE 20, Not Authoritative, no text: a name in none of our zones (as Knot says). */
export const EDE_NOT_AUTHORITATIVE: readonly EdnsOption[] = Object.freeze([{ code: 15, data: '\x00\x14' }]);

/**
 * A header-only reply (no answer, authority or additional data) with `rcode`, which defaults to
 * the source's own. Tiny: it always fits in 512 octets.
 */
export function buildErrorResponse(source: ErrorReplySource, rcode?: number, ourUdpPayload = OUR_UDP_PAYLOAD, options?: readonly EdnsOption[]): Buffer {
  const code = rcode ?? source.rcode;
  if (code === undefined) throw new RangeError('buildErrorResponse: no rcode');
  return encodeResponse(
    {
      id: source.id,
      opcode: source.opcode,
      flags: { aa: false, rd: source.rd, ad: false, cd: false },
      rcode: code,
      question: source.question,
      edns: source.edns === undefined ? undefined : { udpSize: ourUdpPayload, do: source.edns.do, options },
    },
    TCP_MAX_MESSAGE,
  );
}
