/**
 * Sizes derived from a ModelSpec: parameter counts (total and active per token), weight bytes in a
 * storage format, KV-cache bytes per token, and the KV capacity a vLLM deployment ends up with
 * (`vllmKvBlocks`).
 *
 * Counting: embedding (+ the LM head when untied); per layer the attention projections with GQA
 * (q and o: hidden x heads*headDim; k and v: hidden x kvHeads*headDim) and their biases where the
 * architecture has them, two RMSNorms (plus Qwen3's q/k norms), and the MLP: gated SwiGLU, 3
 * matrices hidden x intermediate (+ biases for gpt-oss); an MoE layer has all its experts, the
 * shared experts and the router (hidden x experts). `active` keeps only the routed experts a token
 * uses. Approximations: gpt-oss's per-head attention sinks (64 numbers a layer) are left out.
 *
 * Storage: bf16/fp16 2 bytes, fp8 1, fp32 4, mxfp4 4.25 bits = 0.53125 bytes (4-bit values plus one
 * 8-bit shared scale per 32 values, the OCP MX block). An explicit dtype re-types every weight
 * except a checkpoint's own expert quantization (gpt-oss's MXFP4 experts stay MXFP4).
 *
 * KV per token = 2 (K and V) x layers x kvHeads x headDim x bytes. Approximation: sliding-window
 * layers are counted like full ones (vLLM frees their blocks outside the window, so at long context
 * they cost less than this says).
 */
import { gpuMemoryBytes, type GpuSpec } from './gpu-spec.ts';
import type { ModelSpec, WeightDtype } from './model-spec.ts';
import { ModelsError } from './models-error.ts';
import { estimateVllmReserve, vllmBatchDefaults, type VllmReserve } from './vllm-reserve.ts';

export const BYTES_PER_PARAM: Readonly<Record<WeightDtype, number>> = Object.freeze({
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  mxfp4: 4.25 / 8,
});

export interface ParamCounts {
  /** Input embedding plus the LM head when untied. */
  readonly embeddings: number;
  /** RMSNorm weights (per layer and final). */
  readonly norms: number;
  /** Attention, dense MLPs, shared experts, routers and all biases. */
  readonly linear: number;
  /** Routed experts' weight matrices (what MXFP4 checkpoints quantize). */
  readonly experts: number;
  readonly total: number;
  /** Per token: as total, with only `activeExperts` of the routed experts. */
  readonly active: number;
}

export function paramCounts(spec: ModelSpec): ParamCounts {
  const { hidden: h, heads, kvHeads, headDim: d, layers } = spec;
  const embeddings = spec.vocab * h * (spec.tieEmbeddings ? 1 : 2);
  const qkv = h * (heads + 2 * kvHeads) * d + (spec.attention.qkvBias ? (heads + 2 * kvHeads) * d : 0);
  const o = heads * d * h + (spec.attention.oBias ? h : 0);
  const attention = qkv + o;
  const layerNorms = 2 * h + (spec.attention.qkNorm ? 2 * d : 0);
  const mlp = (inter: number): number => 3 * h * inter;
  const mlpBiases = (inter: number): number => (spec.mlpBias ? 2 * inter + h : 0);

  const moe = spec.moe;
  const moeLayers = moe ? moe.moeLayers : 0;
  const denseLayers = layers - moeLayers;
  const denseInter = moe ? moe.denseIntermediate : spec.intermediate;
  let linear = layers * attention + denseLayers * (mlp(denseInter) + mlpBiases(denseInter));
  let experts = 0;
  let inactiveExperts = 0;
  if (moe) {
    const e = moe.expertIntermediate;
    const shared = moe.sharedExperts * (mlp(moe.sharedIntermediate) + mlpBiases(moe.sharedIntermediate));
    const router = h * moe.experts + (moe.routerBias ? moe.experts : 0);
    linear += moeLayers * (shared + router + moe.experts * mlpBiases(e));
    experts = moeLayers * moe.experts * mlp(e);
    inactiveExperts = moeLayers * (moe.experts - moe.activeExperts) * (mlp(e) + mlpBiases(e));
  }
  const norms = layers * layerNorms + h;
  const total = embeddings + norms + linear + experts;
  return Object.freeze({ embeddings, norms, linear, experts, total, active: total - inactiveExperts });
}

/** Bytes of all weights stored as `dtype` (default: the checkpoint's own formats, see the module comment). */
export function weightBytes(spec: ModelSpec, dtype?: WeightDtype): number {
  const p = paramCounts(spec);
  const other = dtype ?? spec.weightDtype;
  const linear = dtype ?? spec.quantization?.linearWeightDtype ?? spec.weightDtype;
  const experts = spec.quantization?.expertWeightDtype ?? linear;
  return (
    (p.embeddings + p.norms) * BYTES_PER_PARAM[other] +
    p.linear * BYTES_PER_PARAM[linear] +
    p.experts * BYTES_PER_PARAM[experts]
  );
}

/** KV-cache bytes one token occupies across all layers (see the module comment). */
export function kvBytesPerToken(spec: ModelSpec, kvDtypeBytes = 2): number {
  return 2 * spec.layers * spec.kvHeads * spec.headDim * kvDtypeBytes;
}

export interface VllmKvBlocksInput {
  readonly spec: ModelSpec;
  readonly gpu: GpuSpec;
  /** Tensor-parallel size (default 1). */
  readonly tp?: number;
  /** vLLM --gpu-memory-utilization (default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** vLLM --block-size (default 16). */
  readonly blockSize?: number;
  /** Weight storage (default: the checkpoint's own). */
  readonly weightDtype?: WeightDtype;
  /** Bytes per KV element (default 2: bf16/fp16; 1 for --kv-cache-dtype fp8). */
  readonly kvDtypeBytes?: number;
  /** Per-GPU bytes vLLM's profiling run takes besides weights; default: `estimateVllmReserve`. */
  readonly activationReserveBytes?: number;
  /** Scheduler limits the profiling run uses (default: vLLM's defaults for this GPU). */
  readonly maxNumBatchedTokens?: number;
  readonly maxNumSeqs?: number;
}

export interface VllmKvBlocks {
  /** GPU KV blocks vLLM allocates (per GPU; every TP rank holds the same block count). */
  readonly blocks: number;
  /** blocks x blockSize: the "GPU KV cache size: N tokens" vLLM logs. */
  readonly tokens: number;
  readonly bytesPerBlock: number;
  readonly kvHeadsPerGpu: number;
  /** Memory CUDA reports on one GPU. */
  readonly gpuBytes: number;
  /** gpuBytes x gpuMemoryUtilization. */
  readonly usableBytes: number;
  readonly weightBytesPerGpu: number;
  readonly reserveBytes: number;
  /** The reserve's parts when it was estimated, null when given. */
  readonly reserve: VllmReserve | null;
  /** usable - weights - reserve: what the blocks are cut from. */
  readonly kvBytesPerGpu: number;
}

const GIB = 1024 ** 3;

/**
 * KV capacity the way vLLM (v1 engine) derives it: per GPU, total memory x gpu-memory-utilization,
 * minus the weights (split across TP ranks), minus what its profiling forward pass and sampler peak
 * at (the reserve), divided by the bytes of one block on this rank (KV heads split across ranks;
 * with more ranks than KV heads each rank keeps one). Throws `weights_do_not_fit` with the numbers
 * when nothing is left.
 */
export function vllmKvBlocks(input: VllmKvBlocksInput): VllmKvBlocks {
  const { spec, gpu } = input;
  const tp = positiveInt(input.tp ?? 1, 'tp');
  const util = input.gpuMemoryUtilization ?? 0.9;
  if (!(util > 0 && util <= 1)) throw option('gpuMemoryUtilization', 'must be in (0, 1]', util);
  const blockSize = positiveInt(input.blockSize ?? 16, 'blockSize');
  const kvDtypeBytes = input.kvDtypeBytes ?? 2;
  if (!(kvDtypeBytes > 0)) throw option('kvDtypeBytes', 'must be positive', kvDtypeBytes);

  const gpuBytes = gpuMemoryBytes(gpu);
  const usableBytes = gpuBytes * util;
  const weightBytesPerGpu = weightBytes(spec, input.weightDtype) / tp;
  let reserve: VllmReserve | null = null;
  let reserveBytes: number;
  if (input.activationReserveBytes !== undefined) {
    if (!(input.activationReserveBytes >= 0)) {
      throw option('activationReserveBytes', 'must be non-negative', input.activationReserveBytes);
    }
    reserveBytes = input.activationReserveBytes;
  } else {
    const defaults = vllmBatchDefaults(gpu);
    reserve = estimateVllmReserve({
      spec,
      tp,
      maxNumBatchedTokens: positiveInt(input.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens, 'maxNumBatchedTokens'),
      maxNumSeqs: positiveInt(input.maxNumSeqs ?? defaults.maxNumSeqs, 'maxNumSeqs'),
    });
    reserveBytes = reserve.bytes;
  }

  const kvBytesPerGpu = usableBytes - weightBytesPerGpu - reserveBytes;
  if (kvBytesPerGpu <= 0) {
    throw new ModelsError(
      'weights_do_not_fit',
      `${spec.id ?? 'the model'} does not fit on ${gpu.name} at TP ${tp}: ` +
        `${gib(weightBytesPerGpu)} GiB of weights + ${gib(reserveBytes)} GiB reserve per GPU, ` +
        `but vLLM may use ${gib(usableBytes)} GiB (${gib(gpuBytes)} GiB x ${util}); raise tp or use a smaller weight dtype`,
      'tp',
    );
  }
  const kvHeadsPerGpu = Math.max(1, Math.floor(spec.kvHeads / tp));
  const bytesPerBlock = blockSize * 2 * spec.layers * kvHeadsPerGpu * spec.headDim * kvDtypeBytes;
  const blocks = Math.floor(kvBytesPerGpu / bytesPerBlock);
  return Object.freeze({
    blocks,
    tokens: blocks * blockSize,
    bytesPerBlock,
    kvHeadsPerGpu,
    gpuBytes,
    usableBytes,
    weightBytesPerGpu,
    reserveBytes,
    reserve,
    kvBytesPerGpu,
  });
}

function gib(bytes: number): string {
  return (bytes / GIB).toFixed(2);
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v <= 0) throw option(name, 'must be a positive integer', v);
  return v;
}

function option(name: string, what: string, got: unknown): ModelsError {
  return new ModelsError('invalid_option', `${name} ${what} (got ${String(got)})`, name);
}
