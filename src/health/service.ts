// Health-checked A/AAAA answers: the one object serve wires in. It hears every new snapshot
// (ZoneEvents), works out which RRsets the rules govern there, keeps one running check per
// address and probe (shared by every name that lists the address, kept across reloads while the
// address stays, stopped when it leaves), and is the filter the answer path asks between resolve
// and rotation. A transition (down, or back up) is logged, bumps the epoch the filter compares,
// and tells listeners which snapshots' cached answers are now stale (the answer cache forgets
// them: it is never disabled for governed names, and never serves a down address after the
// transition). Zone transfers never come here: secondaries get the zone as written.

import type { Bytes } from '../dns/bytes.js';
import { RRType } from '../dns/constants.js';
import { nameKey, nameToText, type Name } from '../dns/name.js';
import type { Logger } from '../log.js';
import type { Resolution } from '../query/resolve.js';
import type { ZoneHandle, ZoneRegistry } from '../zone/registry.js';
import type { RRset, ZoneSnapshot } from '../zone/snapshot.js';
import { CheckTable, HealthCheck, realHealthClock, type CheckEnv, type HealthClock, type Probe } from './check.js';
import type { Transition } from './check-state.js';
import { governZone, namesIn, type GovernedSet, type RuleInZone } from './governed.js';
import { runProbe } from './probe.js';
import { probeText, type HealthRule } from './rule.js';
import { Scheduler } from './scheduler.js';

/** What the answer path asks: the resolution with governed A/AAAA RRsets filtered. */
export interface AnswerFilter {
  filter(res: Resolution): Resolution;
}

/** One address as a later ctl/metrics layer reads it (a copy: changing it changes nothing). */
export interface AddressStatus {
  readonly address: string;
  /** `tcp 443`, `https://www.example.com:443/healthz`. */
  readonly check: string;
  /** Owner names whose RRsets hold it. */
  readonly names: readonly string[];
  readonly up: boolean;
  /** At least one result came back (before that it counts as up). */
  readonly known: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly checks: number;
  /** The last failure's reason. */
  readonly reason?: string;
  /** Last result and last up/down change, in ms since the epoch. */
  readonly lastCheckAt?: number;
  readonly changedAt?: number;
}

/** The read-only view for ctl and metrics. */
export interface HealthView {
  status(): AddressStatus[];
  /** Transitions so far (each down and each up). */
  readonly transitions: number;
}

export interface HealthServiceOptions {
  /** Server-wide rules (per-zone ones come with each zone's options). */
  rules: readonly HealthRule[];
  registry: ZoneRegistry;
  log: Logger;
  clock?: HealthClock;
  probe?: Probe;
}

/** What one served zone contributes: its governed RRsets (each holding its records' checks). */
interface ZoneHealth {
  snapshot: ZoneSnapshot;
  sets: GovernedSet[];
}

/** Golden-ratio steps spread the first rounds of checks over their interval, even as checks come and go. */
const STAGGER_STEP = 0.6180339887498949;

export class HealthService implements AnswerFilter, HealthView {
  private epoch = 0;
  /**
   * Governed RRsets of the current snapshots. A Map, not a WeakMap: entries leave with their
   * snapshot's governance (releaseAll), and a WeakMap of 100,000s of entries costs every full
   * GC an ephemeron pass.
   */
  private readonly governed = new Map<RRset, GovernedSet>();
  private readonly checks = new CheckTable();
  private readonly zones = new Map<Name, ZoneHealth>();
  private readonly listeners: Array<(zone: ZoneSnapshot) => void> = [];
  private readonly env: CheckEnv;
  private stagger = 0;
  /** Problems seen before finishStartup() (then fatal); afterwards they are logged as errors. */
  private pending: string[] | undefined = [];
  transitions = 0;

  constructor(private readonly opts: HealthServiceOptions) {
    const clock = opts.clock ?? realHealthClock;
    this.env = {
      clock,
      scheduler: new Scheduler(clock),
      probe: opts.probe ?? runProbe,
      onTransition: (check, t) => this.transition(check, t),
    };
  }

  /** True when any rule exists (server-wide here, or per zone: see zoneChanged). */
  static wanted(serverRules: readonly HealthRule[], zoneRules: ReadonlyArray<readonly HealthRule[] | undefined>): boolean {
    return serverRules.length > 0 || zoneRules.some((r) => r !== undefined && r.length > 0);
  }

  /** Called with each snapshot whose cached answers a transition made stale. */
  onChange(listener: (zone: ZoneSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** A zone got a (new) snapshot: govern it, keeping the state of addresses that stay. */
  zoneChanged(handle: ZoneHandle): void {
    const snapshot = handle.snapshot;
    const key = nameKey(handle.origin);
    const old = this.zones.get(key);
    if (snapshot === undefined) return this.zoneRemoved(handle);
    if (old?.snapshot === snapshot) return;
    const rules: RuleInZone[] = [];
    // Server-wide rules: the names this zone is the closest enclosing zone of.
    const belongs = (k: Name) => this.opts.registry.find(k) === handle;
    for (const rule of this.opts.rules) {
      const names = namesIn(rule, belongs);
      if (names.length > 0) rules.push({ rule, names });
    }
    for (const rule of handle.options?.health ?? []) rules.push({ rule, names: rule.names.map((_, j) => j) });
    const { sets, problems } = governZone(snapshot, rules, (address, rule) => this.acquire(address, rule));
    for (const g of sets) this.governed.set(g.set, g);
    if (sets.length > 0) this.zones.set(key, { snapshot, sets });
    else this.zones.delete(key);
    // Released after the new ones are held: an address still present keeps its check and state.
    if (old !== undefined) this.releaseAll(old);
    for (const p of problems) this.problem(p);
  }

  zoneRemoved(handle: ZoneHandle): void {
    const key = nameKey(handle.origin);
    const old = this.zones.get(key);
    if (old === undefined) return;
    this.zones.delete(key);
    this.releaseAll(old);
  }

  /**
   * Start-up is over: returns the problems seen so far, plus what only the whole configuration
   * shows (a server-wide name in no zone we serve, a weight for an address no governed name
   * has). From now on problems are logged as errors instead (a reload cannot stop the server).
   */
  finishStartup(): string[] {
    const problems = this.pending ?? [];
    this.pending = undefined;
    for (const rule of this.opts.rules) {
      rule.names.forEach((name, j) => {
        const zone = this.opts.registry.find(nameKey(name));
        if (zone === undefined) problems.push(`${rule.path}.names[${j}]: ${nameToText(name)} is in no zone we serve`);
      });
    }
    const governedAddresses = new Map<HealthRule, Set<Bytes>>();
    for (const z of this.zones.values()) {
      for (const g of z.sets) {
        let seen = governedAddresses.get(g.rule);
        if (seen === undefined) governedAddresses.set(g.rule, (seen = new Set()));
        for (const c of g.checks) seen.add(c.address);
      }
    }
    const allRules = new Set<HealthRule>(this.opts.rules);
    for (const h of this.opts.registry.handles()) for (const r of h.options?.health ?? []) allRules.add(r);
    for (const rule of allRules) {
      // A secondary zone not transferred yet cannot tell which addresses its names have.
      if (!rule.names.every((n) => this.opts.registry.find(nameKey(n))?.snapshot !== undefined)) continue;
      for (const [address, path] of rule.weightPaths) {
        if (!governedAddresses.get(rule)?.has(address)) problems.push(`${path}: not an address of ${rule.path}.names`);
      }
    }
    return problems;
  }

  /**
   * The answer path's step between resolve and rotation (see AnswerFilter). The sections are
   * the query's own (resolve builds fresh arrays per call), so governed RRsets are replaced in
   * place: no copy of the plan per query.
   */
  filter(res: Resolution): Resolution {
    if (res.kind === 'refused' || res.kind === 'servfail') return res;
    const epoch = this.epoch;
    const answer = res.answer;
    for (let i = 0; i < answer.length; i++) {
      const set = answer[i]!;
      if (set.type !== RRType.A && set.type !== RRType.AAAA) continue;
      const g = this.governed.get(set);
      if (g === undefined) continue;
      const view = g.answer(epoch);
      if (view === undefined) return { kind: 'servfail' };
      answer[i] = view;
    }
    const additional = res.additional;
    for (let i = 0; i < additional.length; i++) {
      const set = additional[i]!;
      if (set.type !== RRType.A && set.type !== RRType.AAAA) continue;
      const g = this.governed.get(set);
      if (g !== undefined) additional[i] = g.additional(epoch);
    }
    return res;
  }

  status(): AddressStatus[] {
    const names = this.names();
    return [...this.checks.values()].map((c) => ({
      address: c.addressText,
      check: probeText(c.timing.probe),
      names: [...(names.get(c) ?? [])],
      up: c.up,
      known: c.known,
      consecutiveFailures: c.failures,
      consecutiveSuccesses: c.successes,
      checks: c.count,
      reason: c.reason,
      lastCheckAt: c.lastAt,
      changedAt: c.changedAt,
    }));
  }

  /** Stops every check (shutdown). */
  stop(): void {
    for (const c of this.checks.values()) c.stop();
    this.checks.clear();
    this.zones.clear();
    this.governed.clear();
  }

  /** One reference per governed record: a check lives while some record holds it. */
  private acquire(address: Bytes, rule: HealthRule): HealthCheck {
    let check = this.checks.get(address, rule);
    if (check === undefined) {
      check = new HealthCheck(address, rule, this.env);
      this.checks.add(check);
      this.stagger = (this.stagger + STAGGER_STEP) % 1;
      check.start(Math.floor(this.stagger * rule.intervalMs));
    }
    check.refs++;
    return check;
  }

  private releaseAll(zone: ZoneHealth): void {
    for (const g of zone.sets) {
      this.governed.delete(g.set);
      for (const check of g.checks) {
        if (--check.refs > 0) continue;
        check.stop();
        this.checks.delete(check);
      }
    }
  }

  private transition(check: HealthCheck, t: Exclude<Transition, undefined>): void {
    this.epoch++;
    this.transitions++;
    // Which zones hold it, and under which names: a walk over the governed RRsets, as
    // transitions are rare next to the memory a reverse index would take per address.
    const names = new Set<string>();
    const zones: ZoneSnapshot[] = [];
    for (const z of this.zones.values()) {
      let holds = false;
      for (const g of z.sets) {
        if (!g.checks.includes(check)) continue;
        holds = true;
        names.add(nameToText(g.set.owner));
      }
      if (holds) zones.push(z.snapshot);
    }
    const fields = { name: [...names].join(','), address: check.addressText, check: probeText(check.timing.probe) };
    if (t === 'down') this.opts.log.warn('address down', { ...fields, reason: check.reason });
    else this.opts.log.info('address up', fields);
    for (const zone of zones) for (const listener of this.listeners) listener(zone);
  }

  /** Owner names (text) per check, in one walk. */
  private names(): Map<HealthCheck, Set<string>> {
    const out = new Map<HealthCheck, Set<string>>();
    for (const z of this.zones.values()) {
      for (const g of z.sets) {
        const owner = nameToText(g.set.owner);
        for (const c of g.checks) {
          let set = out.get(c);
          if (set === undefined) out.set(c, (set = new Set()));
          set.add(owner);
        }
      }
    }
    return out;
  }

  private problem(message: string): void {
    if (this.pending !== undefined) this.pending.push(message);
    else this.opts.log.error(`health: ${message}`);
  }
}
