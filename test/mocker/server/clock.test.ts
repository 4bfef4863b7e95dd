import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDriverClock } from '../../../src/mocker/server/clock.ts';
import { FakeTimerHost } from '../../core/helpers/fake-timer-host.ts';

describe('driver clock on a model of libuv timers', () => {
  it('runs a step deadline never before it and within one loop turn after it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: -5, max: 60, noNaN: true }), (start, ms) => {
        const host = new FakeTimerHost(start, 0.02, 0.05);
        const clock = createDriverClock(host);
        let firedAt = -1;
        clock.at(start + ms, () => (firedAt = clock.now()));
        expect(firedAt).toBe(-1); // never synchronously, even for a past deadline
        host.run();
        expect(firedAt).toBeGreaterThanOrEqual(start + ms);
        expect(firedAt - Math.max(start + ms, start)).toBeLessThanOrEqual(0.05 + 1e-9);
        expect(host.immediates).toBeLessThanOrEqual(1 / 0.02 + 4);
      }),
    );
  });

  it('a cancelled deadline never runs', () => {
    const host = new FakeTimerHost(0);
    const clock = createDriverClock(host);
    let ran = false;
    clock.at(7.5, () => (ran = true))();
    clock.at(-1, () => (ran = true))();
    host.run();
    expect(ran).toBe(false);
  });

  it('maps monotonic times to epoch times by the time origin', () => {
    const host = new FakeTimerHost(0);
    expect(createDriverClock(host).toEpochMs(12.5)).toBe(host.timeOrigin + 12.5);
  });
});
