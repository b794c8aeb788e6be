// What an RRSIG signs (RFC 4034 §3.1.8.1): the RRSIG RDATA without the signature (signer's name
// in canonical form), then every RR of the RRset in canonical form (§6.2: owner and embedded names
// lower-cased, TTL = the original TTL) and canonical order (§6.3: by RDATA as octet strings,
// duplicates removed). A wildcard owner is signed as the wildcard (`*.example.`); the labels field
// leaves the `*` out (§3.1.3), which is how validators recognise an expanded answer.

import { readU16, readU32, u16, u32, u8, type Bytes } from '../dns/bytes.js';
import { labelCount, nameKey, isWildcard, type Name } from '../dns/name.js';
import { canonicalRdata } from '../dns/rdata/canonical.js';
import type { RRset } from '../zone/snapshot.js';

/** The RRSIG labels field for an owner (RFC 4034 §3.1.3). */
export function rrsigLabels(owner: Name): number {
  const n = labelCount(owner);
  return isWildcard(owner) ? n - 1 : n;
}

export interface SigFields {
  covered: number;
  algorithm: number;
  labels: number;
  originalTtl: number;
  expiration: number;
  inception: number;
  keyTag: number;
  /** The zone, case-folded. */
  signer: Name;
}

/** RRSIG RDATA up to the signature. */
export function rrsigHead(f: SigFields): Bytes {
  return u16(f.covered) + u8(f.algorithm) + u8(f.labels) + u32(f.originalTtl) + u32(f.expiration) + u32(f.inception) + u16(f.keyTag) + nameKey(f.signer);
}

/** The head's length for a signer name (18 fixed octets and the name). */
export function rrsigHeadLength(signer: Name): number {
  return 18 + signer.length;
}

/** The canonical RRset that follows the head in the signed data. */
export function canonicalRRset(set: RRset, cls: number): Bytes {
  const type = set.type;
  const prefix = nameKey(set.owner) + u16(type) + u16(cls) + u32(set.ttl);
  const rdata = set.rdata;
  if (rdata.length === 1) {
    const r = canonicalRdata(type, rdata[0]!);
    return prefix + u16(r.length) + r;
  }
  const sorted = rdata.map((r) => canonicalRdata(type, r)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    out += prefix + u16(sorted[i]!.length) + sorted[i];
  }
  return out;
}

/** Fields of RRSIG RDATA a signer needs to decide whether to keep a signature. */
export function sigCovered(rdata: Bytes): number {
  return readU16(rdata, 0);
}

export function sigAlgorithm(rdata: Bytes): number {
  return rdata.charCodeAt(2);
}

export function sigOriginalTtl(rdata: Bytes): number {
  return readU32(rdata, 4);
}

export function sigExpiration(rdata: Bytes): number {
  return readU32(rdata, 8);
}

export function sigInception(rdata: Bytes): number {
  return readU32(rdata, 12);
}

export function sigKeyTag(rdata: Bytes): number {
  return readU16(rdata, 16);
}
