/**
 * A deployment: a model on a GPU type with tensor parallelism and vLLM's settings, turned into what
 * the engine needs — its configuration (KV capacity derived as vLLM derives it, block size, batch
 * limits, context length) and the per-GPU numbers of the roofline timing model. Wires src/models (the
 * catalogues and sizes) into src/mocker's engine; used by `kvlab predict`, `kvlab calibrate`, the
 * mocker and cluster commands (`--model --gpu --tp`) and experiments.
 *
 * What the roofline reads: per token, the linear-layer parameters (attention projections, dense MLPs,
 * shared experts, routers) and, for MoE layers, the routed experts it selects; per step, the weights
 * it touches (all but the input embeddings, which are looked up row by row); KV bytes per token on
 * one GPU (KV heads split across TP ranks, one per rank at least); peak FLOP/s of the weights' format
 * (FP8 tensor cores for fp8 weights, BF16 otherwise; attention always BF16); HBM bandwidth; the
 * interconnect per direction. Elementwise activation traffic per token is estimated as ~10 hidden-
 * sized reads/writes a layer (norms, residual adds) plus the activation function over the active
 * intermediate size and rotary embeddings over q and k, at 2 bytes — an approximation the fitted
 * memory coefficient absorbs.
 */
import { Type } from '@sinclair/typebox';
import { bool, checkOptions, firstProblem, int, invalid, num, oneOf } from '../core/schema.ts';
import { ENGINE_CONFIG_FIELDS as E } from '../mocker/engine/config-schema.ts';
import { makeError } from '../core/errors.ts';
import { BYTES_PER_PARAM, paramCounts, vllmBatchDefaults, vllmKvBlocks, type GpuSpec, type ModelSpec, type VllmKvBlocks, type WeightDtype } from '../models/index.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '../mocker/engine/types.ts';
import type { RooflineSpec } from '../mocker/engine/timing/roofline.ts';

export interface DeploymentOptions {
  model: ModelSpec;
  gpu: GpuSpec;
  /** Tensor-parallel degree (default 1). */
  tp?: number;
  /** vLLM's limits (default: vLLM's defaults for the GPU). */
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  /** Context length (default: the model's, capped by what the KV cache holds). */
  maxModelLen?: number;
  /** Tokens per KV block (default 16, vLLM's). */
  blockSize?: number;
  /** vLLM --gpu-memory-utilization (default 0.9). */
  gpuMemoryUtilization?: number;
  /** Weight storage (default: the checkpoint's). */
  weightDtype?: WeightDtype;
  /** KV blocks per GPU instead of deriving them. */
  numGpuBlocks?: number;
  /** vLLM's async scheduling (default true, as vLLM runs). */
  asyncScheduling?: boolean;
}

export interface Deployment {
  model: ModelSpec;
  gpu: GpuSpec;
  tp: number;
  weightDtype: WeightDtype;
  /** The engine settings this deployment fixes (the rest keep the engine's defaults). */
  engine: Pick<EngineConfig, 'blockSize' | 'numGpuBlocks' | 'maxNumSeqs' | 'maxNumBatchedTokens' | 'maxModelLen' | 'asyncScheduling'>;
  /** The KV capacity derivation (null when numGpuBlocks was given). */
  kv: VllmKvBlocks | null;
  roofline: RooflineSpec;
}

const WEIGHT_DTYPES: readonly WeightDtype[] = ['bf16', 'fp16', 'fp8', 'fp32', 'mxfp4'];

/**
 * The settings a user gives a deployment (flags of predict/calibrate/mocker/cluster, an experiment's
 * `cluster.deployment`), one schema each: the engine's own for the engine sizes (core/schema.ts).
 */
export const DEPLOYMENT_OPTION_FIELDS = Object.freeze({
  tp: int(1),
  gpuMemoryUtilization: num({ min: 0, exclusiveMin: true, max: 1 }),
  weightDtype: oneOf(['bf16', 'fp16', 'fp8'] as const),
  asyncScheduling: bool(),
  maxNumSeqs: E.maxNumSeqs,
  maxNumBatchedTokens: E.maxNumBatchedTokens,
  blockSize: E.blockSize,
  maxModelLen: E.maxModelLen,
  numGpuBlocks: E.numGpuBlocks,
});

const DeploymentOptionsSchema = Type.Partial(Type.Object(DEPLOYMENT_OPTION_FIELDS));

const POSITIVE_INT = int(1);

/** A size derived from the model and GPU: an integer ≥ 1, or the deployment cannot run. */
function posInt(v: number, field: string): number {
  const p = firstProblem(POSITIVE_INT, v);
  if (p) invalid(field, p.detail);
  return v;
}

/** The deployment's engine settings and roofline numbers; throws a clear error when it cannot run. */
export function resolveDeployment(o: DeploymentOptions): Deployment {
  const { model, gpu, ...given } = o;
  checkOptions(DeploymentOptionsSchema, given);
  const tp = o.tp ?? 1;
  const defaults = vllmBatchDefaults(gpu);
  const maxNumSeqs = o.maxNumSeqs ?? defaults.maxNumSeqs;
  const maxNumBatchedTokens = o.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
  const blockSize = o.blockSize ?? 16;
  const weightDtype = o.weightDtype ?? model.quantization?.linearWeightDtype ?? model.weightDtype;
  if (!WEIGHT_DTYPES.includes(weightDtype)) throw makeError('invalid_config', { path: 'weightDtype', detail: `must be one of ${WEIGHT_DTYPES.join(', ')}, got ${String(weightDtype)}`, param: 'weightDtype' });
  if (weightDtype === 'fp8' && gpu.fp8DenseTflops === null) {
    throw makeError('invalid_config', { path: 'weightDtype', detail: `${gpu.name} has no FP8 tensor cores: it cannot run fp8 weights (use bf16 or fp16)`, param: 'weightDtype' });
  }
  if (model.heads % tp !== 0) {
    throw makeError('invalid_config', { path: 'tp', detail: `${model.id ?? 'the model'} has ${model.heads} attention heads, which tensor parallelism ${tp} does not divide`, param: 'tp' });
  }
  const kv =
    o.numGpuBlocks === undefined
      ? vllmKvBlocks({ spec: model, gpu, tp, gpuMemoryUtilization: o.gpuMemoryUtilization, blockSize, weightDtype: o.weightDtype, maxNumBatchedTokens, maxNumSeqs })
      : null;
  const numGpuBlocks = o.numGpuBlocks ?? posInt(kv!.blocks, 'numGpuBlocks');
  const maxModelLen = o.maxModelLen ?? posInt(Math.min(model.maxPositionEmbeddings, numGpuBlocks * blockSize), 'maxModelLen');
  return {
    model,
    gpu,
    tp,
    weightDtype,
    // vLLM schedules asynchronously by default (since v0.12, plain decoding).
    engine: { blockSize, numGpuBlocks, maxNumSeqs, maxNumBatchedTokens, maxModelLen, asyncScheduling: o.asyncScheduling ?? true },
    kv,
    roofline: rooflineSpecOf(model, gpu, tp, weightDtype),
  };
}

/** The roofline's numbers of a model on `tp` GPUs of a kind (see the module comment). */
export function rooflineSpecOf(model: ModelSpec, gpu: GpuSpec, tp: number, weightDtype: WeightDtype): RooflineSpec {
  const p = paramCounts(model);
  const h = model.hidden;
  const moe = model.moe;
  const expertDtype = model.quantization?.expertWeightDtype ?? weightDtype;
  const linearBytes = BYTES_PER_PARAM[weightDtype];
  const lmHeadParams = model.vocab * h;
  // One routed expert: gated MLP, 3 matrices (biases included where the architecture has them).
  const expertParams = moe ? (moe.experts > 0 ? p.experts / (moe.moeLayers * moe.experts) : 0) : 0;
  const activeIntermediate = moe
    ? (moe.moeLayers * (moe.activeExperts * moe.expertIntermediate + moe.sharedExperts * moe.sharedIntermediate) + (model.layers - moe.moeLayers) * moe.denseIntermediate) / model.layers
    : model.intermediate;
  const kvHeadsPerGpu = Math.max(1, Math.floor(model.kvHeads / tp));
  const qk = (model.heads + model.kvHeads) * model.headDim;
  const activationBytesPerToken = 2 * model.layers * (10 * h + (3 * activeIntermediate + 2 * qk) / tp);
  const gemmTflops = weightDtype === 'fp8' ? gpu.fp8DenseTflops ?? gpu.bf16DenseTflops : gpu.bf16DenseTflops;
  return {
    tp,
    layers: model.layers,
    hidden: h,
    headsPerGpu: model.heads / tp,
    kvHeadsPerGpu,
    headDim: model.headDim,
    slidingLayers: model.attention.slidingWindow === null ? 0 : model.attention.slidingLayers,
    slidingWindow: model.attention.slidingWindow ?? 0,
    denseParams: p.linear,
    lmHeadParams,
    moeLayers: moe ? moe.moeLayers : 0,
    experts: moe ? moe.experts : 0,
    activeExperts: moe ? moe.activeExperts : 0,
    expertParams,
    // The LM head keeps the checkpoint's 16-bit format (vLLM quantizes linear layers, not lm_head).
    denseWeightBytes: p.linear * linearBytes + lmHeadParams * BYTES_PER_PARAM[model.weightDtype === 'fp32' ? 'fp32' : 'bf16'] + p.norms * 2,
    expertWeightBytes: expertParams * BYTES_PER_PARAM[expertDtype],
    activationBytesPerToken,
    kvBytesPerTokenPerGpu: 2 * model.layers * kvHeadsPerGpu * model.headDim * 2,
    activationElementBytes: 2,
    gemmFlops: gemmTflops * 1e12,
    attentionFlops: gpu.bf16DenseTflops * 1e12,
    memoryBandwidth: gpu.memoryBandwidthTBps * 1e12,
    // Datasheets quote both directions added; a ring all-reduce moves data one way per link.
    linkBandwidth: (gpu.interconnect.GBps / 2) * 1e9,
  };
}

/** The full engine configuration of a deployment (engine defaults for what it does not fix). */
export function engineConfigOfDeployment(d: Deployment, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return { ...DEFAULT_ENGINE_CONFIG, ...d.engine, ...overrides };
}
