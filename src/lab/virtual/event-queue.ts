/**
 * The virtual clock's single ordered event queue, ordered by (time, insertion order): events at the
 * same virtual time run in the order they were scheduled — deterministic ties without any comparison
 * of payloads.
 *
 * Two stores behind one order: events pushed in non-decreasing time (a schedule's arrivals, pushed
 * up front) append to a sorted run, read from its head; any other event goes to a binary min-heap.
 * Both hold their events in (time, insertion) order, so `pop` takes the smaller of the two heads. A
 * replay that schedules thousands of arrivals keeps them out of the heap, which then holds only the
 * few engine steps in flight. Parallel arrays keep pushes and pops allocation-free.
 */

/** Consumed run entries kept before the run is compacted. */
const COMPACT_AT = 1024;

export class EventQueue<T> {
  // Heap.
  private times: number[] = [];
  private seqs: number[] = [];
  private items: (T | undefined)[] = [];
  // Sorted run: entries [runHead, runTimes.length) are pending.
  private runTimes: number[] = [];
  private runSeqs: number[] = [];
  private runItems: (T | undefined)[] = [];
  private runHead = 0;
  private nextSeq = 0;

  get size(): number {
    return this.items.length + this.runTimes.length - this.runHead;
  }

  push(timeMs: number, item: T): void {
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be finite, got ${timeMs}`);
    const seq = this.nextSeq++;
    const runLen = this.runTimes.length;
    if (runLen === this.runHead || timeMs >= this.runTimes[runLen - 1]) {
      this.runTimes.push(timeMs);
      this.runSeqs.push(seq);
      this.runItems.push(item);
      return;
    }
    let i = this.items.length;
    this.times.push(timeMs);
    this.seqs.push(seq);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    const h = this.items.length > 0 ? this.times[0] : Infinity;
    const r = this.runHead < this.runTimes.length ? this.runTimes[this.runHead] : Infinity;
    return h < r ? h : r;
  }

  /** Remove and return the earliest event (its time is read with peekTime before). */
  pop(): T | undefined {
    const hasHeap = this.items.length > 0;
    const hasRun = this.runHead < this.runTimes.length;
    if (!hasHeap && !hasRun) return undefined;
    if (hasRun) {
      const r = this.runHead;
      const rt = this.runTimes[r];
      if (!hasHeap || rt < this.times[0] || (rt === this.times[0] && this.runSeqs[r] < this.seqs[0])) {
        const item = this.runItems[r] as T;
        this.runItems[r] = undefined;
        this.runHead = r + 1;
        if (this.runHead >= COMPACT_AT && this.runHead * 2 >= this.runTimes.length) this.compactRun();
        return item;
      }
    }
    return this.popHeap();
  }

  /** Drop the run's consumed head (amortised O(1): only once it is at least half of the run). */
  private compactRun(): void {
    const h = this.runHead;
    this.runTimes.splice(0, h);
    this.runSeqs.splice(0, h);
    this.runItems.splice(0, h);
    this.runHead = 0;
  }

  private popHeap(): T {
    const n = this.items.length;
    const top = this.items[0] as T;
    const last = n - 1;
    if (last > 0) this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.items.pop();
    let i = 0;
    const size = last;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && this.less(l, m)) m = l;
      if (r < size && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a];
    const tb = this.times[b];
    return ta < tb || (ta === tb && this.seqs[a] < this.seqs[b]);
  }

  private swap(a: number, b: number): void {
    const t = this.times[a];
    this.times[a] = this.times[b];
    this.times[b] = t;
    const s = this.seqs[a];
    this.seqs[a] = this.seqs[b];
    this.seqs[b] = s;
    const x = this.items[a];
    this.items[a] = this.items[b];
    this.items[b] = x;
  }
}
