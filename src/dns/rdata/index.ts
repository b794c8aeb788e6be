// RDATA codecs: presentation format (zone files) <-> uncompressed wire format (Bytes).
// Each type's code lives in its own file (address.ts, names.ts, text.ts, svcb.ts, loc.ts,
// dnssec.ts, nsec.ts, ...); registry.ts maps type numbers to them and generic.ts handles
// RFC 3597 `\#` data for every type.

import type { Bytes } from '../bytes.js';
import { RRType, typeToString } from '../constants.js';
import type { Name } from '../name.js';
import { genericText, isGeneric, parseGeneric } from './generic.js';
import { codecs } from './registry.js';
import { RdataError, type RdataToken } from './token.js';

export { RdataError, type RdataToken } from './token.js';
export { typeBitmapFromTypes, typesFromTypeBitmap } from './bitmap.js';
export { parseDuration } from './ttl.js';

/** RFC 1035 §3.2.1: RDLENGTH is 16 bits. */
const MAX_RDATA = 0xffff;

/** Parses the RDATA fields of one record (RFC 3597 `\# len hex` accepted for every type). */
export function parseRdata(type: number, tokens: readonly RdataToken[], origin: Name): Bytes {
  const codec = codecs.get(type);
  if (isGeneric(tokens)) {
    const rdata = parseGeneric(tokens);
    // RFC 3597 §5: generic data for a known type must be valid RDATA of that type. Printing
    // it is the check (BIND does the same by decoding it).
    if (codec !== undefined) {
      try {
        codec.print(rdata);
      } catch (e) {
        if (e instanceof RdataError) throw new RdataError(`\\# data is not valid ${typeToString(type)} RDATA: ${e.message}`, 2);
        throw e;
      }
    }
    return rdata;
  }
  if (codec === undefined) {
    const name = typeToString(type);
    const what =
      type === RRType.NULL ? 'NULL RDATA has no text form (RFC 1035 §3.3.10): it' : name.startsWith('TYPE') ? `unknown type ${name}` : `type ${name} has no presentation-format parser here; it`;
    throw new RdataError(`${what} needs RFC 3597 \\# syntax (\\# length hex)`, tokens.length > 0 ? 0 : undefined);
  }
  const rdata = codec.parse(tokens, origin);
  if (rdata.length > MAX_RDATA) throw new RdataError(`${typeToString(type)} RDATA is ${rdata.length} octets; the limit is ${MAX_RDATA}`);
  return rdata;
}

/** Presentation format of wire RDATA, names absolute; unknown types as RFC 3597 `\# len hex`. */
export function rdataToText(type: number, rdata: Bytes): string {
  const codec = codecs.get(type);
  if (codec !== undefined) {
    try {
      return codec.print(rdata);
    } catch (e) {
      // Malformed for its type: RFC 3597 form still shows every octet.
      if (!(e instanceof RdataError)) throw e;
    }
  }
  return genericText(rdata);
}
