/**
 * How well fitted coefficients predict measured runs: per experiment predicted vs measured mean TTFT,
 * E2E and ITL (the measurements' ITL convention), and the median and mean absolute percentage errors,
 * in-sample (the fit's own runs) and held out by leave-one-out cross-validation — fit on all cases
 * but one, predict that one, for each — so the reported figure is never fitted to itself. Also the
 * bias direction (mean signed error) and Pearson r of predicted vs measured across experiments.
 */
import { sampleCorrelation } from 'simple-statistics';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import { fitCoefficients, type FitOptions } from './fit.ts';
import type { CasePool } from './case-pool.ts';
import type { CaseRun, MeasuredCase } from './measured-cases.ts';

export interface Prediction {
  id: string;
  model: string;
  tp: number;
  preset: string;
  /** Predicted and measured: mean TTFT, mean E2E (ms), ITL (ms, the file's convention). */
  ttft: { predicted: number; measured: number };
  e2e: { predicted: number; measured: number };
  itl: { predicted: number; measured: number };
  /** The coefficients that made the prediction (held out: fitted without this experiment). */
  coefficients: RooflineCoefficients;
}

export interface ErrorStats {
  /** Median and mean of |predicted / measured − 1|. */
  medianApe: number;
  meanApe: number;
  /** Mean of predicted / measured − 1 (> 0: over-predicts). */
  bias: number;
  /** Pearson r across experiments (null with fewer than 3). */
  pearson: number | null;
}

export interface AccuracyReport {
  predictions: Prediction[];
  ttft: ErrorStats;
  e2e: ErrorStats;
  itl: ErrorStats;
}

export function predictionOf(c: MeasuredCase, run: CaseRun, coefficients: RooflineCoefficients): Prediction {
  const m = c.experiment.measured;
  return {
    id: c.id,
    model: c.experiment.model,
    tp: c.experiment.tp,
    preset: c.experiment.preset,
    ttft: { predicted: run.ttftMs.mean, measured: m.ttftMs.mean },
    e2e: { predicted: run.e2eMs.mean, measured: m.e2eMs.mean },
    itl: { predicted: run.itlMs, measured: m.itlMs },
    coefficients,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function errorStats(pairs: readonly { predicted: number; measured: number }[]): ErrorStats {
  const rel = pairs.map((p) => p.predicted / p.measured - 1);
  const abs = rel.map(Math.abs);
  return {
    medianApe: median(abs),
    meanApe: abs.reduce((a, b) => a + b, 0) / Math.max(1, abs.length),
    bias: rel.reduce((a, b) => a + b, 0) / Math.max(1, rel.length),
    pearson: pairs.length >= 3 ? sampleCorrelation(pairs.map((p) => p.predicted), pairs.map((p) => p.measured)) : null,
  };
}

export function accuracyOf(predictions: Prediction[]): AccuracyReport {
  return {
    predictions,
    ttft: errorStats(predictions.map((p) => p.ttft)),
    e2e: errorStats(predictions.map((p) => p.e2e)),
    itl: errorStats(predictions.map((p) => p.itl)),
  };
}

/**
 * Leave-one-out: for each case, fit on the others (starting from `start`, e.g. the all-case fit, to
 * save iterations) and predict it. `onFold` reports progress.
 */
export async function leaveOneOut(
  cases: readonly MeasuredCase[],
  opts: FitOptions & { patience?: number } = {},
  onFold?: (i: number, p: Prediction) => void,
  pool?: CasePool,
): Promise<AccuracyReport> {
  const predictions: Prediction[] = [];
  for (const [i, held] of cases.entries()) {
    const restIndices = cases.map((_, j) => j).filter((j) => j !== i);
    const rest = restIndices.map((j) => cases[j]);
    const fit = await fitCoefficients(rest, { ...opts, runAll: pool ? (c) => pool.runAll(restIndices, c) : undefined });
    const run = pool ? (await pool.runAll([i], fit.coefficients))[0] : held.run(fit.coefficients);
    const p = predictionOf(held, run, fit.coefficients);
    onFold?.(i, p);
    predictions.push(p);
  }
  return accuracyOf(predictions);
}
