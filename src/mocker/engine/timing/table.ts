/**
 * A measured-table timing model: piecewise-linear interpolation over points, extrapolated linearly past
 * both ends and never below 0 ms. Prefill by new tokens in the step, decode by KV usage (as the
 * polynomial model; see polynomial.ts for what that approximates).
 */
import { kvUsage } from './polynomial.ts';
import type { StepBatch, StepTime, TimingModel } from './types.ts';

/** Points [x, ms] with strictly increasing x (at least two). */
export type TablePoints = readonly (readonly [number, number])[];

export interface TableTimingSpec {
  /** [new tokens in the step, ms]. */
  prefill: TablePoints;
  /** [KV usage 0..1, ms]. */
  decode: TablePoints;
}

/** Linear interpolation over sorted points, extrapolating the end segments; clamped at 0. */
export function interpolate(points: TablePoints, x: number): number {
  // Binary search for the first segment end at or past x (the last segment when x is beyond it).
  let lo = 1;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] < x) lo = mid + 1;
    else hi = mid;
  }
  const i = lo;
  const [x0, y0] = points[i - 1];
  const [x1, y1] = points[i];
  return Math.max(0, y0 + ((y1 - y0) * (x - x0)) / (x1 - x0));
}

export function tableTiming(spec: TableTimingSpec): TimingModel {
  if (spec.prefill.length < 2 || spec.decode.length < 2) throw new RangeError('a timing table needs at least two points');
  const prefill = spec.prefill.map((p) => [p[0], p[1]] as const);
  const decode = spec.decode.map((p) => [p[0], p[1]] as const);
  return {
    kind: 'table',
    stepTime(batch: StepBatch, out: StepTime): void {
      out.prefillMs = batch.prefillTokens > 0 ? interpolate(prefill, batch.prefillTokens) : 0;
      out.decodeMs = batch.decodeSeqs > 0 ? interpolate(decode, kvUsage(batch)) : 0;
    },
  };
}
