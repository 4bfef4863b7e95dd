import { describe, expect, it } from 'vitest';
import {
  findModel,
  kvBytesPerToken,
  paramCounts,
  weightBytes,
} from '../../src/models/index.ts';

describe('parameter counts and weight bytes', () => {
  it('counts Llama-3.1-8B by hand: 8,030,261,248 parameters, 16.06 GB in bf16', () => {
    const spec = findModel('Llama-3.1-8B-Instruct');
    const embeddings = 2 * 128256 * 4096; // untied embedding + LM head
    const attention = 4096 * (32 + 2 * 8) * 128 + 32 * 128 * 4096; // q,k,v + o with GQA
    const mlp = 3 * 4096 * 14336;
    const norms = 32 * 2 * 4096 + 4096;
    const expected = embeddings + 32 * (attention + mlp) + norms;
    expect(expected).toBe(8_030_261_248);
    expect(paramCounts(spec)).toMatchObject({ total: expected, active: expected, experts: 0 });
    expect(weightBytes(spec)).toBe(expected * 2);
    expect(weightBytes(spec) / 1e9).toBeCloseTo(16.06, 2);
    expect(weightBytes(spec, 'fp8')).toBe(expected);
  });

  it('adds Qwen2 q/k/v biases to the count', () => {
    const spec = findModel('Qwen2.5-7B-Instruct');
    expect(paramCounts(spec).total).toBe(7_615_616_512); // the safetensors total for this checkpoint
  });

  it('counts all experts in total and only the routed top-k in active (Mixtral 8x7B)', () => {
    const p = paramCounts(findModel('Mixtral-8x7B-v0.1'));
    const expert = 3 * 4096 * 14336;
    expect(p.experts).toBe(32 * 8 * expert);
    expect(p.total - p.active).toBe(32 * 6 * expert);
  });

  it('stores gpt-oss experts as MXFP4 (0.53 bytes) and the rest in bf16: about 65 GB', () => {
    const spec = findModel('gpt-oss-120b');
    const p = paramCounts(spec);
    expect(weightBytes(spec)).toBeCloseTo(p.experts * (4.25 / 8) + (p.total - p.experts) * 2, 0);
    expect(weightBytes(spec) / 1e9).toBeGreaterThan(64);
    expect(weightBytes(spec) / 1e9).toBeLessThan(66);
    // An explicit dtype re-types the rest but not the checkpoint's own expert quantization.
    expect(weightBytes(spec, 'fp8')).toBeCloseTo(p.experts * (4.25 / 8) + (p.total - p.experts), 0);
  });
});

describe('kvBytesPerToken', () => {
  it('is 2 x layers x kvHeads x headDim x bytes: Llama-3.1-8B 131,072 bytes, 65,536 in fp8', () => {
    const spec = findModel('Llama-3.1-8B-Instruct');
    expect(kvBytesPerToken(spec)).toBe(2 * 32 * 8 * 128 * 2);
    expect(kvBytesPerToken(spec)).toBe(131_072);
    expect(kvBytesPerToken(spec, 1)).toBe(65_536);
  });

  it('makes a 16-token Llama-2-7b block 8 MiB (32 KV heads: no GQA)', () => {
    expect(kvBytesPerToken(findModel('Llama-2-7b-hf')) * 16).toBe(8 * 1024 * 1024);
  });
});
