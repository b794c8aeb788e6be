// DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its length as
// a 16-bit big-endian integer. A stream may split a message anywhere, or carry several at once
// (pipelining, RFC 7766 §6.2.1), so the deframer keeps at most one partial message.

import { TCP_MAX_MESSAGE } from './size-limit.js';

export class TcpDeframer {
  private readonly maxMessage: number;
  /** First octet of a length prefix split across chunks, or -1. */
  private halfLength = -1;
  private current: Buffer | undefined;
  private filled = 0;
  private failure: string | undefined;

  /** `maxMessage`: larger declared lengths are an error (the server should close the connection). */
  constructor(maxMessage = TCP_MAX_MESSAGE) {
    this.maxMessage = maxMessage;
  }

  /**
   * The complete messages `chunk` finishes, in order. A message wholly inside `chunk` is returned
   * as a view of it (no copy); one assembled across chunks is a fresh Buffer. After an error
   * (see `error`) further input is ignored.
   */
  feed(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    if (this.failure !== undefined) return out;
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < data.length) {
      const cur = this.current;
      if (cur !== undefined) {
        const n = data.copy(cur, this.filled, i, Math.min(data.length, i + cur.length - this.filled));
        this.filled += n;
        i += n;
        if (this.filled === cur.length) {
          out.push(cur);
          this.current = undefined;
        }
        continue;
      }
      let len: number;
      if (this.halfLength >= 0) {
        len = (this.halfLength << 8) | data[i]!;
        this.halfLength = -1;
        i += 1;
      } else if (i + 1 < data.length) {
        len = (data[i]! << 8) | data[i + 1]!;
        i += 2;
      } else {
        this.halfLength = data[i]!;
        break;
      }
      if (len > this.maxMessage) {
        this.failure = `message length ${len} exceeds ${this.maxMessage}`;
        return out;
      }
      if (data.length - i >= len) {
        out.push(data.subarray(i, i + len));
        i += len;
      } else {
        this.current = Buffer.allocUnsafe(len);
        this.filled = data.copy(this.current, 0, i);
        i = data.length;
      }
    }
    return out;
  }

  /** Octets of an incomplete message held (for idle-timeout and memory accounting). */
  get pending(): number {
    return (this.halfLength >= 0 ? 1 : 0) + (this.current !== undefined ? 2 + this.filled : 0);
  }

  /** Set once a declared length exceeded the maximum. */
  get error(): string | undefined {
    return this.failure;
  }
}

/** `msg` with its 2-octet length prefix. */
export function frame(msg: Uint8Array): Buffer {
  if (msg.length > TCP_MAX_MESSAGE) throw new RangeError(`a DNS message cannot exceed ${TCP_MAX_MESSAGE} octets`);
  const out = Buffer.allocUnsafe(msg.length + 2);
  out.writeUInt16BE(msg.length, 0);
  out.set(msg, 2);
  return out;
}
