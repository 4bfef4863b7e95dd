/**
 * The memory vLLM (v1 engine) sets aside on each GPU before it cuts KV blocks, besides the weights:
 * what its profiling run peaks at. vLLM runs one forward pass of `max_num_batched_tokens` tokens
 * and a sampler pass over `min(max_num_seqs, tokens)` rows of logits, then gives the KV cache
 * `total x gpu_memory_utilization - weights - (torch peak increase + non-torch increase)`.
 *
 * Estimate = non-torch + max(forward peak, sampler peak):
 * - non-torch (CUDA/cuBLAS workspaces; with TP > 1 also NCCL and custom all-reduce buffers):
 *   0.3 GiB at TP 1, 0.75 GiB at TP > 1. Fitted, see below.
 * - forward peak: per token the widest MLP activation in bf16, gate+up output (2 x intermediate),
 *   the activated product (1 x intermediate) and the residual (hidden); an MoE layer holds that for
 *   each of its top-k experts (vLLM's fused-MoE caches) plus the shared experts. Intermediate sizes
 *   are per TP rank.
 * - sampler peak: 6 bytes a logit, the bf16 logits and their fp32 copy.
 *
 * Where the numbers come from: five vLLM logs on H100-SXM-80GB at gpu_memory_utilization 0.9,
 * block size 16, compared with total x 0.9 - weights - logged KV (reserve implied):
 *   Llama-2-7b TP1, 2048 batched tokens / 128 seqs: 7463 blocks -> 0.42 GiB implied;
 *   CodeLlama-34b TP2, Mixtral-8x7B TP2, Llama-2-70b TP4 (same limits): 26603, 27511, 31357 blocks
 *   -> 0.88, 0.91, 0.87 GiB implied; Qwen2.5-7B-Instruct TP1 at vLLM's H100 defaults
 *   (8192 / 1024): 65352 blocks -> 1.24 GiB implied. The first four are the inference-sim/training
 *   experiments (github.com/inference-sim/training, exp-config.yaml per run). The forward and
 *   sampler terms explain the spread (small batches and a 32k vocabulary vs 8192 tokens and a
 *   152k vocabulary); the two non-torch constants are what is left, rounded. Anything vLLM does
 *   not profile (CUDA graphs captured after the KV cache is allocated) is outside this reserve,
 *   as it is outside vLLM's own accounting.
 */
import { gpuMemoryBytes, type GpuSpec } from './gpu-spec.ts';
import type { ModelSpec } from './model-spec.ts';

const GIB = 1024 ** 3;
export const NON_TORCH_BYTES_TP1 = 0.3 * GIB;
export const NON_TORCH_BYTES_TP_MULTI = 0.75 * GIB;
const ACTIVATION_BYTES = 2;
const SAMPLER_BYTES_PER_LOGIT = 6;

export interface VllmBatchLimits {
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
}

/**
 * vLLM's defaults for `vllm serve` (EngineArgs batch defaults): 8192 batched tokens and 1024 sequences
 * on GPUs with at least 70 GiB that are not A100s, 2048 and 256 elsewhere.
 */
export function vllmBatchDefaults(gpu: GpuSpec): VllmBatchLimits {
  const big = gpuMemoryBytes(gpu) >= 70 * GIB && !/a100/i.test(gpu.name);
  return big ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 } : { maxNumBatchedTokens: 2048, maxNumSeqs: 256 };
}

export interface VllmReserveInput extends VllmBatchLimits {
  readonly spec: ModelSpec;
  readonly tp: number;
}

export interface VllmReserve {
  readonly bytes: number;
  readonly nonTorchBytes: number;
  readonly forwardBytes: number;
  readonly samplerBytes: number;
}

export function estimateVllmReserve(input: VllmReserveInput): VllmReserve {
  const { spec, tp, maxNumBatchedTokens: tokens, maxNumSeqs } = input;
  const perRank = (n: number): number => Math.ceil(n / tp);
  const mlpWidth = (inter: number): number => 3 * perRank(inter) + spec.hidden;
  const moe = spec.moe;
  let perToken = moe && moe.moeLayers === spec.layers ? 0 : mlpWidth(moe ? moe.denseIntermediate : spec.intermediate);
  if (moe) {
    const shared = moe.sharedExperts > 0 ? moe.sharedExperts * 3 * perRank(moe.sharedIntermediate) : 0;
    perToken = Math.max(perToken, moe.activeExperts * mlpWidth(moe.expertIntermediate) + shared);
  }
  const forwardBytes = tokens * perToken * ACTIVATION_BYTES;
  const samplerBytes = Math.min(maxNumSeqs, tokens) * spec.vocab * SAMPLER_BYTES_PER_LOGIT;
  const nonTorchBytes = tp > 1 ? NON_TORCH_BYTES_TP_MULTI : NON_TORCH_BYTES_TP1;
  return Object.freeze({
    bytes: nonTorchBytes + Math.max(forwardBytes, samplerBytes),
    nonTorchBytes,
    forwardBytes,
    samplerBytes,
  });
}
