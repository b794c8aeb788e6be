// The TSIG RR on the wire (RFC 8945 §4.2): finding it in a message, reading its RDATA, writing it.
//
//   owner = key name, TYPE = TSIG (250), CLASS = ANY (255), TTL = 0, RDATA:
//     Algorithm Name (uncompressed) | Time Signed (u48) | Fudge (u16) | MAC Size (u16) | MAC |
//     Original ID (u16) | Error (u16) | Other Len (u16) | Other Data
//
// Everything here reads UNTRUSTED bytes: offsets are checked against the message length and
// nothing throws on bad input (failures are returned as reasons).

import { RRClass, RRType } from '../dns/constants.js';
import type { Name } from '../dns/name.js';
import { HEADER_SIZE } from '../wire/message.js';
import type { TsigPosition } from '../wire/query.js';
import { nameScanReason, readName, scanName } from '../wire/wire-name.js';

/** The RDATA of a TSIG RR. `mac` and `otherData` are views into the message. */
export interface TsigRdata {
  /** As written (case preserved); compare with algorithmFromWire. */
  readonly algorithm: Name;
  /** Seconds since the epoch, 48 bits. */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Buffer;
}

function view(msg: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(msg.buffer, msg.byteOffset + start, end - start);
}

/** Reads the TSIG RDATA at `pos`, or returns why it cannot be read. */
export function readTsigRdata(msg: Uint8Array, pos: TsigPosition): TsigRdata | string {
  const start = pos.rdataOffset;
  const end = start + pos.rdataLength;
  if (end > msg.length) return 'TSIG RDATA runs past the end of the message';
  // The algorithm name must not be compressed (RFC 8945 §4.2, RFC 3597 §4).
  let p = start;
  for (;;) {
    if (p >= end) return 'TSIG algorithm name runs past the RDATA';
    const len = msg[p]!;
    if (len === 0) break;
    if (len > 63) return 'TSIG algorithm name is compressed or has a reserved label type';
    p += len + 1;
  }
  p += 1;
  if (p - start > 255) return 'TSIG algorithm name is longer than 255 octets';
  const algorithm = view(msg, start, p).toString('latin1') as Name;
  if (p + 10 > end) return 'TSIG RDATA too short for time, fudge and MAC size';
  const timeSigned = ((msg[p]! << 8) | msg[p + 1]!) * 0x100000000 + (((msg[p + 2]! << 24) >>> 0) + ((msg[p + 3]! << 16) | (msg[p + 4]! << 8) | msg[p + 5]!));
  const fudge = (msg[p + 6]! << 8) | msg[p + 7]!;
  const macSize = (msg[p + 8]! << 8) | msg[p + 9]!;
  p += 10;
  if (p + macSize + 6 > end) return 'TSIG MAC size runs past the RDATA';
  const mac = view(msg, p, p + macSize);
  p += macSize;
  const originalId = (msg[p]! << 8) | msg[p + 1]!;
  const error = (msg[p + 2]! << 8) | msg[p + 3]!;
  const otherLen = (msg[p + 4]! << 8) | msg[p + 5]!;
  p += 6;
  if (p + otherLen !== end) return p + otherLen > end ? 'TSIG other data runs past the RDATA' : 'octets after the TSIG other data';
  return { algorithm, timeSigned, fudge, mac, originalId, error, otherData: view(msg, p, end) };
}

export type TsigLocation =
  | { readonly kind: 'none' }
  | { readonly kind: 'tsig'; readonly pos: TsigPosition }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Finds the TSIG RR of any message (a response, a message of a zone transfer): walks every record
 * and checks that a TSIG, if there is one, is the last record of the additional section
 * (RFC 8945 §5.1). decodeQuery does the same for queries; this is for the messages it refuses.
 */
export function locateTsig(msg: Uint8Array): TsigLocation {
  const len = msg.length;
  if (len < HEADER_SIZE) return { kind: 'malformed', reason: 'shorter than a DNS header' };
  const qdcount = (msg[4]! << 8) | msg[5]!;
  const ancount = (msg[6]! << 8) | msg[7]!;
  const nscount = (msg[8]! << 8) | msg[9]!;
  const arcount = (msg[10]! << 8) | msg[11]!;
  let pos = HEADER_SIZE;
  for (let i = 0; i < qdcount; i++) {
    const end = scanName(msg, pos, len);
    if (end < 0) return { kind: 'malformed', reason: `question: ${nameScanReason(end)}` };
    if (end + 4 > len) return { kind: 'malformed', reason: 'question truncated' };
    pos = end + 4;
  }
  const total = ancount + nscount + arcount;
  let found: TsigPosition | undefined;
  for (let i = 0; i < total; i++) {
    const start = pos;
    const nameEnd = scanName(msg, pos, len);
    if (nameEnd < 0) return { kind: 'malformed', reason: `record owner: ${nameScanReason(nameEnd)}` };
    if (nameEnd + 10 > len) return { kind: 'malformed', reason: 'record header truncated' };
    const type = (msg[nameEnd]! << 8) | msg[nameEnd + 1]!;
    const rdlen = (msg[nameEnd + 8]! << 8) | msg[nameEnd + 9]!;
    const rdStart = nameEnd + 10;
    if (rdStart + rdlen > len) return { kind: 'malformed', reason: 'RDATA runs past the end of the message' };
    if (type === RRType.TSIG) {
      if (i !== total - 1 || arcount === 0) return { kind: 'malformed', reason: 'TSIG is not the last record of the additional section' };
      const key = readName(msg, start, len);
      if (typeof key === 'number') return { kind: 'malformed', reason: 'TSIG key name unreadable' };
      const cls = (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!;
      const ttl = ((msg[nameEnd + 4]! << 24) >>> 0) + ((msg[nameEnd + 5]! << 16) | (msg[nameEnd + 6]! << 8) | msg[nameEnd + 7]!);
      found = { offset: start, keyName: key.name, class: cls, ttl, rdataOffset: rdStart, rdataLength: rdlen };
    }
    pos = rdStart + rdlen;
  }
  if (pos !== len) return { kind: 'malformed', reason: 'trailing octets after the last record' };
  return found === undefined ? { kind: 'none' } : { kind: 'tsig', pos: found };
}

/** Fields of a TSIG RR to write. */
export interface TsigRecord {
  readonly keyName: Name;
  /** Canonical wire name of the algorithm. */
  readonly algorithm: Name;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Uint8Array;
}

/** Octets of a TSIG RR with these name lengths, MAC and other data lengths. */
export function tsigRecordSize(keyName: Name, algorithm: Name, macSize: number, otherLength: number): number {
  return keyName.length + 10 + algorithm.length + 16 + macSize + otherLength;
}

/** The 48-bit time as 6 octets. */
export function writeU48(buf: Buffer, off: number, v: number): void {
  const hi = Math.floor(v / 0x100000000);
  buf.writeUInt16BE(hi & 0xffff, off);
  buf.writeUInt32BE(v - hi * 0x100000000, off + 2);
}

/**
 * `message` with the TSIG RR appended and ARCOUNT incremented, as a new Buffer. The key name is
 * written uncompressed, as the RR is not part of what was compressed before.
 */
export function appendTsigRecord(message: Uint8Array, rr: TsigRecord): Buffer {
  if (message.length < HEADER_SIZE) throw new RangeError('not a DNS message: shorter than a header');
  const size = tsigRecordSize(rr.keyName, rr.algorithm, rr.mac.length, rr.otherData.length);
  if (message.length + size > 0xffff) throw new RangeError(`message with its TSIG RR would be ${message.length + size} octets, over 65535`);
  const arcount = (message[10]! << 8) | message[11]!;
  if (arcount === 0xffff) throw new RangeError('ARCOUNT is already 65535');
  const out = Buffer.allocUnsafe(message.length + size);
  out.set(message, 0);
  out.writeUInt16BE(arcount + 1, 10);
  let p = message.length;
  p += out.write(rr.keyName, p, 'latin1');
  out.writeUInt16BE(RRType.TSIG, p);
  out.writeUInt16BE(RRClass.ANY, p + 2);
  out.writeUInt32BE(0, p + 4);
  out.writeUInt16BE(size - rr.keyName.length - 10, p + 8);
  p += 10;
  p += out.write(rr.algorithm, p, 'latin1');
  writeU48(out, p, rr.timeSigned);
  out.writeUInt16BE(rr.fudge, p + 6);
  out.writeUInt16BE(rr.mac.length, p + 8);
  p += 10;
  out.set(rr.mac, p);
  p += rr.mac.length;
  out.writeUInt16BE(rr.originalId, p);
  out.writeUInt16BE(rr.error, p + 2);
  out.writeUInt16BE(rr.otherData.length, p + 4);
  p += 6;
  out.set(rr.otherData, p);
  return out;
}
