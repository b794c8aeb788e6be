// Record types from RFCs now historic, obsolete or never deployed, which BIND 9.18 still reads
// from zone files and so must we: WKS (RFC 1035 §3.4.2), NSAP (RFC 1706 §5), A6 (RFC 2874 §3,
// historic per RFC 6563), ATMA (ATM Forum af-dans-0152), EID and NIMLOC (Nimrod drafts), SINK
// (draft-eastlake-kitchen-sink) and NXT (RFC 2535 §5, obsoleted by NSEC). Text forms and printing
// follow BIND's lib/dns/rdata.

import type { Bytes } from '../bytes.js';
import { u8 } from '../bytes.js';
import { typeFromString, typeToString } from '../constants.js';
import { nameToText } from '../name.js';
import { ipv4ToBytes, ipv4ToText, ipv6ToText, parseIPv4, parseIPv6 } from './address.js';
import type { RdataCodec } from './codec.js';
import { base64Encode, base64Rest, hexDecode, hexEncode, hexTail } from './encoding.js';
import { decimal, missing, nameField, u8Field, uintField } from './fields.js';
import { protocolNumber, servicePort } from './services.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const TCP = 6;
const UDP = 17;

/** Bit `n` set in a bitmap of octets, most significant bit first (WKS ports, NXT types). */
function bitmapFrom(bits: readonly number[]): Bytes {
  if (bits.length === 0) return '';
  const octets = new Uint8Array((Math.max(...bits) >> 3) + 1);
  for (const b of bits) octets[b >> 3]! |= 0x80 >> (b & 7);
  return String.fromCharCode(...octets);
}

function bitsOf(map: Bytes): number[] {
  const out: number[] = [];
  for (let k = 0; k < map.length; k++) {
    const o = map.charCodeAt(k);
    for (let b = 0; b < 8; b++) if (o & (0x80 >> b)) out.push(k * 8 + b);
  }
  return out;
}

/** WKS: address protocol service... (numbers or names), printed as numbers. */
export const wksCodec: RdataCodec = {
  parse(tokens) {
    const a = tokens[0];
    if (a === undefined) missing('WKS', 'address');
    const addr = parseIPv4(a.text);
    if (addr < 0) throw new RdataError(`bad IPv4 address "${a.text}"`, 0);
    const p = tokens[1];
    if (p === undefined) missing('WKS', 'protocol');
    let proto = decimal(p.text, 0xff);
    if (proto === -1) proto = protocolNumber(p.text) ?? -1;
    if (proto < 0) throw new RdataError(`WKS protocol "${p.text}" is not 0-255 or a protocol name (tcp, udp)`, 1);
    const protoName = proto === TCP ? 'tcp' : proto === UDP ? 'udp' : undefined;
    const ports: number[] = [];
    for (let i = 2; i < tokens.length; i++) {
      const text = tokens[i]!.text;
      let port = decimal(text, 0xffff);
      if (port === -1) port = servicePort(text, protoName) ?? -1;
      if (port < 0) throw new RdataError(`WKS service "${text}" is not a port 0-65535 or a service name known to /etc/services`, i);
      ports.push(port);
    }
    return ipv4ToBytes(addr) + u8(proto) + bitmapFrom(ports);
  },
  print(rdata) {
    const r = new WireReader(rdata, 'WKS');
    const addr = ipv4ToText(r.bytes(4, 'address'));
    const proto = r.u8('protocol');
    const ports = bitsOf(r.rest());
    return `${addr} ${proto}${ports.map((p) => ' ' + p).join('')}`;
  },
};

/** NSAP: `0x` then hex digits, dots allowed anywhere after it for readability. */
export const nsapCodec: RdataCodec = {
  parse(tokens) {
    const t = tokens[0];
    if (t === undefined) missing('NSAP', 'address');
    const m = /^0[xX]([0-9A-Fa-f.]+)$/.exec(t.text);
    const hex = m === null ? undefined : hexDecode(m[1]!.replace(/\./g, ''));
    if (hex === undefined || hex.length === 0) throw new RdataError(`bad NSAP address "${t.text}" (0x followed by hex digits, dots allowed)`, 0);
    if (tokens.length > 1) throw new RdataError(`trailing data "${tokens[1]!.text}"`, 1);
    return hex;
  },
  print(rdata) {
    if (rdata.length === 0) throw new RdataError('NSAP RDATA is empty');
    return '0x' + hexEncode(rdata).toLowerCase();
  },
};

/**
 * A6: prefix-length [address-suffix] [prefix-name]. The suffix holds the address octets not
 * covered by the prefix (16 - floor(len / 8) of them), the covered bits zero; the name is present
 * unless the prefix length is 0.
 */
export const a6Codec: RdataCodec = {
  parse(tokens, origin) {
    const prefix = uintField(tokens, 0, 128, 'A6', 'prefix length');
    const skip = prefix >> 3;
    let out = u8(prefix);
    let i = 1;
    if (prefix < 128) {
      const t = tokens[i];
      if (t === undefined) missing('A6', 'address suffix');
      const addr = parseIPv6(t.text);
      if (addr === undefined) throw new RdataError(`bad A6 address suffix "${t.text}"`, i);
      out += String.fromCharCode(addr.charCodeAt(skip) & (0xff >> (prefix & 7))) + addr.slice(skip + 1);
      i++;
    }
    if (prefix > 0) out += nameField(tokens, i++, origin, 'A6', 'prefix name');
    if (i < tokens.length) throw new RdataError(`trailing data "${tokens[i]!.text}"`, i);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'A6');
    const prefix = r.u8('prefix length');
    if (prefix > 128) throw new RdataError(`A6 prefix length ${prefix} is over 128`);
    const skip = prefix >> 3;
    let out = String(prefix);
    if (prefix < 128) {
      const suffix = r.bytes(16 - skip, 'address suffix');
      if (suffix.charCodeAt(0) & ~(0xff >> (prefix & 7))) throw new RdataError('A6 address suffix has bits set inside the prefix');
      out += ' ' + ipv6ToText('\x00'.repeat(skip) + suffix);
    }
    if (prefix > 0) out += ' ' + nameToText(r.name('prefix name'));
    r.end();
    return out;
  },
};

/** ATMA: an AESA address in hex (format 0) or `+` and E.164 digits (format 1), dots allowed between. */
export const atmaCodec: RdataCodec = {
  parse(tokens) {
    const t = tokens[0];
    if (t === undefined) missing('ATMA', 'address');
    if (tokens.length > 1) throw new RdataError(`trailing data "${tokens[1]!.text}"`, 1);
    const e164 = t.text.startsWith('+');
    const body = e164 ? t.text.slice(1) : t.text;
    // Dots separate groups: none leading, trailing or doubled.
    const groups = body.split('.');
    const ok = groups.every((g) => (e164 ? /^[0-9]+$/ : /^[0-9A-Fa-f]+$/).test(g));
    const digits = groups.join('');
    const hex = e164 || !ok ? undefined : hexDecode(digits);
    if (!ok || (!e164 && hex === undefined)) throw new RdataError(`bad ATMA address "${t.text}" (hex digits, or + and decimal digits)`, 0);
    return e164 ? '\x01' + digits : '\x00' + hex!;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'ATMA');
    const format = r.u8('format');
    const addr = r.rest();
    if (addr.length === 0) throw new RdataError('ATMA address is empty');
    if (format === 0) return hexEncode(addr).toLowerCase();
    if (format === 1 && /^[0-9]+$/.test(addr)) return '+' + addr;
    throw new RdataError(`ATMA format ${format} has no text form here`);
  },
};

/** EID and NIMLOC: opaque hex, may be split over fields. */
export function hexCodec(type: string, field: string): RdataCodec {
  return {
    parse(tokens) {
      return hexTail(tokens, 0, type, field);
    },
    print(rdata) {
      if (rdata.length === 0) throw new RdataError(`${type} ${field} is empty`);
      return hexEncode(rdata);
    },
  };
}

/** SINK: meaning coding subcoding [data in base64]. */
export const sinkCodec: RdataCodec = {
  parse(tokens) {
    return u8(u8Field(tokens, 0, 'SINK', 'meaning')) + u8(u8Field(tokens, 1, 'SINK', 'coding')) + u8(u8Field(tokens, 2, 'SINK', 'subcoding')) + base64Rest(tokens, 3, 'SINK', 'data');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'SINK');
    const head = `${r.u8('meaning')} ${r.u8('coding')} ${r.u8('subcoding')}`;
    const data = r.rest();
    return data.length === 0 ? head : `${head} ${base64Encode(data)}`;
  },
};

/**
 * NXT: next-name type... for types 1-127, as a plain bitmap (RFC 2535 §5.2). Types print as
 * mnemonics, or as bare numbers when there is none, as BIND prints them.
 */
export const nxtCodec: RdataCodec = {
  parse(tokens, origin) {
    const next = nameField(tokens, 0, origin, 'NXT', 'next domain');
    const types: number[] = [];
    for (let i = 1; i < tokens.length; i++) {
      const text = tokens[i]!.text;
      const n = decimal(text, 0xffff);
      const t = n >= 0 ? n : typeFromString(text);
      if (t === undefined) throw new RdataError(`NXT type bitmap: unknown type "${text}"`, i);
      if (t < 1 || t > 127) throw new RdataError(`NXT covers types 1-127 only, not ${text}`, i);
      types.push(t);
    }
    return next + bitmapFrom(types);
  },
  print(rdata) {
    const r = new WireReader(rdata, 'NXT');
    const next = nameToText(r.name('next domain'));
    const map = r.rest();
    if (map.length > 16 || (map.length > 0 && (map.charCodeAt(0) & 0x80 || map.charCodeAt(map.length - 1) === 0))) throw new RdataError('NXT type bitmap is malformed');
    return next + bitsOf(map).map((t) => ' ' + (typeToString(t).startsWith('TYPE') ? String(t) : typeToString(t))).join('');
  },
};
