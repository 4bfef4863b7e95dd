/**
 * Running a callback at an exact monotonic time on Node's timers — the rule the client's runner clock
 * and the mock engine's driver clock share. libuv timers count whole milliseconds of a loop clock
 * (`setTimeout(f, n)` fires n to n + 1 ms later), so a plain setTimeout wakes up to ~1 ms late. Here the
 * whole milliseconds left are slept with setTimeout, rounded down, and once less than one is left the
 * time is re-checked on setImmediate (each such turn still polls I/O): never early, late by microseconds,
 * for at most a millisecond of busy re-checking per wait.
 * Options: `syncWhenDue` runs a callback whose time has already come at once (else on the next
 * setImmediate, so I/O gets a turn first); `coarseStart` makes a wait that starts under a millisecond
 * take one setTimeout(1) first, so high rates of tiny gaps are not busy-waited (they may end ~1 ms late).
 * The timer functions are injectable (`TimerHost`) so both clocks are tested against a model of libuv.
 */
import { performance } from 'node:perf_hooks';

/** The timer primitives a precise clock is built on (Node's by default). */
export interface TimerHost {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

export const nodeTimers: TimerHost = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
};

export interface RunAtOptions {
  /** Run `fn` synchronously when `atMs` has already passed (else on the next setImmediate). */
  syncWhenDue: boolean;
  /** A wait starting under a millisecond first takes one setTimeout(1) instead of busy re-checks. */
  coarseStart: boolean;
}

/** Run `fn` once `host.now() >= atMs` (see the module comment). Returns a cancel function. */
export function runAtPrecise(host: TimerHost, atMs: number, fn: () => void, opts: RunAtOptions): () => void {
  let timeout: unknown = null;
  let immediate: unknown = null;
  let waited = false;
  const check = (first: boolean): void => {
    timeout = null;
    immediate = null;
    const left = atMs - host.now();
    if (left <= 0) {
      if (first && !opts.syncWhenDue) immediate = host.setImmediate(tick);
      else fn();
    } else if (left >= 1 || (opts.coarseStart && !waited)) {
      waited = true;
      timeout = host.setTimeout(tick, Math.max(1, Math.floor(left)));
    } else immediate = host.setImmediate(tick);
  };
  const tick = (): void => check(false);
  check(true);
  return () => {
    if (timeout !== null) host.clearTimeout(timeout);
    if (immediate !== null) host.clearImmediate(immediate);
    timeout = null;
    immediate = null;
  };
}
