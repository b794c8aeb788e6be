// A UDP client that keeps asking a running server one question, one query at a time, each
// answered or not within `limitMs`: how a test sees that answering never stopped while something
// else (a reload, a hostile zone) was going on. Slow or missing answers are collected, not thrown,
// so the test can say what happened around them.

import dgram from 'node:dgram';
import { buildQuery } from '../../support/server.js';

export interface AnsweringReport {
  /** Answers received. */
  answered: number;
  /** Slowest answer, ms. */
  maxMs: number;
  /** Queries not answered within limitMs: when they were sent (ms after start). */
  late: number[];
}

export interface Answering {
  stop(): Promise<AnsweringReport>;
}

export function keepAsking(host: string, port: number, name: string, type = 'A', limitMs = 1000): Answering {
  const sock = dgram.createSocket('udp4');
  const started = performance.now();
  const report: AnsweringReport = { answered: 0, maxMs: 0, late: [] };
  let stopping = false;
  let id = 0;
  let pending: { id: number; sent: number; timer: NodeJS.Timeout; done: () => void } | undefined;

  const askOne = () => new Promise<void>((done) => {
    id = (id + 1) & 0xffff;
    const msg = buildQuery(name, type, { id, rd: false });
    const sent = performance.now();
    const timer = setTimeout(() => {
      report.late.push(Math.round(sent - started));
      pending = undefined;
      done();
    }, limitMs);
    pending = { id, sent, timer, done };
    sock.send(msg, port, host);
  });
  sock.on('message', (reply) => {
    if (pending === undefined || reply.readUInt16BE(0) !== pending.id) return; // a late one's answer
    const { sent, timer, done } = pending;
    clearTimeout(timer);
    pending = undefined;
    report.answered++;
    report.maxMs = Math.max(report.maxMs, performance.now() - sent);
    done();
  });
  const loop = (async () => {
    while (!stopping) {
      await askOne();
      // Back to back would be ~5,000 queries a second from this one client; every ~2 ms is plenty.
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  let stopped: Promise<AnsweringReport> | undefined;
  return {
    stop() {
      stopping = true;
      return (stopped ??= loop.then(() => {
        sock.close();
        report.maxMs = Math.round(report.maxMs * 10) / 10;
        return report;
      }));
    },
  };
}
