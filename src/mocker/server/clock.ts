/**
 * The real-time clock the engine driver runs on: a monotonic base (performance.now) for absolute
 * deadlines, the matching epoch time for timestamps sent to clients, and `at(deadline)` to run a
 * callback once a deadline has passed. This is the only place in the mocker that touches timers.
 *
 * `at` never fires early: it sleeps with setTimeout for whole milliseconds and, because libuv timers
 * have millisecond granularity, re-checks and yields with setImmediate for the last fraction of a
 * millisecond. A deadline already in the past runs on the next setImmediate (no sleep, but I/O still
 * gets a turn between engine steps).
 */

export interface DriverClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Epoch milliseconds of a monotonic time. */
  toEpochMs(monoMs: number): number;
  /** Run `fn` once `now() >= atMs`. Returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

export const realClock: DriverClock = {
  now: () => performance.now(),
  toEpochMs: (monoMs) => performance.timeOrigin + monoMs,
  at(atMs, fn) {
    let timeout: NodeJS.Timeout | null = null;
    let immediate: NodeJS.Immediate | null = null;
    const check = (): void => {
      timeout = null;
      immediate = null;
      const remaining = atMs - performance.now();
      if (remaining <= 0) fn();
      else if (remaining >= 1) timeout = setTimeout(check, Math.ceil(remaining));
      else immediate = setImmediate(check);
    };
    const remaining = atMs - performance.now();
    if (remaining >= 1) timeout = setTimeout(check, Math.ceil(remaining));
    else immediate = setImmediate(check);
    return () => {
      if (timeout) clearTimeout(timeout);
      if (immediate) clearImmediate(immediate);
      timeout = null;
      immediate = null;
    };
  },
};
