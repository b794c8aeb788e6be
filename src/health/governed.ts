// Which RRsets of a zone snapshot the health rules govern, and what an answer holds for each: the
// up addresses (all of them when none is up, unless the rule says SERVFAIL), the TTL capped, and
// the weights as a rotation wheel. Built once per snapshot; a subset is recomputed only when the
// up/down pattern of its own addresses changed, so rotation counters (keyed by the RDATA list)
// survive changes elsewhere.

import type { Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { isSubdomain, isWildcard, nameKey, nameToText, type Name } from '../dns/name.js';
import type { WeightedRRset } from '../server/rotate.js';
import { getRRset, NodeFlag, type RRset, type ZoneSnapshot } from '../zone/snapshot.js';
import type { HealthCheck } from './check.js';
import type { HealthRule } from './rule.js';
import { leaderWheel } from './weights.js';

/**
 * A governed RRset, which is also its own answer while all its addresses are up (or all down,
 * failing open): the full RDATA list with the TTL capped and the weights' wheel. Being one object
 * matters when every name of a big zone is governed: the answer path reads it anyway for its
 * state, and a separate view object would be one more cache miss per query.
 */
export class GovernedSet implements WeightedRRset {
  readonly owner: Name;
  readonly type: number;
  readonly ttl: number;
  /** The RDATA list read once: a one-record RRset builds a new list on each read. */
  readonly rdata: readonly Bytes[];
  readonly wheel: readonly number[] | undefined;
  private epoch = -1;
  /** '1' per up address, '0' per down one, at the last refresh; '' before the first. */
  private pattern = '';
  private current: WeightedRRset | undefined;
  private none = false;

  constructor(
    readonly set: RRset,
    readonly rule: HealthRule,
    /** The check of each record, in RDATA order. */
    readonly checks: readonly HealthCheck[],
    /** The weight of each record, in RDATA order; undefined: all weigh the same. */
    private readonly weights: readonly number[] | undefined,
  ) {
    this.owner = set.owner;
    this.type = set.type;
    this.ttl = rule.ttl === undefined ? set.ttl : Math.min(set.ttl, rule.ttl);
    this.rdata = set.rdata;
    this.wheel = weights === undefined ? undefined : leaderWheel(weights);
  }

  /** The RRset an answer section holds at `epoch`; undefined: answer SERVFAIL (all down, `allDown: "servfail"`). */
  answer(epoch: number): WeightedRRset | undefined {
    if (epoch !== this.epoch) this.refresh(epoch);
    return this.none && this.rule.allDown === 'servfail' ? undefined : this.current;
  }

  /** For the additional section, which never turns an answer into SERVFAIL: all down gives all. */
  additional(epoch: number): WeightedRRset {
    if (epoch !== this.epoch) this.refresh(epoch);
    return this.current!;
  }

  private refresh(epoch: number): void {
    this.epoch = epoch;
    let pattern = '';
    for (const c of this.checks) pattern += c.up ? '1' : '0';
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    const up: number[] = [];
    for (let i = 0; i < pattern.length; i++) if (pattern.charCodeAt(i) === 0x31) up.push(i);
    this.none = up.length === 0;
    // Fail open: with none up, all of them (a resolver gets something to try, as Route 53 and
    // PowerDNS answer), unless the rule asked for SERVFAIL.
    if (up.length === 0 || up.length === this.rdata.length) {
      this.current = this.wheel === undefined && this.ttl === this.set.ttl ? this.set : this;
      return;
    }
    const w = this.weights;
    this.current = {
      owner: this.owner,
      type: this.type,
      ttl: this.ttl,
      rdata: up.map((i) => this.rdata[i]!),
      wheel: w === undefined ? undefined : leaderWheel(up.map((i) => w[i]!)),
    };
  }
}

/** What the rules govern in one snapshot. */
export interface ZoneGovernance {
  readonly sets: GovernedSet[];
  /** Problems, each naming its config path; the RRsets concerned are left ungoverned. */
  readonly problems: string[];
}

/** A rule applied to this zone, with the indices of its names that belong here. */
export interface RuleInZone {
  readonly rule: HealthRule;
  readonly names: readonly number[];
}

/** Gets (shared, refcounted by the caller) the check of `address` under `rule`. */
export type AcquireCheck = (address: Bytes, rule: HealthRule) => HealthCheck;

/**
 * The governed RRsets of `zone` under `rules`. A signed zone gets none: an answer that leaves an
 * address out is a subset of the signed RRset, which its RRSIG does not cover (RFC 4034 §3.1.8.1
 * signs the whole RRset), so validating resolvers would reject it.
 */
export function governZone(zone: ZoneSnapshot, rules: readonly RuleInZone[], acquire: AcquireCheck): ZoneGovernance {
  const problems: string[] = [];
  const sets: GovernedSet[] = [];
  if (rules.length === 0) return { sets, problems };
  const origin = nameToText(zone.origin);
  const signedBy = signedEvidence(zone);
  if (signedBy !== undefined) {
    for (const { rule } of rules) {
      problems.push(`${rule.path}: zone ${origin} is signed (${signedBy} at its apex): health checks are refused for signed zones, because an answer that leaves a down address out is a subset of the signed RRset and fails DNSSEC validation (signing such answers online is not supported yet)`);
    }
    return { sets, problems };
  }
  const governedBy = new Map<RRset, HealthRule>();
  for (const { rule, names } of rules) {
    for (const j of names) {
      const name = rule.names[j]!;
      const at = `${rule.path}.names[${j}]`;
      const key = nameKey(name);
      if (!isSubdomain(key, zone.originKey)) {
        problems.push(`${at}: ${nameToText(name)} is not in zone ${origin}`);
        continue;
      }
      if (isWildcard(key)) {
        problems.push(`${at}: ${nameToText(name)} is a wildcard: name the addresses' own owners instead (answers synthesized from a wildcard are not health-checked)`);
        continue;
      }
      const node = zone.nodes.get(key);
      const addresses = node === undefined || node.flags & NodeFlag.OCCLUDED ? [] : [getRRset(node, RRType.A), getRRset(node, RRType.AAAA)].filter((s) => s !== undefined);
      if (addresses.length === 0) {
        problems.push(`${at}: ${nameToText(name)} has no A or AAAA records in zone ${origin}${node !== undefined && node.flags & NodeFlag.OCCLUDED ? ' (it is below a zone cut)' : ''}`);
        continue;
      }
      for (const set of addresses) {
        const other = governedBy.get(set);
        if (other !== undefined) {
          if (other !== rule) problems.push(`${at}: ${nameToText(name)} is already governed by ${other.path}`);
          continue;
        }
        governedBy.set(set, rule);
        const rdata = set.rdata;
        const checks = rdata.map((a) => acquire(a, rule));
        sets.push(new GovernedSet(set, rule, checks, rule.weights.size === 0 ? undefined : rdata.map((a) => rule.weights.get(a) ?? 1)));
      }
    }
  }
  return { sets, problems };
}

/** Why a snapshot counts as signed (DNSKEY or RRSIG at its apex), or undefined. */
function signedEvidence(zone: ZoneSnapshot): string | undefined {
  if (getRRset(zone.apex, RRType.DNSKEY) !== undefined) return 'DNSKEY';
  if (getRRset(zone.apex, RRType.RRSIG) !== undefined) return 'RRSIG';
  return undefined;
}

/** Owner names governed by a rule that fall in `zone` (the zone the registry finds for them). */
export function namesIn(rule: HealthRule, belongs: (key: Name) => boolean): number[] {
  const out: number[] = [];
  rule.names.forEach((name, j) => { if (belongs(nameKey(name))) out.push(j); });
  return out;
}
