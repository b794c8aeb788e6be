// DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its length as
// a 16-bit big-endian integer. A stream may split a message anywhere, or carry several at once
// (pipelining, RFC 7766 §6.2.1). The deframer keeps the input it was given until next() takes the
// messages out, and at most one partial message.

import { TCP_MAX_MESSAGE } from './size-limit.js';

export class TcpDeframer {
  private readonly maxMessage: number;
  /** Input not looked at yet, oldest first; `head` octets of the first are consumed. */
  private readonly input: Buffer[] = [];
  private head = 0;
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
   * Adds input; next() takes the messages out. Nothing is parsed here, so a reader that pauses
   * holds its unread input as it came (no object per pipelined message). Ignored after an error.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    this.input.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /**
   * The next complete message, or undefined until more input arrives (or after an error, see
   * `error`). A message wholly inside one chunk is a view of it (no copy); one assembled across
   * chunks is a fresh Buffer.
   */
  next(): Buffer | undefined {
    while (this.failure === undefined && this.input.length > 0) {
      const data = this.input[0]!;
      let i = this.head;
      let msg: Buffer | undefined;
      const cur = this.current;
      if (cur !== undefined) {
        const n = data.copy(cur, this.filled, i, Math.min(data.length, i + cur.length - this.filled));
        this.filled += n;
        i += n;
        if (this.filled === cur.length) {
          msg = cur;
          this.current = undefined;
        }
      } else {
        let len = -1;
        if (this.halfLength >= 0) {
          len = (this.halfLength << 8) | data[i]!;
          this.halfLength = -1;
          i += 1;
        } else if (i + 1 < data.length) {
          len = (data[i]! << 8) | data[i + 1]!;
          i += 2;
        } else {
          this.halfLength = data[i]!;
          i += 1;
        }
        if (len > this.maxMessage) {
          this.failure = `message length ${len} exceeds ${this.maxMessage}`;
          this.input.length = 0;
          return undefined;
        }
        if (len >= 0) {
          if (data.length - i >= len) {
            msg = data.subarray(i, i + len);
            i += len;
          } else {
            this.current = Buffer.allocUnsafe(len);
            this.filled = data.copy(this.current, 0, i);
            i = data.length;
          }
        }
      }
      if (i >= data.length) {
        this.input.shift();
        this.head = 0;
      } else {
        this.head = i;
      }
      if (msg !== undefined) return msg;
    }
    return undefined;
  }

  /** push() then every complete message, in order. */
  feed(chunk: Uint8Array): Buffer[] {
    this.push(chunk);
    const out: Buffer[] = [];
    for (let m = this.next(); m !== undefined; m = this.next()) out.push(m);
    return out;
  }

  /**
   * Octets held that do not make a whole message yet: once next() has returned undefined, those
   * of the incomplete message (for the per-query timeout and memory accounting).
   */
  get pending(): number {
    let unread = -this.head;
    for (const c of this.input) unread += c.length;
    return unread + (this.halfLength >= 0 ? 1 : 0) + (this.current !== undefined ? 2 + this.filled : 0);
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
