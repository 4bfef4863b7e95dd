import { describe, expect, it } from 'vitest';
import { pace } from '../../../src/client/runner/pacer.ts';
import type { Clock } from '../../../src/client/runner/clock.ts';
import { VirtualClock } from '../helpers/virtual-clock.ts';

/** A virtual clock whose sleeps overshoot by `overshootMs` (a busy event loop); counts sleeps. */
function lateClock(inner: VirtualClock, overshootMs: number): Clock & { sleeps: number } {
  const c = {
    sleeps: 0,
    now: () => inner.now(),
    sleep(ms: number, signal?: AbortSignal) {
      if (ms > 0) c.sleeps++;
      return inner.sleep(ms > 0 ? ms + overshootMs : ms, signal);
    },
  };
  return c;
}

describe('open-loop pacer (virtual time)', () => {
  it('fires each item at its due time when wake-ups are punctual', async () => {
    const clock = new VirtualClock();
    const fired: [number, number, number][] = [];
    const n = await clock.drive(pace(clock, [5, 5, 12, 40], (d) => d, (d, late) => fired.push([d, clock.now(), late])));
    expect(n).toBe(4);
    expect(fired).toEqual([
      [5, 5, 0],
      [5, 5, 0],
      [12, 12, 0],
      [40, 40, 0],
    ]);
  });

  it('a late wake-up sends the whole backlog at once, each item with its own lateness, without drift', async () => {
    const inner = new VirtualClock();
    const clock = lateClock(inner, 5);
    const fired: [number, number, number][] = [];
    await inner.drive(pace(clock, [10, 11, 12, 30, 31], (d) => d, (d, late) => fired.push([d, inner.now(), late])));
    // Woken at 15: 10, 11 and 12 go out together. 30 is still due at 30 (absolute), woken at 35.
    expect(fired).toEqual([
      [10, 15, 5],
      [11, 15, 4],
      [12, 15, 3],
      [30, 35, 5],
      [31, 35, 4],
    ]);
    expect(clock.sleeps).toBe(2);
  });

  it('sends nothing more once its signal aborts', async () => {
    const clock = new VirtualClock();
    const ac = new AbortController();
    const fired: number[] = [];
    void clock.sleep(25).then(() => ac.abort());
    const n = await clock.drive(pace(clock, [0, 10, 20, 30, 40], (d) => d, (d) => fired.push(d), ac.signal));
    expect(fired).toEqual([0, 10, 20]);
    expect(n).toBe(3);
  });
});
