// The order of a signed zone's denial chain, kept beside each signed snapshot so the next
// re-sign updates it instead of sorting the whole zone again:
// - NSEC (RFC 4034 §4.1.1): the names that have an NSEC, in canonical order (RFC 4034 §6.1);
// - NSEC3 (RFC 5155 §3.1.7): the hashes of the names, in octet order, with the NSEC3 node of each.
// An update removes the names that left and merges in the sorted names that came; a snapshot
// without a kept order (after a restart: the snapshot came from a file) gets it once from its
// own chain (NSEC: following next names from the apex, no sort; NSEC3: sorting the owner hashes).

import type { Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { nameKey, readName, type Name } from '../dns/name.js';
import { base32HexDecode } from '../dns/rdata/encoding.js';
import { canonicalLowerBound, compareCanonical, sortByCanonicalName } from '../dns/canonical-order.js';
import { sortInSlices } from '../reload/slicer.js';
import { getRRset, type ZoneNode, type ZoneSnapshot } from '../zone/snapshot.js';

/** NSEC chain members, case-folded, in canonical order (the apex first). */
export interface NsecOrder {
  readonly kind: 'nsec';
  readonly keys: readonly Name[];
}

/** NSEC3 chain: hashes in octet order, and the node holding each one's NSEC3. */
export interface Nsec3Order {
  readonly kind: 'nsec3';
  /** NSEC3PARAM RDATA the chain was made with. */
  readonly params: Bytes;
  readonly hashes: readonly Bytes[];
  readonly nodes: readonly ZoneNode[];
}

const orders = new WeakMap<ZoneSnapshot, NsecOrder | Nsec3Order>();

export function rememberOrder(snapshot: ZoneSnapshot, order: NsecOrder | Nsec3Order): void {
  orders.set(snapshot, order);
}

/** Case-folded names in canonical order. */
export function sortCanonical(keys: readonly Name[], suffix: number): Name[] {
  return sortByCanonicalName(keys, (n) => n, suffix);
}

/** The NSEC order of a signed snapshot (empty when it has no NSEC chain). */
export function nsecOrderOf(snapshot: ZoneSnapshot): readonly Name[] {
  const kept = orders.get(snapshot);
  if (kept?.kind === 'nsec') return kept.keys;
  if (getRRset(snapshot.apex, RRType.NSEC) === undefined) return [];
  // Follow the chain from the apex; a chain that does not close over every NSEC is sorted instead.
  let withNsec = 0;
  for (const node of snapshot.nodes.values()) if (getRRset(node, RRType.NSEC) !== undefined) withNsec++;
  const keys: Name[] = [snapshot.originKey];
  for (let node: ZoneNode | undefined = snapshot.apex; keys.length <= withNsec; ) {
    const nsec = getRRset(node, RRType.NSEC);
    if (nsec === undefined) break;
    const next = nameKey(readName(nsec.rdata[0]!, 0)[0]);
    if (next === snapshot.originKey) break;
    keys.push(next);
    node = snapshot.nodes.get(next);
    if (node === undefined) break;
  }
  if (keys.length === withNsec) return keys;
  const all: Name[] = [];
  for (const node of snapshot.nodes.values()) if (getRRset(node, RRType.NSEC) !== undefined) all.push(nameKey(node.name));
  return sortCanonical(all, snapshot.originKey.length);
}

/**
 * `previous` without the names `stays` rejects (their positions in `previous`: `gone`), with
 * `added` (not in `previous`) merged in, in canonical order. Few additions are placed by binary
 * search; many by one sort. On the thread that answers, in slices: `pause()` is awaited whenever
 * `due()` says so (a 1M-record zone's order is 625k names).
 */
export async function updateNsecOrder(
  previous: readonly Name[], stays: ((key: Name) => boolean) | undefined, added: readonly Name[], suffix: number,
  due: () => boolean, pause: () => Promise<void>,
): Promise<{ order: Name[]; gone: number[] }> {
  const gone: number[] = [];
  let kept: Name[];
  if (stays === undefined) {
    kept = previous.slice();
  } else {
    kept = [];
    for (let i = 0; i < previous.length; i++) {
      if (stays(previous[i]!)) kept.push(previous[i]!);
      else gone.push(i);
      if ((i & 255) === 0 && due()) await pause();
    }
  }
  if (added.length === 0) return { order: kept, gone };
  if (added.length * 20 > kept.length) return { order: await sortInSlices([...kept, ...added], compareCanonical, pause), gone };
  const out = kept;
  for (const key of sortCanonical(added, suffix).reverse()) out.splice(canonicalLowerBound(out, key, suffix), 0, key);
  return { order: out, gone };
}

/** The hash an NSEC3 owner name stands for (its first label, base32hex). */
export function ownerHash(owner: Name): Bytes | undefined {
  return base32HexDecode(owner.slice(1, 1 + owner.charCodeAt(0)));
}

/** The NSEC3 order of a signed snapshot made with `params` (empty when it has no such chain). */
export function nsec3OrderOf(snapshot: ZoneSnapshot, params: Bytes): { hashes: readonly Bytes[]; nodes: readonly ZoneNode[] } {
  const kept = orders.get(snapshot);
  if (kept?.kind === 'nsec3' && kept.params === params) return kept;
  const current = getRRset(snapshot.apex, RRType.NSEC3PARAM);
  if (current === undefined || !current.rdata.includes(params)) return { hashes: [], nodes: [] };
  const entries: Array<{ k: Bytes; n: ZoneNode }> = [];
  for (const node of snapshot.nodes.values()) {
    const nsec3 = getRRset(node, RRType.NSEC3);
    // Same algorithm, iterations and salt (the flags may differ: NSEC3PARAM's are 0).
    const r = nsec3?.rdata[0];
    if (r === undefined || r.charCodeAt(0) !== params.charCodeAt(0) || r.slice(2, params.length) !== params.slice(2)) continue;
    const h = ownerHash(node.name);
    if (h !== undefined) entries.push({ k: h, n: node });
  }
  entries.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return { hashes: entries.map((e) => e.k), nodes: entries.map((e) => e.n) };
}
