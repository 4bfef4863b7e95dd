/**
 * The clock a runner reads and sleeps on. The real clock is performance.now plus Node's timers; tests
 * pass a virtual clock so scheduling (think times, open-loop send times, Poisson pacing) is checked in
 * fake time. A sleep ends early, without throwing, when its signal aborts.
 *
 * The real sleep never ends early and aims at the exact wake time (core/precise-timer: whole
 * milliseconds on setTimeout, the last fraction re-checked on setImmediate). A sleep shorter than a
 * millisecond first waits for the loop clock's next millisecond (busy-waiting whole sub-ms gaps would
 * burn a core at thousands of sends per second), so it may end up to ~1 ms late.
 */
import { nodeTimers, runAtPrecise, type TimerHost } from '../../core/precise-timer.ts';
import { onAbort } from './abort-fanout.ts';

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Resolve after `ms` (immediately when ms ≤ 0), or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export { nodeTimers, type TimerHost };

/** Run `fn` once `host.now() >= atMs` (at once when already due; see core/precise-timer). Returns a cancel function. */
export function runAt(host: TimerHost, atMs: number, fn: () => void): () => void {
  return runAtPrecise(host, atMs, fn, { syncWhenDue: true, coarseStart: true });
}

/** A real-time Clock on `host`'s timers. */
export function createRealClock(host: TimerHost = nodeTimers): Clock {
  return {
    now: () => host.now(),
    sleep(ms, signal) {
      if (!(ms > 0) || signal?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        let settled = false;
        let cancel: (() => void) | null = null;
        let off: (() => void) | null = null;
        const finish = (): void => {
          if (settled) return;
          settled = true;
          cancel?.();
          off?.();
          resolve();
        };
        if (signal) off = onAbort(signal, finish);
        cancel = runAt(host, host.now() + ms, finish);
      });
    },
  };
}

export const realClock: Clock = createRealClock();

/** Sleep until the clock reads `atMs`. */
export function sleepUntil(clock: Clock, atMs: number, signal?: AbortSignal): Promise<void> {
  return clock.sleep(atMs - clock.now(), signal);
}
