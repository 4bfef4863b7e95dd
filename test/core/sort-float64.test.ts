import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { sortFloat64 } from '../../src/core/sort-float64.ts';

/** The reference: the native typed-array sort (−0 before +0). */
const native = (xs: Float64Array): Float64Array => Float64Array.from(xs).sort();

describe('sortFloat64', () => {
  it('orders long arrays exactly as the native sort: negatives, ±0, duplicates, subnormals, huge values', () => {
    const rng = createRng(7);
    const n = 200_000;
    const xs = new Float64Array(n);
    const specials = [0, -0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1.7382579424977394, 1e-300];
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      xs[i] = i % 10 === 0 ? specials[i % specials.length] : i % 3 === 0 ? (u - 0.5) * 1e6 : u < 0.5 ? Math.floor(u * 50) / 7 : Math.exp(u * 40 - 20);
    }
    const want = native(xs);
    const got = sortFloat64(xs);
    expect(got).toBe(xs);
    // Bit-for-bit: Object.is tells −0 from +0.
    const same = Array.from(want).every((w, i) => Object.is(w, got[i]));
    expect(same).toBe(true);
  });

  it('sorts a subarray in place without touching the rest of its buffer', () => {
    const rng = createRng(3);
    const buf = new Float64Array(100_000).map(() => rng.next() * 100);
    const before = Float64Array.from(buf);
    const view = buf.subarray(0, 80_000);
    sortFloat64(view);
    expect(Array.from(view)).toEqual(Array.from(native(before.subarray(0, 80_000))));
    expect(Array.from(buf.subarray(80_000))).toEqual(Array.from(before.subarray(80_000)));
  });

  it('leaves an array whose numbers are all equal, or already sorted, as it is', () => {
    const flat = new Float64Array(70_000).fill(2.5);
    expect(sortFloat64(flat).every((x) => x === 2.5)).toBe(true);
    const asc = Float64Array.from({ length: 70_000 }, (_, i) => i / 3);
    expect(Array.from(sortFloat64(Float64Array.from(asc)))).toEqual(Array.from(asc));
  });
});
