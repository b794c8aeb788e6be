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

/**
 * An RRset whose rotation is weighted (health/weights.ts): the offsets to use in turn, one cycle
 * long. Answers built from a health-checked RRset carry it; plain zone RRsets do not.
 */
export interface WeightedRRset extends RRset {
  readonly wheel?: readonly number[];
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
 * rotation, each record in each position exactly once per cycle. A weighted RRset walks (or,
 * under random, draws from) its wheel instead, so each record leads as often as its weight says.
 */
export class Rotator {
  private readonly counters = new WeakMap<readonly Bytes[], number>();
  constructor(readonly mode: RotateMode, private readonly random: () => number = Math.random) {}

  /** Offset for the next answer with `set`; `mode` overrides the server's (per-zone setting). */
  next(set: WeightedRRset, mode: RotateMode = this.mode): number {
    if (mode === 'none' || !isRotatable(set)) return 0;
    const wheel = set.wheel;
    const n = wheel === undefined ? set.rdata.length : wheel.length;
    let slot: number;
    if (mode === 'random') {
      slot = Math.floor(this.random() * n);
    } else {
      slot = this.counters.get(set.rdata) ?? 0;
      this.counters.set(set.rdata, (slot + 1) % n);
    }
    return wheel === undefined ? slot : wheel[slot]!;
  }
}
