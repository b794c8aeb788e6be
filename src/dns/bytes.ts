// Binary strings: zonedns keeps wire-format data (names, RDATA) as one-byte JS strings where each
// char code is one octet (0-255), i.e. Node's 'latin1' encoding. They cost ~16 bytes of header
// instead of a Buffer's ~100, compare with ===, hash as Map keys, and a 1M-record zone fits in
// memory. Convert at the edges: Buffer.from(s, 'latin1') / buf.toString('latin1').

/** Wire-format octets as a binary string (char codes 0-255). */
export type Bytes = string;

export function toBuffer(bytes: Bytes): Buffer {
  return Buffer.from(bytes, 'latin1');
}

export function fromBuffer(buf: Uint8Array, start = 0, end = buf.length): Bytes {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

export function u8(n: number): Bytes {
  return String.fromCharCode(n & 0xff);
}

export function u16(n: number): Bytes {
  return String.fromCharCode((n >>> 8) & 0xff, n & 0xff);
}

export function u32(n: number): Bytes {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function readU16(b: Bytes, off: number): number {
  return (b.charCodeAt(off) << 8) | b.charCodeAt(off + 1);
}

export function readU32(b: Bytes, off: number): number {
  return ((b.charCodeAt(off) << 24) >>> 0) + ((b.charCodeAt(off + 1) << 16) | (b.charCodeAt(off + 2) << 8) | b.charCodeAt(off + 3));
}

export function toHex(b: Bytes): string {
  return toBuffer(b).toString('hex').toUpperCase();
}
