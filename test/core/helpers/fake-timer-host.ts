/**
 * A model of Node's timers on libuv, in virtual time, for testing precise-wake logic without sleeping:
 * - `setTimeout(f, n)` counts whole milliseconds of the loop clock: it fires once floor(now) reaches
 *   floor(now at the call) + n (n below 1 counts as 1, as in Node), i.e. anywhere from n − 1 to n ms
 *   after the call depending on where in its millisecond the call fell, plus `wakeMs` of wake-up delay
 *   (a number, or a function drawn once per timer: e.g. a seeded random lateness of a busy loop);
 * - `setImmediate(f)` runs on the next loop turn, `turnMs` later.
 * `run()` executes callbacks in time order until none is left (bounded).
 */
export class FakeTimerHost {
  t: number;
  readonly timeOrigin = 1_000_000;
  private seq = 0;
  private queue: { at: number; seq: number; fn: () => void; live: boolean; kind: 'timeout' | 'immediate' }[] = [];
  timeouts = 0;
  immediates = 0;

  constructor(
    start = 0,
    private readonly turnMs = 0.02,
    private readonly wakeMs: number | (() => number) = 0.05,
  ) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): unknown => {
    this.timeouts++;
    const n = ms >= 1 ? Math.floor(ms) : 1;
    const wake = typeof this.wakeMs === 'function' ? this.wakeMs() : this.wakeMs;
    return this.push(Math.floor(this.t) + n + wake, fn, 'timeout');
  };

  setImmediate = (fn: () => void): unknown => {
    this.immediates++;
    return this.push(this.t + this.turnMs, fn, 'immediate');
  };

  clearTimeout = (h: unknown): void => {
    (h as { live: boolean }).live = false;
  };

  clearImmediate = (h: unknown): void => {
    (h as { live: boolean }).live = false;
  };

  private push(at: number, fn: () => void, kind: 'timeout' | 'immediate') {
    const item = { at: Math.max(at, this.t), seq: this.seq++, fn, live: true, kind };
    this.queue.push(item);
    return item;
  }

  /** Pending (not cancelled) callbacks. */
  get pending(): number {
    return this.queue.filter((q) => q.live).length;
  }

  /** Run callbacks in time order until none is left. */
  run(limit = 1_000_000): void {
    for (let i = 0; i < limit; i++) if (!this.step()) return;
    throw new Error('fake timers: too many callbacks');
  }

  /** Run the next callback; false when none is left. */
  step(): boolean {
    this.queue = this.queue.filter((q) => q.live);
    if (this.queue.length === 0) return false;
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = this.queue.shift()!;
    this.t = next.at;
    next.fn();
    return true;
  }

  /** Run callbacks one at a time, letting promise callbacks run between them, until none is left. */
  async drain(limit = 100_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await new Promise((r) => setImmediate(r));
      if (!this.step()) return;
    }
    throw new Error('fake timers: too many callbacks');
  }

  /** Advance to `at`, running what is due on the way. */
  advanceTo(at: number): void {
    for (;;) {
      this.queue = this.queue.filter((q) => q.live);
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > at) break;
      this.queue.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = Math.max(this.t, at);
  }
}
