// Worker threads that do long work beside the thread that answers (zone loads, signing) run at a
// lower CPU priority, so that on a busy machine (2 cores: two signing threads and dnsperf) the
// answering thread and V8's GC helpers get the CPU first: signing the 1M-record zone at full
// priority held answers of another zone up to 386 ms.
//
// On Linux the nice value belongs to each thread (setpriority(2), NPTL), so this lowers only the
// calling thread. Elsewhere it would lower the whole process: nothing is done there.

import { getPriority, setPriority } from 'node:os';

/** How much nicer than the process a worker thread is. */
export const WORKER_NICENESS = 10;

/** Lowers the calling (worker) thread's priority; false where it cannot or must not. */
export function lowerThreadPriority(platform: string = process.platform): boolean {
  if (platform !== 'linux') return false;
  try {
    setPriority(0, Math.min(19, getPriority(0) + WORKER_NICENESS));
    return true;
  } catch {
    return false;
  }
}

/** The same, as source for a worker evaluated from a string (dnssec/sign-pool.ts). */
export const LOWER_THREAD_PRIORITY_SOURCE = `if (process.platform === 'linux') { try { const os = require('node:os'); os.setPriority(0, Math.min(19, os.getPriority(0) + ${WORKER_NICENESS})); } catch {} }`;
