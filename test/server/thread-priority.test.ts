// Worker threads that load and sign run nicer than the thread that answers (Linux: per thread).

import { describe, expect, it } from '@jest/globals';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LOWER_THREAD_PRIORITY_SOURCE, lowerThreadPriority, WORKER_NICENESS } from '../../src/server/thread-priority.js';

function inWorker(source: string): Promise<{ before: number; after: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(`const { parentPort } = require('node:worker_threads'); const os = require('node:os'); (async () => { const before = os.getPriority(0); ${source}; parentPort.postMessage({ before, after: os.getPriority(0) }); })();`, { eval: true });
    w.once('message', (m) => { void w.terminate(); resolve(m); });
    w.once('error', reject);
  });
}

const linux = process.platform === 'linux';

describe('worker thread priority', () => {
  (linux ? it : it.skip)('the worker evaluated from source (signing) is nicer; the thread that answers is not', async () => {
    const main = getPriority(0);
    const { before, after } = await inWorker(LOWER_THREAD_PRIORITY_SOURCE);
    expect(after).toBe(Math.min(19, before + WORKER_NICENESS));
    expect(getPriority(0)).toBe(main);
  });

  (linux ? it : it.skip)('lowerThreadPriority (the load worker) likewise', async () => {
    const main = getPriority(0);
    const url = pathToFileURL(join(process.cwd(), 'dist/server/thread-priority.js')).href;
    const { before, after } = await inWorker(`(await import(${JSON.stringify(url)})).lowerThreadPriority()`);
    expect(after).toBe(Math.min(19, before + WORKER_NICENESS));
    expect(getPriority(0)).toBe(main);
  });

  it('does nothing where the nice value is the whole process\'s', () => {
    expect(lowerThreadPriority('darwin')).toBe(false);
  });
});
