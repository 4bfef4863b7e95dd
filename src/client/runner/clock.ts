/**
 * The clock a runner reads and sleeps on. The real clock is performance.now + setTimeout; tests pass
 * a virtual clock so scheduling (think times, open-loop send times, Poisson pacing) is checked in
 * fake time. A sleep ends early, without throwing, when its signal aborts.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Resolve after `ms` (immediately when ms ≤ 0), or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep(ms, signal) {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

/** Sleep until the clock reads `atMs`. */
export function sleepUntil(clock: Clock, atMs: number, signal?: AbortSignal): Promise<void> {
  return clock.sleep(atMs - clock.now(), signal);
}
