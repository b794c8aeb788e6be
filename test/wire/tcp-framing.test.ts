import { describe, expect, it } from '@jest/globals';
import { frame, TcpDeframer } from '../../src/wire/tcp-framing.js';
import { query } from './helpers.js';

const m1 = query({ id: 1 });
const m2 = query({ id: 2, qname: 'a.much.longer.name.example.org.' });
const m3 = query({ id: 3, edns: { do: true } });
const stream = Buffer.concat([frame(m1), frame(m2), frame(m3)]);

describe('TCP framing (RFC 1035 §4.2.2, RFC 7766)', () => {
  it('frame() prefixes the 16-bit length', () => {
    const f = frame(m1);
    expect(f.readUInt16BE(0)).toBe(m1.length);
    expect(f.subarray(2).equals(m1)).toBe(true);
    expect(() => frame(Buffer.alloc(65536))).toThrow(RangeError);
  });

  it('several pipelined messages in one chunk', () => {
    const d = new TcpDeframer();
    const out = d.feed(stream);
    expect(out.map((b) => Buffer.from(b))).toEqual([m1, m2, m3]);
    expect(d.pending).toBe(0);
  });

  it('a stream split at every possible position, including inside the length prefix', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new TcpDeframer();
      const out = [...d.feed(stream.subarray(0, cut)), ...d.feed(stream.subarray(cut))];
      expect(out.map((b) => Buffer.from(b))).toEqual([m1, m2, m3]);
    }
  });

  it('one octet at a time', () => {
    const d = new TcpDeframer();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      out.push(...d.feed(stream.subarray(i, i + 1)));
      if (i === 0) expect(d.pending).toBe(1);
    }
    expect(out.map((b) => Buffer.from(b))).toEqual([m1, m2, m3]);
    expect(d.pending).toBe(0);
  });

  it('reports what is held of a partial message', () => {
    const d = new TcpDeframer();
    d.feed(stream.subarray(0, 7));
    expect(d.pending).toBe(7);
  });

  it('a declared length over the maximum is an error; input after it is ignored', () => {
    const d = new TcpDeframer(512);
    const big = Buffer.from([0x02, 0x01]);
    expect(d.feed(Buffer.concat([frame(m1), big, frame(m2)])).map((b) => Buffer.from(b))).toEqual([m1]);
    expect(d.error).toMatch(/513/);
    expect(d.feed(frame(m3))).toEqual([]);
  });

  it('push() keeps input as it came; next() takes one message at a time (a paused reader holds no object per message)', () => {
    const d = new TcpDeframer();
    d.push(stream.subarray(0, 20));
    d.push(stream.subarray(20));
    expect(d.pending).toBe(stream.length);
    expect(Buffer.from(d.next()!)).toEqual(m1);
    expect(d.pending).toBe(stream.length - 2 - m1.length);
    expect(Buffer.from(d.next()!)).toEqual(m2);
    expect(Buffer.from(d.next()!)).toEqual(m3);
    expect(d.next()).toBeUndefined();
    expect(d.pending).toBe(0);
    // A message wholly inside one chunk is a view of it, not a copy.
    const chunk = frame(m1);
    d.push(chunk);
    expect(d.next()!.buffer).toBe(chunk.buffer);
  });

  it('a zero-length frame yields an empty message (the decoder drops it)', () => {
    expect(new TcpDeframer().feed(Buffer.from([0, 0]))).toEqual([Buffer.alloc(0)]);
  });

  it('accepts a plain Uint8Array', () => {
    expect(new TcpDeframer().feed(new Uint8Array(frame(m1)))[0]!.equals(m1)).toBe(true);
  });
});
