import { describe, expect, it } from 'vitest';
import { GapCounts } from '../../src/core/gap-counts.ts';
import { createRng } from '../../src/core/rng.ts';
import { dist } from '../../src/core/summary.ts';

describe('GapCounts', () => {
  it('gives exactly the Dist of all the gaps it counted, bit for bit (repeated step times, ±0, non-finite dropped)', () => {
    const rng = createRng(11);
    const steps = Array.from({ length: 300 }, () => rng.uniform(0.5, 40));
    const all: number[] = [];
    const counts = new GapCounts();
    for (let r = 0; r < 2000; r++) {
      const gaps = Array.from({ length: rng.int(0, 60) }, () => steps[rng.int(0, steps.length - 1)]);
      if (r % 97 === 0) gaps.push(0, -0, Number.NaN, Number.POSITIVE_INFINITY, rng.uniform(1000, 2000));
      counts.add(gaps);
      all.push(...gaps);
    }
    const want = dist(all);
    expect(counts.count).toBe(want.count);
    expect(counts.distinct).toBeLessThan(counts.count / 100);
    expect(counts.dist()).toEqual(want);
    expect(Object.is(counts.dist().min, want.min)).toBe(true);
  });

  it('gives the empty Dist and a one-value Dist as dist does', () => {
    const empty = new GapCounts();
    expect(empty.dist()).toEqual(dist([]));
    const one = new GapCounts();
    one.add([2.5]);
    expect(one.dist()).toEqual(dist([2.5]));
  });
});
