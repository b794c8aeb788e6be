// ILNP records (RFC 6742 §2): NID and L64 (preference + a 64-bit identifier or locator written as
// four colon-separated 16-bit hex groups), L32 (preference + a 32-bit locator written as an IPv4
// address) and LP (preference + a name, like MX). Groups take 1-4 hex digits and print without
// leading zeros, as BIND does (`10 14:4fff:ff20:ee64`); Knot insists on 4 digits, but then BIND's
// own output would not read back.

import { u16 } from '../bytes.js';
import { ipv4ToBytes, ipv4ToText, parseIPv4 } from './address.js';
import type { RdataCodec } from './codec.js';
import { missing, noMore, u16Field } from './fields.js';
import { numberNameCodec } from './names.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

/** `xxxx:xxxx:xxxx:xxxx` (1-4 hex digits a group) as 8 octets, or undefined. */
function parseLocator64(text: string): string | undefined {
  const groups = text.split(':');
  if (groups.length !== 4) return undefined;
  let out = '';
  for (const g of groups) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
    out += u16(parseInt(g, 16));
  }
  return out;
}

function locator64Codec(type: string, field: string): RdataCodec {
  return {
    parse(tokens) {
      const preference = u16Field(tokens, 0, type, 'preference');
      const t = tokens[1];
      if (t === undefined) missing(type, field);
      const value = parseLocator64(t.text);
      if (value === undefined) throw new RdataError(`bad ${type} ${field} "${t.text}" (four 16-bit hex groups separated by ":")`, 1);
      noMore(tokens, 2);
      return u16(preference) + value;
    },
    print(rdata) {
      const r = new WireReader(rdata, type);
      const preference = r.u16('preference');
      const groups = [r.u16(field), r.u16(field), r.u16(field), r.u16(field)];
      r.end();
      return `${preference} ${groups.map((g) => g.toString(16)).join(':')}`;
    },
  };
}

export const nidCodec = locator64Codec('NID', 'node ID');
export const l64Codec = locator64Codec('L64', 'locator');

export const l32Codec: RdataCodec = {
  parse(tokens) {
    const preference = u16Field(tokens, 0, 'L32', 'preference');
    const t = tokens[1];
    if (t === undefined) missing('L32', 'locator');
    const v = parseIPv4(t.text);
    if (v < 0) throw new RdataError(`bad L32 locator "${t.text}" (an IPv4 address)`, 1);
    noMore(tokens, 2);
    return u16(preference) + ipv4ToBytes(v);
  },
  print(rdata) {
    if (rdata.length !== 6) throw new RdataError(`L32 RDATA is ${rdata.length} octets, not 6`);
    return `${(rdata.charCodeAt(0) << 8) | rdata.charCodeAt(1)} ${ipv4ToText(rdata, 2)}`;
  },
};

/** LP: preference and the FQDN of a subnet's L32/L64 records (RFC 6742 §2.4). */
export const lpCodec = numberNameCodec('LP', 'preference', 'FQDN');
