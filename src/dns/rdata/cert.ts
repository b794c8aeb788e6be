// CERT (RFC 4398 §2.2): type key-tag algorithm certificate. The type takes a number or the
// RFC 4398 §2.1 mnemonics, the algorithm a number or a DNSSEC algorithm mnemonic; both print as
// mnemonics when there is one, as BIND prints them (`PKIX 1 RSASHA256 ...`). The certificate is
// base64 and may be split over several fields.

import { u16, u8 } from '../bytes.js';
import type { RdataCodec } from './codec.js';
import { algorithmField, algorithmText, mnemonicField } from './dnssec.js';
import { base64Encode, base64Tail } from './encoding.js';
import { u16Field } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const CERT_TYPES: ReadonlyMap<string, number> = new Map([
  ['PKIX', 1], ['SPKI', 2], ['PGP', 3], ['IPKIX', 4], ['ISPKI', 5], ['IPGP', 6], ['ACPKIX', 7], ['IACPKIX', 8], ['URI', 253], ['OID', 254],
]);
const CERT_TYPE_NAMES: ReadonlyMap<number, string> = new Map([...CERT_TYPES].map(([name, n]) => [n, name]));

export const certCodec: RdataCodec = {
  parse(tokens) {
    const type = mnemonicField(tokens, 0, CERT_TYPES, 'CERT', 'certificate type', 0xffff);
    const keyTag = u16Field(tokens, 1, 'CERT', 'key tag');
    const alg = algorithmField(tokens, 2, 'CERT');
    return u16(type) + u16(keyTag) + u8(alg) + base64Tail(tokens, 3, 'CERT', 'certificate');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'CERT');
    const type = r.u16('certificate type');
    const keyTag = r.u16('key tag');
    const alg = r.u8('algorithm');
    const cert = r.rest();
    if (cert.length === 0) throw new RdataError('CERT certificate is empty');
    return `${CERT_TYPE_NAMES.get(type) ?? type} ${keyTag} ${algorithmText(alg)} ${base64Encode(cert)}`;
  },
};
