// A multi-message reply (an AXFR) lets other work in while it is written, also to a peer that reads
// as fast as it is written (loopback, a LAN), whose socket never reports a full buffer: it used to
// write message after message in one turn of the event loop, and the first AXFR of the 1M-record
// zone held every other query 0.7-1.6 s (src/server/tcp.ts writeStream).

import { expect, test } from '@jest/globals';
import type net from 'node:net';
import { writeStream } from '../../src/server/tcp.js';
import { linesLogger } from '../support/log.js';

/** A socket that takes every write at once (its buffer never fills). */
function fastSocket(): { socket: net.Socket; written: () => number } {
  let n = 0;
  const socket = { destroyed: false, writableEnded: false, write: () => { n++; return true; }, on() {}, off() {}, once() {}, destroy() {} };
  return { socket: socket as unknown as net.Socket, written: () => n };
}

/** `count` messages, each costing about `ms` of CPU to make. */
function* slowMessages(count: number, ms: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    yield Buffer.alloc(16);
  }
}

test('a stream to a fast reader lets the event loop in every few milliseconds, and still writes every message', async () => {
  const { socket, written } = fastSocket();
  const seen: number[] = [];
  let stop = false;
  const watch = () => {
    seen.push(written());
    if (!stop) setImmediate(watch);
  };
  setImmediate(watch);
  await writeStream(socket, slowMessages(60, 0.5), linesLogger([]));
  stop = true;
  expect(written()).toBe(60);
  // Other work ran while the 30 ms of messages were made: at least a few times, part-way through.
  const during = seen.filter((n) => n > 0 && n < 60);
  expect(during.length).toBeGreaterThanOrEqual(5);
});
