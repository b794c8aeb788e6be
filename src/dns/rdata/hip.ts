// HIP (RFC 8005 §5): pk-algorithm HIT(hex) public-key(base64) [rendezvous-server...]. On the wire
// the HIT and key lengths come first (§5: HIT length, algorithm, key length), then the HIT, the
// key and the servers' names, uncompressed. The HIT and the key are one field each here: the
// names that may follow cannot be told apart from more key text.

import { u16, u8 } from '../bytes.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { base64Decode, base64Encode, hexDecode, hexEncode } from './encoding.js';
import { missing, nameField, u8Field } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

export const hipCodec: RdataCodec = {
  parse(tokens, origin) {
    const alg = u8Field(tokens, 0, 'HIP', 'PK algorithm');
    const hitToken = tokens[1];
    if (hitToken === undefined) missing('HIP', 'HIT');
    const hit = hexDecode(hitToken.text);
    if (hit === undefined || hit.length === 0) throw new RdataError(`bad hex in HIP HIT "${hitToken.text}"`, 1);
    if (hit.length > 255) throw new RdataError(`HIP HIT is ${hit.length} octets; the limit is 255`, 1);
    const keyToken = tokens[2];
    if (keyToken === undefined) missing('HIP', 'public key');
    const key = base64Decode(keyToken.text);
    if (key === undefined || key.length === 0) throw new RdataError(`bad base64 in HIP public key "${keyToken.text}"`, 2);
    let out = u8(hit.length) + u8(alg) + u16(key.length) + hit + key;
    for (let i = 3; i < tokens.length; i++) out += nameField(tokens, i, origin, 'HIP', 'rendezvous server');
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'HIP');
    const hitLength = r.u8('HIT length');
    const alg = r.u8('PK algorithm');
    const keyLength = r.u16('public key length');
    const hit = r.bytes(hitLength, 'HIT');
    const key = r.bytes(keyLength, 'public key');
    if (hit.length === 0 || key.length === 0) throw new RdataError('HIP HIT or public key is empty');
    let out = `${alg} ${hexEncode(hit)} ${base64Encode(key)}`;
    while (r.remaining > 0) out += ' ' + nameToText(r.name('rendezvous server'));
    return out;
  },
};
