// Key and certificate associations: SSHFP (RFC 4255), TLSA (RFC 6698 §2), SMIMEA (RFC 8162)
// with hex data, and the types that are one base64 blob: OPENPGPKEY (RFC 7929), DHCID (RFC 4701
// §3.4), HHIT and BRID (IETF DRIP drafts, IANA 67 and 68). Hex and base64 may be split over several
// fields; they print unsplit, hex in upper case.

import { u8 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { base64Encode, base64Tail, hexEncode, hexTail } from './encoding.js';
import { u8Field } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

export const sshfpCodec: RdataCodec = {
  parse(tokens) {
    return u8(u8Field(tokens, 0, 'SSHFP', 'algorithm')) + u8(u8Field(tokens, 1, 'SSHFP', 'fingerprint type')) + hexTail(tokens, 2, 'SSHFP', 'fingerprint');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'SSHFP');
    const head = `${r.u8('algorithm')} ${r.u8('fingerprint type')}`;
    const fp = r.rest();
    if (fp.length === 0) throw new RdataError('SSHFP fingerprint is empty');
    return `${head} ${hexEncode(fp)}`;
  },
};

/** TLSA and SMIMEA share a layout: usage selector matching-type data. */
export function tlsaCodec(type: string): RdataCodec {
  return {
    parse(tokens) {
      return (
        u8(u8Field(tokens, 0, type, 'certificate usage')) +
        u8(u8Field(tokens, 1, type, 'selector')) +
        u8(u8Field(tokens, 2, type, 'matching type')) +
        hexTail(tokens, 3, type, 'certificate association data')
      );
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const head = `${r.u8('certificate usage')} ${r.u8('selector')} ${r.u8('matching type')}`;
      const data = r.rest();
      if (data.length === 0) throw new RdataError(`${type} certificate association data is empty`);
      return `${head} ${hexEncode(data)}`;
    },
  };
}

/** RDATA that is one non-empty base64 field. */
export function base64Codec(type: string, field: string): RdataCodec {
  return {
    parse(tokens) {
      return base64Tail(tokens, 0, type, field);
    },
    print(rdata) {
      if (rdata.length === 0) throw new RdataError(`${type} ${field} is empty`);
      return base64Encode(rdata);
    },
  };
}

export const openpgpkeyCodec = base64Codec('OPENPGPKEY', 'public key');
