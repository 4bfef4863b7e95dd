import { describe, expect, it } from 'vitest';
import { errorLine, KvlabError, toErrorBody } from '../../src/core/errors.ts';
import { ModelsError, parseHfConfig } from '../../src/models/index.ts';

const llamaLike = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 4096,
  intermediate_size: 14336,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

function parseError(obj: unknown): ModelsError {
  try {
    parseHfConfig(obj);
  } catch (err) {
    if (err instanceof ModelsError) return err;
    throw err;
  }
  throw new Error('expected parseHfConfig to throw');
}

describe('parseHfConfig', () => {
  it('reads a dense Llama config and derives head_dim from hidden / heads, saying so', () => {
    const spec = parseHfConfig(llamaLike, 'x/llama', 'https://example/config.json');
    expect(spec).toMatchObject({
      id: 'x/llama',
      source: 'https://example/config.json',
      architecture: 'LlamaForCausalLM',
      modelType: 'llama',
      layers: 32,
      hidden: 4096,
      heads: 32,
      kvHeads: 8,
      headDim: 128,
      intermediate: 14336,
      vocab: 128256,
      dtype: 'bfloat16',
      weightDtype: 'bf16',
      tieEmbeddings: false,
      maxPositionEmbeddings: 131072,
      moe: null,
      attention: { slidingWindow: null, slidingLayers: 0, qkvBias: false, oBias: false, qkNorm: false },
      quantization: null,
    });
    expect(spec.derived).toContain('head_dim not in config: hidden_size / num_attention_heads = 128');
    expect(Object.isFrozen(spec)).toBe(true);
  });

  it('keeps an explicit head_dim that is not hidden / heads (Mistral Nemo: 128, not 160)', () => {
    const spec = parseHfConfig({ ...llamaLike, hidden_size: 5120, head_dim: 128 });
    expect(spec.headDim).toBe(128);
    expect(spec.derived.some((d) => d.startsWith('head_dim'))).toBe(false);
  });

  it.each([
    'num_hidden_layers',
    'hidden_size',
    'num_attention_heads',
    'num_key_value_heads',
    'intermediate_size',
    'vocab_size',
    'max_position_embeddings',
  ])('names the missing field %s in a catalogued error', (field) => {
    const err = parseError(without(llamaLike, field));
    expect(err.message).toBe(`config.json: ${field} is missing`);
    expect(err.reason).toBe('missing_field');
    expect(err.code).toBe('invalid_config');
    expect(err.param).toBe(field);
    expect(err).toBeInstanceOf(KvlabError);
    expect(errorLine(err)).toBe(`error [invalid_config]: config.json: ${field} is missing`);
    expect(toErrorBody(err).error).toMatchObject({ code: 'invalid_config', param: field });
  });

  it('names the field inside text_config when the language model is nested', () => {
    const err = parseError({ architectures: ['Llama4ForConditionalGeneration'], text_config: without(llamaLike, 'hidden_size') });
    expect(err.message).toBe('config.json: text_config.hidden_size is missing');
    expect(err.param).toBe('text_config.hidden_size');
  });

  it('requires a torch_dtype (or dtype) and rejects unknown ones', () => {
    expect(parseError(without(llamaLike, 'torch_dtype')).message).toBe('config.json: torch_dtype is missing');
    const { torch_dtype: _, ...rest } = llamaLike;
    expect(parseHfConfig({ ...rest, dtype: 'float16' }).weightDtype).toBe('fp16');
    const err = parseError({ ...llamaLike, torch_dtype: 'int3' });
    expect(err.reason).toBe('invalid_field');
    expect(err.message).toBe('config.json: torch_dtype must be bfloat16, float16 or float32 (got "int3")');
  });

  it('rejects non-integer sizes and non-objects with the field named', () => {
    expect(parseError({ ...llamaLike, hidden_size: '4096' }).message).toBe(
      'config.json: hidden_size must be a positive integer (got "4096")',
    );
    expect(parseError({ ...llamaLike, num_key_value_heads: 0 }).param).toBe('num_key_value_heads');
    expect(parseError({ ...llamaLike, num_key_value_heads: 7 }).message).toMatch(/must divide num_attention_heads/);
    expect(parseError([1, 2]).message).toBe('config.json: expected a JSON object');
  });

  it('treats an absent tie_word_embeddings as untied and records it', () => {
    const spec = parseHfConfig(without(llamaLike, 'tie_word_embeddings'));
    expect(spec.tieEmbeddings).toBe(false);
    expect(spec.derived).toContain('tie_word_embeddings not in config: untied');
  });

  it('gives Qwen2 q/k/v biases without an o bias, and Qwen3 q/k norms', () => {
    const qwen2 = parseHfConfig({ ...llamaLike, model_type: 'qwen2' });
    expect(qwen2.attention).toMatchObject({ qkvBias: true, oBias: false, qkNorm: false });
    const qwen3 = parseHfConfig({ ...llamaLike, model_type: 'qwen3', head_dim: 128 });
    expect(qwen3.attention).toMatchObject({ qkvBias: false, oBias: false, qkNorm: true });
    expect(parseHfConfig({ ...llamaLike, attention_bias: true }).attention).toMatchObject({ qkvBias: true, oBias: true });
  });

  it('reads a Mixtral-style MoE: every layer MoE, experts of intermediate_size, no shared expert', () => {
    const spec = parseHfConfig({ ...llamaLike, model_type: 'mixtral', num_local_experts: 8, num_experts_per_tok: 2 });
    expect(spec.moe).toEqual({
      experts: 8,
      activeExperts: 2,
      expertIntermediate: 14336,
      sharedExperts: 0,
      sharedIntermediate: 0,
      moeLayers: 32,
      denseIntermediate: 14336,
      routerBias: false,
    });
  });

  it('requires the top-k of an MoE config', () => {
    expect(parseError({ ...llamaLike, num_local_experts: 8 }).message).toBe('config.json: num_experts_per_tok is missing');
  });

  it('reads Llama 4 from text_config: shared expert, interleaved MoE layers, dense size, chunking as notes', () => {
    const text = {
      ...llamaLike,
      model_type: 'llama4_text',
      hidden_size: 5120,
      intermediate_size: 8192,
      intermediate_size_mlp: 16384,
      num_hidden_layers: 48,
      num_attention_heads: 40,
      head_dim: 128,
      num_local_experts: 128,
      num_experts_per_tok: 1,
      interleave_moe_layer_step: 2,
      attention_chunk_size: 8192,
      no_rope_layers: Array.from({ length: 48 }, (_, i) => ((i + 1) % 4 === 0 ? 0 : 1)),
    };
    const spec = parseHfConfig({ architectures: ['Llama4ForConditionalGeneration'], model_type: 'llama4', text_config: text });
    expect(spec.architecture).toBe('Llama4ForConditionalGeneration');
    expect(spec.modelType).toBe('llama4_text');
    expect(spec.moe).toMatchObject({ experts: 128, sharedExperts: 1, sharedIntermediate: 8192, moeLayers: 24, denseIntermediate: 16384 });
    expect(spec.attention.slidingWindow).toBeNull();
    expect(spec.derived).toContain('Llama 4 (note only): 36 RoPE layers use chunked local attention (attention_chunk_size 8192)');
    expect(spec.derived).toContain('Llama 4 (note only): 12 of 48 layers have no RoPE and attend globally');
  });

  it('counts MoE layers from decoder_sparse_step / mlp_only_layers and first_k_dense_replace', () => {
    const base = { ...llamaLike, num_experts: 64, num_experts_per_tok: 8, moe_intermediate_size: 1408 };
    expect(parseHfConfig({ ...base, decoder_sparse_step: 2, mlp_only_layers: [1] }).moe?.moeLayers).toBe(15);
    const deepseekLike = parseHfConfig({ ...base, first_k_dense_replace: 1, n_shared_experts: 2 });
    expect(deepseekLike.moe).toMatchObject({ moeLayers: 31, expertIntermediate: 1408, sharedExperts: 2, sharedIntermediate: 1408 });
  });

  it('reads gpt-oss: sliding layers from layer_types, MXFP4 experts, expert and router biases', () => {
    const spec = parseHfConfig({
      ...llamaLike,
      model_type: 'gpt_oss',
      head_dim: 64,
      attention_bias: true,
      num_local_experts: 32,
      experts_per_token: 4,
      sliding_window: 128,
      layer_types: Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
      quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn'] },
    });
    expect(spec.attention).toMatchObject({ slidingWindow: 128, slidingLayers: 16, qkvBias: true, oBias: true });
    expect(spec.moe).toMatchObject({ experts: 32, activeExperts: 4, routerBias: true });
    expect(spec.mlpBias).toBe(true);
    expect(spec.quantization).toEqual({ method: 'mxfp4', expertWeightDtype: 'mxfp4', linearWeightDtype: null });
  });

  it('slides every layer for a Mistral-style sliding_window, none when use_sliding_window is false', () => {
    expect(parseHfConfig({ ...llamaLike, sliding_window: 4096 }).attention).toMatchObject({ slidingWindow: 4096, slidingLayers: 32 });
    const off = parseHfConfig({ ...llamaLike, sliding_window: 131072, use_sliding_window: false });
    expect(off.attention).toMatchObject({ slidingWindow: null, slidingLayers: 0 });
    const qwenSwa = parseHfConfig({ ...llamaLike, sliding_window: 4096, use_sliding_window: true, max_window_layers: 28 });
    expect(qwenSwa.attention.slidingLayers).toBe(4);
  });

  it('records quantization it does not model and types fp8 checkpoints as fp8 linear layers', () => {
    expect(parseHfConfig({ ...llamaLike, quantization_config: { quant_method: 'fp8' } }).quantization).toEqual({
      method: 'fp8',
      expertWeightDtype: null,
      linearWeightDtype: 'fp8',
    });
    const awq = parseHfConfig({ ...llamaLike, quantization_config: { quant_method: 'awq' } });
    expect(awq.derived).toContain('quantization awq not modelled: weights counted at torch_dtype');
  });
});
