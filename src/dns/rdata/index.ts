// RDATA codecs: presentation format (zone files) <-> uncompressed wire format (Bytes).
// OWNED BY the rdata work item; this stub fixes the interface other modules code against.

import type { Bytes } from '../bytes.js';
import type { Name } from '../name.js';

/**
 * One whitespace-separated field of a zone file record, after the type. `text` is exactly as
 * written between the delimiters, backslash escapes NOT processed (each field decodes them its
 * own way: names keep `\.` as an escaped dot, character-strings turn `\"` into `"`), and without
 * the surrounding quotes when `quoted` is true. `column` is 1-based, for error messages.
 */
export interface RdataToken {
  text: string;
  quoted: boolean;
  column: number;
}

/** RDATA that does not parse; `token` indexes the offending field when there is one. */
export class RdataError extends Error {
  readonly token: number | undefined;
  constructor(message: string, token?: number) {
    super(message);
    this.name = 'RdataError';
    this.token = token;
  }
}

/** Parses the RDATA fields of one record (RFC 3597 `\# len hex` accepted for every type). */
export function parseRdata(type: number, tokens: readonly RdataToken[], origin: Name): Bytes {
  void type; void tokens; void origin;
  throw new RdataError('not implemented');
}

/** Presentation format of wire RDATA, names absolute; unknown types as RFC 3597 `\# len hex`. */
export function rdataToText(type: number, rdata: Bytes): string {
  void type; void rdata;
  throw new Error('not implemented');
}
