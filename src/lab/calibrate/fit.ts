/**
 * Fitting the roofline corrections to measured runs. Each case is a simulation that can be re-run with
 * any coefficients and reports its mean TTFT and mean decode span as linear functions of them
 * (linearize.ts), plus what was measured. One iteration: simulate every case with the current
 * coefficients, then solve for the coefficients that best match every case's measured TTFT and span
 * in relative terms — rows (a · c) / measured − 1 — by non-negative least squares (Huber-weighted, so
 * a run the model cannot explain does not drag the others), with a weak ridge
 * toward physically plausible values (`prior`) so coefficients the data cannot pin stay sensible.
 * The trajectories (who shares which step, which max() branch binds) move with the coefficients, so
 * iterate until the coefficients settle (a fixed point), damping the step when they oscillate.
 */
import { COEFFICIENT_NAMES, type RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import type { LinearRun } from './linearize.ts';
import { nnls } from './nnls.ts';

/** What a fit needs of one measured run. */
export interface FitCase<S extends { linear: LinearRun } = { linear: LinearRun }> {
  id: string;
  /** Measured mean TTFT and mean decode span (E2E − TTFT), ms. */
  measured: { ttftMs: number; spanMs: number };
  /** Simulate with these coefficients. */
  run(c: Readonly<RooflineCoefficients>): S;
}

export interface FitOptions {
  /** Where the iteration starts (default: `prior`). */
  start?: Readonly<RooflineCoefficients>;
  /** Plausible values the ridge pulls toward, and the scale of each (default PRIOR, PRIOR_SCALE). */
  prior?: Readonly<RooflineCoefficients>;
  priorScale?: Readonly<RooflineCoefficients>;
  /** Weight of the ridge rows relative to one measured row (default 0.05). */
  ridge?: number;
  /**
   * Huber threshold on relative residuals (default 0.1): a row whose current error exceeds it is
   * down-weighted in proportion, so one run the model cannot explain does not drag every other fit
   * (iteratively reweighted least squares). Infinity: plain least squares.
   */
  huber?: number;
  maxIterations?: number;
  /** Stop when no coefficient moves by more than this share of its scale (default 0.005). */
  tolerance?: number;
  /** Called after each iteration (progress). */
  onIteration?: (it: number, c: Readonly<RooflineCoefficients>, rms: number) => void;
}

/** Simulate every case with coefficients c (in case order); may run them in parallel. */
export type RunAll<S> = (c: Readonly<RooflineCoefficients>) => S[] | Promise<S[]>;

export interface FitResult<S> {
  coefficients: RooflineCoefficients;
  iterations: number;
  converged: boolean;
  /** The cases simulated with the final coefficients. */
  runs: S[];
  /** Root mean square of the relative residuals (TTFT and span rows) at the end. */
  rms: number;
}

/**
 * Plausible corrections for vLLM on a datacenter GPU, before any fit: GEMMs at ~65 % of peak, ~80 % of
 * HBM bandwidth for weights and ~65 % for paged KV reads, attention kernels at ~50 %, ~1 ms of scheduling per step, 15 µs per all-reduce, a few
 * ms in the API server. Only the ridge uses them: the fitted values come from the data.
 */
export const PRIOR: Readonly<RooflineCoefficients> = Object.freeze({
  computeScale: 1.5,
  memoryScale: 1.25,
  kvScale: 1.5,
  attentionScale: 2,
  stepOverheadMs: 1,
  requestOverheadMs: 0.2,
  tokenOverheadMs: 0.02,
  allReduceMs: 0.015,
  frontendMs: 3,
});

export const PRIOR_SCALE: Readonly<RooflineCoefficients> = Object.freeze({
  computeScale: 1,
  memoryScale: 1,
  kvScale: 1,
  attentionScale: 2,
  stepOverheadMs: 2,
  requestOverheadMs: 0.5,
  tokenOverheadMs: 0.05,
  allReduceMs: 0.02,
  frontendMs: 5,
});

const N = COEFFICIENT_NAMES.length;

function toVector(c: Readonly<RooflineCoefficients>): number[] {
  return COEFFICIENT_NAMES.map((k) => c[k]);
}

export function toCoefficients(x: readonly number[]): RooflineCoefficients {
  const out = {} as RooflineCoefficients;
  COEFFICIENT_NAMES.forEach((k, i) => (out[k] = x[i]));
  return out;
}

/** The least-squares step: coefficients best matching the cases' linear rows (trajectories fixed). */
export function solveLinear(
  rows: readonly { linear: LinearRun; measured: { ttftMs: number; spanMs: number } }[],
  opts: FitOptions,
): RooflineCoefficients {
  const prior = toVector(opts.prior ?? PRIOR);
  const scale = toVector(opts.priorScale ?? PRIOR_SCALE);
  const ridge = Math.sqrt(opts.ridge ?? 0.05);
  const A: number[][] = [];
  const b: number[] = [];
  // A row: w · ((a · c) / measured − 1) = 0.
  const push = (coef: Float64Array, target: number, w: number): void => {
    A.push(Array.from({ length: N }, (_, k) => (w * coef[k]) / target));
    b.push(w);
  };
  const delta = opts.huber ?? 0.1;
  // Huber weights from the current residuals (the rows' simulated means at the current coefficients).
  const robust = (simulated: number, measured: number): number => {
    const r = Math.abs(simulated / measured - 1);
    return r <= delta ? 1 : Math.sqrt(delta / r);
  };
  for (const r of rows) {
    push(r.linear.ttft, r.measured.ttftMs, robust(r.linear.ttftMs, r.measured.ttftMs));
    push(r.linear.span, r.measured.spanMs, robust(r.linear.spanMs, r.measured.spanMs));
  }
  for (let k = 0; k < N; k++) {
    const row = new Array<number>(N).fill(0);
    row[k] = ridge / scale[k];
    A.push(row);
    b.push((ridge * prior[k]) / scale[k]);
  }
  return toCoefficients(nnls(A, b));
}

/** Relative residuals of the cases' simulated means against the measured ones. */
export function residuals(rows: readonly { linear: LinearRun; measured: { ttftMs: number; spanMs: number } }[]): number[] {
  return rows.flatMap((r) => [r.linear.ttftMs / r.measured.ttftMs - 1, r.linear.spanMs / r.measured.spanMs - 1]);
}

function rmsOf(xs: number[]): number {
  return Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / Math.max(1, xs.length));
}

/**
 * Fit the coefficients to the cases by iterated linearized least squares (see the module comment).
 * Step membership is discrete, so the iteration settles into a small orbit rather than a point: it
 * stops when the coefficients stop moving or the residuals have not improved for `patience`
 * iterations, and returns the iterate with the smallest residuals.
 */
export async function fitCoefficients<S extends { linear: LinearRun }>(
  cases: readonly FitCase<S>[],
  opts: FitOptions & { patience?: number; runAll?: RunAll<S> } = {},
): Promise<FitResult<S>> {
  if (cases.length === 0) throw new RangeError('fit: no cases');
  const runAll: RunAll<S> = opts.runAll ?? ((c) => cases.map((k) => k.run(c)));
  const maxIt = opts.maxIterations ?? 12;
  const tol = opts.tolerance ?? 0.005;
  const patience = opts.patience ?? 3;
  const scale = toVector(opts.priorScale ?? PRIOR_SCALE);
  const rmsOfRuns = (runs: S[]): number => rmsOf(residuals(runs.map((s, i) => ({ linear: s.linear, measured: cases[i].measured }))));
  let c: RooflineCoefficients = { ...(opts.start ?? opts.prior ?? PRIOR) };
  let runs = await runAll(c);
  let best = { c, runs, rms: rmsOfRuns(runs), it: 0 };
  let damping = 1;
  let lastRms = best.rms;
  for (let it = 1; it <= maxIt; it++) {
    const rows = runs.map((s, i) => ({ linear: s.linear, measured: cases[i].measured }));
    const target = solveLinear(rows, opts);
    const cur = toVector(c);
    // A trust region: one iteration moves a coefficient by at most its prior scale, so a wild
    // least-squares step (trajectories far from linear) cannot throw the simulation into overload.
    const next = toVector(target).map((v, k) => {
      const step = Math.max(-scale[k], Math.min(scale[k], damping * (v - cur[k])));
      return Math.max(0, cur[k] + step);
    });
    const moved = Math.max(...next.map((v, k) => Math.abs(v - cur[k]) / scale[k]));
    c = toCoefficients(next);
    runs = await runAll(c);
    const rms = rmsOfRuns(runs);
    opts.onIteration?.(it, c, rms);
    if (rms < best.rms) best = { c, runs, rms, it };
    if (moved < tol) return { coefficients: best.c, iterations: it, converged: true, runs: best.runs, rms: best.rms };
    if (it - best.it >= patience) return { coefficients: best.c, iterations: it, converged: true, runs: best.runs, rms: best.rms };
    // Worse than before: the trajectory moved under the step; take smaller steps from here on.
    if (rms > lastRms * 1.02) damping = Math.max(0.25, damping / 2);
    lastRms = rms;
  }
  return { coefficients: best.c, iterations: maxIt, converged: false, runs: best.runs, rms: best.rms };
}
