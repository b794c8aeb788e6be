// What DNSSEC covers at a node: which RRsets carry signatures (RFC 4035 §2.2) and which types the
// node's NSEC (RFC 4034 §4.1.2) or NSEC3 (RFC 5155 §3.2.1) lists. Shared by the zone checks
// (verify-zone.ts) and the signer, so both read a zone the same way.
//
// - Below a zone cut (or a DNAME) nothing is authoritative: glue is never signed and has no NSEC.
// - At a zone cut the parent is authoritative for DS and for its own NSEC only; the NS RRset and
//   any glue there belong to the child (RFC 4035 §2.2, RFC 4034 §4.1.2).
// - RRSIGs are not signed; NSEC3 records live at hashed names of their own.

import { RRType } from '../dns/constants.js';
import { NodeFlag, type ZoneNode } from '../zone/snapshot.js';

/** Types a signer adds to a zone and never takes from its source data. */
export function isDenialOrSignature(type: number): boolean {
  return type === RRType.RRSIG || type === RRType.NSEC || type === RRType.NSEC3;
}

/** True for a name below a zone cut or a DNAME: no signatures, no NSEC / NSEC3 of its own. */
export function isOccluded(node: ZoneNode): boolean {
  return (node.flags & NodeFlag.OCCLUDED) !== 0;
}

/** True at a zone cut (NS below the apex). */
export function isDelegation(node: ZoneNode): boolean {
  return (node.flags & (NodeFlag.DELEGATION | NodeFlag.APEX)) === NodeFlag.DELEGATION;
}

/** True if an RRset of `type` at `node` is signed: authoritative data, and at a cut only DS and NSEC. */
export function isSignedType(node: ZoneNode, type: number): boolean {
  if (type === RRType.RRSIG || isOccluded(node)) return false;
  if (isDelegation(node)) return type === RRType.DS || type === RRType.NSEC;
  return true;
}

/** True if `node` holds NSEC3 records: a hashed owner of a chain, not a name of the zone's data. */
export function isNsec3Owner(node: ZoneNode): boolean {
  for (let s = node.firstSet; s !== undefined; s = s.next) if (s.type === RRType.NSEC3) return true;
  return false;
}

/**
 * The data types at `node` that its NSEC / NSEC3 proves, in ascending order, without RRSIG,
 * NSEC and NSEC3 (which the caller adds as the chain has them): every type of authoritative
 * data, and at a cut NS and DS. Empty for an empty non-terminal and below a cut.
 */
export function provenTypes(node: ZoneNode): number[] {
  if (isOccluded(node)) return [];
  const cut = isDelegation(node);
  const out: number[] = [];
  for (let s = node.firstSet; s !== undefined; s = s.next) {
    const t = s.type;
    if (isDenialOrSignature(t)) continue;
    if (cut && t !== RRType.NS && t !== RRType.DS) continue;
    if (!out.includes(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/** True if any of `types` (from provenTypes) is signed at `node`: then its NSEC3 lists RRSIG. */
export function hasSignedData(node: ZoneNode, types: readonly number[]): boolean {
  for (const t of types) if (isSignedType(node, t)) return true;
  return false;
}
