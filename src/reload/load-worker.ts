// The load worker's entry point (a worker_threads Worker started by loader.ts): runs one load
// job at a time (load-job.ts) and talks to the main thread in WorkerIn / WorkerOut messages.
// Nothing is shared with the main thread but those messages and one word of shared memory, in
// which the main thread names a job it no longer wants: the job looks at it now and then and
// stops (a superseded load ends in milliseconds, and the worker stays for the next one). Between
// jobs the worker gives back what a big one took (a full GC, here where no query waits, and
// malloc's free memory; its young generation is kept small, see loader.ts), so that the main
// thread seldom has to end it: ending a worker with a big heap unmaps it all at once, which held
// the main thread's page faults for up to 300 ms.

import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import { collectGarbage, trimMalloc } from '../server/memory.js';
import { lowerThreadPriority } from '../server/thread-priority.js';
import { runLoadJob, type JobMessage, type LoadRequest } from './load-job.js';

/** What the worker is started with. */
export interface LoadWorkerData {
  /** [0]: the id of a job the main thread no longer wants. */
  cancel: Int32Array<SharedArrayBuffer>;
}

/** Main thread -> worker. */
export type WorkerIn =
  | { kind: 'load'; id: number; request: LoadRequest }
  | { kind: 'serial'; id: number; serial: number };

/** Worker -> main thread: a job's messages, then `done` (or `failed` if the job threw). */
export type WorkerOut =
  | (JobMessage & { id: number })
  | { kind: 'failed'; id: number; message: string }
  /** The job is over; `heapBytes`: the worker's heap now, after giving memory back. */
  | { kind: 'done'; id: number; heapBytes: number };

/** A heap bigger than this after a job is collected before the next (a small one is not worth a full GC). */
const COLLECT_ABOVE_BYTES = 32 * 1048576;

const port = parentPort;
if (port === null) throw new Error('load-worker.js runs as a worker thread (see reload/loader.ts)');
const { cancel } = workerData as LoadWorkerData;
lowerThreadPriority();

/** The job waiting for its served serial. */
let awaitingSerial: { id: number; resolve: (serial: number) => void } | undefined;

const post = (message: WorkerOut, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

function giveMemoryBack(): number {
  if (v8.getHeapStatistics().total_heap_size > COLLECT_ABOVE_BYTES) collectGarbage('major');
  trimMalloc();
  return v8.getHeapStatistics().total_heap_size;
}

port.on('message', (message: WorkerIn) => {
  if (message.kind === 'serial') {
    if (awaitingSerial?.id === message.id) awaitingSerial.resolve(message.serial);
    awaitingSerial = undefined;
    return;
  }
  const { id, request } = message;
  runLoadJob(request, {
    send: (m, transfer) => post({ ...m, id }, transfer),
    servedSerial: (fileSerial, origin, fingerprint) => new Promise((resolve) => {
      awaitingSerial = { id, resolve };
      post({ kind: 'serial?', id, fileSerial, origin, fingerprint });
    }),
    cancelled: () => Atomics.load(cancel, 0) === id,
  }).catch((e: unknown) => {
    post({ kind: 'failed', id, message: e instanceof Error ? e.message : String(e) });
  }).finally(() => {
    post({ kind: 'done', id, heapBytes: giveMemoryBack() });
  });
});
