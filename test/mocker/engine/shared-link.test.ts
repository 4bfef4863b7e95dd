import { describe, expect, it } from 'vitest';
import { SharedLink } from '../../../src/mocker/engine/shared-link.ts';

// 1 GB/s = 1e6 bytes per ms.
describe('shared transfer link (processor sharing)', () => {
  it('moves one transfer at the full bandwidth', () => {
    const link = new SharedLink(1);
    link.add(1, 5e6, 100);
    expect(link.nextCompletionMs()).toBe(105);
    expect(link.inFlight(1, 104.9)).toBe(true);
    expect(link.inFlight(1, 105)).toBe(false);
  });

  it('splits the bandwidth between concurrent transfers, so two equal ones take twice as long', () => {
    const link = new SharedLink(1);
    link.add(1, 4e6, 0);
    link.add(2, 4e6, 0);
    expect(link.nextCompletionMs()).toBe(8);
    expect(link.inFlight(1, 7.99)).toBe(true);
    expect(link.inFlight(2, 8)).toBe(false);
  });

  it('gives a transfer the whole link again once the other one is done', () => {
    const link = new SharedLink(2); // 2e6 B/ms
    link.add(1, 2e6, 0); // alone: 1 ms
    link.add(2, 6e6, 0.5); // at 0.5 ms: 1e6 of #1 left, shared → #1 done at 1.5; #2 then has 5e6 left → 2.5 ms more
    expect(link.inFlight(1, 1.49)).toBe(true);
    expect(link.inFlight(1, 1.5)).toBe(false);
    expect(link.nextCompletionMs()).toBeCloseTo(4, 9);
    expect(link.inFlight(2, 4)).toBe(false);
  });

  it('grows a transfer still in flight and refuses to grow a finished one', () => {
    const link = new SharedLink(1);
    link.add(1, 1e6, 0);
    expect(link.grow(1, 1e6, 0.5)).toBe(true);
    expect(link.nextCompletionMs()).toBe(2);
    expect(link.grow(1, 1e6, 3)).toBe(false);
    expect(link.bytesQueued).toBe(2e6);
  });

  it('rejects a bandwidth that is not a positive number', () => {
    expect(() => new SharedLink(0)).toThrow(/positive number of GB\/s/);
    expect(() => new SharedLink(Number.NaN)).toThrow(RangeError);
  });
});
