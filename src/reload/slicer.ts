// Work on the thread that answers, in slices: each turn of the event loop runs the pending tasks
// for at most `budgetMs`, then lets the loop serve I/O (queries wait at most one slice).
//
// What a slice costs is more than its own time: the objects it made (a reloaded zone's nodes and
// strings, all of which live on) are copied by V8's next young-generation GC, and left to V8 that
// GC comes when the young generation is full: up to 16 MiB of survivors copied in one pause
// (measured 20-150 ms on the 2-core test machine while a 1M-record zone was assembled). So after
// a slice that made objects, the young generation is collected at once, when it holds only that
// slice's few MiB (server/memory.ts collectGarbage). That collection costs several times the
// slice (all it made survives and is copied): assembling the 1M-record zone on the busy 2-core
// machine, 4 ms slices were followed by ~25 ms GCs (worst turn 36-54 ms), 1 ms slices by ~6 ms
// ones (worst turn 13 ms), for the same total. Hence the default slice of 1 ms.

import { collectGarbage } from '../server/memory.js';

/** A piece of work: does some until `deadline` (performance.now() ms); true when it is finished. */
export type SliceStep = (deadline: number) => boolean;

export interface SlicedTask {
  /** Resolves when the step said it finished; rejects if it threw. */
  readonly done: Promise<void>;
  /** Stops running it (done never settles). */
  cancel(): void;
  /** Runs it again after its step said "finished" for now: see Slicer.run `waiting`. */
  wake(): void;
}

interface Task {
  step: SliceStep;
  resolve: () => void;
  reject: (e: unknown) => void;
  /** The step is finished for now but more will come (wake). */
  asleep: boolean;
  /** A finished step ends the task (else it sleeps until woken). */
  endsWhenFinished: () => boolean;
}

export class Slicer {
  private readonly tasks = new Set<Task>();
  private scheduled = false;

  /** @param budgetMs the most one slice runs before the loop gets its turn */
  constructor(private budgetMs = 1) {}

  /** Changes the slice from the next turn on (ZoneLoader.answering). */
  setBudget(ms: number): void {
    this.budgetMs = ms;
  }

  /**
   * Runs `step` in slices until it says it finished and `ended()` holds; while it says it
   * finished but `ended()` does not hold, it sleeps until `wake()` (it waits for more input).
   */
  run(step: SliceStep, ended: () => boolean = () => true): SlicedTask {
    let task!: Task;
    const done = new Promise<void>((resolve, reject) => {
      task = { step, resolve, reject, asleep: false, endsWhenFinished: ended };
    });
    this.tasks.add(task);
    this.schedule();
    return {
      done,
      cancel: () => {
        this.tasks.delete(task);
      },
      wake: () => {
        if (task.asleep && this.tasks.has(task)) {
          task.asleep = false;
          this.schedule();
        }
      },
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    const deadline = performance.now() + this.budgetMs;
    let worked = false;
    // Round robin: every awake task gets part of the slice, in turn, until it is used up.
    while (performance.now() < deadline) {
      let any = false;
      for (const task of this.tasks) {
        if (task.asleep) continue;
        any = worked = true;
        let finished: boolean;
        try {
          finished = task.step(deadline);
        } catch (e) {
          this.tasks.delete(task);
          task.reject(e);
          continue;
        }
        if (!finished) continue;
        if (task.endsWhenFinished()) {
          this.tasks.delete(task);
          task.resolve();
        } else {
          task.asleep = true;
        }
      }
      if (!any) break;
    }
    if (worked) collectGarbage('minor');
    for (const task of this.tasks) {
      if (!task.asleep) {
        this.schedule();
        break;
      }
    }
  }
}

/**
 * Sorts `items` (a new array is returned) by `compare` on the thread that answers, in slices of
 * about `sliceMs` with `pause()` awaited between them: a merge sort of runs sorted whole. For
 * what would hold the loop too long at once: the canonical order of a 1M-record zone's 625k
 * names took 2.3 s in one Array.prototype.sort.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number, pause: () => Promise<void>, sliceMs = 2): Promise<T[]> {
  const RUN = 512;
  const n = items.length;
  let from = items.slice();
  let end = performance.now() + sliceMs;
  const due = () => performance.now() >= end;
  const rest = async () => {
    await pause();
    end = performance.now() + sliceMs;
  };
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(n, lo + RUN);
    const run = from.slice(lo, hi).sort(compare);
    for (let i = lo; i < hi; i++) from[i] = run[i - lo]!;
    if (due()) await rest();
  }
  let to = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        to[k++] = j >= hi || (i < mid && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        if ((k & 255) === 0 && due()) await rest();
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
