/**
 * The normalized architecture of a decoder-only LLM (`ModelSpec`) and `parseHfConfig`, which reads
 * any Hugging Face config.json object into one: dense Llama/Qwen/Mistral/Yi configs, MoE configs
 * (Mixtral, gpt-oss, Qwen-MoE, DeepSeek-style) and multimodal wrappers whose language model sits in
 * `text_config` (Llama 4). The catalogue's own entries go through the same parser.
 *
 * What the config does not say is inferred from the architecture and recorded in `derived`, one
 * line each, so a reader can see what was read and what was assumed:
 * - `head_dim` absent: hidden / heads.
 * - Qwen2: q/k/v projections have biases, o_proj has none (transformers Qwen2Attention).
 * - Qwen3: per-head RMSNorm weights on q and k.
 * - gpt-oss: expert and router biases; MXFP4 experts from `quantization_config`.
 * - Llama 4: one shared expert of `intermediate_size` in every MoE layer (Llama4TextMoe); MoE
 *   layers every `interleave_moe_layer_step` layers; its chunked attention and no-RoPE layers are
 *   notes only (they do not change `attention.slidingWindow`).
 * - `tie_word_embeddings` absent: untied (the decoder families here all default to untied).
 */
import { ConfigFields, invalid, isObject, missing } from './config-fields.ts';
import { ModelsError } from './models-error.ts';

/** Storage formats of weights, and what a parameter costs in each (see sizes.ts). */
export type WeightDtype = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'mxfp4';

export interface MoeSpec {
  /** Routed experts per MoE layer. */
  readonly experts: number;
  /** Routed experts each token goes to (top-k). */
  readonly activeExperts: number;
  /** Intermediate size of one routed expert (gated: 3 matrices hidden x this). */
  readonly expertIntermediate: number;
  /** Shared experts every token goes through, per MoE layer. */
  readonly sharedExperts: number;
  /** Intermediate size of one shared expert (0 when there are none). */
  readonly sharedIntermediate: number;
  /** How many of the layers are MoE; the rest are dense with `denseIntermediate`. */
  readonly moeLayers: number;
  /** Intermediate size of the dense (non-MoE) layers' MLP. */
  readonly denseIntermediate: number;
  /** The router (hidden x experts) has a bias (gpt-oss). */
  readonly routerBias: boolean;
}

export interface AttentionSpec {
  /** Sliding-window length in tokens, or null when no layer slides. */
  readonly slidingWindow: number | null;
  /** How many layers use the sliding window (0 when `slidingWindow` is null). */
  readonly slidingLayers: number;
  /** q, k and v projections have biases. */
  readonly qkvBias: boolean;
  /** o_proj has a bias. */
  readonly oBias: boolean;
  /** Per-head RMSNorm weights on q and k (2 x headDim parameters a layer). */
  readonly qkNorm: boolean;
}

export interface QuantizationSpec {
  /** `quantization_config.quant_method` as written. */
  readonly method: string;
  /** Storage of the routed experts' matrices when the checkpoint quantizes them (gpt-oss: mxfp4). */
  readonly expertWeightDtype: WeightDtype | null;
  /** Storage of every linear layer when the checkpoint quantizes them all (fp8 checkpoints). */
  readonly linearWeightDtype: WeightDtype | null;
}

export interface ModelSpec {
  /** Hugging Face id, or null for a config parsed without one. */
  readonly id: string | null;
  /** Where the numbers come from (URL of the config.json), or null. */
  readonly source: string | null;
  /** `architectures[0]` (the outer class for multimodal wrappers). */
  readonly architecture: string;
  /** `model_type` of the language model (`text_config.model_type` when nested). */
  readonly modelType: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** `intermediate_size` as written (for MoE configs this is usually the expert size). */
  readonly intermediate: number;
  readonly vocab: number;
  /** `torch_dtype` (or `dtype`) as written. */
  readonly dtype: string;
  readonly tieEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  /** The MLP projections have biases (dense layers and experts). */
  readonly mlpBias: boolean;
  readonly moe: MoeSpec | null;
  readonly attention: AttentionSpec;
  /** Default storage of the weights, from `torch_dtype`. */
  readonly weightDtype: WeightDtype;
  readonly quantization: QuantizationSpec | null;
  /** What the parser inferred rather than read, and architecture notes (one line each). */
  readonly derived: readonly string[];
}

const TORCH_DTYPES: Readonly<Record<string, WeightDtype>> = {
  bfloat16: 'bf16',
  float16: 'fp16',
  half: 'fp16',
  float32: 'fp32',
  float: 'fp32',
};

const QUANT_DTYPES: Readonly<Record<string, WeightDtype>> = { mxfp4: 'mxfp4', fp8: 'fp8' };

/**
 * Turn a Hugging Face config.json object into a ModelSpec. A missing required field throws a
 * `ModelsError` (`reason: 'missing_field'`, `param` = the key) whose message names it:
 * `config.json: num_key_value_heads is missing`.
 */
export function parseHfConfig(obj: unknown, id?: string, source?: string): ModelSpec {
  if (!isObject(obj)) throw new ModelsError('invalid_field', 'config.json: expected a JSON object', null);
  const top = new ConfigFields(obj);
  const text = isObject(obj.text_config) ? new ConfigFields(obj.text_config, 'text_config.') : top;
  const derived: string[] = [];

  const layers = text.int('num_hidden_layers');
  const hidden = text.int('hidden_size');
  const heads = text.int('num_attention_heads');
  const kvHeads = text.int('num_key_value_heads');
  const intermediate = text.int('intermediate_size');
  const vocab = text.int('vocab_size');
  const maxPositionEmbeddings = text.int('max_position_embeddings');
  if (heads % kvHeads !== 0) {
    throw invalid(text.path('num_key_value_heads'), `must divide num_attention_heads (${heads})`, kvHeads);
  }

  let headDim = text.optInt('head_dim');
  if (headDim === undefined) {
    if (hidden % heads !== 0) throw missing(text.path('head_dim'));
    headDim = hidden / heads;
    derived.push(`head_dim not in config: hidden_size / num_attention_heads = ${headDim}`);
  }

  const architecture = architectureOf(top, text);
  const modelType = text.optString('model_type') ?? top.optString('model_type') ?? 'unknown';
  const { dtype, weightDtype } = dtypeOf(top, text);

  const tie = text.optBool('tie_word_embeddings') ?? top.optBool('tie_word_embeddings');
  if (tie === undefined) derived.push('tie_word_embeddings not in config: untied');

  const family = familyOf(modelType);
  const mlpBias = (text.optBool('mlp_bias') ?? false) || family === 'gpt_oss';
  if (family === 'gpt_oss') derived.push('gpt-oss: experts and router have biases');

  return Object.freeze({
    id: id ?? null,
    source: source ?? null,
    architecture,
    modelType,
    layers,
    hidden,
    heads,
    kvHeads,
    headDim,
    intermediate,
    vocab,
    dtype,
    tieEmbeddings: tie ?? false,
    maxPositionEmbeddings,
    mlpBias,
    moe: moeOf(text, family, layers, intermediate, derived),
    attention: attentionOf(text, family, layers, derived),
    weightDtype,
    quantization: quantizationOf(top, text, derived),
    derived: Object.freeze(derived),
  });
}

type Family = 'qwen2' | 'qwen3' | 'gpt_oss' | 'llama4' | 'other';

function familyOf(modelType: string): Family {
  if (modelType.startsWith('qwen2')) return 'qwen2';
  if (modelType.startsWith('qwen3')) return 'qwen3';
  if (modelType === 'gpt_oss') return 'gpt_oss';
  if (modelType.startsWith('llama4')) return 'llama4';
  return 'other';
}

function architectureOf(top: ConfigFields, text: ConfigFields): string {
  for (const level of [top, text]) {
    const archs = level.optArray('architectures');
    if (archs && archs.length > 0) {
      if (typeof archs[0] !== 'string') throw invalid(level.path('architectures'), 'must list class names', archs);
      return archs[0];
    }
  }
  return 'unknown';
}

function dtypeOf(top: ConfigFields, text: ConfigFields): { dtype: string; weightDtype: WeightDtype } {
  for (const level of [text, top]) {
    for (const key of ['torch_dtype', 'dtype']) {
      const dtype = level.optString(key);
      if (dtype === undefined) continue;
      const weightDtype = TORCH_DTYPES[dtype];
      if (!weightDtype) throw invalid(level.path(key), 'must be bfloat16, float16 or float32', dtype);
      return { dtype, weightDtype };
    }
  }
  throw missing('torch_dtype');
}

function moeOf(
  text: ConfigFields,
  family: Family,
  layers: number,
  intermediate: number,
  derived: string[],
): MoeSpec | null {
  const experts = text.optInt('num_local_experts') ?? text.optInt('num_experts') ?? text.optInt('n_routed_experts');
  if (experts === undefined || experts <= 1) return null;
  const activeExperts = text.optInt('num_experts_per_tok') ?? text.optInt('experts_per_token');
  if (activeExperts === undefined) throw missing(text.path('num_experts_per_tok'));
  const expertIntermediate = text.optInt('moe_intermediate_size') ?? intermediate;

  let sharedExperts = text.optInt('n_shared_experts') ?? 0;
  let sharedIntermediate = sharedExperts > 0 ? expertIntermediate : 0;
  const qwenShared = text.optInt('shared_expert_intermediate_size');
  if (qwenShared !== undefined) {
    sharedExperts = 1;
    sharedIntermediate = qwenShared;
  }
  if (family === 'llama4') {
    sharedExperts = 1;
    sharedIntermediate = intermediate;
    derived.push(`Llama 4: one shared expert of intermediate_size ${intermediate} in every MoE layer`);
  }

  const moeLayers = countMoeLayers(text, layers);
  if (moeLayers < layers) derived.push(`${moeLayers} of ${layers} layers are MoE; the rest are dense`);
  const denseIntermediate = text.optInt('intermediate_size_mlp') ?? intermediate;

  return Object.freeze({
    experts,
    activeExperts,
    expertIntermediate,
    sharedExperts,
    sharedIntermediate,
    moeLayers,
    denseIntermediate,
    routerBias: family === 'gpt_oss',
  });
}

/** MoE layer count from whichever layout key the config uses (default: every layer). */
function countMoeLayers(text: ConfigFields, layers: number): number {
  const explicit = text.optArray('moe_layers');
  if (explicit) return explicit.length;
  const interleave = text.optInt('interleave_moe_layer_step');
  if (interleave !== undefined) return Math.floor(layers / interleave);
  const firstDense = text.optCount('first_k_dense_replace') ?? 0;
  const sparseStep = text.optInt('decoder_sparse_step') ?? 1;
  const mlpOnly = new Set((text.optArray('mlp_only_layers') ?? []).map(Number));
  let count = 0;
  for (let i = firstDense; i < layers; i++) {
    if (!mlpOnly.has(i) && (i + 1) % sparseStep === 0) count++;
  }
  return count;
}

function attentionOf(text: ConfigFields, family: Family, layers: number, derived: string[]): AttentionSpec {
  const attentionBias = text.optBool('attention_bias') ?? false;
  const qkvBias = family === 'qwen2' || attentionBias;
  const oBias = family !== 'qwen2' && attentionBias;
  if (family === 'qwen2') derived.push('Qwen2: q/k/v projections have biases, o_proj has none');
  const qkNorm = family === 'qwen3';
  if (qkNorm) derived.push('Qwen3: per-head RMSNorm weights on q and k');
  if (family === 'llama4') llama4Notes(text, layers, derived);

  const window = text.optInt('sliding_window');
  const layerTypes = text.optArray('layer_types');
  let slidingLayers = 0;
  if (layerTypes) {
    slidingLayers = layerTypes.filter((t) => t === 'sliding_attention').length;
  } else if (window !== undefined && text.optBool('use_sliding_window') !== false) {
    const fullLayers = text.optBool('use_sliding_window') === true ? (text.optInt('max_window_layers') ?? 0) : 0;
    slidingLayers = Math.max(0, layers - fullLayers);
  }
  if (slidingLayers > 0 && window === undefined) throw missing(text.path('sliding_window'));
  return Object.freeze({
    slidingWindow: slidingLayers > 0 ? (window as number) : null,
    slidingLayers,
    qkvBias,
    oBias,
    qkNorm,
  });
}

function llama4Notes(text: ConfigFields, layers: number, derived: string[]): void {
  const chunk = text.optInt('attention_chunk_size');
  const noRope = text.optArray('no_rope_layers');
  const nope = noRope ? noRope.filter((x) => x === 0).length : undefined;
  if (chunk !== undefined) {
    const local = nope !== undefined ? `${layers - nope} RoPE layers` : 'the RoPE layers';
    derived.push(`Llama 4 (note only): ${local} use chunked local attention (attention_chunk_size ${chunk})`);
  }
  if (nope !== undefined) {
    derived.push(`Llama 4 (note only): ${nope} of ${layers} layers have no RoPE and attend globally`);
  }
}

function quantizationOf(top: ConfigFields, text: ConfigFields, derived: string[]): QuantizationSpec | null {
  const level = isObject(top.obj.quantization_config) ? top : isObject(text.obj.quantization_config) ? text : null;
  if (!level) return null;
  const q = new ConfigFields(level.obj.quantization_config as Record<string, unknown>, level.path('quantization_config.'));
  const method = q.optString('quant_method') ?? 'unknown';
  const dtype = QUANT_DTYPES[method] ?? null;
  const expertsOnly = method === 'mxfp4';
  if (dtype === null) derived.push(`quantization ${method} not modelled: weights counted at torch_dtype`);
  else derived.push(`quantization ${method}: ${expertsOnly ? 'expert matrices' : 'linear layers'} stored as ${dtype}`);
  return Object.freeze({
    method,
    expertWeightDtype: expertsOnly ? dtype : null,
    linearWeightDtype: expertsOnly ? null : dtype,
  });
}
