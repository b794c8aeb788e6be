// Signing off the thread that answers queries: a pool of worker threads that turn batches of
// "data to be signed" into signatures. Signing is the costly part of keeping a zone signed (an
// ECDSA or Ed25519 signature costs tens of microseconds; a large zone needs a million of them),
// and each worker signs on its own core.
//
// A batch item is the RRSIG RDATA without its signature (RFC 4034 §3.1) followed by the RRset in
// canonical form: the data RFC 4034 §3.1.8.1 signs. A worker returns the batch's signatures back
// to back in one buffer, and the caller copies them where they go (sign-zone.ts: one string per
// node), so no string is made per signature: those died in the old generation by the million.
// ECDSA P-256 (ieee-p1363 encoding: r | s, RFC 6605 §4) and Ed25519 signatures are 64 octets.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LOWER_THREAD_PRIORITY_SOURCE } from '../server/thread-priority.js';
import type { Bytes } from '../dns/bytes.js';
import type { ZoneKey } from './keys.js';

export interface Signer {
  /**
   * The signatures of `data`, in order, back to back (SIGNATURE_LENGTH octets each): `data[i]` is
   * the data an RRSIG signs (its RDATA head, then the canonical RRset). `data` is read before
   * this returns: the caller refills it.
   */
  sign(key: ZoneKey, data: readonly Bytes[]): Promise<Buffer>;
  /** A buffer sign() gave, no longer read: the signer may reuse its memory. */
  release?(signatures: Buffer): void;
  close(): Promise<void>;
}

/** ECDSA P-256 (r | s) and Ed25519 signatures alike. */
export const SIGNATURE_LENGTH = 64;

/**
 * The worker's code (CommonJS, evaluated: nothing to resolve on disk, so it runs the same from
 * dist/ and under the test runner). Messages: { id, key: { id, algorithm, pkcs8 }, data, ends }
 * -> { id, out, offset, length } (the signatures) or { id, error }. Keys are imported once per worker.
 */
const WORKER_SOURCE = `
${LOWER_THREAD_PRIORITY_SOURCE}
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const keys = new Map();
const spares = [];
parentPort.on('message', (m) => {
  try {
    let k = keys.get(m.key.id);
    if (k === undefined) {
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(m.key.pkcs8), format: 'der', type: 'pkcs8' });
      k = m.key.algorithm === 13 ? { alg: 'sha256', key: { key: privateKey, dsaEncoding: 'ieee-p1363' } } : { alg: null, key: privateKey };
      keys.set(m.key.id, k);
    }
    if (m.spare !== undefined) spares.push(m.spare);
    const data = Buffer.from(m.data);
    const n = m.ends.length;
    // Its own memory (never the shared pool of small Buffers), so it can be handed over, not copied;
    // a buffer the caller gave back when big enough, so that none dies on the caller's thread.
    let ab = spares.pop();
    if (ab === undefined || ab.byteLength < n * ${SIGNATURE_LENGTH}) ab = new ArrayBuffer(n * ${SIGNATURE_LENGTH});
    const out = Buffer.from(ab);
    let start = 0;
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const end = m.ends[i];
      const item = data.subarray(start, end);
      const signature = crypto.sign(k.alg, item, k.key);
      if (signature.length !== ${SIGNATURE_LENGTH}) throw new Error('a signature of ' + signature.length + ' octets');
      pos += signature.copy(out, pos);
      start = end;
    }
    parentPort.postMessage({ id: m.id, out: ab, offset: 0, length: pos }, [ab]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Pending {
  slot: Slot;
  resolve(out: Buffer): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  /** Batches sent and not answered. */
  busy: number;
}

let nextKeyId = 1;
const keyIds = new WeakMap<ZoneKey, number>();

/**
 * A pool of `threads` signing workers (default: one per core, at most 4), started on first use.
 * A worker that dies fails the batches it held (the signing that sent them fails, and is tried
 * again later) and is replaced by the next batch.
 */
export class SigningPool implements Signer {
  private slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Buffers given back (release), to go back to a worker with its next batch. */
  private readonly spares: ArrayBuffer[] = [];

  constructor(private readonly threads = Math.max(1, Math.min(4, availableParallelism()))) {}

  get size(): number {
    return this.threads;
  }

  private start(): void {
    while (this.slots.length < this.threads) {
      // No execArgv: the worker's code is CommonJS whatever flags this process runs with
      // (--input-type=module would make it a module, without require).
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      // An idle pool must not keep a process alive (the server closes it at shutdown anyway).
      worker.unref();
      const slot: Slot = { worker, busy: 0 };
      worker.on('message', (m: { id: number; out?: ArrayBuffer; offset?: number; length?: number; error?: string }) => {
        if (--slot.busy === 0) worker.unref();
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (p === undefined) return;
        if (m.error !== undefined) {
          p.reject(new Error(`signing failed: ${m.error}`));
          return;
        }
        const buf = Buffer.from(m.out!, m.offset!, m.length!);
        p.resolve(buf);
      });
      worker.on('error', (e) => this.lost(slot, e));
      worker.on('exit', (code) => this.lost(slot, new Error(`signing thread exited (code ${code})`)));
      this.slots.push(slot);
    }
  }

  /** A worker died: its batches fail, and it leaves the pool. */
  private lost(slot: Slot, e: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    for (const [id, p] of this.pending) {
      if (p.slot !== slot) continue;
      this.pending.delete(id);
      p.reject(e);
    }
  }

  sign(key: ZoneKey, items: readonly Bytes[]): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('signing pool is closed'));
    if (items.length === 0) return Promise.resolve(Buffer.alloc(0));
    this.start();
    let keyId = keyIds.get(key);
    if (keyId === undefined) keyIds.set(key, (keyId = nextKeyId++));
    const ends = new Uint32Array(items.length);
    let text = '';
    for (let i = 0; i < items.length; i++) {
      text += items[i]!;
      ends[i] = text.length;
    }
    const data = Buffer.from(text, 'latin1');
    // The least busy worker takes the batch.
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.busy < slot.busy) slot = s;
    slot.busy++;
    slot.worker.ref();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { slot, resolve, reject });
      // Handed over, not copied, unless it lies in the shared pool of small Buffers: a copy per
      // batch waited here for a GC (with the replies, ArrayBuffers at a 1M-record signing's peak
      // were 29 MiB; 7 MiB handed over).
      const whole = data.byteOffset === 0 && data.length === data.buffer.byteLength;
      const copy = whole ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
      const spare = this.spares.pop();
      const transfer: ArrayBuffer[] = [copy, ends.buffer];
      if (spare !== undefined) transfer.push(spare);
      slot.worker.postMessage({ id, key: { id: keyId, algorithm: key.algorithm, pkcs8: key.pkcs8 }, data: copy, ends, spare }, transfer);
    });
  }

  release(signatures: Buffer): void {
    const ab = signatures.buffer;
    if (ab instanceof ArrayBuffer && signatures.byteOffset === 0 && this.spares.length < 8) this.spares.push(ab);
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots;
    this.slots = [];
    for (const p of this.pending.values()) p.reject(new Error('signing pool closed'));
    this.pending.clear();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
