/**
 * The distribution of many numbers kept as value → count: what a long virtual run's ITL gaps need.
 * A virtual run's gaps are step durations shared by every request of a step, so a run of 12,500
 * requests has 1.86 M gaps but 12 k distinct values (the Mooncake trace: 591 k gaps, 2.5 k values);
 * holding the counts instead of the gaps keeps a long run's memory from growing with its tokens.
 *
 * `dist()` is exactly `dist(all gaps)` of summary.ts, bit for bit: the percentiles come from the
 * same `percentileSorted` over a read-only view of the implied sorted array, and the mean and the
 * standard deviation repeat simple-statistics' arithmetic (a compensated sum, then the plain sum of
 * squared deviations from that mean) over the implied array in order, without building it.
 * Non-finite values are dropped, as `dist` drops them. Real-clock gaps are mostly distinct: this is
 * for the virtual clock.
 */
import type { Dist } from './records.ts';
import { dist, percentileSorted } from './summary.ts';
import { sortFloat64 } from './sort-float64.ts';

export class GapCounts {
  private readonly counts = new Map<number, number>();
  private total = 0;

  add(gaps: readonly number[]): void {
    for (let i = 0; i < gaps.length; i++) {
      const g = gaps[i];
      if (!Number.isFinite(g)) continue;
      // −0 and +0 are one Map key (SameValueZero); dist keeps the sign, so −0 gets its own key.
      const key = Object.is(g, -0) ? NEG_ZERO_KEY : g;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      this.total++;
    }
  }

  /** How many gaps were added (finite ones). */
  get count(): number {
    return this.total;
  }

  /** Distinct values held. */
  get distinct(): number {
    return this.counts.size;
  }

  dist(): Dist {
    const n = this.total;
    if (n === 0) return dist([]);
    const values = sortFloat64(Float64Array.from(this.counts.keys(), (k) => (Number.isNaN(k) ? -0 : k)));
    const counts = new Float64Array(values.length);
    const ends = new Float64Array(values.length);
    let end = 0;
    for (let i = 0; i < values.length; i++) {
      counts[i] = this.counts.get(Object.is(values[i], -0) ? NEG_ZERO_KEY : values[i])!;
      end += counts[i];
      ends[i] = end;
    }
    const sorted = sortedView(values, ends, n);
    const mean = compensatedSum(values, counts) / n;
    return {
      mean,
      std: n > 1 ? Math.sqrt(squaredDeviations(values, counts, mean) / n) : 0,
      min: values[0],
      p25: percentileSorted(sorted, 25),
      p50: percentileSorted(sorted, 50),
      p75: percentileSorted(sorted, 75),
      p90: percentileSorted(sorted, 90),
      p95: percentileSorted(sorted, 95),
      p99: percentileSorted(sorted, 99),
      max: values[values.length - 1],
      count: n,
    };
  }
}

/** A key no finite gap can be (−0 needs its own: Map keys treat −0 as +0). */
const NEG_ZERO_KEY = Number.NaN;

/** The implied sorted array (each value repeated its count), read by index: a binary search over the counts' running ends. */
function sortedView(values: Float64Array, ends: Float64Array, n: number): readonly number[] {
  const at = (i: number): number => {
    let lo = 0;
    let hi = ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
  return new Proxy([] as number[], {
    get: (_t, key) => (key === 'length' ? n : typeof key === 'string' && /^\d+$/.test(key) ? at(Number(key)) : undefined),
  });
}

/** simple-statistics' `sum` (Kahan–Babuška–Neumaier) over the implied array, in order. */
function compensatedSum(values: Float64Array, counts: Float64Array): number {
  let sum = values[0];
  let correction = 0;
  let first = true;
  for (let v = 0; v < values.length; v++) {
    const x = values[v];
    for (let c = first ? 1 : 0; c < counts[v]; c++) {
      const t = sum + x;
      if (Math.abs(sum) >= Math.abs(x)) correction += sum - t + x;
      else correction += x - t + sum;
      sum = t;
    }
    first = false;
  }
  return sum + correction;
}

/** Σ (x − mean)² over the implied array, in order, plainly summed (simple-statistics' sumNthPowerDeviations for n = 2). */
function squaredDeviations(values: Float64Array, counts: Float64Array, mean: number): number {
  let sum = 0;
  for (let v = 0; v < values.length; v++) {
    const d = values[v] - mean;
    for (let c = 0; c < counts[v]; c++) sum += d * d;
  }
  return sum;
}
