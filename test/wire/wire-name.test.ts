import { describe, expect, it } from '@jest/globals';
import { MAX_POINTER_HOPS, NameScan, readName, scanName } from '../../src/wire/wire-name.js';
import { n } from './helpers.js';

/** 12 zero octets (a header), a root octet at 12, then `hops` pointers each to the one before. */
function pointerChain(hops: number): Buffer {
  const b = Buffer.alloc(13 + 2 * hops);
  for (let i = 0; i < hops; i++) {
    const at = 13 + 2 * i;
    const target = i === 0 ? 12 : at - 2;
    b[at] = 0xc0 | (target >> 8);
    b[at + 1] = target & 0xff;
  }
  return b;
}

describe('scanName / readName on untrusted messages', () => {
  it('follows backward pointers and rebuilds the name with its case', () => {
    const msg = Buffer.concat([Buffer.alloc(12), Buffer.from(n('Example.COM.'), 'latin1'), Buffer.from(n('www.'), 'latin1').subarray(0, 4), Buffer.from([0xc0, 12])]);
    const at = 12 + 13;
    expect(scanName(msg, at, msg.length)).toBe(msg.length);
    expect(readName(msg, at, msg.length)).toEqual({ name: n('www.Example.COM.'), next: msg.length });
  });

  it(`allows ${MAX_POINTER_HOPS} hops and no more`, () => {
    const ok = pointerChain(MAX_POINTER_HOPS);
    expect(scanName(ok, ok.length - 2, ok.length)).toBe(ok.length);
    const tooMany = pointerChain(MAX_POINTER_HOPS + 1);
    expect(scanName(tooMany, tooMany.length - 2, tooMany.length)).toBe(NameScan.BAD_POINTER);
  });

  it('a name of exactly 255 octets is accepted, 256 is not', () => {
    const labels255 = ('\x3f' + 'a'.repeat(63)).repeat(3) + '\x3d' + 'b'.repeat(61) + '\x00'; // 192 + 62 + 1
    expect(labels255.length).toBe(255);
    const ok = Buffer.concat([Buffer.alloc(12), Buffer.from(labels255, 'latin1')]);
    expect(scanName(ok, 12, ok.length)).toBe(ok.length);
    const labels256 = ('\x3f' + 'a'.repeat(63)).repeat(3) + '\x3e' + 'b'.repeat(62) + '\x00';
    const bad = Buffer.concat([Buffer.alloc(12), Buffer.from(labels256, 'latin1')]);
    expect(scanName(bad, 12, bad.length)).toBe(NameScan.TOO_LONG);
  });

  it('counts the decompressed length across pointers', () => {
    // 200 octets of labels at 12, then 100 more octets of labels pointing back at them.
    const first = ('\x31' + 'a'.repeat(49)).repeat(4) + '\x00';
    const second = ('\x31' + 'b'.repeat(49)).repeat(2);
    const msg = Buffer.concat([Buffer.alloc(12), Buffer.from(first, 'latin1'), Buffer.from(second, 'latin1'), Buffer.from([0xc0, 12])]);
    expect(scanName(msg, 12 + first.length, msg.length)).toBe(NameScan.TOO_LONG);
  });
});
