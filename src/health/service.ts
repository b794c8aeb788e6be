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
import { checkKey, HealthCheck, realHealthClock, type CheckEnv, type HealthClock, type Probe } from './check.js';
import type { Transition } from './check-state.js';
import { governZone, namesIn, type GovernedSet, type RuleInZone } from './governed.js';
import { runProbe } from './probe.js';
import { probeText, type HealthRule } from './rule.js';

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

/** What one served zone contributes. */
interface ZoneHealth {
  snapshot: ZoneSnapshot;
  checks: Set<HealthCheck>;
  sets: GovernedSet[];
}

/** Golden-ratio steps spread the first rounds of checks over their interval, even as checks come and go. */
const STAGGER_STEP = 0.6180339887498949;

export class HealthService implements AnswerFilter, HealthView {
  private epoch = 0;
  private readonly governed = new WeakMap<RRset, GovernedSet>();
  private readonly checks = new Map<string, { check: HealthCheck; users: number }>();
  private readonly zones = new Map<Name, ZoneHealth>();
  private readonly listeners: Array<(zone: ZoneSnapshot) => void> = [];
  private readonly env: CheckEnv;
  private stagger = 0;
  /** Problems seen before finishStartup() (then fatal); afterwards they are logged as errors. */
  private pending: string[] | undefined = [];
  transitions = 0;

  constructor(private readonly opts: HealthServiceOptions) {
    this.env = {
      clock: opts.clock ?? realHealthClock,
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
    const checks = new Set<HealthCheck>();
    const acquire = (address: Bytes, text: string, rule: HealthRule): HealthCheck => {
      const check = this.acquire(address, text, rule);
      if (checks.has(check)) this.release(check); // one reference per zone
      checks.add(check);
      return check;
    };
    const { sets, problems } = governZone(snapshot, rules, acquire);
    for (const g of sets) this.governed.set(g.set, g);
    if (checks.size > 0) this.zones.set(key, { snapshot, checks, sets });
    else this.zones.delete(key);
    // Released after the new ones are held: an address still present keeps its check and state.
    if (old !== undefined) for (const c of old.checks) this.release(c);
    for (const p of problems) this.problem(p);
  }

  zoneRemoved(handle: ZoneHandle): void {
    const key = nameKey(handle.origin);
    const old = this.zones.get(key);
    if (old === undefined) return;
    this.zones.delete(key);
    for (const c of old.checks) this.release(c);
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

  /** The answer path's step between resolve and rotation (see AnswerFilter). */
  filter(res: Resolution): Resolution {
    if (res.kind === 'refused' || res.kind === 'servfail') return res;
    const epoch = this.epoch;
    let answer = res.answer;
    for (let i = 0; i < answer.length; i++) {
      const set = answer[i]!;
      if (set.type !== RRType.A && set.type !== RRType.AAAA) continue;
      const g = this.governed.get(set);
      if (g === undefined) continue;
      const view = g.answer(epoch);
      if (view === undefined) return { kind: 'servfail' };
      if (view === set) continue;
      if (answer === res.answer) answer = answer.slice();
      answer[i] = view;
    }
    let additional = res.additional;
    for (let i = 0; i < additional.length; i++) {
      const set = additional[i]!;
      if (set.type !== RRType.A && set.type !== RRType.AAAA) continue;
      const g = this.governed.get(set);
      if (g === undefined) continue;
      const view = g.additional(epoch);
      if (view === set) continue;
      if (additional === res.additional) additional = additional.slice();
      additional[i] = view;
    }
    return answer === res.answer && additional === res.additional ? res : { ...res, answer, additional };
  }

  status(): AddressStatus[] {
    return [...this.checks.values()].map(({ check }) => {
      const s = check.state;
      return {
        address: check.addressText,
        check: probeText(check.timing.probe),
        names: this.namesOf(check),
        up: s.up,
        known: s.known,
        consecutiveFailures: s.failures,
        consecutiveSuccesses: s.successes,
        checks: s.count,
        reason: s.reason,
        lastCheckAt: s.lastAt,
        changedAt: s.changedAt,
      };
    });
  }

  /** Stops every check (shutdown). */
  stop(): void {
    for (const { check } of this.checks.values()) check.stop();
    this.checks.clear();
    this.zones.clear();
  }

  private acquire(address: Bytes, text: string, rule: HealthRule): HealthCheck {
    const key = checkKey(address, rule);
    let entry = this.checks.get(key);
    if (entry === undefined) {
      const check = new HealthCheck(key, address, text, rule, this.env);
      entry = { check, users: 0 };
      this.checks.set(key, entry);
      this.stagger = (this.stagger + STAGGER_STEP) % 1;
      check.start(Math.floor(this.stagger * rule.intervalMs));
    }
    entry.users++;
    return entry.check;
  }

  private release(check: HealthCheck): void {
    const entry = this.checks.get(check.key);
    if (entry === undefined || --entry.users > 0) return;
    check.stop();
    this.checks.delete(check.key);
  }

  private transition(check: HealthCheck, t: Exclude<Transition, undefined>): void {
    this.epoch++;
    this.transitions++;
    const fields = { name: this.namesOf(check).join(','), address: check.addressText, check: probeText(check.timing.probe) };
    if (t === 'down') this.opts.log.warn('address down', { ...fields, reason: check.state.reason });
    else this.opts.log.info('address up', fields);
    for (const z of this.zones.values()) {
      if (!z.checks.has(check)) continue;
      for (const listener of this.listeners) listener(z.snapshot);
    }
  }

  private namesOf(check: HealthCheck): string[] {
    const names = new Set<string>();
    for (const z of this.zones.values()) {
      if (!z.checks.has(check)) continue;
      for (const g of z.sets) if (g.checks.includes(check)) names.add(nameToText(g.set.owner));
    }
    return [...names];
  }

  private problem(message: string): void {
    if (this.pending !== undefined) this.pending.push(message);
    else this.opts.log.error(`health: ${message}`);
  }
}
