/**
 * Aggregate measurements of real deployments, in the format of data/vllm-real/calibration.json: per
 * experiment the deployment (model, GPU, tensor parallelism, vLLM's batch limits, block size, weight
 * dtype), the workload preset, and the measured client-side TTFT and E2E (mean, p90, p99) with the
 * derived inter-token latency. Parsing only: bad entries name the field.
 *
 * The file's ITL convention is itl = (E2E mean − TTFT mean) / (output_len_mean − 1) with the output
 * length the client counted. So the counted output length is recoverable as (E2E − TTFT) / ITL + 1, and
 * a prediction is compared on the same footing: its decode span divided by the run's counted length
 * minus one. (For the Llama-2 runs the client counted ~81 % of the tokens asked — at both 248 and 1448
 * tokens, a fixed ratio that early EOS would not give, so vLLM generated all of them with ignore_eos.)
 */
import { makeError } from '../../core/errors.ts';
import { presetsOf } from '../../client/workloads/shared-prefix-presets.ts';
import type { SharedPrefixPreset } from '../../client/workloads/shared-prefix.ts';

export interface Percentiles {
  mean: number;
  p90: number;
  p99: number;
}

export interface MeasuredExperiment {
  id: string;
  model: string;
  gpu: string;
  tp: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  maxModelLen: number;
  blockSize: number;
  gpuMemoryUtilization: number;
  /** Weight dtype as recorded ("fp16", "bf16", "fp8"). */
  weightsDtype: string;
  preset: string;
  measured: {
    ttftMs: Percentiles;
    e2eMs: Percentiles;
    itlMs: number;
    /** Output tokens per request as the client counted them: (E2E − TTFT) / ITL + 1. */
    countedOutputTokens: number;
  };
}

export interface Measurements {
  experiments: MeasuredExperiment[];
  presets: Record<string, SharedPrefixPreset>;
  /** The file's reference errors (the figure to beat), when present. */
  referenceErrors: { ttftMean?: number; e2eMean?: number; itl?: number; what?: string } | null;
  source: string;
}

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail });
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, `must be an object, got ${v === null ? 'null' : typeof v}`);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, k: string, path: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') bad(`${path}.${k}`, 'must be a non-empty string');
  return v;
}

function posNum(o: Record<string, unknown>, k: string, path: string, integer = false): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) bad(`${path}.${k}`, `must be a ${integer ? 'positive integer' : 'number > 0'}, got ${String(v)}`);
  return v;
}

function percentiles(v: unknown, path: string): Percentiles {
  const o = obj(v, path);
  return { mean: posNum(o, 'mean', path), p90: posNum(o, 'p90', path), p99: posNum(o, 'p99', path) };
}

/** Parse a calibration file's content (`source` names it in errors). */
export function parseMeasurements(content: unknown, source = 'measurements'): Measurements {
  const root = obj(content, source);
  if (!Array.isArray(root.experiments) || root.experiments.length === 0) bad(`${source} experiments`, 'must be a non-empty list');
  const presets = presetsOf(root, source);
  const experiments = (root.experiments as unknown[]).map((raw, i): MeasuredExperiment => {
    const path = `${source} experiments[${i}]`;
    const e = obj(raw, path);
    const m = obj(e.measured, `${path}.measured`);
    const ttftMs = percentiles(m.ttft_ms, `${path}.measured.ttft_ms`);
    const e2eMs = percentiles(m.e2e_ms, `${path}.measured.e2e_ms`);
    const itlMs = posNum(m, 'itl_ms_derived', `${path}.measured`);
    if (e2eMs.mean <= ttftMs.mean) bad(`${path}.measured.e2e_ms.mean`, `must exceed the TTFT mean (${ttftMs.mean})`);
    const preset = str(e, 'preset', path);
    if (!presets[preset]) bad(`${path}.preset`, `unknown preset ${JSON.stringify(preset)} (known: ${Object.keys(presets).join(', ')})`);
    return {
      id: str(e, 'id', path),
      model: str(e, 'model', path),
      gpu: str(e, 'gpu', path),
      tp: posNum(e, 'tp', path, true),
      maxNumSeqs: posNum(e, 'max_num_seqs', path, true),
      maxNumBatchedTokens: posNum(e, 'max_num_batched_tokens', path, true),
      maxModelLen: posNum(e, 'max_model_len', path, true),
      blockSize: posNum(e, 'block_size', path, true),
      gpuMemoryUtilization: typeof e.gpu_memory_utilization === 'number' ? posNum(e, 'gpu_memory_utilization', path) : 0.9,
      weightsDtype: typeof e.weights_dtype === 'string' ? e.weights_dtype : 'bf16',
      preset,
      measured: { ttftMs, e2eMs, itlMs, countedOutputTokens: (e2eMs.mean - ttftMs.mean) / itlMs + 1 },
    };
  });
  const ref = root.reference_errors as Record<string, unknown> | undefined;
  const referenceErrors =
    ref && typeof ref === 'object'
      ? {
          ttftMean: typeof ref.ttft_mean === 'number' ? ref.ttft_mean : undefined,
          e2eMean: typeof ref.e2e_mean === 'number' ? ref.e2e_mean : undefined,
          itl: typeof ref.itl === 'number' ? ref.itl : undefined,
          what: typeof ref.what === 'string' ? ref.what : undefined,
        }
      : null;
  return { experiments, presets, referenceErrors, source };
}
