// The load worker's entry point (a worker_threads Worker started by loader.ts): runs one load
// job at a time (load-job.ts) and talks to the main thread in WorkerIn / WorkerOut messages.
// Nothing here is shared with the main thread but those messages: a job that runs away (or is
// superseded) is ended by terminating the worker, and its memory goes with it.

import { parentPort } from 'node:worker_threads';
import v8 from 'node:v8';
import { runLoadJob, type JobMessage, type LoadRequest } from './load-job.js';

/** Main thread -> worker. */
export type WorkerIn =
  | { kind: 'load'; id: number; request: LoadRequest }
  | { kind: 'serial'; id: number; serial: number };

/** Worker -> main thread: a job's messages, then `done` (or `failed` if the job threw). */
export type WorkerOut =
  | (JobMessage & { id: number })
  | { kind: 'failed'; id: number; message: string }
  /** The job is over; `heapBytes`: the worker's heap now (the main thread may retire a big one). */
  | { kind: 'done'; id: number; heapBytes: number };

const port = parentPort;
if (port === null) throw new Error('load-worker.js runs as a worker thread (see reload/loader.ts)');

/** The job waiting for its served serial. */
let awaitingSerial: { id: number; resolve: (serial: number) => void } | undefined;

const post = (message: WorkerOut, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

port.on('message', (message: WorkerIn) => {
  if (message.kind === 'serial') {
    if (awaitingSerial?.id === message.id) awaitingSerial.resolve(message.serial);
    awaitingSerial = undefined;
    return;
  }
  const { id, request } = message;
  runLoadJob(request, {
    send: (m, transfer) => post({ ...m, id }, transfer),
    servedSerial: (fileSerial, fingerprint) => new Promise((resolve) => {
      awaitingSerial = { id, resolve };
      post({ kind: 'serial?', id, fileSerial, fingerprint });
    }),
  }).catch((e: unknown) => {
    post({ kind: 'failed', id, message: e instanceof Error ? e.message : String(e) });
  }).finally(() => {
    post({ kind: 'done', id, heapBytes: v8.getHeapStatistics().total_heap_size });
  });
});
