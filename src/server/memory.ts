// Giving back the memory a zone load leaves behind. Loading a big zone keeps most of what it
// allocates, so V8 grows its young generation to the maximum (two 16 MiB semi-spaces) and keeps
// it; a reload also leaves the old snapshot for a later full GC. With a 100k-name zone that is
// ~28 MiB at start and ~120 MiB after a reload, for a process that answers from ~40 MiB of zone.
// The udp_batch addon's reduceMemory runs the one GC that shrinks the young generation.

import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from '../log.js';
import { reduceMemory, trimMalloc } from './udp-batch.js';

export { trimMalloc };

/** A young generation above this was grown by a load (V8 starts it at 1 MiB per semi-space). */
const GROWN_BYTES = 8 * 1048576;
/** Reloads often come in bursts (an editor's save, a directory sync): one GC after the last. */
const SETTLE_MS = 1000;

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

function youngGenerationBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size;
  return 0;
}

/** RSS right after the last trim: how much a burst of traffic has grown it since. */
let trimmedRss = 0;

/** Shrink now (the initial load, before serving: nobody waits on the pause). */
export function trimAfterLoad(log: Logger, why: string): void {
  const rss = process.memoryUsage.rss();
  const t0 = performance.now();
  if (reduceMemory()) {
    trimmedRss = process.memoryUsage.rss();
    log.debug('memory reduced', { after: why, rssMiB: mib(rss), nowMiB: mib(trimmedRss), ms: Math.round(performance.now() - t0) });
  }
}

/** RSS above this much over the last trim was grown by traffic (buffers malloc keeps). */
const GROWN_RSS = 8 * 1048576;

/**
 * Once events of one kind settle (poke() on each):
 * - new snapshots (file reloads, a secondary's transfers, zones added later; `mallocOnly`): malloc's
 *   free pages (what a load worker's buffers and a replaced snapshot's segments left) go back to
 *   the system from a thread of its own, and no GC is asked for. A GC asked to reduce memory,
 *   even the incremental kind, ends in an atomic pause that compacts, sweeps the replaced
 *   snapshot's buffers and unmaps pages on the thread that answers: 54 ms after a reload of the
 *   1M-record zone, the longest stall left in bench:stall. Zones load in a worker and are served
 *   packed (reload/loader.ts), so a reload no longer grows this thread's young generation; what
 *   traffic grows, traffic uses, and V8's own memory reducer shrinks once it quiets. Not while a
 *   load or signing is in flight (`busy`);
 * - TCP connections closing, and only if the young generation grew or RSS did: a flood of them
 *   grows the young generation to its maximum, and leaves socket buffers in malloc's arenas (a
 *   slowloris reconnecting for 3 s: 54 → 77 MiB of RSS; 200 pipelining connections: → 111 MiB),
 *   which this gives back (→ 55-56 MiB). This needs the full GC: malloc can give back only what
 *   the GC has freed by then.
 */
export function trimWhenSettled(log: Logger, why: string, opts: { mallocOnly?: boolean; busy?: () => boolean } = {}): { poke(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    // Not while the next load is being built (an edit right after a reload): the trim would slow
    // it down. Later, then.
    if (opts.busy?.() === true) {
      timer = setTimeout(run, SETTLE_MS);
      timer.unref();
      return;
    }
    if (opts.mallocOnly) {
      if (trimMalloc(true)) log.debug('memory trimmed', { after: why, rssMiB: mib(process.memoryUsage.rss()) });
      return;
    }
    const rss = process.memoryUsage.rss();
    if (youngGenerationBytes() > GROWN_BYTES || rss > trimmedRss + GROWN_RSS) trimAfterLoad(log, why);
  };
  return {
    poke() {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(run, SETTLE_MS);
      timer.unref();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

let gc: ((options: { type: 'minor' | 'major' }) => void) | null | undefined;

/**
 * A GC of this thread's heap now, of the young generation or all of it: V8's own, through the
 * `gc` function V8 gives a context when --expose-gc is set (set here at run time, once). False
 * when it cannot be had. A minor GC of a few MiB of survivors takes about a millisecond; a major
 * one of a big heap, hundreds: only where nothing waits (a load worker between jobs).
 */
export function collectGarbage(type: 'minor' | 'major'): boolean {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const fn = vm.runInNewContext('gc') as typeof gc;
      gc = typeof fn === 'function' ? fn : null;
    } catch {
      gc = null;
    }
  }
  gc?.({ type });
  return gc !== null;
}
