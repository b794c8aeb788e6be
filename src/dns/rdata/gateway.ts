// Records that point at a gateway or relay of one of four kinds: IPSECKEY (RFC 4025 §2-3:
// precedence gateway-type algorithm gateway [public-key]) and AMTRELAY (RFC 8777 §4: precedence
// discovery-optional type relay). The gateway type says how the gateway is written: 0 none (`.`),
// 1 an IPv4 address, 2 an IPv6 address, 3 a domain name (uncompressed, RFC 4025 §2.5).

import type { Bytes } from '../bytes.js';
import { u8 } from '../bytes.js';
import { nameToText, type Name } from '../name.js';
import { ipv4ToBytes, ipv4ToText, ipv6ToText, parseIPv4, parseIPv6 } from './address.js';
import type { RdataCodec } from './codec.js';
import { base64Encode, base64Tail } from './encoding.js';
import { missing, nameField, noMore, uintField, u8Field, type Tokens } from './fields.js';
import { RdataError } from './token.js';
import { WireReader } from './wire-reader.js';

const NONE = 0;
const IPV4 = 1;
const IPV6 = 2;
const NAME = 3;

function gatewayField(tokens: Tokens, i: number, kind: number, origin: Name, type: string): Bytes {
  const t = tokens[i];
  if (t === undefined) missing(type, 'gateway');
  switch (kind) {
    case NONE:
      if (t.text !== '.') throw new RdataError(`${type} gateway type 0 means no gateway: write "." (not "${t.text}")`, i);
      return '';
    case IPV4: {
      const v = parseIPv4(t.text);
      if (v < 0) throw new RdataError(`${type} gateway type 1 needs an IPv4 address, not "${t.text}"`, i);
      return ipv4ToBytes(v);
    }
    case IPV6: {
      const v = parseIPv6(t.text);
      if (v === undefined) throw new RdataError(`${type} gateway type 2 needs an IPv6 address, not "${t.text}"`, i);
      return v;
    }
    default:
      return nameField(tokens, i, origin, type, 'gateway');
  }
}

/** The gateway of `kind` at the reader's position, as text. */
function gatewayText(r: WireReader, kind: number): string {
  switch (kind) {
    case NONE:
      return '.';
    case IPV4:
      return ipv4ToText(r.bytes(4, 'gateway'));
    case IPV6:
      return ipv6ToText(r.bytes(16, 'gateway'));
    case NAME:
      return nameToText(r.name('gateway'));
    default:
      throw new RdataError(`${r.type} gateway type ${kind} is not 0-3`);
  }
}

/**
 * IPSECKEY. Algorithm 0 means no key is present (RFC 4025 §2.4): then the key may be left out, as
 * Knot requires, or given, as BIND requires (and dnspython); other algorithms need one.
 */
export const ipseckeyCodec: RdataCodec = {
  parse(tokens, origin) {
    const precedence = u8Field(tokens, 0, 'IPSECKEY', 'precedence');
    const kind = uintField(tokens, 1, NAME, 'IPSECKEY', 'gateway type');
    const alg = u8Field(tokens, 2, 'IPSECKEY', 'algorithm');
    const out = u8(precedence) + u8(kind) + u8(alg) + gatewayField(tokens, 3, kind, origin, 'IPSECKEY');
    if (alg === 0 && tokens.length === 4) return out;
    return out + base64Tail(tokens, 4, 'IPSECKEY', 'public key');
  },
  print(rdata) {
    const r = new WireReader(rdata, 'IPSECKEY');
    const precedence = r.u8('precedence');
    const kind = r.u8('gateway type');
    const alg = r.u8('algorithm');
    const head = `${precedence} ${kind} ${alg} ${gatewayText(r, kind)}`;
    const key = r.rest();
    if (alg !== 0 && key.length === 0) throw new RdataError(`IPSECKEY algorithm ${alg} with no public key`);
    return key.length === 0 ? head : `${head} ${base64Encode(key)}`;
  },
};

/** AMTRELAY: the D-bit shares an octet with the 7-bit relay type (RFC 8777 §4.2). */
export const amtrelayCodec: RdataCodec = {
  parse(tokens, origin) {
    const precedence = u8Field(tokens, 0, 'AMTRELAY', 'precedence');
    const discovery = uintField(tokens, 1, 1, 'AMTRELAY', 'discovery optional');
    const kind = uintField(tokens, 2, NAME, 'AMTRELAY', 'relay type');
    const out = u8(precedence) + u8((discovery << 7) | kind) + gatewayField(tokens, 3, kind, origin, 'AMTRELAY');
    noMore(tokens, 4);
    return out;
  },
  print(rdata) {
    const r = new WireReader(rdata, 'AMTRELAY');
    const precedence = r.u8('precedence');
    const dt = r.u8('relay type');
    const out = `${precedence} ${dt >> 7} ${dt & 0x7f} ${gatewayText(r, dt & 0x7f)}`;
    r.end();
    return out;
  },
};
