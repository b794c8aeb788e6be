// Domain names inside an UNTRUSTED message, possibly compressed (RFC 1035 §4.1.4).
//
// scanName validates a name without building it (no allocation): it is what the decoder uses to
// step over owner names. readName builds the uncompressed Name for the rare records whose owner we
// keep (TSIG key name, the SOA of an IXFR or NOTIFY).
//
// Rules, stricter than RFC 1035 spells out but what every sane encoder produces:
// - labels 1-63 octets; 0x40 (RFC 2673 extended labels, deprecated by RFC 6891 §5) and 0x80
//   (reserved) label types are errors;
// - a pointer must point strictly before the start of the run of labels it ends, so every hop goes
//   backward and loops are impossible; it may not point into the 12-octet header;
// - at most MAX_POINTER_HOPS hops, and at most 255 octets once decompressed (RFC 1035 §2.3.4).

import { MAX_NAME } from '../dns/constants.js';
import type { Name } from '../dns/name.js';
import { HEADER_SIZE } from './message.js';

/** A name has at most 127 labels, so a legitimate encoder never needs more hops than that. */
export const MAX_POINTER_HOPS = 127;

/** Failure codes of scanName (negative; a result >= 0 is an offset). */
export const NameScan = {
  TRUNCATED: -1,
  BAD_LABEL: -2,
  BAD_POINTER: -3,
  TOO_LONG: -4,
} as const;

const reasons: Record<number, string> = {
  [NameScan.TRUNCATED]: 'name runs past the end of the message',
  [NameScan.BAD_LABEL]: 'reserved label type (0x40 or 0x80)',
  [NameScan.BAD_POINTER]: 'compression pointer that is not strictly backward',
  [NameScan.TOO_LONG]: `name longer than ${MAX_NAME} octets`,
};

export function nameScanReason(code: number): string {
  return reasons[code] ?? 'malformed name';
}

/**
 * Facts about the name most recently accepted by scanName, kept here so that scanning allocates
 * nothing: its uncompressed wire length (1 for the root) and whether it followed a pointer.
 */
export const lastScanned = { length: 0, compressed: false };

/**
 * Validates the name at `offset` in `msg[0, end)`. Returns the offset just past the name's in-line
 * octets (after its root octet or its first pointer), or a negative NameScan code.
 */
export function scanName(msg: Uint8Array, offset: number, end: number): number {
  let pos = offset;
  let runStart = offset;
  let resume = -1;
  let total = 0;
  let hops = 0;
  for (;;) {
    if (pos >= end) return NameScan.TRUNCATED;
    const len = msg[pos]!;
    if (len === 0) {
      lastScanned.length = total + 1;
      lastScanned.compressed = resume >= 0;
      return resume >= 0 ? resume : pos + 1;
    }
    if (len < 0x40) {
      total += len + 1;
      // The root octet still has to follow, so 255 octets of labels is already too long.
      if (total >= MAX_NAME) return NameScan.TOO_LONG;
      pos += len + 1;
      continue;
    }
    if (len < 0xc0) return NameScan.BAD_LABEL;
    if (pos + 1 >= end) return NameScan.TRUNCATED;
    const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
    if (resume < 0) resume = pos + 2;
    if (target >= runStart || target < HEADER_SIZE || ++hops > MAX_POINTER_HOPS) return NameScan.BAD_POINTER;
    pos = runStart = target;
  }
}

/**
 * The decompressed Name at `offset` (case preserved) and the offset after its in-line octets, or
 * a negative NameScan code. Allocates; meant for the few records whose names we keep.
 */
export function readName(msg: Uint8Array, offset: number, end: number): { name: Name; next: number } | number {
  const next = scanName(msg, offset, end);
  if (next < 0) return next;
  let out = '';
  let pos = offset;
  for (;;) {
    const len = msg[pos]!;
    if (len === 0) break;
    if (len >= 0xc0) {
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    out += Buffer.from(msg.buffer, msg.byteOffset + pos, len + 1).toString('latin1');
    pos += len + 1;
  }
  return { name: (out + '\x00') as Name, next };
}
