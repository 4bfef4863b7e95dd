import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../../src/client/http/deadlines.ts';

describe('per-attempt timeouts on one shared timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a watch once its timeout has passed (within one check period) and never a disarmed one', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const d = new Deadlines(100); // checked every 2 ms
    const fired: string[] = [];
    d.arm(() => fired.push('a'));
    vi.advanceTimersByTime(50);
    const b = d.arm(() => fired.push('b'));
    const c = d.arm(() => fired.push('c'));
    d.disarm(b);
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(3);
    expect(fired).toEqual(['a']);
    vi.advanceTimersByTime(50);
    expect(fired).toEqual(['a', 'c']);
    d.disarm(c); // after it fired: nothing happens
    expect(d.size).toBe(0);
  });

  it('runs its timer only while watches are armed', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const d = new Deadlines(600_000); // checked every second
    expect(vi.getTimerCount()).toBe(0);
    const w = d.arm(() => {});
    expect(vi.getTimerCount()).toBe(1);
    d.disarm(w);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
