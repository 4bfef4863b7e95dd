import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getEventListeners } from 'node:events';
import { createRealClock, runAt } from '../../../src/client/runner/clock.ts';
import { onAbort } from '../../../src/client/runner/abort-fanout.ts';
import { FakeTimerHost } from '../../core/helpers/fake-timer-host.ts';

describe('precise wake-ups on a model of libuv timers', () => {
  it('never fires before the wake time, and a wait of a millisecond or more fires within one loop turn after it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 1, max: 40, noNaN: true }), (start, ms) => {
        const host = new FakeTimerHost(start, 0.02, 0.05);
        let firedAt = -1;
        runAt(host, start + ms, () => (firedAt = host.t));
        host.run();
        expect(firedAt).toBeGreaterThanOrEqual(start + ms);
        expect(firedAt - (start + ms)).toBeLessThanOrEqual(0.05 + 1e-9);
        // At most about a millisecond of busy re-checking (turns of 0.02 ms).
        expect(host.immediates).toBeLessThanOrEqual(1 / 0.02 + 4);
      }),
    );
  });

  it('a sub-millisecond wait takes the next millisecond tick instead of busy-waiting, never firing early', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (start, ms) => {
        const host = new FakeTimerHost(start, 0.02, 0.05);
        let firedAt = -1;
        runAt(host, start + ms, () => (firedAt = host.t));
        host.run();
        expect(firedAt).toBeGreaterThanOrEqual(start + ms);
        expect(firedAt - (start + ms)).toBeLessThanOrEqual(1 + 0.05);
        // Busy re-checks only for what is left after that tick: less than the wait itself.
        expect(host.immediates * 0.02).toBeLessThanOrEqual(ms + 0.02);
      }),
    );
  });

  it('a wake time already past fires on the current check, and a cancelled one never fires', () => {
    const host = new FakeTimerHost(10.5);
    let n = 0;
    runAt(host, 10, () => n++);
    expect(n).toBe(1);
    const cancel = runAt(host, 20, () => n++);
    cancel();
    host.run();
    expect(n).toBe(1);
    expect(host.pending).toBe(0);
  });

  it('a sleep resolves at its time, and an aborted sleep resolves at once and leaves no timer behind', async () => {
    const host = new FakeTimerHost(3.7);
    const clock = createRealClock(host);
    let woke = -1;
    void clock.sleep(12.34).then(() => (woke = host.t));
    await host.drain();
    expect(woke).toBeGreaterThanOrEqual(3.7 + 12.34);
    expect(woke).toBeLessThan(3.7 + 12.34 + 0.1);

    const ac = new AbortController();
    let ended = false;
    void clock.sleep(1000, ac.signal).then(() => (ended = true));
    host.advanceTo(host.t + 10);
    expect(host.pending).toBeGreaterThan(0);
    ac.abort();
    await Promise.resolve();
    expect(ended).toBe(true);
    expect(host.pending).toBe(0);
    await expect(clock.sleep(5, ac.signal)).resolves.toBeUndefined();
    expect(host.pending).toBe(0);
  });
});

describe('abort fan-out', () => {
  it('puts one listener on a shared signal however many callbacks it carries, and calls each once', () => {
    const ac = new AbortController();
    const calls: number[] = [];
    const offs = Array.from({ length: 500 }, (_, i) => onAbort(ac.signal, () => calls.push(i)));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    offs.slice(0, 499).forEach((off) => off());
    ac.abort();
    ac.abort();
    expect(calls).toEqual([499]);
  });
});
