// When each check's next round is due, for every check of a service: one binary heap ordered by
// due time and one clock timer for the earliest. A timer per check cost ~235 bytes each (Node's
// Timeout object and its list), 33 MiB for the 140,000 addresses of the benchmark zone; a heap
// slot costs a pointer and an index on the check.

export interface Scheduled {
  /** When the next round is due (clock ms); Infinity when not scheduled. */
  due: number;
  /** Its slot in the heap, -1 when not in it. */
  slot: number;
  /** Called when due. */
  round(): void;
}

export interface SchedulerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export class Scheduler {
  private readonly heap: Scheduled[] = [];
  private timer: unknown;
  private timerAt = Infinity;

  constructor(private readonly clock: SchedulerClock) {}

  get size(): number {
    return this.heap.length;
  }

  /** (Re)schedules `item` at `at`. */
  schedule(item: Scheduled, at: number): void {
    if (item.slot >= 0) this.remove(item);
    item.due = at;
    item.slot = this.heap.length;
    this.heap.push(item);
    this.up(item.slot);
    this.arm();
  }

  remove(item: Scheduled): void {
    const i = item.slot;
    if (i < 0) return;
    const last = this.heap.pop()!;
    item.slot = -1;
    item.due = Infinity;
    if (last !== item) {
      this.heap[i] = last;
      last.slot = i;
      this.down(i);
      this.up(last.slot);
    }
    if (this.heap.length === 0) this.disarm();
  }

  /** Runs what is due, then waits for the next. */
  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    // Rounds due now run in due order; one that schedules itself again lands in the future.
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      const item = this.heap[0]!;
      this.remove(item);
      item.round();
    }
    this.arm();
  }

  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || first.due >= this.timerAt) return;
    this.disarm();
    this.timerAt = first.due;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, first.due - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private up(i: number): void {
    const heap = this.heap;
    const item = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.due <= item.due) break;
      heap[i] = heap[parent]!;
      heap[i]!.slot = i;
      i = parent;
    }
    heap[i] = item;
    item.slot = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.due < heap[child]!.due) child++;
      if (heap[child]!.due >= item.due) break;
      heap[i] = heap[child]!;
      heap[i]!.slot = i;
      i = child;
    }
    heap[i] = item;
    item.slot = i;
  }
}
