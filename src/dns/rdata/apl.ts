// APL (RFC 3123 §4): zero or more `[!]afi:address/prefix` items. On the wire each is AFI (16
// bits), prefix length, negation bit + AFD length, then the address with its trailing zero
// octets dropped (§4.1). Only AFI 1 (IPv4) and 2 (IPv6) have a text form; they print as BIND
// prints them (`!1:192.168.0.0/16 2:2001:db8::/32`). Address bits past the prefix are kept, as in
// BIND and Knot.

import { u16, u8 } from '../bytes.js';
import { ipv4ToBytes, ipv4ToText, ipv6ToText, parseIPv4, parseIPv6 } from './address.js';
import type { RdataCodec } from './codec.js';
import { decimal } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/** Address octets for each AFI and the longest prefix. */
const FAMILIES: readonly (readonly [octets: number, maxPrefix: number] | undefined)[] = [undefined, [4, 32], [16, 128]];

function trimZeros(b: string): string {
  let n = b.length;
  while (n > 0 && b.charCodeAt(n - 1) === 0) n--;
  return b.slice(0, n);
}

function item(text: string, i: number): string {
  const bad = (why: string): RdataError => new RdataError(`bad APL item "${text}": ${why}`, i);
  const neg = text.charCodeAt(0) === 0x21; /* ! */
  const body = neg ? text.slice(1) : text;
  const colon = body.indexOf(':');
  const slash = body.lastIndexOf('/');
  if (colon < 0 || slash < colon) throw bad('expected [!]afi:address/prefix');
  const afi = decimal(body.slice(0, colon), 0xffff);
  const family = afi < 0 ? undefined : FAMILIES[afi];
  if (family === undefined) throw bad('the address family must be 1 (IPv4) or 2 (IPv6)');
  const [octets, maxPrefix] = family;
  const prefix = decimal(body.slice(slash + 1), maxPrefix);
  if (prefix < 0) throw bad(`the prefix length must be 0-${maxPrefix}`);
  const addrText = body.slice(colon + 1, slash);
  let addr: string | undefined;
  if (octets === 4) {
    const v = parseIPv4(addrText);
    addr = v < 0 ? undefined : ipv4ToBytes(v);
  } else {
    addr = parseIPv6(addrText);
  }
  if (addr === undefined) throw bad(`"${addrText}" is not an IPv${octets === 4 ? 4 : 6} address`);
  const afd = trimZeros(addr);
  return u16(afi) + u8(prefix) + u8(afd.length | (neg ? 0x80 : 0)) + afd;
}

export const aplCodec: RdataCodec = {
  parse(tokens) {
    let out = '';
    for (let i = 0; i < tokens.length; i++) out += item(tokens[i]!.text, i);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'APL');
    const items: string[] = [];
    while (r.remaining > 0) {
      const afi = r.u16('address family');
      const prefix = r.u8('prefix length');
      const n = r.u8('address length');
      const afd = r.bytes(n & 0x7f, 'address');
      const family = FAMILIES[afi];
      if (family === undefined) throw new RdataError(`APL address family ${afi} has no text form`);
      const [octets, maxPrefix] = family;
      if (prefix > maxPrefix || afd.length > octets) throw new RdataError(`APL item for family ${afi} is malformed`);
      // RFC 3123 §4.1: trailing zero octets MUST be dropped.
      if (afd.length > 0 && afd.charCodeAt(afd.length - 1) === 0) throw new RdataError('APL address has a trailing zero octet');
      const addr = afd + '\x00'.repeat(octets - afd.length);
      items.push(`${n & 0x80 ? '!' : ''}${afi}:${octets === 4 ? ipv4ToText(addr) : ipv6ToText(addr)}/${prefix}`);
    }
    return items.join(' ');
  },
};
