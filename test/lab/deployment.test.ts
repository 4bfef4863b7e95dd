import { describe, expect, it } from 'vitest';
import { findGpu, findModel } from '../../src/models/index.ts';
import { resolveDeployment } from '../../src/lab/deployment.ts';

describe('deployments (model × GPU × TP → engine settings and roofline numbers)', () => {
  it('Llama-3.1-8B on one H100: 15.0 GB of weights read per step, 128 KiB of KV per token, vLLM-sized KV cache', () => {
    const d = resolveDeployment({ model: findModel('Llama-3.1-8B-Instruct'), gpu: findGpu('H100'), maxNumSeqs: 128, maxNumBatchedTokens: 2048 });
    expect(d.roofline.denseWeightBytes / 1e9).toBeCloseTo(15.01, 1);
    expect(d.roofline.kvBytesPerTokenPerGpu).toBe(131_072);
    expect(d.roofline.gemmFlops).toBeCloseTo(989.5e12, -10);
    expect(d.engine).toMatchObject({ blockSize: 16, maxNumSeqs: 128, maxNumBatchedTokens: 2048, asyncScheduling: true });
    // 0.9 × ~79 GiB − 16 GB of weights − the profiling reserve, in 2 MiB blocks: ~28.5k blocks.
    expect(d.engine.numGpuBlocks).toBeGreaterThan(27_000);
    expect(d.engine.numGpuBlocks).toBeLessThan(30_000);
    expect(d.engine.maxModelLen).toBe(Math.min(131_072, d.engine.numGpuBlocks * 16));
  });

  it('tensor parallelism splits heads and KV heads over the GPUs; fp8 weights use FP8 tensor cores', () => {
    const d = resolveDeployment({ model: findModel('meta-llama/Llama-3.1-70B-Instruct'), gpu: findGpu('H100-SXM-80GB'), tp: 4 });
    expect(d.roofline).toMatchObject({ tp: 4, headsPerGpu: 16, kvHeadsPerGpu: 2 });
    expect(d.roofline.linkBandwidth).toBe(450e9);
    const fp8 = resolveDeployment({ model: findModel('Llama-4-Scout-17B-16E-Instruct'), gpu: findGpu('H100'), tp: 2, weightDtype: 'fp8' });
    expect(fp8.roofline.gemmFlops).toBeCloseTo(1979e12, -10);
    expect(fp8.roofline).toMatchObject({ moeLayers: 48, experts: 16, activeExperts: 1 });
  });

  it('says why a deployment cannot run: FP8 on a GPU without it, weights that do not fit, heads TP cannot split', () => {
    expect(() => resolveDeployment({ model: findModel('Llama-3.1-8B-Instruct'), gpu: findGpu('A100-SXM-80GB'), weightDtype: 'fp8' })).toThrow(/no FP8 tensor cores/);
    expect(() => resolveDeployment({ model: findModel('Llama-3.1-70B-Instruct'), gpu: findGpu('H100') })).toThrow(/does not fit on H100-SXM-80GB at TP 1: 131\.\d+ GiB of weights/);
    expect(() => resolveDeployment({ model: findModel('Qwen2.5-7B-Instruct'), gpu: findGpu('H100'), tp: 8 })).toThrow(/28 attention heads, which tensor parallelism 8 does not divide/);
  });
});
