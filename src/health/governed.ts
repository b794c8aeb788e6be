// Which RRsets of a zone snapshot the health rules govern, and what an answer holds for each: the
// up addresses (all of them when none is up, unless the rule says SERVFAIL), the TTL capped, and
// the weights as a rotation wheel. Built once per snapshot; a view is recomputed only when the
// up/down pattern of its own addresses changed, so rotation counters (keyed by the RDATA list)
// and cached answers survive changes elsewhere.

import type { Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { isSubdomain, isWildcard, nameKey, nameToText, type Name } from '../dns/name.js';
import { ipv4ToText, ipv6ToText } from '../dns/rdata/address.js';
import type { WeightedRRset } from '../server/rotate.js';
import { getRRset, NodeFlag, type RRset, type ZoneSnapshot } from '../zone/snapshot.js';
import type { HealthCheck } from './check.js';
import type { AllDownPolicy, HealthRule } from './rule.js';
import { leaderWheel } from './weights.js';

export class GovernedSet {
  /** The RDATA list read once: a one-record RRset builds a new list on each read. */
  private readonly rdata: readonly Bytes[];
  private readonly ttl: number;
  private epoch = -1;
  /** '1' per up address, '0' per down one, at the last refresh. */
  private pattern = '';
  private full: WeightedRRset | undefined;
  private current: WeightedRRset | undefined;
  private none = false;

  constructor(
    readonly set: RRset,
    readonly rule: HealthRule,
    /** The check of each record, in RDATA order. */
    readonly checks: readonly HealthCheck[],
    /** The weight of each record, in RDATA order. */
    private readonly weights: readonly number[],
  ) {
    this.rdata = set.rdata;
    this.ttl = rule.ttl === undefined ? set.ttl : Math.min(set.ttl, rule.ttl);
  }

  get allDown(): AllDownPolicy {
    return this.rule.allDown;
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
    for (const c of this.checks) pattern += c.state.up ? '1' : '0';
    if (pattern === this.pattern) return;
    this.pattern = pattern;
    const up: number[] = [];
    for (let i = 0; i < pattern.length; i++) if (pattern.charCodeAt(i) === 0x31) up.push(i);
    this.none = up.length === 0;
    // Fail open: with none up, all of them (a resolver gets something to try, as Route 53 and
    // PowerDNS answer), unless the rule asked for SERVFAIL.
    this.current = up.length === 0 || up.length === this.rdata.length ? (this.full ??= this.build(null)) : this.build(up);
  }

  /** The view over the records at `indices` (null: all of them). */
  private build(indices: number[] | null): WeightedRRset {
    const set = this.set;
    const rdata = indices === null ? this.rdata : indices.map((i) => this.rdata[i]!);
    const wheel = leaderWheel(indices === null ? this.weights : indices.map((i) => this.weights[i]!));
    if (indices === null && wheel === undefined && this.ttl === set.ttl) return set;
    return { owner: set.owner, type: set.type, ttl: this.ttl, rdata, wheel };
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
export type AcquireCheck = (address: Bytes, addressText: string, rule: HealthRule) => HealthCheck;

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
        const checks = rdata.map((a) => acquire(a, addressText(a), rule));
        sets.push(new GovernedSet(set, rule, checks, rdata.map((a) => rule.weights.get(a) ?? 1)));
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

/** A or AAAA RDATA as text. */
export function addressText(rdata: Bytes): string {
  return rdata.length === 4 ? ipv4ToText(rdata) : ipv6ToText(rdata);
}

/** Owner names governed by a rule that fall in `zone` (the zone the registry finds for them). */
export function namesIn(rule: HealthRule, belongs: (key: Name) => boolean): number[] {
  const out: number[] = [];
  rule.names.forEach((name, j) => { if (belongs(nameKey(name))) out.push(j); });
  return out;
}
