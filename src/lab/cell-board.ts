/**
 * Which runner takes which cell, in shared memory: the cell pool's board (cell-pool.ts). The main
 * thread and each cell thread claim their next cell here themselves, with an atomic compare-and-swap,
 * so a thread never waits for the main thread (which is busy running cells of its own) to hand it
 * work. What a runner takes is `nextCell`: the next cell of the workload it has built, else one of a
 * workload nobody has started, else the first waiting one. Two runners racing for one cell: one wins,
 * the other looks again. The board holds no results (those come back as messages); a cell's outcome
 * does not depend on who claimed it (cells are pure functions of their job), only the order does.
 */

/** Per cell: 0 waiting, else the runner that claimed it (1 the main thread, 2… the threads). */
const WAITING = 0;

/** What a thread needs to join the board (plain data: it crosses the thread boundary). */
export interface BoardData {
  /** Int32 per cell (who claimed it), then per group (started or not), then the stop flag. */
  buffer: SharedArrayBuffer;
  /** Cell i's workload, as a small number (cells of one workload share a build). */
  groups: number[];
}

/**
 * The next cell for a runner whose last cell had workload `previous` (null: none yet): the first
 * waiting cell of that workload (the runner has it built), else the first of a workload no runner has
 * started, else the first waiting cell; -1 when none is waiting. Cells of one workload then mostly
 * run in one runner, which builds that workload once.
 */
export function nextCell<G>(waiting: readonly boolean[], groups: readonly G[], previous: G | null, started: ReadonlySet<G>): number {
  let fresh = -1;
  let any = -1;
  for (let i = 0; i < waiting.length; i++) {
    if (!waiting[i]) continue;
    if (groups[i] === previous) return i;
    if (fresh < 0 && !started.has(groups[i])) fresh = i;
    if (any < 0) any = i;
  }
  return fresh >= 0 ? fresh : any;
}

export class CellBoard {
  private readonly claims: Int32Array;
  private readonly started: Int32Array;
  private readonly flags: Int32Array;

  /** A new board for cells of these workload keys (equal keys: one group). */
  static create(workloadKeys: readonly string[]): CellBoard {
    const ids = new Map<string, number>();
    const groups = workloadKeys.map((k) => {
      if (!ids.has(k)) ids.set(k, ids.size);
      return ids.get(k)!;
    });
    return new CellBoard({ buffer: new SharedArrayBuffer(4 * (groups.length + ids.size + 1)), groups });
  }

  constructor(readonly data: BoardData) {
    const n = data.groups.length;
    const g = data.groups.reduce((m, x) => Math.max(m, x + 1), 0);
    this.claims = new Int32Array(data.buffer, 0, n);
    this.started = new Int32Array(data.buffer, 4 * n, g);
    this.flags = new Int32Array(data.buffer, 4 * (n + g), 1);
  }

  /** Claim the next cell for `runner` (1…), whose last cell was `previous`; -1: none left, or stopped. */
  claim(runner: number, previous: number | null): number {
    for (;;) {
      if (this.stopped) return -1;
      const waiting = Array.from(this.claims, (c) => c === WAITING);
      const started = new Set<number>();
      this.started.forEach((s, g) => s !== 0 && started.add(g));
      const i = nextCell(waiting, this.data.groups, previous, started);
      if (i < 0) return -1;
      if (Atomics.compareExchange(this.claims, i, WAITING, runner) === WAITING) {
        Atomics.store(this.started, this.data.groups[i], 1);
        return i;
      }
    }
  }

  /** The workload group of cell `i`. */
  group(i: number): number {
    return this.data.groups[i];
  }

  /** Cells nobody has claimed yet. */
  get waiting(): number {
    let n = 0;
    for (let i = 0; i < this.claims.length; i++) if (Atomics.load(this.claims, i) === WAITING) n++;
    return n;
  }

  /** Every cell claimed so far (finished or not). */
  claimed(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.claims.length; i++) if (Atomics.load(this.claims, i) !== WAITING) out.push(i);
    return out;
  }

  /** The cells `runner` has claimed (finished or not). */
  claimedBy(runner: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.claims.length; i++) if (Atomics.load(this.claims, i) === runner) out.push(i);
    return out;
  }

  /** No runner claims another cell (an abort, or a cell's error). */
  stop(): void {
    Atomics.store(this.flags, 0, 1);
  }

  get stopped(): boolean {
    return Atomics.load(this.flags, 0) !== 0;
  }
}
