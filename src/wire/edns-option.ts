// Our EDNS options in a response already encoded: the server cookie (RFC 7873 §5.2) goes on every
// reply to a query that sent one, and differs from one reply to the next, cached answers
// included. An answer is encoded (and cached) with a slot for it, an option of the right size,
// which fillEdnsOption overwrites in place; a reply built without one (a rare error) gets the
// option appended instead.

import { RRType } from '../dns/constants.js';
import { HEADER_SIZE } from './message.js';
import { scanName } from './wire-name.js';

/** Fixed part of an OPT RR: root owner, TYPE, CLASS, TTL, RDLENGTH (RFC 6891 §6.1.2). */
const OPT_FIXED = 11;

/**
 * Writes `data` over the data of the option `code` (of data's length) in the reply's OPT, which
 * must be its last record: the slot the encoder left. Usually that slot is the OPT's only option
 * and ends the message; options appended after it (ops/identity.ts: NSID, EXPIRE) are walked
 * past. False, having written nothing, when there is no such slot.
 */
export function fillEdnsOption(reply: Uint8Array, code: number, data: Uint8Array): boolean {
  const end = reply.length;
  const n = data.length;
  const u16 = (at: number): number => (reply[at]! << 8) | reply[at + 1]!;
  const only = end - OPT_FIXED - 4 - n;
  if (only >= HEADER_SIZE && u16(10) !== 0 && reply[only] === 0 && u16(only + 1) === RRType.OPT && u16(only + 9) === 4 + n && u16(only + 11) === code && u16(only + 13) === n) {
    reply.set(data, end - n);
    return true;
  }
  const opt = lastRecordIfOpt(reply);
  if (opt < 0) return false;
  for (let p = opt + OPT_FIXED; p + 4 <= end; p += 4 + u16(p + 2)) {
    if (u16(p) === code && u16(p + 2) === n && p + 4 + n <= end) {
      reply.set(data, p + 4);
      return true;
    }
  }
  return false;
}

/**
 * `reply` with the option (code, data[0, length)) appended to the RDATA of its OPT RR, which must
 * be its last record (as our writer puts it; no TSIG after it). undefined when the reply has no
 * OPT there, or the option would not fit a DNS message.
 */
export function appendEdnsOption(reply: Uint8Array, code: number, data: Uint8Array, length = data.length): Buffer | undefined {
  const end = reply.length;
  const opt = lastRecordIfOpt(reply);
  if (opt < 0 || end + 4 + length > 0xffff) return undefined;
  const rdlenAt = opt + OPT_FIXED - 2;
  const rdlen = ((reply[rdlenAt]! << 8) | reply[rdlenAt + 1]!) + 4 + length;
  const out = Buffer.allocUnsafe(end + 4 + length);
  out.set(reply, 0);
  out[rdlenAt] = rdlen >>> 8;
  out[rdlenAt + 1] = rdlen & 0xff;
  out[end] = code >>> 8;
  out[end + 1] = code & 0xff;
  out[end + 2] = length >>> 8;
  out[end + 3] = length & 0xff;
  for (let i = 0; i < length; i++) out[end + 4 + i] = data[i]!;
  return out;
}

/** Offset of the OPT RR when it is the reply's last record, else -1. */
function lastRecordIfOpt(reply: Uint8Array): number {
  const end = reply.length;
  if (end < HEADER_SIZE + OPT_FIXED || ((reply[10]! << 8) | reply[11]!) === 0) return -1;
  // The common case, an answer whose OPT carries no options: its 11 octets end the message.
  const tail = end - OPT_FIXED;
  if (reply[tail] === 0 && ((reply[tail + 1]! << 8) | reply[tail + 2]!) === RRType.OPT && reply[end - 2] === 0 && reply[end - 1] === 0) return tail;
  // Otherwise walk the records (our own well-formed reply) to the last one.
  let p = HEADER_SIZE;
  for (let q = (reply[4]! << 8) | reply[5]!; q > 0; q--) {
    const at = scanName(reply, p, end);
    if (at < 0) return -1;
    p = at + 4;
  }
  const records = ((reply[6]! << 8) | reply[7]!) + ((reply[8]! << 8) | reply[9]!) + ((reply[10]! << 8) | reply[11]!);
  let last = -1;
  for (let r = 0; r < records; r++) {
    last = p;
    const at = scanName(reply, p, end);
    if (at < 0 || at + 10 > end) return -1;
    p = at + 10 + ((reply[at + 8]! << 8) | reply[at + 9]!);
  }
  if (p !== end || last < 0 || reply[last] !== 0 || ((reply[last + 1]! << 8) | reply[last + 2]!) !== RRType.OPT) return -1;
  return last;
}
