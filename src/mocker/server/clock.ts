/**
 * The real-time clock the engine driver runs on: a monotonic base (performance.now) for absolute
 * deadlines, the matching epoch time for timestamps sent to clients, and `at(deadline)` to run a
 * callback once a deadline has passed. This is the only place in the mocker that touches timers.
 *
 * `at` never fires early and aims at the exact deadline (core/precise-timer, the rule the client's
 * runner clock uses too: whole milliseconds on setTimeout rounded down — rounding up made every step's
 * tokens up to 1 ms late — and the last fraction re-checked on setImmediate). A deadline already in the
 * past runs on the next setImmediate (no sleep, but I/O still gets a turn between engine steps).
 */
import { performance } from 'node:perf_hooks';
import { nodeTimers, runAtPrecise, type TimerHost } from '../../core/precise-timer.ts';

export interface DriverClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Epoch milliseconds of a monotonic time. */
  toEpochMs(monoMs: number): number;
  /** Run `fn` once `now() >= atMs`. Returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

/** Node's timers plus the epoch time of the monotonic clock's origin. */
export interface DriverTimerHost extends TimerHost {
  timeOrigin: number;
}

export const nodeDriverTimers: DriverTimerHost = { ...nodeTimers, timeOrigin: performance.timeOrigin };

export function createDriverClock(host: DriverTimerHost = nodeDriverTimers): DriverClock {
  return {
    now: () => host.now(),
    toEpochMs: (monoMs) => host.timeOrigin + monoMs,
    // Never synchronous: even a past deadline waits for the next turn of the loop.
    at: (atMs, fn) => runAtPrecise(host, atMs, fn, { syncWhenDue: false, coarseStart: false }),
  };
}

export const realClock: DriverClock = createDriverClock();
