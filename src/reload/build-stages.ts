// Build stages: work on a zone after it is parsed and validated and before it is served, run in
// the load worker (off the thread that answers; see load-job.ts), e.g. DNSSEC signing.
//
// To add one: write a BuildStage, add it to BUILD_STAGES under its name, and have the zone's
// source ask for it (ZoneSource.stages in zones.ts: `{ stage: 'name', options }`). A stage gets
// the finished snapshot with its served serial already in the SOA (so a signature over the SOA
// stays valid) and returns the snapshot to serve: the same one, or a new one built from it (see
// zone/build.ts SnapshotBuilder), plus any diagnostics; an error among them, or no snapshot,
// keeps the zone's previous version serving, as a parse error does. Options come from the main
// thread by structured clone (plain data: no functions, no class instances). A stage may take
// as long as it needs, but should look at `cancelled()` now and then: a newer version of the file
// supersedes the load, and a stage that does not stop within a few seconds has its worker ended.
// Either way it must not leave anything half-written outside its return value.

import type { Diagnostic } from '../zone/record.js';
import type { ZoneSnapshot } from '../zone/snapshot.js';

/** A zone source's request for a stage (structured-clonable). */
export interface StageRequest {
  stage: string;
  options?: unknown;
}

export interface StageInput {
  /** The zone file (diagnostics point into it). */
  file: string;
  options: unknown;
  /** True once the load is no longer wanted (a newer one superseded it): a long stage should look now and then, and stop. */
  cancelled(): boolean;
}

export interface StageResult {
  /** What to serve; absent means the stage failed (its diagnostics say why). */
  snapshot?: ZoneSnapshot;
  diagnostics: Diagnostic[];
}

export interface BuildStage {
  run(snapshot: ZoneSnapshot, input: StageInput): StageResult | Promise<StageResult>;
}

/** Every stage a zone source may ask for, by name. */
export const BUILD_STAGES: ReadonlyMap<string, BuildStage> = new Map<string, BuildStage>([]);
