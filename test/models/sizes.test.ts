import { describe, expect, it } from 'vitest';
import {
  estimateVllmReserve,
  findGpu,
  findModel,
  kvBytesPerToken,
  paramCounts,
  vllmBatchDefaults,
  vllmKvBlocks,
  weightBytes,
} from '../../src/models/index.ts';
import { thrown } from './thrown.ts';

const GIB = 1024 ** 3;


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

describe('vllmKvBlocks', () => {
  const h100 = findGpu('H100-SXM-80GB');

  // Real vLLM logs on H100-SXM-80GB at gpu_memory_utilization 0.9 and block size 16 ("GPU KV cache
  // size: N tokens" / 16). The first four ran with max_num_batched_tokens 2048 and max_num_seqs 128
  // (inference-sim/training exp-config.yaml); the Qwen run used vLLM's defaults.
  it.each([
    { name: 'Llama-2-7b-hf', tp: 1, tokens: 2048, seqs: 128, limits: '2048 tokens / 128 seqs', logged: 7463 },
    { name: 'CodeLlama-34b-Instruct-hf', tp: 2, tokens: 2048, seqs: 128, limits: '2048 tokens / 128 seqs', logged: 26603 },
    { name: 'Mixtral-8x7B-v0.1', tp: 2, tokens: 2048, seqs: 128, limits: '2048 tokens / 128 seqs', logged: 27511 },
    { name: 'Llama-2-70b-hf', tp: 4, tokens: 2048, seqs: 128, limits: '2048 tokens / 128 seqs', logged: 31357 },
    { name: 'Qwen2.5-7B-Instruct', tp: 1, tokens: undefined, seqs: undefined, limits: 'vLLM defaults', logged: 65352 },
  ])('$name at TP $tp ($limits) lands within 1 percent of the $logged blocks vLLM logged', ({ name, tp, tokens, seqs, logged }) => {
    const r = vllmKvBlocks({ spec: findModel(name), gpu: h100, tp, maxNumBatchedTokens: tokens, maxNumSeqs: seqs });
    expect(Math.abs(r.blocks / logged - 1)).toBeLessThan(0.01);
    expect(r.tokens).toBe(r.blocks * 16);
  });

  it('shows its arithmetic: usable - weights - reserve, cut into per-rank blocks', () => {
    const spec = findModel('Llama-3.1-8B-Instruct');
    const r = vllmKvBlocks({ spec, gpu: h100, activationReserveBytes: GIB });
    expect(r.gpuBytes).toBe(81090 * 1024 * 1024);
    expect(r.usableBytes).toBeCloseTo(r.gpuBytes * 0.9, 3);
    expect(r.weightBytesPerGpu).toBe(weightBytes(spec));
    expect(r.reserveBytes).toBe(GIB);
    expect(r.reserve).toBeNull();
    expect(r.bytesPerBlock).toBe(16 * 131_072);
    expect(r.blocks).toBe(Math.floor((r.usableBytes - r.weightBytesPerGpu - GIB) / r.bytesPerBlock));
  });

  it('splits weights and KV heads across TP ranks, keeping one KV head per rank when TP exceeds them', () => {
    const spec = findModel('Llama-3.1-70B-Instruct');
    const tp4 = vllmKvBlocks({ spec, gpu: h100, tp: 4 });
    expect(tp4.kvHeadsPerGpu).toBe(2);
    expect(tp4.weightBytesPerGpu).toBe(weightBytes(spec) / 4);
    expect(tp4.bytesPerBlock).toBe(16 * 2 * 80 * 2 * 128 * 2);
    const tp16 = vllmKvBlocks({ spec, gpu: h100, tp: 16 });
    expect(tp16.kvHeadsPerGpu).toBe(1);
  });

  it('uses fp8 KV and larger blocks as asked', () => {
    const spec = findModel('Qwen3-8B');
    const base = vllmKvBlocks({ spec, gpu: h100 });
    const fp8 = vllmKvBlocks({ spec, gpu: h100, kvDtypeBytes: 1 });
    const big = vllmKvBlocks({ spec, gpu: h100, blockSize: 32 });
    expect(fp8.bytesPerBlock * 2).toBe(base.bytesPerBlock);
    expect(Math.abs(fp8.blocks - 2 * base.blocks)).toBeLessThanOrEqual(1);
    expect(Math.abs(big.tokens - base.tokens)).toBeLessThanOrEqual(32);
  });

  it('fails with the numbers when the weights do not fit per GPU', () => {
    const err = thrown(() => vllmKvBlocks({ spec: findModel('Llama-3.1-70B-Instruct'), gpu: h100 }));
    expect(err.reason).toBe('weights_do_not_fit');
    expect(err.code).toBe('invalid_config');
    expect(err.message).toMatch(
      /^meta-llama\/Llama-3\.1-70B-Instruct does not fit on H100-SXM-80GB at TP 1: 131\.42 GiB of weights \+ [\d.]+ GiB reserve per GPU, but vLLM may use 71\.27 GiB \(79\.19 GiB x 0\.9\)/,
    );
  });

  it('rejects out-of-range options, naming them', () => {
    const spec = findModel('Qwen3-8B');
    expect(thrown(() => vllmKvBlocks({ spec, gpu: h100, tp: 0 })).param).toBe('tp');
    expect(thrown(() => vllmKvBlocks({ spec, gpu: h100, gpuMemoryUtilization: 1.5 })).param).toBe('gpuMemoryUtilization');
    expect(thrown(() => vllmKvBlocks({ spec, gpu: h100, blockSize: 1.5 })).param).toBe('blockSize');
    expect(thrown(() => vllmKvBlocks({ spec, gpu: h100, activationReserveBytes: -1 })).reason).toBe('invalid_option');
  });
});

describe('vLLM reserve estimate', () => {
  it("takes vLLM's batch defaults: 8192 tokens / 1024 seqs on H100-class GPUs, 2048 / 256 on A100 and L40S", () => {
    expect(vllmBatchDefaults(findGpu('H100'))).toEqual({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(vllmBatchDefaults(findGpu('B200'))).toEqual({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(vllmBatchDefaults(findGpu('A100'))).toEqual({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(vllmBatchDefaults(findGpu('L40S'))).toEqual({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
  });

  it('grows with the batch budget and the vocabulary, and with TP > 1 buffers', () => {
    const qwen = findModel('Qwen2.5-7B-Instruct');
    const small = estimateVllmReserve({ spec: qwen, tp: 1, maxNumBatchedTokens: 2048, maxNumSeqs: 128 });
    const large = estimateVllmReserve({ spec: qwen, tp: 1, maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(large.bytes).toBeGreaterThan(small.bytes);
    expect(large.samplerBytes).toBe(1024 * 152064 * 6);
    expect(large.forwardBytes).toBe(8192 * (3 * 18944 + 3584) * 2);
    const tp2 = estimateVllmReserve({ spec: qwen, tp: 2, maxNumBatchedTokens: 2048, maxNumSeqs: 128 });
    expect(tp2.nonTorchBytes).toBeGreaterThan(small.nonTorchBytes);
    expect(tp2.forwardBytes).toBeLessThan(small.forwardBytes);
  });
});
