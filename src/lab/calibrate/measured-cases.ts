/**
 * The experiments of a measurements file as fit cases: each is its deployment (model and GPU from the
 * catalogues, vLLM's settings as measured) under its shared-prefix preset, simulated on one engine.
 * `durationScale` shortens every load stage (same rates) for quick fits; 1 replays the real length.
 */
import { dist } from '../../core/summary.ts';
import { buildSharedPrefix } from '../../client/workloads/shared-prefix.ts';
import type { Workload } from '../../client/workloads/types.ts';
import { findGpu, findModel, type WeightDtype } from '../../models/index.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import { resolveDeployment, type Deployment } from '../deployment.ts';
import type { FitCase } from './fit.ts';
import type { LinearRun } from './linearize.ts';
import type { MeasuredExperiment, Measurements, Percentiles } from './measurements.ts';
import { simulateLinearized } from './simulate.ts';

/** A simulated case, in the measurements' terms. */
export interface CaseRun {
  linear: LinearRun;
  ttftMs: Percentiles;
  e2eMs: Percentiles;
  /** (E2E − TTFT) / (the run's counted output tokens − 1): the file's ITL convention. */
  itlMs: number;
  requests: number;
  failed: number;
}

export interface MeasuredCase extends FitCase<CaseRun> {
  experiment: MeasuredExperiment;
  deployment: Deployment;
  workload: Workload;
}

const DTYPES: Record<string, WeightDtype> = { fp16: 'fp16', float16: 'fp16', bf16: 'bf16', bfloat16: 'bf16', fp8: 'fp8' };

/** Stages "r:d,…" with every duration times `scale`. */
function scaleStages(stages: string, scale: number): string {
  return stages
    .split(',')
    .map((s) => {
      const [r, d] = s.split(':');
      return `${r}:${Number(d) * scale}`;
    })
    .join(',');
}

export function deploymentOf(e: MeasuredExperiment): Deployment {
  return resolveDeployment({
    model: findModel(e.model),
    gpu: findGpu(e.gpu),
    tp: e.tp,
    maxNumSeqs: e.maxNumSeqs,
    maxNumBatchedTokens: e.maxNumBatchedTokens,
    maxModelLen: e.maxModelLen,
    blockSize: e.blockSize,
    gpuMemoryUtilization: e.gpuMemoryUtilization,
    weightDtype: DTYPES[e.weightsDtype.toLowerCase()],
  });
}

function p(values: number[]): Percentiles {
  const d = dist(values);
  return { mean: d.mean ?? NaN, p90: d.p90 ?? NaN, p99: d.p99 ?? NaN };
}

/** One fit case per experiment (see the module comment). */
export function measuredCases(m: Measurements, opts: { durationScale?: number; seed?: number } = {}): MeasuredCase[] {
  const scale = opts.durationScale ?? 1;
  return m.experiments.map((e) => {
    const deployment = deploymentOf(e);
    const preset = m.presets[e.preset];
    const workload = buildSharedPrefix({ ...preset, stages: scaleStages(preset.stages, scale), seed: opts.seed ?? 0 });
    const counted = e.measured.countedOutputTokens;
    return {
      id: e.id,
      experiment: e,
      deployment,
      workload,
      measured: { ttftMs: e.measured.ttftMs.mean, spanMs: e.measured.e2eMs.mean - e.measured.ttftMs.mean },
      run: (c: Readonly<RooflineCoefficients>): CaseRun => {
        const { linear, records } = simulateLinearized(deployment, workload, c, opts.seed ?? 0);
        const ok = records.filter((r) => r.ok);
        const ttftMs = p(ok.map((r) => r.ttftMs!));
        const e2eMs = p(ok.map((r) => r.e2eMs!));
        return { linear, ttftMs, e2eMs, itlMs: (e2eMs.mean - ttftMs.mean) / (counted - 1), requests: ok.length, failed: records.length - ok.length };
      },
    };
  });
}
