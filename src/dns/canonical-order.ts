// RFC 4034 §6.1 canonical name order: names compare label by label from the rightmost, each label
// as a string of octets with upper-case ASCII folded to lower case, a label sorting before its
// extensions. Zone transfers send nodes in this order (zone/canonical-nodes.ts), NSEC chains link
// names in it (dnssec/denial.ts), and the canonical zone dump prints it (zone/print.ts).

import { nameKey, type Name } from './name.js';

/** Label offsets of the name being keyed or compared (a name has at most 127 labels). */
const starts = new Int32Array(128);
const startsB = new Int32Array(128);

/**
 * A string whose plain comparison is RFC 4034 §6.1 canonical order among names that end in the
 * same `suffix` octets (the zone's origin, root included; 1 compares whole names): the labels
 * before the suffix from the rightmost, each case-folded and followed by \x00. Octets 0 and 1
 * inside a label become \x01\x01 and \x01\x02, so the separator sorts below every octet and a
 * label below its extensions ("a" < "a\x00" < "ab"), as the RFC's octet-string comparison has it.
 * Sorting these strings measured 3× faster than a comparator walking the labels.
 */
export function canonicalSortKey(name: Name, suffix = 1): string {
  const key = nameKey(name);
  const end = key.length - suffix;
  let n = 0;
  for (let i = 0; i < end; i += key.charCodeAt(i) + 1) starts[n++] = i;
  let out = '';
  for (let l = n - 1; l >= 0; l--) {
    const from = starts[l]! + 1;
    const to = from + key.charCodeAt(from - 1);
    let plain = true;
    for (let i = from; i < to; i++) if (key.charCodeAt(i) < 2) { plain = false; break; }
    out += (plain ? key.slice(from, to) : escaped(key.slice(from, to))) + '\x00';
  }
  return out;
}

/** `items` in canonical order of the names `nameOf` gives them (each key built once). */
export function sortByCanonicalName<T>(items: readonly T[], nameOf: (item: T) => Name, suffix = 1): T[] {
  const keyed = items.map((item) => ({ k: canonicalSortKey(nameOf(item), suffix), item }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((e) => e.item);
}

/** The first index of `sorted` (names in canonical order) whose name does not sort before `name`. */
export function canonicalLowerBound(sorted: readonly Name[], name: Name, suffix = 1): number {
  const k = canonicalSortKey(name, suffix);
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (canonicalSortKey(sorted[mid]!, suffix) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function escaped(label: string): string {
  return label.replace(/[\x00\x01]/g, (c) => (c === '\x00' ? '\x01\x01' : '\x01\x02'));
}

/**
 * Canonical order of two names (any case): negative if a < b, 0 if equal, positive if a > b.
 * Allocates nothing, for binary searches on the query path (dnssec/denial.ts).
 */
export function compareCanonical(a: Name, b: Name): number {
  let na = 0;
  for (let i = 0; a.charCodeAt(i) !== 0; i += a.charCodeAt(i) + 1) starts[na++] = i;
  let nb = 0;
  for (let i = 0; b.charCodeAt(i) !== 0; i += b.charCodeAt(i) + 1) startsB[nb++] = i;
  for (let i = na - 1, j = nb - 1; ; i--, j--) {
    if (i < 0) return j < 0 ? 0 : -1;
    if (j < 0) return 1;
    const c = compareLabel(a, starts[i]!, b, startsB[j]!);
    if (c !== 0) return c;
  }
}

function compareLabel(a: string, at: number, b: string, bt: number): number {
  const la = a.charCodeAt(at);
  const lb = b.charCodeAt(bt);
  const n = la < lb ? la : lb;
  for (let k = 1; k <= n; k++) {
    let x = a.charCodeAt(at + k);
    let y = b.charCodeAt(bt + k);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x += 32;
    if (y >= 0x41 && y <= 0x5a) y += 32;
    if (x !== y) return x - y;
  }
  return la - lb;
}
