/**
 * Sizes derived from a ModelSpec: parameter counts (total and active per token), weight bytes in a
 * storage format and KV-cache bytes per token.
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
import type { ModelSpec, WeightDtype } from './model-spec.ts';

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
