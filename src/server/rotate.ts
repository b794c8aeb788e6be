// Round-robin of address RRsets (the mission's load spreading). Applied at encode time to the
// answer section only (NSD does the same); transfers and the snapshot itself never see it.

import type { Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import type { RRset } from '../zone/snapshot.js';

export type RotateMode = 'cyclic' | 'random' | 'none';

/** The RDATA list rotated left by `offset` (a pure function; the input is not touched). */
export function rotate(rdata: readonly Bytes[], offset: number): readonly Bytes[] {
  const n = rdata.length;
  const k = ((offset % n) + n) % n;
  if (n < 2 || k === 0) return rdata;
  return rdata.slice(k).concat(rdata.slice(0, k));
}

/** True for the RRsets whose order we rotate: A and AAAA with at least two records. */
export function isRotatable(set: RRset): boolean {
  return (set.type === RRType.A || set.type === RRType.AAAA) && set.rdata.length > 1;
}

/**
 * Chooses the next offset for an RRset. Cyclic keeps one counter per RDATA list: it belongs to a
 * snapshot, so a reload starts fresh counters and old ones are collected with the snapshot, and
 * RRsets synthesized from a wildcard share their source's list, so they rotate too (all names
 * under one wildcard share one cycle). Successive queries for one name walk through every
 * rotation, each record in each position exactly once per cycle.
 */
export class Rotator {
  private readonly counters = new WeakMap<readonly Bytes[], number>();
  constructor(readonly mode: RotateMode, private readonly random: () => number = Math.random) {}

  /** Offset for the next answer with `set`; `mode` overrides the server's (per-zone setting). */
  next(set: RRset, mode: RotateMode = this.mode): number {
    if (mode === 'none' || !isRotatable(set)) return 0;
    const n = set.rdata.length;
    if (mode === 'random') return Math.floor(this.random() * n);
    const current = this.counters.get(set.rdata) ?? 0;
    this.counters.set(set.rdata, (current + 1) % n);
    return current;
  }
}
