// RFC 4034 §6.2 canonical RDATA: domain names embedded in the RDATA of the RFC 1035-era types
// (and SRV, NAPTR, PX, NXT, A6, RRSIG...) are lower-cased. Two records whose canonical RDATA is
// equal are the same record, so `MX 10 Mail.example.` and `MX 10 mail.example.` collapse into one,
// as BIND does. RFC 6840 §5.1 removed NSEC from the list: its next-name keeps its case.

import type { Bytes } from '../bytes.js';
import { RRType } from '../constants.js';
import { nameKey, readName, type Name } from '../name.js';

/** Octets before the first embedded name, and how many names follow, per type. */
const LAYOUT: ReadonlyMap<number, { prefix: number; names: number }> = new Map([
  [RRType.NS, { prefix: 0, names: 1 }], [RRType.MD, { prefix: 0, names: 1 }], [RRType.MF, { prefix: 0, names: 1 }],
  [RRType.CNAME, { prefix: 0, names: 1 }], [RRType.MB, { prefix: 0, names: 1 }], [RRType.MG, { prefix: 0, names: 1 }],
  [RRType.MR, { prefix: 0, names: 1 }], [RRType.PTR, { prefix: 0, names: 1 }], [RRType.DNAME, { prefix: 0, names: 1 }],
  [RRType.SOA, { prefix: 0, names: 2 }], [RRType.MINFO, { prefix: 0, names: 2 }], [RRType.RP, { prefix: 0, names: 2 }],
  [RRType.MX, { prefix: 2, names: 1 }], [RRType.AFSDB, { prefix: 2, names: 1 }], [RRType.RT, { prefix: 2, names: 1 }],
  [RRType.KX, { prefix: 2, names: 1 }], [RRType.SRV, { prefix: 6, names: 1 }], [RRType.PX, { prefix: 2, names: 2 }],
  [RRType.RRSIG, { prefix: 18, names: 1 }], [RRType.SIG, { prefix: 18, names: 1 }], [RRType.NXT, { prefix: 0, names: 1 }],
]);

/** The canonical form of RDATA for comparisons; returns the input when nothing changes. */
export function canonicalRdata(type: number, rdata: Bytes): Bytes {
  try {
    if (type === RRType.NAPTR) return canonicalNaptr(rdata);
    if (type === RRType.A6) return canonicalA6(rdata);
    const layout = LAYOUT.get(type);
    if (layout === undefined) return rdata;
    let out = rdata.slice(0, layout.prefix);
    let offset = layout.prefix;
    for (let i = 0; i < layout.names; i++) {
      const [name, next] = readName(rdata, offset);
      out += nameKey(name);
      offset = next;
    }
    out += rdata.slice(offset);
    return out === rdata ? rdata : out;
  } catch {
    return rdata; // malformed: compare as octets
  }
}

/** NAPTR: order, preference, flags, services, regexp (character-strings), then replacement. */
function canonicalNaptr(rdata: Bytes): Bytes {
  let offset = 4;
  for (let i = 0; i < 3; i++) offset += 1 + rdata.charCodeAt(offset);
  const [name, next] = readName(rdata, offset);
  return rdata.slice(0, offset) + nameKey(name as Name) + rdata.slice(next);
}

/** A6 (RFC 2874 §3.1): prefix length, the address octets past the prefix, then a name unless the length is 0. */
function canonicalA6(rdata: Bytes): Bytes {
  const prefix = rdata.charCodeAt(0);
  if (prefix === 0) return rdata;
  const offset = 1 + 16 - (prefix >> 3);
  const [name, next] = readName(rdata, offset);
  const out = rdata.slice(0, offset) + nameKey(name) + rdata.slice(next);
  return out === rdata ? rdata : out;
}
