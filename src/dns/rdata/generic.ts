// RFC 3597 §5 generic RDATA: `\# length hex...`, accepted for every type and the only form for
// types we have no presentation codec for. Printed as `\# len HEX` (upper-case, unsplit).

import type { Bytes } from '../bytes.js';
import { hexDecode, hexEncode } from './encoding.js';
import { uintField, type Tokens } from './fields.js';
import { RdataError } from './token.js';

const GENERIC = '\\#';

/** True when the fields start with an unquoted `\#` token. */
export function isGeneric(tokens: Tokens): boolean {
  const t = tokens[0];
  return t !== undefined && !t.quoted && t.text === GENERIC;
}

export function parseGeneric(tokens: Tokens): Bytes {
  const length = uintField(tokens, 1, 0xffff, GENERIC, 'length');
  if (tokens.length <= 2) {
    if (length === 0) return '';
    throw new RdataError(`missing field: hex data (${length} octets announced by \\# ${length})`);
  }
  if (length === 0) throw new RdataError(`trailing data "${tokens[2]!.text}" after \\# 0`, 2);
  let hex = tokens[2]!.text;
  for (let j = 3; j < tokens.length; j++) hex += tokens[j]!.text;
  const data = hexDecode(hex);
  if (data === undefined) throw new RdataError(`bad hex in \\# data "${hex}"`, 2);
  if (data.length !== length) throw new RdataError(`\\# data is ${data.length} octets but its length field says ${length}`, 2);
  return data;
}

export function genericText(rdata: Bytes): string {
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${hexEncode(rdata)}`;
}
