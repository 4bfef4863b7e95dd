/**
 * A virtual clock for scheduling tests: `sleep` registers a timer, and `drive(promise)` advances time
 * to the next timer whenever every pending microtask and I/O callback has run, until the promise
 * settles. Time only moves when nothing else can happen, so results never depend on the machine.
 */
import type { Clock } from '../../../src/client/runner/clock.ts';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        this.timers = this.timers.filter((x) => x !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.t + ms,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Run `p` to completion in virtual time. */
  async drive<T>(p: Promise<T>): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let steps = 0; ; steps++) {
      await new Promise((r) => setImmediate(r));
      if (settled) return p;
      if (this.timers.length === 0) throw new Error(`virtual clock: no timers left at t=${this.t} and the run is not done`);
      if (steps > 1_000_000) throw new Error('virtual clock: too many steps');
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.t = Math.max(this.t, next.at);
      next.resolve();
    }
  }
}
