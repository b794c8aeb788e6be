// A small UDP DNS client (dns-packet) for the readiness probe and the correctness check.
// Queries are sent the way dnsperf sends them: RD set, no EDNS.

import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

/**
 * Asks every [name, type] of `questions` at 127.0.0.1:port, `parallel` at a time, each up to
 * `tries` times with `timeoutMs` per try. Resolves to decoded answers (undefined for no answer),
 * in the order of `questions`.
 */
export function askAll(port, questions, { parallel = 16, timeoutMs = 500, tries = 3 } = {}) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const results = new Array(questions.length);
    const pending = new Map(); // id -> { index, timer, tries }
    let next = 0;
    let done = 0;
    let nextId = 1;
    const finish = () => {
      socket.close();
      resolve(results);
    };
    const send = (index, triesLeft) => {
      const id = nextId;
      nextId = (nextId % 65535) + 1;
      const [name, type] = questions[index];
      const buf = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
      const timer = setTimeout(() => {
        pending.delete(id);
        if (triesLeft > 1) send(index, triesLeft - 1);
        else settle(index, undefined);
      }, timeoutMs);
      pending.set(id, { index, timer });
      socket.send(buf, port, '127.0.0.1');
    };
    const settle = (index, value) => {
      results[index] = value;
      done++;
      if (next < questions.length) send(next++, tries);
      else if (done === questions.length) finish();
    };
    socket.on('message', (msg) => {
      if (msg.length < 2) return;
      const p = pending.get(msg.readUInt16BE(0));
      if (!p) return;
      pending.delete(msg.readUInt16BE(0));
      clearTimeout(p.timer);
      let decoded;
      try {
        decoded = dnsPacket.decode(msg);
      } catch (e) {
        decoded = { rcode: `undecodable (${e.message})`, answers: [], authorities: [] };
      }
      settle(p.index, decoded);
    });
    socket.on('error', () => {});
    socket.bind(0, '127.0.0.1', () => {
      if (questions.length === 0) return finish();
      while (next < Math.min(parallel, questions.length)) send(next++, tries);
    });
  });
}

/** One question, one try: the decoded answer or undefined. */
export async function ask(port, name, type, timeoutMs = 200) {
  return (await askAll(port, [[name, type]], { parallel: 1, timeoutMs, tries: 1 }))[0];
}

const text = (v) => {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(text);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, text(x)]));
  return typeof v === 'string' ? v.toLowerCase() : v;
};
/** Records as comparable strings, sorted (order is not compared: zonedns rotates address RRsets). */
export const rrStrings = (rrs = []) =>
  rrs.map((r) => `${r.name.toLowerCase()} ${r.ttl} ${r.class} ${r.type} ${JSON.stringify(text(r.data))}`).sort();

/** What the correctness check compares: the rcode and the answer section, as one string. */
export function answerKey(res) {
  if (!res) return 'no answer';
  return `${res.rcode} | ${rrStrings(res.answers).join(' ; ')}`;
}
