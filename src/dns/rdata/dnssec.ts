// DNSSEC key and signature records: DS/CDS/DLV (RFC 4034 §5, RFC 7344, RFC 4431), DNSKEY,
// CDNSKEY, KEY (RFC 4034 §2, RFC 2535) and RRSIG (RFC 4034 §3). Algorithm and digest fields take
// numbers or the registered mnemonics (RFC 4034 Appendix A.1, as BIND accepts) and print as
// numbers.

import { u16, u32, u8 } from '../bytes.js';
import { typeFromString, typeToString } from '../constants.js';
import { nameToText } from '../name.js';
import type { RdataCodec } from './codec.js';
import { base64Encode, base64Tail, hexEncode, hexTail } from './encoding.js';
import { badNumber, decimal, missing, nameField, u16Field, u32Field, u8Field, type Tokens } from './fields.js';
import { parseSigTime, sigTimeToText } from './sigtime.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/**
 * DNS Security Algorithm Numbers (IANA): BIND's mnemonics first (the ones it prints, e.g. in
 * CERT), then the IANA / RFC 4034 A.1 spellings and BIND's aliases, all accepted when reading.
 */
const ALGORITHM_NAMES: readonly (readonly [number, string, ...string[]])[] = [
  [1, 'RSAMD5'], [2, 'DH'], [3, 'DSA'], [5, 'RSASHA1'], [6, 'NSEC3DSA', 'DSA-NSEC3-SHA1'],
  [7, 'NSEC3RSASHA1', 'RSASHA1-NSEC3-SHA1'], [8, 'RSASHA256'], [10, 'RSASHA512'], [12, 'ECCGOST', 'ECC-GOST'],
  [13, 'ECDSAP256SHA256', 'ECDSA256'], [14, 'ECDSAP384SHA384', 'ECDSA384'], [15, 'ED25519'], [16, 'ED448'],
  [252, 'INDIRECT'], [253, 'PRIVATEDNS'], [254, 'PRIVATEOID'],
];
const ALGORITHMS: ReadonlyMap<string, number> = new Map(ALGORITHM_NAMES.flatMap(([n, ...names]) => names.map((name) => [name, n] as const)));
const ALGORITHM_TEXT: ReadonlyMap<number, string> = new Map(ALGORITHM_NAMES.map(([n, name]) => [n, name]));

/** An algorithm as BIND prints it where it uses mnemonics (CERT): the name, else the number. */
export function algorithmText(alg: number): string {
  return ALGORITHM_TEXT.get(alg) ?? String(alg);
}

/** DS digest types (IANA "Digest Algorithms"), with the digest length each one fixes. */
const DIGESTS: ReadonlyMap<string, number> = new Map([['SHA-1', 1], ['SHA-256', 2], ['GOST', 3], ['SHA-384', 4]]);
const DIGEST_LENGTH: readonly number[] = [0, 20, 32, 32, 48];

/** A number 0..max, or a mnemonic from `table` (upper-case keys; the text is matched in any case). */
export function mnemonicField(tokens: Tokens, i: number, table: ReadonlyMap<string, number>, type: string, field: string, max = 0xff): number {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  const v = decimal(t.text, max);
  if (v >= 0) return v;
  const m = table.get(t.text.toUpperCase());
  if (m !== undefined) return m;
  throw v === -2 ? badNumber(t.text, v, max, i, type, field) : new RdataError(`${type} ${field} "${t.text}" is not a number or a known mnemonic`, i);
}

export function algorithmField(tokens: Tokens, i: number, type: string): number {
  return mnemonicField(tokens, i, ALGORITHMS, type, 'algorithm');
}

/** DS, CDS, DLV: key-tag algorithm digest-type digest (hex, may be split over fields). */
export function dsCodec(type: string): RdataCodec {
  return {
    parse(tokens) {
      const keyTag = u16Field(tokens, 0, type, 'key tag');
      const alg = algorithmField(tokens, 1, type);
      const digestType = mnemonicField(tokens, 2, DIGESTS, type, 'digest type');
      const digest = hexTail(tokens, 3, type, 'digest');
      const want = DIGEST_LENGTH[digestType];
      if (want !== undefined && want > 0 && digest.length !== want) {
        throw new RdataError(`${type} digest is ${digest.length} octets; digest type ${digestType} needs ${want}`, 3);
      }
      return u16(keyTag) + u8(alg) + u8(digestType) + digest;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const head = `${r.u16('key tag')} ${r.u8('algorithm')} ${r.u8('digest type')}`;
      const digest = r.rest();
      if (digest.length === 0) throw new RdataError(`${type} digest is empty`);
      return `${head} ${hexEncode(digest)}`;
    },
  };
}

/** DNSKEY, CDNSKEY, KEY: flags protocol algorithm public-key (base64, may be split). */
export function dnskeyCodec(type: string): RdataCodec {
  return {
    parse(tokens) {
      const flags = u16Field(tokens, 0, type, 'flags');
      const protocol = u8Field(tokens, 1, type, 'protocol');
      const alg = algorithmField(tokens, 2, type);
      return u16(flags) + u8(protocol) + u8(alg) + base64Tail(tokens, 3, type, 'public key');
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const head = `${r.u16('flags')} ${r.u8('protocol')} ${r.u8('algorithm')}`;
      const key = r.rest();
      if (key.length === 0) throw new RdataError(`${type} public key is empty`);
      return `${head} ${base64Encode(key)}`;
    },
  };
}

function sigTimeField(tokens: Tokens, i: number, type: string, field: string): number {
  const t = tokens[i];
  if (t === undefined) missing(type, field);
  const v = parseSigTime(t.text);
  if (v === undefined) throw new RdataError(`${type} ${field} "${t.text}" is not a date YYYYMMDDHHmmSS (1970-2225) or seconds 0-4294967295`, i);
  return v;
}

/**
 * RRSIG and SIG (RFC 2535 §4, the same layout): type-covered algorithm labels original-TTL
 * expiration inception key-tag signer signature. Times print as YYYYMMDDHHmmSS (RFC 4034 §3.2).
 */
export function sigCodec(type: string): RdataCodec {
  return {
    parse(tokens, origin) {
      const t = tokens[0];
      if (t === undefined) missing(type, 'type covered');
      const covered = typeFromString(t.text);
      if (covered === undefined) throw new RdataError(`${type} type covered "${t.text}" is not a known type or TYPEnnn`, 0);
      return (
        u16(covered) +
        u8(algorithmField(tokens, 1, type)) +
        u8(u8Field(tokens, 2, type, 'labels')) +
        u32(u32Field(tokens, 3, type, 'original TTL')) +
        u32(sigTimeField(tokens, 4, type, 'expiration')) +
        u32(sigTimeField(tokens, 5, type, 'inception')) +
        u16(u16Field(tokens, 6, type, 'key tag')) +
        nameField(tokens, 7, origin, type, 'signer') +
        base64Tail(tokens, 8, type, 'signature')
      );
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const covered = typeToString(r.u16('type covered'));
      const head = `${covered} ${r.u8('algorithm')} ${r.u8('labels')} ${r.u32('original TTL')}`;
      const times = `${sigTimeToText(r.u32('expiration'))} ${sigTimeToText(r.u32('inception'))}`;
      const tail = `${r.u16('key tag')} ${nameToText(r.name('signer'))}`;
      const sig = r.rest();
      if (sig.length === 0) throw new RdataError(`${type} signature is empty`);
      return `${head} ${times} ${tail} ${base64Encode(sig)}`;
    },
  };
}

export const rrsigCodec = sigCodec('RRSIG');
