/**
 * `kvlab predict`: what a deployment (model × GPU × TP × vLLM's settings) does under a load, answered
 * by the virtual cluster with the roofline timing model — the same engine code that serves the mock.
 * The load is the shared-prefix workload (a preset of data/vllm-real/calibration.json, or explicit
 * numbers and stages) or any rebuildable bench workload given as built; replicas sit behind one of
 * kvlab's routers. Returns TTFT, E2E and ITL
 * distributions, `itl_ms_derived` (the calibration data's convention), throughput, cache hit ratio,
 * the KV cache, failures (a prompt longer than max-model-len is a failed request, as vLLM answers it
 * with a 400) and where the engines' time went (the roofline's parts, summed over every step).
 */
import { summarize } from '../../core/summary.ts';
import type { Dist } from '../../core/records.ts';
import { buildSharedPrefix, type SharedPrefixParams, type SharedPrefixPreset } from '../../client/workloads/shared-prefix.ts';
import type { Workload } from '../../client/workloads/types.ts';
import { emptyBreakdown, meteredTiming, meterShares, type RooflineCoefficients, type StepBreakdown, type StepMeter } from '../../mocker/engine/timing/roofline.ts';
import type { RouterMode } from '../../router-sim/types.ts';
import { resolveDeployment, type Deployment, type DeploymentOptions } from '../deployment.ts';
import { simulate } from '../calibrate/simulate.ts';

export interface PredictOptions extends DeploymentOptions {
  coefficients: RooflineCoefficients;
  profileName: string;
  workload: Partial<SharedPrefixParams>;
  /** Another workload instead of shared-prefix (e.g. from --workload-file); `workload` is then ignored. */
  built?: Workload;
  presets: Readonly<Record<string, SharedPrefixPreset>>;
  replicas?: number;
  routerMode?: RouterMode;
  seed?: number;
}

type Quantiles = { mean: number | null; p50: number | null; p90: number | null; p99: number | null };

export interface PredictResult {
  deployment: {
    model: string;
    gpu: string;
    tp: number;
    replicas: number;
    router_mode: RouterMode;
    weight_dtype: string;
    weights_gib_per_gpu: number;
    kv_blocks: number;
    kv_tokens: number;
    block_size: number;
    max_num_seqs: number;
    max_num_batched_tokens: number;
    max_model_len: number;
    async_scheduling: boolean;
  };
  workload: Record<string, unknown>;
  profile: string;
  requests: number;
  failed: number;
  errors: Record<string, number>;
  ttft_ms: Quantiles;
  e2e_ms: Quantiles;
  itl_ms: Quantiles;
  /** (E2E mean − TTFT mean) / (output tokens mean − 1). */
  itl_ms_derived: number | null;
  throughput: { requests_per_s: number; output_tokens_per_s: number; input_tokens_per_s: number };
  cache_hit_ratio: number | null;
  /** Share of all engine step time per roofline part (0..1), and the total seconds of engine time. */
  step_breakdown: Record<keyof StepBreakdown, number> & { engine_s: number; steps: number };
  simulated_s: number;
}

function q(d: Dist): Quantiles {
  return { mean: d.mean, p50: d.p50, p90: d.p90, p99: d.p99 };
}

export function runPredict(o: PredictOptions): PredictResult {
  const d: Deployment = resolveDeployment(o);
  const replicas = o.replicas ?? 1;
  const routerMode = o.routerMode ?? (replicas > 1 ? 'kv' : 'round-robin');
  const workload = o.built ?? buildSharedPrefix({ seed: o.seed ?? 0, ...o.workload }, { presets: o.presets });
  const meter: StepMeter = { parts: emptyBreakdown(), steps: 0 };
  const res = simulate(d, workload, o.coefficients, { seed: o.seed ?? 0, replicas, routerMode, wrapTiming: (model) => meteredTiming(model, meter) });
  const s = summarize(res.records, res.durationMs / 1000);
  const outMean = s.succeeded > 0 ? s.outputTokens / s.succeeded : 0;
  return {
    deployment: {
      model: d.model.id ?? d.model.source ?? 'config.json',
      gpu: d.gpu.name,
      tp: d.tp,
      replicas,
      router_mode: routerMode,
      weight_dtype: d.weightDtype,
      weights_gib_per_gpu: d.kv ? d.kv.weightBytesPerGpu / 1024 ** 3 : NaN,
      kv_blocks: d.engine.numGpuBlocks,
      kv_tokens: d.engine.numGpuBlocks * d.engine.blockSize,
      block_size: d.engine.blockSize,
      max_num_seqs: d.engine.maxNumSeqs,
      max_num_batched_tokens: d.engine.maxNumBatchedTokens,
      max_model_len: d.engine.maxModelLen,
      async_scheduling: d.engine.asyncScheduling === true,
    },
    workload: workload.params,
    profile: o.profileName,
    requests: s.requests,
    failed: s.failed,
    errors: s.errors,
    ttft_ms: q(s.ttftMs),
    e2e_ms: q(s.e2eMs),
    itl_ms: q(s.itlMs),
    itl_ms_derived: s.ttftMs.mean !== null && s.e2eMs.mean !== null && outMean > 1 ? (s.e2eMs.mean - s.ttftMs.mean) / (outMean - 1) : null,
    throughput: { requests_per_s: s.requestsPerS, output_tokens_per_s: s.outputTokensPerS, input_tokens_per_s: s.durationS > 0 ? s.inputTokens / s.durationS : 0 },
    cache_hit_ratio: s.cacheHitRatio,
    step_breakdown: meterShares(meter),
    simulated_s: res.durationMs / 1000,
  };
}
