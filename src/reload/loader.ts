// Zone loads off the thread that answers. A load (load-job.ts) runs in a worker thread: reading,
// parsing, validation and the DNSSEC checks take no time from queries, however big or hostile the
// input. The finished snapshot comes back as packed arrays (zone/packed.ts) that make its nodes
// when they are first asked for, and is handed to the caller, who swaps it in with one assignment.
//
// Workers: at most one per spare core (one on a 2-core machine: the other core answers), started
// when there is work, each running one job at a time, giving back what a job took before the
// next (load-worker.ts), and ended when idle for IDLE_MS (all but the last, kept warm: see
// KEEP_WARM_BYTES), when its heap stays big, or after a crash.
//
// Jobs wait in order; a load whose signal aborts (the file changed again: a newer load
// supersedes it) leaves the queue, or is told to stop in its worker (one word of shared memory
// the job looks at; a job that does not stop within CANCEL_GRACE_MS has its worker ended), or
// has what came of it dropped, and resolves undefined.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode } from '../errors.js';
import type { Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import { trimMalloc } from '../server/memory.js';
import { setCanonicalOrder } from '../zone/canonical-nodes.js';
import { SnapshotAssembler } from '../zone/packed.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';
import type { LoadOutcome, LoadRequest } from './load-job.js';
import type { LoadWorkerData, WorkerIn, WorkerOut } from './load-worker.js';

export interface LoadResult extends LoadOutcome {
  /** The files had not changed since the last attempt (LoadRequest.unlessUnchanged): nothing was loaded. */
  unchanged: boolean;
  /** The zone to serve; absent when it did not load (the diagnostics say why). */
  snapshot?: ZoneSnapshot;
}

export interface LoadCall {
  /** Chooses the served serial from the file's, given the zone's origin and the fingerprint of what was read. */
  serial?: (fileSerial: number, origin: Name, fingerprint: string) => number;
  /** Abort: the load is no longer wanted (it resolves undefined). */
  signal?: AbortSignal;
}

export interface ZoneLoaderOptions {
  /** Most workers at once (default: spare cores, 1 to 4). */
  workers?: number;
  /** Where workers starting and ending are told (debug). */
  log?: Logger;
}

/** Workers end when idle this long (each costs ~10 MiB while it lives), all but one (KEEP_WARM_BYTES). */
const IDLE_MS = 2000;
/**
 * The last worker stays, idle, when its last job loaded a zone and its heap after it is no bigger
 * than this: a new worker loads at a third of a warm one's speed (100k records: ~700 vs ~270 ms,
 * V8 has not compiled the parser yet), which every edit after a pause would pay, and a signed
 * zone's edit is to be served within a second (issue #11). It costs ~20 MiB (the worker's heap
 * after its GC, and the thread). After a failed load it ends: a hostile input (a 64 MiB line)
 * leaves more behind in the thread than its heap shows (+34 MiB of RSS), which ending gives back.
 */
const KEEP_WARM_BYTES = 32 * 1048576;
/**
 * The worker's young generation (V8 makes it three semi-spaces): 4 MiB semi-spaces instead of
 * the default 16. A full GC after a 100k-record load then leaves 16-20 MiB of heap instead of
 * 41-43 (a grown young generation stays committed), the same load taking as long, so the worker
 * can be kept warm (KEEP_WARM_BYTES) without a memory-reducing GC, which also throws away the
 * compiled parser (the next load took ~200 ms longer).
 */
const WORKER_YOUNG_GENERATION_MB = 12;
/** A worker whose heap is still bigger than this after a job (and its GC) is ended rather than kept. */
const RETIRE_HEAP_BYTES = 96 * 1048576;
/** How long a job told to stop may take to stop before its worker is ended. */
const CANCEL_GRACE_MS = 3000;

interface Job {
  id: number;
  request: LoadRequest;
  call: LoadCall;
  resolve: (result: LoadResult | undefined) => void;
  worker?: LoadWorker;
  outcome?: LoadOutcome;
  assembler?: SnapshotAssembler;
  settled?: boolean;
}

interface LoadWorker {
  thread: Worker;
  job: Job | undefined;
  idle: NodeJS.Timeout | undefined;
  /** Its heap after its last job (the worker gives back what it can first). */
  heapBytes: number;
  /** Its last job made a snapshot (a failed one may have been a hostile input: see KEEP_WARM_BYTES). */
  loaded: boolean;
  /** Shared with the worker: [0] is the id of a job told to stop (LoadWorkerData). */
  cancel: Int32Array<SharedArrayBuffer>;
}

export class ZoneLoader {
  private readonly maxWorkers: number;
  private readonly log: Logger | undefined;
  private readonly workers = new Set<LoadWorker>();
  private readonly queue: Job[] = [];
  private readonly jobs = new Map<number, Job>();
  /** Snapshots handed out whose canonical order their worker is still finding (the 'order' message). */
  private readonly awaitingOrder = new Map<number, ZoneSnapshot>();
  private nextId = 1;
  private closed = false;

  constructor(opts: ZoneLoaderOptions = {}) {
    this.maxWorkers = opts.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    this.log = opts.log;
  }

  /** Loads a zone off this thread; undefined when aborted. */
  load(request: LoadRequest, call: LoadCall = {}): Promise<LoadResult | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, request, call, resolve };
      if (call.signal?.aborted) {
        resolve(undefined);
        return;
      }
      call.signal?.addEventListener('abort', () => this.abort(job), { once: true });
      this.jobs.set(job.id, job);
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Stops every worker and drops every job (each resolves undefined). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.jobs.values()]) this.settle(job, undefined);
    await Promise.all([...this.workers].map((w) => this.retire(w, 'closing')));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let worker: LoadWorker | undefined;
      for (const w of this.workers) if (w.job === undefined) worker = w;
      if (worker === undefined && this.workers.size < this.maxWorkers) worker = this.spawn();
      if (worker === undefined) return;
      const job = this.queue.shift()!;
      if (worker.idle !== undefined) clearTimeout(worker.idle);
      worker.idle = undefined;
      worker.job = job;
      worker.loaded = false;
      job.worker = worker;
      // A worker keeps the process alive while it works for someone, not while idle.
      worker.thread.ref();
      this.send(worker, { kind: 'load', id: job.id, request: job.request });
    }
  }

  private spawn(): LoadWorker {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const thread = new Worker(workerScript(), { workerData: { cancel } satisfies LoadWorkerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const worker: LoadWorker = { thread, job: undefined, idle: undefined, heapBytes: 0, loaded: false, cancel };
    this.log?.debug('load worker started', { thread: thread.threadId });
    this.workers.add(worker);
    thread.on('message', (m: WorkerOut) => this.onMessage(worker, m));
    // A crash (an exception outside a job, out of memory) ends the worker: its job fails.
    thread.on('error', (e) => this.lost(worker, `the load worker failed: ${e.message}`));
    thread.on('exit', (code) => this.lost(worker, `the load worker exited (code ${code})`));
    return worker;
  }

  private send(worker: LoadWorker, message: WorkerIn): void {
    worker.thread.postMessage(message);
  }

  private onMessage(worker: LoadWorker, m: WorkerOut): void {
    const job = this.jobs.get(m.id);
    if (m.kind === 'done') {
      if (worker.job?.id === m.id) worker.job = undefined;
      this.awaitingOrder.delete(m.id);
      worker.heapBytes = m.heapBytes;
      if (m.heapBytes > RETIRE_HEAP_BYTES) void this.retire(worker, `its heap is ${Math.round(m.heapBytes / 1048576)} MiB`);
      else this.idleLater(worker);
      this.dispatch();
      return;
    }
    if (m.kind === 'order') {
      const snapshot = this.awaitingOrder.get(m.id);
      this.awaitingOrder.delete(m.id);
      if (snapshot !== undefined) setCanonicalOrder(snapshot, m.order);
      return;
    }
    if (job === undefined || job.settled) {
      // Aborted meanwhile: a job waiting for its serial must get one to see it was cancelled.
      if (m.kind === 'serial?') this.send(worker, { kind: 'serial', id: m.id, serial: m.fileSerial });
      return;
    }
    switch (m.kind) {
      case 'unchanged':
        this.settle(job, { unchanged: true, diagnostics: [], omitted: 0, origin: undefined, files: [], fingerprint: '' });
        return;
      case 'serial?': {
        let serial: number;
        try {
          serial = job.call.serial?.(m.fileSerial, m.origin, m.fingerprint) ?? m.fileSerial;
        } catch (e) {
          if (worker.job === job) void this.retire(worker, 'its job failed');
          this.fail(job, `choosing the served serial failed: ${(e as Error).message}`);
          return;
        }
        this.send(worker, { kind: 'serial', id: m.id, serial });
        return;
      }
      case 'loaded':
        worker.loaded = m.head !== undefined;
        job.outcome = m.outcome;
        if (m.head === undefined) {
          this.settle(job, { ...m.outcome, unchanged: false });
          return;
        }
        job.assembler = new SnapshotAssembler(m.head);
        return;
      case 'segment':
        try {
          job.assembler?.add(m.segment);
        } catch (e) {
          this.fail(job, `the loaded zone could not be assembled: ${(e as Error).message}`);
        }
        return;
      case 'end': {
        const assembler = job.assembler;
        if (assembler === undefined) return;
        let snapshot: ZoneSnapshot;
        try {
          snapshot = assembler.finish();
        } catch (e) {
          this.fail(job, `the loaded zone could not be assembled: ${(e as Error).message}`);
          return;
        }
        this.awaitingOrder.set(job.id, snapshot);
        this.settle(job, { ...job.outcome!, unchanged: false, snapshot });
        return;
      }
      case 'failed':
        this.fail(job, `the zone load failed: ${m.message}`);
        return;
    }
  }

  /** A job that ended without an outcome of its own: one error diagnostic at the zone file. */
  private fail(job: Job, message: string): void {
    this.settle(job, {
      unchanged: false,
      diagnostics: [{ severity: 'error', code: ErrorCode.ZONE_IO, file: job.request.file, line: 1, message }],
      omitted: 0,
      origin: job.outcome?.origin,
      files: job.outcome?.files ?? [],
      fingerprint: job.outcome?.fingerprint ?? '',
    });
  }

  private settle(job: Job, result: LoadResult | undefined): void {
    if (job.settled) return;
    job.settled = true;
    job.assembler = undefined;
    this.jobs.delete(job.id);
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    job.resolve(result);
  }

  private abort(job: Job): void {
    if (job.settled) return;
    // Still in its worker: tell it to stop; if it does not, end the worker.
    const worker = job.worker;
    if (worker !== undefined && worker.job === job) {
      Atomics.store(worker.cancel, 0, job.id);
      setTimeout(() => {
        if (worker.job !== job) return;
        void this.retire(worker, `its load did not stop within ${CANCEL_GRACE_MS} ms of being superseded`);
        this.dispatch();
      }, CANCEL_GRACE_MS).unref();
    }
    this.settle(job, undefined);
    this.dispatch();
  }

  private idleLater(worker: LoadWorker): void {
    worker.thread.unref();
    if (worker.idle !== undefined) clearTimeout(worker.idle);
    worker.idle = setTimeout(() => {
      worker.idle = undefined;
      if (this.workers.size === 1 && worker.loaded && worker.heapBytes <= KEEP_WARM_BYTES) {
        this.log?.debug('load worker kept warm', { thread: worker.thread.threadId, heapMiB: Math.round(worker.heapBytes / 1048576) });
      } else {
        void this.retire(worker, 'idle');
      }
    }, IDLE_MS);
    worker.idle.unref();
  }

  /** Ends a worker (its job, if any, is the caller's to settle). */
  private async retire(worker: LoadWorker, why: string): Promise<void> {
    if (!this.workers.delete(worker)) return;
    if (worker.idle !== undefined) clearTimeout(worker.idle);
    worker.job = undefined;
    const thread = worker.thread.threadId;
    // terminate() settles on the thread's 'exit', which does not keep the process alive by itself:
    // with nothing else left (a start-up that failed to listen) the process ran out of work and
    // exited with code 0 before its exit code was set. A timer holds it until the thread is gone.
    const alive = setInterval(() => {}, 60_000);
    try {
      await worker.thread.terminate();
    } finally {
      clearInterval(alive);
    }
    // What the thread's own malloc arena still held (Node's and V8's, freed as it ended); not on
    // this thread, which answers queries (39 ms after a 1M-record load).
    trimMalloc(true);
    this.log?.debug('load worker ended', { thread, why });
  }

  /** A worker ended by itself (crash, out of memory): fail its job, start another for the queue. */
  private lost(worker: LoadWorker, why: string): void {
    if (!this.workers.delete(worker)) return;
    this.log?.warn('load worker lost', { thread: worker.thread.threadId, why });
    if (worker.idle !== undefined) clearTimeout(worker.idle);
    const job = worker.job;
    worker.job = undefined;
    if (job !== undefined) this.fail(job, why);
    if (!this.closed) this.dispatch();
  }
}

/**
 * The worker's script: the compiled load-worker.js beside this module. Under ts-jest this module
 * runs from src/ as TypeScript; its compiled twin in dist/ (`npm test` builds it first) is used.
 */
function workerScript(): URL {
  const here = new URL('./load-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : new URL('../../dist/reload/load-worker.js', import.meta.url);
}
