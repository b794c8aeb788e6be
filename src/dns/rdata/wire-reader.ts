// Bounds-checked reader over wire RDATA, used to print it and to check RFC 3597 `\#` data for
// known types. Any inconsistency throws an RdataError; rdataToText then falls back to `\#`.

import { NameError } from '../../errors.js';
import { readU16, readU32, type Bytes } from '../bytes.js';
import { readName, type Name } from '../name.js';
import { RdataError } from './token.js';

export class WireReader {
  pos = 0;
  readonly data: Bytes;
  readonly type: string;

  constructor(data: Bytes, type: string) {
    this.data = data;
    this.type = type;
  }

  get remaining(): number {
    return this.data.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.data.length) throw new RdataError(`${this.type} RDATA ends inside the ${field}`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.data.charCodeAt(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = readU16(this.data, this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = readU32(this.data, this.pos);
    this.pos += 4;
    return v;
  }

  bytes(n: number, field: string): Bytes {
    this.need(n, field);
    const v = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Everything left. */
  rest(): Bytes {
    const v = this.data.slice(this.pos);
    this.pos = this.data.length;
    return v;
  }

  /** An uncompressed name (RDATA as stored never holds compression pointers). */
  name(field: string): Name {
    try {
      const [name, next] = readName(this.data, this.pos);
      this.pos = next;
      return name;
    } catch (e) {
      if (e instanceof NameError) throw new RdataError(`${this.type} ${field}: ${e.message}`);
      throw e;
    }
  }

  /** A <character-string> (RFC 1035 §3.3): length octet and that many octets. */
  charString(field: string): Bytes {
    const n = this.u8(field);
    return this.bytes(n, field);
  }

  end(): void {
    if (this.pos !== this.data.length) throw new RdataError(`${this.type} RDATA has ${this.data.length - this.pos} octets of trailing data`);
  }
}
