// The signed zone as served, kept in the state directory so a restart serves the same signatures
// and re-signs only what changed meanwhile. Binary, not zone-file text: a signed zone is mostly
// signatures, and formatting a million of them as base64 cost seconds of the thread that answers
// queries at every write; raw RDATA is copied, and read back without parsing text.
//
// File format (integers big-endian):
//   "ZDNSSIG1"  u8 origin length, origin (wire)  u16 class
//   node*:      u8 owner length, owner  u16 RRset count  (u16 type  u32 TTL  u16 count  (u16 length, RDATA)*)*
//   u8 0        (end of nodes: no owner is empty)
//   u32 CRC-32 of everything before it
// Written as every durable file is (state/atomic-write.ts: a crash leaves the old copy or the new
// one), in pieces of about 1 MiB, each written before the next is made, so a big zone's copy holds
// the event loop for one piece at a time.

import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { fromBuffer } from '../dns/bytes.js';
import { nameKey, type Name } from '../dns/name.js';
import { writeFileAtomicChunks } from '../state/atomic-write.js';
import { SnapshotBuilder } from '../zone/build.js';
import type { ZoneRecord } from '../zone/record.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';

const MAGIC = 'ZDNSSIG1';
const PIECE = 1 << 20;

/** The copy's bytes in pieces of about 1 MiB (the last one ends with the CRC). */
function* pieces(snapshot: ZoneSnapshot): Generator<Buffer> {
  let buf = Buffer.allocUnsafe(PIECE + 70_000);
  let pos = 0;
  let crc = 0;
  const flush = function* (): Generator<Buffer> {
    const out = buf.subarray(0, pos);
    crc = crc32(out, crc);
    yield out;
    buf = Buffer.allocUnsafe(PIECE + 70_000);
    pos = 0;
  };
  pos += buf.write(MAGIC, pos, 'latin1');
  pos = buf.writeUInt8(snapshot.origin.length, pos);
  pos += buf.write(snapshot.origin, pos, 'latin1');
  pos = buf.writeUInt16BE(snapshot.class, pos);
  for (const node of snapshot.nodes.values()) {
    if (node.firstSet === undefined) continue; // empty non-terminals come back from the names below them
    pos = buf.writeUInt8(node.name.length, pos);
    pos += buf.write(node.name, pos, 'latin1');
    // A SignatureSet is written as its RRSIG RRsets (one per covered type, each with its TTL).
    const all = node.rrsets;
    pos = buf.writeUInt16BE(all.length, pos);
    for (const s of all) {
      const rdata = s.rdata;
      pos = buf.writeUInt16BE(s.type, pos);
      pos = buf.writeUInt32BE(s.ttl, pos);
      pos = buf.writeUInt16BE(rdata.length, pos);
      for (const r of rdata) {
        if (pos + r.length + 2 > buf.length) yield* flush();
        pos = buf.writeUInt16BE(r.length, pos);
        pos += buf.write(r, pos, 'latin1');
      }
      if (pos > PIECE) yield* flush();
    }
  }
  pos = buf.writeUInt8(0, pos);
  const last = buf.subarray(0, pos);
  crc = crc32(last, crc);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc >>> 0);
  yield Buffer.concat([last, tail]);
}

/** Writes the copy atomically and durably (state/atomic-write.ts). Rejects on I/O errors. */
export function writeSignedCopy(path: string, snapshot: ZoneSnapshot): Promise<void> {
  return writeFileAtomicChunks(path, pieces(snapshot));
}

/** The records of a copy, in order; throws on a damaged or foreign file. */
function* records(data: Buffer, origin: Name, file: string): Generator<ZoneRecord> {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > data.length - 4) throw new Error('the signed copy ends too early');
  };
  need(MAGIC.length + 1);
  if (data.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a zonedns signed copy');
  pos = MAGIC.length;
  const originLength = data.readUInt8(pos++);
  need(originLength + 2);
  const own = data.toString('latin1', pos, pos + originLength) as Name;
  if (nameKey(own) !== nameKey(origin)) throw new Error('the signed copy is of another zone');
  pos += originLength;
  const cls = data.readUInt16BE(pos);
  pos += 2;
  for (;;) {
    need(1);
    const ownerLength = data.readUInt8(pos++);
    if (ownerLength === 0) break;
    need(ownerLength + 2);
    const owner = fromBuffer(data, pos, pos + ownerLength) as Name;
    pos += ownerLength;
    const sets = data.readUInt16BE(pos);
    pos += 2;
    for (let k = 0; k < sets; k++) {
      need(8);
      const type = data.readUInt16BE(pos);
      const ttl = data.readUInt32BE(pos + 2);
      const count = data.readUInt16BE(pos + 6);
      pos += 8;
      for (let i = 0; i < count; i++) {
        need(2);
        const length = data.readUInt16BE(pos);
        need(2 + length);
        yield { owner, type, class: cls, ttl, rdata: fromBuffer(data, pos + 2, pos + 2 + length), file, line: 0 };
        pos += 2 + length;
      }
    }
  }
  if (pos !== data.length - 4) throw new Error('the signed copy has data after its end');
}

/** Reads a copy back into a snapshot (built and checked like a zone file). Throws when it cannot be used. */
export function readSignedCopy(path: string, origin: Name): ZoneSnapshot {
  const data = readFileSync(path);
  if (data.length < 4 || (crc32(data.subarray(0, data.length - 4)) >>> 0) !== data.readUInt32BE(data.length - 4)) throw new Error('the signed copy is damaged (CRC)');
  const builder = new SnapshotBuilder(origin, (visit) => { for (const r of records(data, origin, path)) visit(r); }, data.length >> 7);
  for (const r of records(data, origin, path)) builder.add(r);
  const built = builder.finish({ file: path });
  if (built.snapshot === undefined) throw new Error(`the signed copy does not load: ${built.diagnostics.find((d) => d.severity === 'error')?.message}`);
  return built.snapshot;
}
