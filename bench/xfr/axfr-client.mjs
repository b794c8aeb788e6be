// The transfer benchmark's fixed client: one AXFR over TCP, read to the closing SOA and counted
// (records by type, messages, bytes, both SOA serials), and a UDP SOA poller for "serves serial N".
//
// The client walks each message's records (names skipped label by label, never decompressed), so
// it costs a few milliseconds per 100,000 records and the time measured is the server's: from the
// request's write to the message holding the closing SOA. `kdigAxfr` does the same through kdig
// (its time includes kdig's start-up and printing every record).

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

const TYPE_NAMES = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY' };
const typeName = (t) => TYPE_NAMES[t] ?? `TYPE${t}`;

/** Wire form of a presentation name (no escapes: bench names are plain). */
export function encodeName(text) {
  const labels = text.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function query(id, zone, qtype) {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2); // IN
  return Buffer.concat([h, encodeName(zone), tail]);
}

/** Offset just past the (possibly compressed) name at `o`. */
function skipName(m, o) {
  for (;;) {
    const len = m[o];
    if (len === undefined) throw new Error('name runs past the end of the message');
    if (len === 0) return o + 1;
    if ((len & 0xc0) === 0xc0) return o + 2;
    o += len + 1;
  }
}

/**
 * One AXFR of `zone` from 127.0.0.1:port. Resolves to { ok, error?, rcode, seconds, connectSeconds,
 * messages, bytes, rrs, types: {A: n, ...}, serials: [first SOA, closing SOA] }; never rejects.
 */
export function axfr({ port, zone, host = '127.0.0.1', timeoutMs = 60_000 }) {
  return new Promise((resolve) => {
    const out = { ok: false, rcode: undefined, seconds: undefined, connectSeconds: undefined, messages: 0, bytes: 0, rrs: 0, types: {}, serials: [] };
    const t0 = performance.now();
    let tSent;
    let pending = [];
    let pendingLen = 0;
    let finished = false;
    const sock = net.connect({ host, port });
    sock.setNoDelay(true);
    const finish = (error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      if (error) out.error = error;
      else out.ok = true;
      resolve(out);
    };
    const timer = setTimeout(() => finish(`incomplete after ${timeoutMs} ms (${out.messages} messages, ${out.rrs} records)`), timeoutMs);
    sock.on('connect', () => {
      out.connectSeconds = (performance.now() - t0) / 1000;
      const q = query(0x7878, zone, 252);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      tSent = performance.now();
      sock.write(Buffer.concat([len, q]));
    });
    const onMessage = (m) => {
      out.messages++;
      out.bytes += m.length;
      if (m.length < 12) return finish('short message');
      const rcode = m[3] & 0x0f;
      out.rcode = rcode;
      if (rcode !== 0) return finish(`rcode ${rcode}`);
      const qd = m.readUInt16BE(4);
      const an = m.readUInt16BE(6);
      let o = 12;
      for (let i = 0; i < qd; i++) o = skipName(m, o) + 4;
      for (let i = 0; i < an; i++) {
        o = skipName(m, o);
        const type = m.readUInt16BE(o);
        const rdlen = m.readUInt16BE(o + 8);
        o += 10;
        if (o + rdlen > m.length) return finish('record runs past the end of the message');
        if (out.rrs === 0 && type !== 6) return finish(`first record is ${typeName(type)}, not SOA`);
        out.rrs++;
        const name = typeName(type);
        out.types[name] = (out.types[name] ?? 0) + 1;
        if (type === 6) {
          out.serials.push(m.readUInt32BE(o + rdlen - 20));
          if (out.serials.length === 2) {
            out.seconds = (performance.now() - tSent) / 1000;
            if (i !== an - 1) return finish('records after the closing SOA');
            return finish();
          }
        }
        o += rdlen;
      }
      return undefined;
    };
    sock.on('data', (chunk) => {
      pending.push(chunk);
      pendingLen += chunk.length;
      while (!finished && pendingLen >= 2) {
        let buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
        const n = buf.readUInt16BE(0);
        if (pendingLen < 2 + n) {
          pending = [buf];
          break;
        }
        try {
          onMessage(buf.subarray(2, 2 + n));
        } catch (e) {
          finish(`undecodable message ${out.messages}: ${e.message}`);
        }
        buf = buf.subarray(2 + n);
        pending = buf.length ? [buf] : [];
        pendingLen = buf.length;
      }
    });
    sock.on('error', (e) => finish(e.code ?? e.message));
    sock.on('close', () => finish(`connection closed after ${out.messages} messages, ${out.rrs} records`));
  });
}

/** The same AXFR through `kdig` (its summary line and one output line per record are counted). */
export function kdigAxfr({ kdig, port, zone, timeoutMs = 60_000 }) {
  return new Promise((resolve) => {
    const out = { ok: false, seconds: undefined, messages: 0, bytes: 0, rrs: 0, types: {}, serials: [] };
    const t0 = performance.now();
    const child = spawn(kdig, ['-p', String(port), '@127.0.0.1', 'AXFR', zone, '+nocrypto'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    let err = '';
    const line = (l) => {
      if (l.startsWith(';')) {
        const m = /Received (\d+) B \((\d+) messages, (\d+) records\)/.exec(l);
        if (m) [out.bytes, out.messages] = [Number(m[1]), Number(m[2])];
        return;
      }
      const f = l.split(/\s+/);
      if (f.length < 5) return;
      out.rrs++;
      out.types[f[3]] = (out.types[f[3]] ?? 0) + 1;
      if (f[3] === 'SOA') out.serials.push(Number(f[6]));
    };
    child.stdout.setEncoding('latin1').on('data', (d) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop();
      for (const l of lines) line(l);
    });
    child.stderr.setEncoding('latin1').on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => (err += e.message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (rest) line(rest);
      out.seconds = (performance.now() - t0) / 1000;
      if (code === 0 && out.serials.length === 2) out.ok = true;
      else out.error = `kdig ${signal ?? `exit ${code}`}${err ? `: ${err.trim().split('\n').pop()}` : ''} (${out.rrs} records)`;
      resolve(out);
    });
  });
}

/**
 * Asks 127.0.0.1:port for the zone's SOA over UDP every `everyMs` until the answer holds `serial`.
 * Resolves to the seconds since `since` (a performance.now() value) at that answer; rejects at
 * the deadline or when `failed()` returns a reason (the server exited).
 */
export function waitSerial({ port, zone, serial, since = performance.now(), everyMs = 20, timeoutMs = 60_000, failed = () => undefined }) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let id = 1;
    let done = false;
    let last = 'no answer';
    const end = (err, value) => {
      if (done) return;
      done = true;
      clearInterval(tick);
      sock.close();
      if (err) reject(err);
      else resolve(value);
    };
    sock.on('message', (m) => {
      const at = performance.now();
      try {
        const rcode = m[3] & 0x0f;
        const an = m.readUInt16BE(6);
        let o = skipName(m, 12) + 4;
        for (let i = 0; i < an; i++) {
          o = skipName(m, o);
          const type = m.readUInt16BE(o);
          const rdlen = m.readUInt16BE(o + 8);
          o += 10;
          if (type === 6) {
            const got = m.readUInt32BE(o + rdlen - 20);
            if (got === serial) return end(undefined, (at - since) / 1000);
            last = `serial ${got}`;
            return undefined;
          }
          o += rdlen;
        }
        last = `rcode ${rcode}, no SOA`;
      } catch {
        last = 'undecodable answer';
      }
      return undefined;
    });
    sock.on('error', () => {}); // ICMP port unreachable before the server binds: keep polling
    const deadline = performance.now() + timeoutMs;
    const send = () => {
      const why = failed();
      if (why) return end(new Error(why));
      if (performance.now() > deadline) return end(new Error(`not serving ${zone} serial ${serial} after ${timeoutMs / 1000} s (last: ${last})`));
      id = (id % 65535) + 1;
      sock.send(query(id, zone, 6), port, '127.0.0.1');
      return undefined;
    };
    const tick = setInterval(send, everyMs);
    sock.bind(0, '127.0.0.1', send);
  });
}
