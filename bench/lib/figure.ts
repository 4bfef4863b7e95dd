/**
 * Building figures: run statistics (median/min/max over repetitions, percentiles from core/summary)
 * and the ratio-and-target bookkeeping every suite shares.
 */
import { percentileSorted } from '../../src/core/summary.ts';
import type { Figure, RunStats, Target, TargetOp } from './types.ts';

/** Median, min and max of the per-run values (throws on an empty or non-finite list). */
export function runStats(values: readonly number[]): RunStats {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) throw new RangeError(`no finite measurement among ${values.length} runs`);
  return { median: percentileSorted(xs, 50)!, min: xs[0], max: xs[xs.length - 1], runs: xs.length };
}

/** p-th percentile (0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const xs = [...values].sort((a, b) => a - b);
  return percentileSorted(xs, p) ?? Number.NaN;
}

export function compare(value: number, op: TargetOp, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
  }
}

export interface FigureSpec {
  id: string;
  name: string;
  unit: string;
  values: readonly number[];
  baseline?: { name: string; values: readonly number[] };
  target?: Target;
  note?: string;
}

/** A figure from per-run values: medians, ratio to the baseline, whether the target is met. */
export function makeFigure(spec: FigureSpec): Figure {
  const value = runStats(spec.values);
  const baseline = spec.baseline ? { name: spec.baseline.name, value: runStats(spec.baseline.values) } : null;
  const ratio = baseline && baseline.value.median !== 0 ? value.median / baseline.value.median : null;
  let met: boolean | null = null;
  if (spec.target) {
    const subject = spec.target.on === 'value' ? value.median : ratio;
    met = subject === null ? false : compare(subject, spec.target.op, spec.target.limit);
  }
  return { id: spec.id, name: spec.name, unit: spec.unit, value, baseline, ratio, target: spec.target ?? null, met, ...(spec.note ? { note: spec.note } : {}) };
}

/** How many repetitions to run: the caller's override, else quick/full defaults. */
export function repetitions(opts: { quick: boolean; runs?: number }, quick: number, full: number): number {
  const n = opts.runs ?? (opts.quick ? quick : full);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`runs must be an integer ≥ 1, got ${n}`);
  return n;
}
