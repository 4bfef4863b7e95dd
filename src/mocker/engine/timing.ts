/**
 * How long an engine step takes, in ms, before the engine's speedup divisors. Two shapes:
 * - polynomial (the default: Dynamo mocker's fitted curves for a vLLM worker),
 *   prefill(T) = c2·T² + c1·T + c0 for T new (uncached) tokens in the step, 0 when T = 0;
 *   decode(p) = max(decodeMinMs, c2·p² + c1·p + c0) with p = active KV tokens / capacity tokens;
 * - table: piecewise-linear interpolation over measured points, extrapolated linearly past both ends
 *   (never below 0 ms).
 *
 * Approximation: a step's cost is prefill cost + decode cost, each a function of one number; batch
 * composition, attention length and hardware are folded into the fit.
 */

export interface TimingModel {
  /** Duration of the prefill part of a step computing `newTokens` uncached tokens (0 → 0). */
  prefillMs(newTokens: number): number;
  /** Duration of one decode pass with `activeKvTokens` of `capacityTokens` in use. */
  decodeMs(activeKvTokens: number, capacityTokens: number): number;
}

/** Coefficients [c2, c1, c0] of c2·x² + c1·x + c0. */
export type Quadratic = readonly [number, number, number];

export interface PolynomialTimingSpec {
  prefill: Quadratic;
  decode: Quadratic;
  /** Floor of a decode step, ms (default 1). */
  decodeMinMs?: number;
}

/** Points [x, ms] with strictly increasing x (at least two). */
export type TablePoints = readonly (readonly [number, number])[];

export interface TableTimingSpec {
  /** [new tokens in the step, ms]. */
  prefill: TablePoints;
  /** [KV usage 0..1, ms]. */
  decode: TablePoints;
}

/** Dynamo mocker's fitted prefill curve (ms for T new tokens). */
export const DEFAULT_PREFILL: Quadratic = Object.freeze([4.209989e-7, 1.518344e-2, 16.50142]) as unknown as Quadratic;
/** Dynamo mocker's fitted decode curve (ms at KV usage p). */
export const DEFAULT_DECODE: Quadratic = Object.freeze([-25.74, 54.01, 5.74]) as unknown as Quadratic;
export const DEFAULT_DECODE_MIN_MS = 1;

function usage(activeKvTokens: number, capacityTokens: number): number {
  return capacityTokens > 0 ? activeKvTokens / capacityTokens : 0;
}

export function polynomialTiming(spec: PolynomialTimingSpec): TimingModel {
  const [p2, p1, p0] = spec.prefill;
  const [d2, d1, d0] = spec.decode;
  const minMs = spec.decodeMinMs ?? DEFAULT_DECODE_MIN_MS;
  return {
    prefillMs: (t) => (t > 0 ? Math.max(0, (p2 * t + p1) * t + p0) : 0),
    decodeMs: (active, capacity) => {
      const p = usage(active, capacity);
      return Math.max(minMs, (d2 * p + d1) * p + d0);
    },
  };
}

/** Linear interpolation over sorted points, extrapolating the end segments; clamped at 0. */
function interpolate(points: TablePoints, x: number): number {
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
    prefillMs: (t) => (t > 0 ? interpolate(prefill, t) : 0),
    decodeMs: (active, capacity) => interpolate(decode, usage(active, capacity)),
  };
}

/** The default model: Dynamo mocker's polynomials. */
export const DEFAULT_TIMING: TimingModel = Object.freeze(
  polynomialTiming({ prefill: DEFAULT_PREFILL, decode: DEFAULT_DECODE, decodeMinMs: DEFAULT_DECODE_MIN_MS }),
);
