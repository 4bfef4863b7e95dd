import { describe, expect, it } from 'vitest';
import { emptyBatch, emptyBreakdown, RooflineTiming, STEP_FEATURES, type RooflineCoefficients, type RooflineSpec, type StepBatch } from '../../../src/mocker/engine/timing/index.ts';

// Llama-3.1-8B on one H100-SXM, by hand (config.json: 32 layers, hidden 4096, 32 heads, 8 KV heads of
// 128, intermediate 14336, vocab 128256; H100: 989.4 dense BF16 TFLOP/s, 3.35 TB/s).
const H = 4096;
const LAYER_PARAMS = H * H * 2 + H * 1024 * 2 + 3 * H * 14336; // Q, O, K+V, gate/up/down = 218,103,808
const LM_HEAD = H * 128256; // 525,336,576
const LLAMA_8B: RooflineSpec = {
  tp: 1,
  layers: 32,
  hidden: H,
  headsPerGpu: 32,
  kvHeadsPerGpu: 8,
  headDim: 128,
  slidingLayers: 0,
  slidingWindow: 0,
  denseParams: 32 * LAYER_PARAMS,
  lmHeadParams: LM_HEAD,
  moeLayers: 0,
  experts: 0,
  activeExperts: 0,
  expertParams: 0,
  denseWeightBytes: 2 * (32 * LAYER_PARAMS + LM_HEAD),
  expertWeightBytes: 0,
  activationBytesPerToken: 0,
  kvBytesPerTokenPerGpu: 2 * 32 * 8 * 128 * 2,
  activationElementBytes: 2,
  gemmFlops: 989.4e12,
  attentionFlops: 989.4e12,
  memoryBandwidth: 3.35e12,
  linkBandwidth: 450e9,
};
const IDEAL: RooflineCoefficients = {
  computeScale: 1,
  memoryScale: 1,
  kvScale: 1,
  attentionScale: 1,
  stepOverheadMs: 0,
  requestOverheadMs: 0,
  tokenOverheadMs: 0,
  allReduceMs: 0,
  frontendMs: 0,
};

interface Req {
  t: number;
  s: number;
  decoding?: boolean;
  emits?: boolean;
}

function batchOf(reqs: Req[], admitted = 0): StepBatch {
  const b = emptyBatch(reqs.length);
  b.size = reqs.length;
  reqs.forEach((r, i) => {
    b.newTokens[i] = r.t;
    b.contextTokens[i] = r.s;
    b.decoding[i] = r.decoding ? 1 : 0;
    b.emits[i] = (r.emits ?? true) ? 1 : 0;
    if (r.decoding) b.decodeSeqs++;
    else b.prefillTokens += r.t;
  });
  b.admitted = admitted;
  return b;
}

function total(model: RooflineTiming, b: StepBatch): number {
  const out = { prefillMs: 0, decodeMs: 0 };
  model.stepTime(b, out);
  return out.prefillMs + out.decodeMs;
}

describe('roofline timing, against hand calculations', () => {
  const ideal = new RooflineTiming(LLAMA_8B, IDEAL);

  it('Llama-3.1-8B decode at batch 1 on an H100 is bound by reading its weights (~4.5 ms at 3.35 TB/s)', () => {
    // The weights a step reads: every linear layer and the LM head, 15.01 GB in bf16. The input
    // embedding table (another 1.05 GB, 16.06 GB in all) is looked up row by row, not read: reading
    // all 16.06 GB would be the ≈ 4.8 ms of a whole-model estimate.
    expect(LLAMA_8B.denseWeightBytes).toBe(15_009_316_864);
    const kv = (1000 * 131_072) / 3.35e12 * 1e3; // the context's KV read: 1000 tokens × 128 KiB
    const t = total(ideal, batchOf([{ t: 1, s: 999, decoding: true }]));
    expect(t).toBeCloseTo(15_009_316_864 / 3.35e12 * 1e3 + kv, 6);
    expect(t).toBeGreaterThan(4.5);
    expect(t).toBeLessThan(4.6);
  });

  it('a 2048-token prefill chunk is compute-bound: 2 FLOPs per parameter per token', () => {
    const gemm = (2 * 2048 * 32 * LAYER_PARAMS + 2 * LM_HEAD) / 989.4e12 * 1e3; // ≈ 28.9 ms
    const pairs = 32 * (2048 * 0 + (2048 * 2049) / 2);
    const attn = Math.max((pairs * 4 * 32 * 128) / 989.4e12 * 1e3, (2048 * 131_072) / 3.35e12 * 1e3);
    expect(gemm).toBeCloseTo(28.89, 1);
    expect(total(ideal, batchOf([{ t: 2048, s: 0 }], 1))).toBeCloseTo(gemm + attn, 6);
  });

  it('a prefill costs more when it attends over a longer cached context (context-aware)', () => {
    const fresh = total(ideal, batchOf([{ t: 1000, s: 0 }]));
    const overCached = total(ideal, batchOf([{ t: 1000, s: 3000 }]));
    // 32 layers × 1000 × 3000 more query-key pairs × 4 · 32 heads · 128 FLOPs ≈ 1.59 ms at 989.4 TFLOP/s.
    expect(overCached - fresh).toBeCloseTo((32 * 1000 * 3000 * 4 * 32 * 128) / 989.4e12 * 1e3, 6);
  });

  it('decode batches stay weight-bound and grow with the KV they read', () => {
    const reqs = (n: number, s: number): Req[] => Array.from({ length: n }, () => ({ t: 1, s, decoding: true }));
    const b1 = total(ideal, batchOf(reqs(1, 1000)));
    const b64 = total(ideal, batchOf(reqs(64, 1000)));
    expect(b64 - b1).toBeCloseTo((63 * 1001 * 131_072) / 3.35e12 * 1e3, 6); // 63 more contexts' KV
  });

  it('applies the fitted corrections: scales multiply ideal parts, overheads add', () => {
    const c = { ...IDEAL, memoryScale: 1.25, kvScale: 1.25, stepOverheadMs: 2, requestOverheadMs: 0.5, tokenOverheadMs: 0.01 };
    const fitted = new RooflineTiming(LLAMA_8B, c);
    const b = batchOf([{ t: 1, s: 999, decoding: true }, { t: 1, s: 499, decoding: true }]);
    expect(total(fitted, b)).toBeCloseTo(1.25 * total(ideal, b) + 2 + 2 * 0.01, 9);
    const withAdmission = batchOf([{ t: 1, s: 999, decoding: true }, { t: 20, s: 0, emits: false }], 1);
    expect(total(fitted, withAdmission) - total(new RooflineTiming(LLAMA_8B, { ...c, requestOverheadMs: 0 }), withAdmission)).toBeCloseTo(0.5, 9);
  });

  it('splits a mixed step into what its decodes alone take and what the prefill adds', () => {
    const b = batchOf([{ t: 1, s: 999, decoding: true }, { t: 1500, s: 0 }], 1);
    const out = { prefillMs: 0, decodeMs: 0 };
    ideal.stepTime(b, out);
    expect(out.decodeMs).toBeCloseTo(total(ideal, batchOf([{ t: 1, s: 999, decoding: true }])), 9);
    expect(out.prefillMs + out.decodeMs).toBeCloseTo(total(ideal, b), 9);
    expect(out.prefillMs).toBeGreaterThan(15); // ≈ 21.3 ms of compute-bound GEMMs less the 4.5 ms weight read the decodes pay anyway
  });

  it('features times coefficients and the breakdown both add up to the step time', () => {
    const c: RooflineCoefficients = { computeScale: 1.6, memoryScale: 1.2, kvScale: 1.4, attentionScale: 2.5, stepOverheadMs: 1.5, requestOverheadMs: 0.3, tokenOverheadMs: 0.02, allReduceMs: 0.015, frontendMs: 4 };
    const tp2 = new RooflineTiming({ ...LLAMA_8B, tp: 2, headsPerGpu: 16, kvHeadsPerGpu: 4, kvBytesPerTokenPerGpu: 65_536 }, c);
    for (const b of [
      batchOf([{ t: 1, s: 999, decoding: true }, { t: 700, s: 112 }, { t: 1, s: 3000, decoding: true }], 1),
      batchOf([{ t: 2048, s: 4096 }], 1),
      batchOf(Array.from({ length: 40 }, (_, i) => ({ t: 1, s: 100 * i, decoding: true }))),
    ]) {
      const f = new Float64Array(STEP_FEATURES);
      const t = total(tp2, b);
      expect(tp2.features(b, f)).toBeCloseTo(t, 9);
      const acc = emptyBreakdown();
      expect(tp2.breakdown(b, acc)).toBeCloseTo(t, 9);
      expect(Object.values(acc).reduce((x, y) => x + y, 0)).toBeCloseTo(t, 9);
      expect(f[7]).toBe(64); // 2 all-reduces per layer with tp 2
    }
  });

  it('tensor parallelism splits the weights over the GPUs and adds all-reduces', () => {
    const tp2 = new RooflineTiming({ ...LLAMA_8B, tp: 2, headsPerGpu: 16, kvHeadsPerGpu: 4, kvBytesPerTokenPerGpu: 65_536 }, { ...IDEAL, allReduceMs: 0.01 });
    const b = batchOf([{ t: 1, s: 0, decoding: true }]);
    const ring = (64 * 1 * 4096 * 2) / 450e9 * 1e3; // 2(tp−1)/tp = 1 of 8 KiB per all-reduce, 64 of them
    expect(total(tp2, b)).toBeCloseTo(LLAMA_8B.denseWeightBytes / 2 / 3.35e12 * 1e3 + 65_536 / 3.35e12 * 1e3 + ring + 64 * 0.01, 9);
  });

  it('a MoE step reads the experts its tokens select: one token reads k of E, many tokens nearly all', () => {
    const moe: RooflineSpec = { ...LLAMA_8B, moeLayers: 32, experts: 16, activeExperts: 1, expertParams: 1e8, expertWeightBytes: 1e8 };
    const model = new RooflineTiming(moe, IDEAL);
    const weights = (experts: number): number => ((LLAMA_8B.denseWeightBytes + 32 * experts * 1e8) / 3.35e12) * 1e3;
    const one = total(model, batchOf([{ t: 1, s: 0, decoding: true }]));
    expect(one).toBeCloseTo(weights(1) + 131_072 / 3.35e12 * 1e3, 6);
    const many = batchOf(Array.from({ length: 100 }, () => ({ t: 1, s: 0, decoding: true })));
    const touched = 16 * (1 - Math.pow(15 / 16, 100));
    expect(total(model, many)).toBeCloseTo(weights(touched) + (100 * 131_072) / 3.35e12 * 1e3, 6);
  });

  it('refuses a spec or coefficients it cannot time, naming the field', () => {
    expect(() => new RooflineTiming({ ...LLAMA_8B, memoryBandwidth: 0 }, IDEAL)).toThrow(/memoryBandwidth/);
    expect(() => new RooflineTiming(LLAMA_8B, { ...IDEAL, computeScale: -1 })).toThrow(/computeScale/);
    expect(() => new RooflineTiming({ ...LLAMA_8B, moeLayers: 2, experts: 4, activeExperts: 8 }, IDEAL)).toThrow(/activeExperts/);
  });
});
