// Authenticated denial: NSEC (RFC 4034 §4), NSEC3 and NSEC3PARAM (RFC 5155 §3-4). Salts print
// as upper-case hex or `-` when empty, the next hashed owner as upper-case base32hex without
// padding (RFC 5155 §3.3), as BIND prints them; padding is accepted when reading (encoding.ts).

import type { Bytes } from '../bytes.js';
import { u16, u32, u8 } from '../bytes.js';
import { nameToText } from '../name.js';
import { typeListField, typeListText } from './bitmap.js';
import type { RdataCodec } from './codec.js';
import { base32HexDecode, base32HexEncode, hexDecode, hexEncode } from './encoding.js';
import { missing, nameField, noMore, u16Field, u32Field, u8Field, type Tokens } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/**
 * NSEC: next-domain type.... The type list may be empty: RFC 4034 §4.1.2 leaves empty windows
 * out, so no types is no windows. A signer never makes one (an NSEC covers at least itself and
 * its RRSIG), but the record is well formed, and Knot reads it (BIND refuses it).
 */
export const nsecCodec: RdataCodec = {
  parse(tokens, origin) {
    return nameField(tokens, 0, origin, 'NSEC', 'next domain') + typeListField(tokens, 1, 'NSEC');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'NSEC');
    const next = nameToText(r.name('next domain'));
    const types = typeListText(r.rest());
    return types === '' ? next : `${next} ${types}`;
  },
};

/** Salt: hex, or `-` for none (RFC 5155 §3.3), at most 255 octets; length-prefixed. */
function saltField(tokens: Tokens, i: number, type: string): Bytes {
  const t = tokens[i];
  if (t === undefined) missing(type, 'salt');
  if (t.text === '-') return '\x00';
  const salt = hexDecode(t.text);
  if (salt === undefined || salt.length === 0) throw new RdataError(`bad ${type} salt "${t.text}" (hex, or - for none)`, i);
  if (salt.length > 255) throw new RdataError(`${type} salt is ${salt.length} octets; the limit is 255`, i);
  return u8(salt.length) + salt;
}

function saltText(salt: Bytes): string {
  return salt.length === 0 ? '-' : hexEncode(salt);
}

/** SHA-1 (hash algorithm 1, RFC 5155 §11) gives 20-octet hashes; BIND insists on it. */
const SHA1_LENGTH = 20;

export const nsec3Codec: RdataCodec = {
  parse(tokens) {
    const alg = u8Field(tokens, 0, 'NSEC3', 'hash algorithm');
    let out = u8(alg) + u8(u8Field(tokens, 1, 'NSEC3', 'flags')) + u16(u16Field(tokens, 2, 'NSEC3', 'iterations')) + saltField(tokens, 3, 'NSEC3');
    const t = tokens[4];
    if (t === undefined) missing('NSEC3', 'next hashed owner');
    const hash = base32HexDecode(t.text);
    if (hash === undefined || hash.length === 0) throw new RdataError(`bad NSEC3 next hashed owner "${t.text}" (base32hex)`, 4);
    if (hash.length > 255) throw new RdataError(`NSEC3 next hashed owner is ${hash.length} octets; the limit is 255`, 4);
    if (alg === 1 && hash.length !== SHA1_LENGTH) throw new RdataError(`NSEC3 next hashed owner is ${hash.length} octets; SHA-1 hashes are ${SHA1_LENGTH}`, 4);
    out += u8(hash.length) + hash;
    // An empty bitmap is valid here: empty non-terminals have NSEC3 records with no types.
    return out + typeListField(tokens, 5, 'NSEC3');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'NSEC3');
    const head = `${r.u8('hash algorithm')} ${r.u8('flags')} ${r.u16('iterations')} ${saltText(r.charString('salt'))}`;
    const hash = r.charString('next hashed owner');
    if (hash.length === 0) throw new RdataError('NSEC3 next hashed owner is empty');
    const types = typeListText(r.rest());
    return `${head} ${base32HexEncode(hash)}${types === '' ? '' : ' ' + types}`;
  },
};

export const nsec3paramCodec: RdataCodec = {
  parse(tokens) {
    const out =
      u8(u8Field(tokens, 0, 'NSEC3PARAM', 'hash algorithm')) +
      u8(u8Field(tokens, 1, 'NSEC3PARAM', 'flags')) +
      u16(u16Field(tokens, 2, 'NSEC3PARAM', 'iterations')) +
      saltField(tokens, 3, 'NSEC3PARAM');
    noMore(tokens, 4);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'NSEC3PARAM');
    const out = `${r.u8('hash algorithm')} ${r.u8('flags')} ${r.u16('iterations')} ${saltText(r.charString('salt'))}`;
    r.end();
    return out;
  },
};

/** CSYNC (RFC 7477 §2.1.1): SOA-serial flags type... */
export const csyncCodec: RdataCodec = {
  parse(tokens) {
    return u32(u32Field(tokens, 0, 'CSYNC', 'serial')) + u16(u16Field(tokens, 1, 'CSYNC', 'flags')) + typeListField(tokens, 2, 'CSYNC');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'CSYNC');
    const head = `${r.u32('serial')} ${r.u16('flags')}`;
    const types = typeListText(r.rest());
    return types === '' ? head : `${head} ${types}`;
  },
};
