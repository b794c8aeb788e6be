// What the query log and the counters read back from a message we built or already decoded:
// the question's type and the full RCODE. Cheap enough for every query: no name is built.

import { RRType } from '../dns/constants.js';
import { HEADER_SIZE, RCODE_MASK } from './message.js';

/**
 * QTYPE of the message's question, or -1 when it has none (QDCOUNT 0, or a FORMERR reply to a
 * question that could not be read). Only for messages whose question is known to be well formed
 * (our own replies, which echo a validated question, or a query the decoder accepted): the QNAME
 * there is never compressed (wire/query.ts), so its labels are stepped over without checks
 * beyond the message's end.
 */
export function questionType(msg: Uint8Array): number {
  if (msg.length < HEADER_SIZE || msg[5] !== 1 || msg[4] !== 0) return -1;
  const end = msg.length;
  let p = HEADER_SIZE;
  while (p < end && msg[p] !== 0) p += msg[p]! + 1;
  return p + 2 < end ? (msg[p + 1]! << 8) | msg[p + 2]! : -1;
}

/**
 * The RCODE of one of our replies, the OPT's extended bits included (RFC 6891 §6.1.3). We only
 * send extended RCODEs (BADVERS, BADCOOKIE) in replies without answer or authority records, whose
 * first additional record is then the OPT: only those are looked into, so an answer costs nothing.
 */
export function replyRcode(reply: Uint8Array): number {
  const low = reply[3]! & RCODE_MASK;
  if (reply[6] !== 0 || reply[7] !== 0 || reply[8] !== 0 || reply[9] !== 0 || (reply[10] === 0 && reply[11] === 0)) return low;
  const end = reply.length;
  let p = HEADER_SIZE;
  if (reply[5] === 1 && reply[4] === 0) {
    while (p < end && reply[p] !== 0) p += reply[p]! + 1;
    p += 5;
  }
  // The OPT: root owner, TYPE, CLASS (2), then the TTL whose first octet is the extended RCODE.
  if (p + 5 >= end || reply[p] !== 0 || ((reply[p + 1]! << 8) | reply[p + 2]!) !== RRType.OPT) return low;
  return (reply[p + 5]! << 4) | low;
}
