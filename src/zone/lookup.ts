// Lookup primitives over a snapshot: the RFC 1034 §4.3.2 step 3 descent from the apex towards
// the query name, which meets (in this order) a zone cut, a DNAME, the name itself, or the point
// where the name stops existing (the closest encloser, RFC 4592 §3.3.1).

import type { Name } from '../dns/name.js';
import { NodeFlag, type ZoneNode, type ZoneSnapshot } from './snapshot.js';

export type LookupResult =
  /** The name exists (possibly as an empty non-terminal) in authoritative data. */
  | { kind: 'exact'; node: ZoneNode }
  /** The name is at (`atCut`) or below a zone cut: referral territory. */
  | { kind: 'delegation'; cut: ZoneNode; atCut: boolean }
  /** A DNAME at a proper ancestor of the name applies (RFC 6672 §2.2). */
  | { kind: 'dname'; node: ZoneNode }
  /** The name does not exist. `wildcard` is `*.<closest encloser>` if the zone has it. */
  | { kind: 'nxdomain'; closestEncloser: ZoneNode; wildcard: ZoneNode | undefined };

/**
 * Looks up a case-folded name that is at or below the snapshot's origin (the caller picked the
 * zone by suffix). Cost: one Map lookup per label between the apex and the name.
 */
export function lookup(zone: ZoneSnapshot, qkey: Name): LookupResult {
  const nodes = zone.nodes;
  if (!zone.hasCutsOrDnames) {
    // No cut or DNAME anywhere: the name either exists or we only need its closest encloser.
    const node = nodes.get(qkey);
    if (node !== undefined && !(node.flags & NodeFlag.NSEC3_ONLY)) return { kind: 'exact', node };
    let off = 0;
    for (;;) {
      off += qkey.charCodeAt(off) + 1;
      const key = qkey.slice(off) as Name;
      const enc = nodes.get(key);
      if (enc !== undefined && !(enc.flags & NodeFlag.NSEC3_ONLY)) return nxdomain(zone, enc, key);
      if (key.length <= zone.originKey.length) return nxdomain(zone, zone.apex, zone.originKey);
    }
  }

  const apexOffset = qkey.length - zone.originKey.length;
  if (apexOffset > 0 && zone.apex.flags & NodeFlag.HAS_DNAME) return { kind: 'dname', node: zone.apex };
  // Label start offsets of the names strictly between the apex and the query name (inclusive).
  const offsets: number[] = [];
  for (let i = 0; i < apexOffset; i += qkey.charCodeAt(i) + 1) offsets.push(i);
  let encloser = zone.apex;
  let encloserKey = zone.originKey;
  for (let j = offsets.length - 1; j >= 0; j--) {
    const key = (j === 0 ? qkey : qkey.slice(offsets[j])) as Name;
    const node = nodes.get(key);
    if (node === undefined || node.flags & NodeFlag.NSEC3_ONLY) return nxdomain(zone, encloser, encloserKey);
    if (node.flags & NodeFlag.DELEGATION) return { kind: 'delegation', cut: node, atCut: j === 0 };
    if (j > 0 && node.flags & NodeFlag.HAS_DNAME) return { kind: 'dname', node };
    encloser = node;
    encloserKey = key;
  }
  return { kind: 'exact', node: encloser };
}

function nxdomain(zone: ZoneSnapshot, encloser: ZoneNode, encloserKey: Name): LookupResult {
  const wildcard = encloser.flags & NodeFlag.WILDCARD_CHILD ? zone.nodes.get(('\x01*' + encloserKey) as Name) : undefined;
  return { kind: 'nxdomain', closestEncloser: encloser, wildcard };
}

/** The node for a case-folded name, if it exists and is authoritative (not occluded). */
export function findAuthoritative(zone: ZoneSnapshot, key: Name): ZoneNode | undefined {
  const node = zone.nodes.get(key);
  return node && !(node.flags & NodeFlag.OCCLUDED) ? node : undefined;
}
