/**
 * `kvlab calibrate --measurements FILE`: fit the roofline corrections to the aggregate measurements of
 * real deployments (the format of data/vllm-real/calibration.json) and, with `report`, say how well
 * they predict: in-sample and leave-one-out. Returns the profile to write and the accuracy figures.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { makeError } from '../../core/errors.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import { accuracyOf, leaveOneOut, predictionOf, type AccuracyReport, type ErrorStats, type Prediction } from './accuracy.ts';
import { CasePool } from './case-pool.ts';
import { fitCoefficients, type FitOptions } from './fit.ts';
import { measuredCases } from './measured-cases.ts';
import { parseMeasurements, type Measurements } from './measurements.ts';

export interface CalibrateMeasurementsOptions {
  file: string;
  /** Shorten every load stage by this factor (1: the real length). */
  durationScale?: number;
  seed?: number;
  /** Leave-one-out accuracy too (fits once per experiment: slower). */
  report?: boolean;
  /** Worker threads for the simulations (default: the cores). */
  threads?: number;
  fit?: FitOptions;
  onProgress?: (line: string) => void;
}

export interface RooflineProfileFile {
  kind: 'roofline';
  name: string;
  description: string;
  coefficients: RooflineCoefficients;
  meta: Record<string, unknown>;
}

export interface CalibrateMeasurementsResult {
  profile: RooflineProfileFile;
  inSample: AccuracyReport;
  leaveOneOut: AccuracyReport | null;
  referenceErrors: Measurements['referenceErrors'];
}

function readMeasurements(file: string): { parsed: unknown; m: Measurements } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `cannot read the measurements: ${(err as Error).message}`, param: 'measurements' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw makeError('invalid_config', { path: file, detail: `not JSON: ${(err as Error).message}`, param: 'measurements' });
  }
  return { parsed, m: parseMeasurements(parsed, file) };
}

const round = (s: ErrorStats): Record<string, number | null> => ({
  median_ape: +s.medianApe.toFixed(4),
  mean_ape: +s.meanApe.toFixed(4),
  bias: +s.bias.toFixed(4),
  pearson_r: s.pearson === null ? null : +s.pearson.toFixed(4),
});

export async function calibrateFromMeasurements(o: CalibrateMeasurementsOptions): Promise<CalibrateMeasurementsResult> {
  const { parsed, m } = readMeasurements(o.file);
  const durationScale = o.durationScale ?? 1;
  const seed = o.seed ?? 0;
  const say = o.onProgress ?? (() => {});
  const cases = measuredCases(m, { durationScale, seed });
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), cases.length));
  const pool = new CasePool(cases, { measurements: parsed, source: o.file, durationScale, seed }, threads);
  const all = cases.map((_, i) => i);
  try {
    say(`fitting ${cases.length} experiments (${threads} thread${threads > 1 ? 's' : ''}, stages × ${durationScale})`);
    const fit = await fitCoefficients(cases, { ...o.fit, runAll: (c) => pool.runAll(all, c), onIteration: (it, _c, rms) => say(`  iteration ${it}: rms relative error ${(rms * 100).toFixed(1)} %`) });
    const inSample = accuracyOf(cases.map((c, i) => predictionOf(c, fit.runs[i], fit.coefficients)));
    let loo: AccuracyReport | null = null;
    if (o.report) {
      say('leave-one-out: fitting without each experiment in turn');
      loo = await leaveOneOut(cases, { ...o.fit, start: fit.coefficients, maxIterations: 4, patience: 2 }, (i, p: Prediction) => say(`  ${i + 1}/${cases.length} ${p.id}`), pool);
    }
    const profile: RooflineProfileFile = {
      kind: 'roofline',
      name: `fitted on ${m.experiments.length} experiments of ${o.file.split('/').pop()}`,
      description: 'Roofline corrections fitted by kvlab calibrate --measurements (iterated linearized non-negative least squares on mean TTFT and mean decode span).',
      coefficients: fit.coefficients,
      meta: {
        measurements: o.file,
        experiments: m.experiments.map((e) => e.id),
        durationScale,
        seed,
        iterations: fit.iterations,
        rms: +fit.rms.toFixed(4),
        inSample: { ttft: round(inSample.ttft), e2e: round(inSample.e2e), itl: round(inSample.itl) },
        ...(loo ? { leaveOneOut: { ttft: round(loo.ttft), e2e: round(loo.e2e), itl: round(loo.itl) } } : {}),
      },
    };
    return { profile, inSample, leaveOneOut: loo, referenceErrors: m.referenceErrors };
  } finally {
    await pool.close();
  }
}
