// Node's UDP ceiling: a bare node:dgram socket that answers every datagram with one precomputed
// answer (host0.big.test. A 10.0.0.0), only the query ID copied in. No decoding, no lookup, no
// encoding: what is left is the cost of Node receiving and sending one datagram. A DNS server in
// Node cannot answer faster than this on one core. (It is wrong for every other question by
// design, so the correctness check skips it.)
//
//   node bench/qps/dgram-responder.mjs PORT [ADDRESS]

import dgram from 'node:dgram';

const port = Number(process.argv[2] ?? 5316);
const address = process.argv[3] ?? '127.0.0.1';

// header: id 0, QR AA, 1 question, 1 answer | question host0.big.test A IN | answer: pointer, A IN, TTL 3600, 10.0.0.0
const answer = Buffer.from([
  0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0,
  5, ...Buffer.from('host0'), 3, ...Buffer.from('big'), 4, ...Buffer.from('test'), 0, 0, 1, 0, 1,
  0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 0, 0, 0,
]);

// Default socket buffers, as zonedns and dns2 use: the same path, minus the DNS work.
const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  if (msg.length < 12) return;
  // A fresh buffer per reply: send() is asynchronous, a shared one could change while queued.
  const out = Buffer.allocUnsafe(answer.length);
  answer.copy(out);
  out[0] = msg[0];
  out[1] = msg[1];
  socket.send(out, rinfo.port, rinfo.address);
});
socket.bind(port, address, () => process.stderr.write(`dgram-responder on ${address}:${port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
