// UDP transport through the udp_batch addon (native/udp_batch, `npm run build:native`): the
// addon receives up to BATCH datagrams per recvmmsg into a shared buffer, calls onBatch once,
// and sends the replies JS copied into a shared output buffer with one sendmmsg. That skips
// Node's per-datagram costs (a uv callback, a Buffer and an rinfo object per datagram, a send
// request per reply), which were most of the server's time. Same contract and behaviour as
// udp.ts, which stays the fallback wherever the addon is not built. No DNS logic here.

import { lookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import type { UdpHandler, UdpListener } from './udp.js';

/** The addon's surface (native/udp_batch/udp_batch.c). */
interface UdpBatchAddon {
  readonly BATCH: number;
  readonly SLOT: number;
  readonly ADDR_WORDS: number;
  readonly META_WORDS: number;
  open(
    family: 4 | 6, address: string, port: number, input: Buffer, output: Buffer, meta: Int32Array,
    onBatch: (count: number) => void, onError: (syscall: string, code: string, count: number) => void,
  ): [handle: object, address: string, port: number];
  close(handle: object): void;
  addressOf(handle: object, index: number): string;
  stats(handle: object): UdpBatchStats;
  /** A full GC that also shrinks V8's young generation (native/udp_batch/memory.cc); false if it could not run. */
  reduceMemory(): boolean;
  /**
   * malloc_trim(0) (native/udp_batch/memory.cc), or with `later` on a thread of its own; false if
   * nothing was given back (or the thread not started) or it could not run.
   */
  trimMalloc?(later?: boolean): boolean;
}

/** Counters since the socket opened. */
export interface UdpBatchStats {
  readonly received: number;
  readonly sent: number;
  /** Replies dropped on a send error (ENOBUFS, EPERM...). */
  readonly sendDropped: number;
  readonly batches: number;
  readonly maxBatch: number;
  /** Times the send buffer was full (reading paused until it drained). */
  readonly parked: number;
  /** Replies waiting for the send buffer now. */
  readonly waiting: number;
}

export interface UdpBatchListener extends UdpListener {
  stats(): UdpBatchStats;
}

const ADDON_PATH = fileURLToPath(new URL('../../native/udp_batch/build/Release/udp_batch.node', import.meta.url));

let loaded: { addon: UdpBatchAddon | undefined; error: string | undefined } | undefined;

function load(): { addon: UdpBatchAddon | undefined; error: string | undefined } {
  if (loaded === undefined) {
    try {
      const addon = createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon;
      loaded = { addon, error: undefined };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'MODULE_NOT_FOUND' ? 'not built (npm run build:native)' : e.message;
      loaded = { addon: undefined, error: `${ADDON_PATH}: ${why}` };
    }
  }
  return loaded;
}

/** Why the native backend is unavailable, or undefined when the addon loaded. */
export function nativeUdpUnavailable(): string | undefined {
  return load().error;
}

/**
 * Give back the memory a big load left behind: V8 keeps the young generation it grew to while
 * the zones loaded (~28 MiB with a 100k-name zone) until a GC is asked to shrink it, which only
 * the addon can ask for. Costs one full GC (~60 ms for 100k names), so call it when nothing
 * waits on the event loop (before serving, after a TCP flood). False without the addon: nothing
 * was done.
 */
export function reduceMemory(): boolean {
  const { addon } = load();
  // An addon built before reduceMemory existed still serves UDP; it just cannot do this.
  return addon !== undefined && typeof addon.reduceMemory === 'function' && addon.reduceMemory();
}

/**
 * Gives malloc's free memory back to the system (all threads' arenas): what a load worker's
 * buffers left. `later`: on a thread of its own, for the thread that answers (see memory.cc).
 * False without the addon (or an addon built before it existed).
 */
export function trimMalloc(later = false): boolean {
  const { addon } = load();
  return addon !== undefined && typeof addon.trimMalloc === 'function' && addon.trimMalloc(later);
}

/** Formatted client addresses by their raw bytes: a direct-mapped cache of 2^CLIENT_CACHE_BITS. */
const CLIENT_CACHE_BITS = 10;
const CLIENT_CACHE_SIZE = 1 << CLIENT_CACHE_BITS;

export async function listenUdpBatch(host: string, port: number, handle: UdpHandler, log: Logger): Promise<UdpBatchListener> {
  const { addon, error } = load();
  if (addon === undefined) throw new Error(`udp backend "native" unavailable: ${error}`);
  const { BATCH, SLOT, ADDR_WORDS, META_WORDS } = addon;
  // dgram's choice of family (udp.ts): by the host's form; a name resolves as dgram's bind does.
  const family = host.includes(':') ? 6 : 4;
  const address = isIP(host) !== 0 ? host : (await lookup(host, { family })).address;

  // Pinned by the addon until close(). allocUnsafeSlow: unpooled, and pages of slots never
  // used are never touched.
  const input = Buffer.allocUnsafeSlow(BATCH * SLOT);
  const output = Buffer.allocUnsafeSlow(BATCH * SLOT);
  const meta = new Int32Array(META_WORDS);
  const REPLY = BATCH;
  const ADDR = 2 * BATCH;
  const cacheKeys = new Int32Array(CLIENT_CACHE_SIZE * ADDR_WORDS);
  const cacheNames: Array<string | undefined> = new Array(CLIENT_CACHE_SIZE).fill(undefined);
  let sock: object | undefined;

  // The client string costs a native call and a string only the first time an address is seen
  // (dnsperf and resolvers come back from a few addresses); raw address words are the key.
  const clientOf = (i: number): string => {
    const a = ADDR + i * ADDR_WORDS;
    const w0 = meta[a], w1 = meta[a + 1], w2 = meta[a + 2], w3 = meta[a + 3], w4 = meta[a + 4];
    const slot = Math.imul(w0 ^ w1 ^ w2 ^ w3 ^ w4, 0x9e3779b1) >>> (32 - CLIENT_CACHE_BITS);
    const k = slot * ADDR_WORDS;
    const cached = cacheNames[slot];
    if (cached !== undefined && cacheKeys[k] === w0 && cacheKeys[k + 1] === w1 && cacheKeys[k + 2] === w2
      && cacheKeys[k + 3] === w3 && cacheKeys[k + 4] === w4) return cached;
    const name = addon.addressOf(sock!, i);
    cacheKeys[k] = w0;
    cacheKeys[k + 1] = w1;
    cacheKeys[k + 2] = w2;
    cacheKeys[k + 3] = w3;
    cacheKeys[k + 4] = w4;
    cacheNames[slot] = name;
    return name;
  };

  const onBatch = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const len = meta[i];
      if (len < 0) continue; // truncated or without a source: dropped by the addon
      const off = i * SLOT;
      const client = clientOf(i);
      let reply: Buffer | undefined;
      try {
        // A view into the shared input: the handler decodes it to strings and numbers and keeps
        // no reference once it returns, and the next batch overwrites it only after that.
        reply = handle(input.subarray(off, off + len), client);
      } catch (err) {
        // The handler never throws by design; if it does, the process must keep serving.
        log.error('query handler failed', { client, error: (err as Error).message });
        continue;
      }
      // Copied now: a cached answer's buffer may be reused for the next query.
      if (reply === undefined || reply.length > SLOT) continue;
      output.set(reply, off);
      meta[REPLY + i] = reply.length;
    }
  };

  // Errors come counted per event-loop turn; logged at most once a second so an error storm
  // (ENOBUFS under overload) cannot turn into a log storm.
  let lastLog = 0;
  let suppressed = 0;
  const onError = (syscall: string, code: string, count: number): void => {
    const now = Date.now();
    if (now - lastLog < 1000) {
      suppressed += count;
      return;
    }
    log.error('udp socket error', { error: `${syscall} ${code}`, count, suppressed: suppressed || undefined });
    lastLog = now;
    suppressed = 0;
  };

  const [handleRef, boundAddress, boundPort] = addon.open(family, address, port, input, output, meta, onBatch, onError);
  sock = handleRef;
  let closed = false;
  return {
    address: boundAddress,
    port: boundPort,
    stats: () => addon.stats(handleRef),
    close: async () => {
      if (closed) return;
      closed = true;
      addon.close(handleRef);
    },
  };
}
