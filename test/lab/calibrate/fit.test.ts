import { describe, expect, it } from 'vitest';
import { buildSharedPrefix } from '../../../src/client/workloads/index.ts';
import { COEFFICIENT_NAMES, DEFAULT_ENGINE_CONFIG, RooflineTiming, type RooflineCoefficients, type RooflineSpec } from '../../../src/mocker/engine/index.ts';
import { fitCoefficients, PRIOR, type FitCase } from '../../../src/lab/calibrate/fit.ts';
import { linearize, type LinearRun } from '../../../src/lab/calibrate/linearize.ts';
import { StepLog } from '../../../src/lab/calibrate/step-log.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';

// A Llama-2-7B-like deployment on one H100, by hand.
const H = 4096;
const LAYER = 4 * H * H + 3 * H * 11008;
const SPEC: RooflineSpec = {
  tp: 1, layers: 32, hidden: H, headsPerGpu: 32, kvHeadsPerGpu: 32, headDim: 128, slidingLayers: 0, slidingWindow: 0,
  denseParams: 32 * LAYER, lmHeadParams: H * 32000, moeLayers: 0, experts: 0, activeExperts: 0, expertParams: 0,
  denseWeightBytes: 2 * (32 * LAYER + H * 32000), expertWeightBytes: 0, activationBytesPerToken: 0,
  kvBytesPerTokenPerGpu: 2 * 32 * 32 * 128 * 2, activationElementBytes: 2,
  gemmFlops: 989.4e12, attentionFlops: 989.4e12, memoryBandwidth: 3.35e12, linkBandwidth: 450e9,
};

function simulate(c: Readonly<RooflineCoefficients>, stages: string, outputLen: number, maxNumBatchedTokens = 2048): { linear: LinearRun } {
  const log = new StepLog();
  const workload = buildSharedPrefix({ systemPromptLen: 100, questionLen: 500, outputLen, numGroups: 4, usersPerGroup: 5, stages });
  const res = runVirtual({
    workload,
    seed: 3,
    observeStep: log.observe,
    cluster: {
      numWorkers: 1,
      reasoningRatio: 0,
      timing: log.loggingTiming(new RooflineTiming(SPEC, c)),
      engine: { ...DEFAULT_ENGINE_CONFIG, blockSize: 16, numGpuBlocks: 8000, maxNumSeqs: 128, maxNumBatchedTokens, maxModelLen: 4096 },
      router: { mode: 'round-robin', kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 },
    },
  });
  return { linear: linearize(log, res.records, c.frontendMs) };
}

const dot = (row: Float64Array, c: RooflineCoefficients): number => COEFFICIENT_NAMES.reduce((s, k, i) => s + row[i] * c[k], 0);

describe('linearized runs', () => {
  it('reproduce the simulated mean TTFT and decode span exactly at the coefficients they were simulated with', () => {
    const c = { ...PRIOR, memoryScale: 1.4, kvScale: 1.7, stepOverheadMs: 2.5, frontendMs: 6 };
    const { linear } = simulate(c, '6:20,14:10', 60);
    expect(linear.requests).toBe(260);
    expect(dot(linear.ttft, c)).toBeCloseTo(linear.ttftMs, 6);
    expect(dot(linear.span, c)).toBeCloseTo(linear.spanMs, 6);
    expect(linear.ttft[COEFFICIENT_NAMES.indexOf('frontendMs')]).toBe(1);
  });
});

describe('fitCoefficients', () => {
  it('fits hidden coefficients on three loads and predicts a fourth, different one within 3 %', async () => {
    const hidden: RooflineCoefficients = { computeScale: 1.9, memoryScale: 1.1, kvScale: 1.6, attentionScale: 3, stepOverheadMs: 3, requestOverheadMs: 0.4, tokenOverheadMs: 0.01, allReduceMs: 0.015, frontendMs: 8 };
    const loads = [
      ['3:20', 40, 2048],
      ['10:20', 40, 2048],
      ['16:15', 80, 512],
      ['6:20', 200, 1024],
    ] as const;
    const cases: FitCase[] = loads.map(([stages, out, mnbt], i) => {
      const truth = simulate(hidden, stages, out, mnbt).linear;
      return { id: `case-${i}`, measured: { ttftMs: truth.ttftMs, spanMs: truth.spanMs }, run: (c) => simulate(c, stages, out, mnbt) };
    });
    const fit = await fitCoefficients(cases.slice(0, 3), { ridge: 0.001 });
    for (const [i, r] of fit.runs.entries()) {
      expect(Math.abs(r.linear.ttftMs / cases[i].measured.ttftMs - 1), `TTFT of ${cases[i].id}`).toBeLessThan(0.02);
      expect(Math.abs(r.linear.spanMs / cases[i].measured.spanMs - 1), `span of ${cases[i].id}`).toBeLessThan(0.02);
    }
    const held = cases[3].run(fit.coefficients).linear;
    expect(Math.abs(held.ttftMs / cases[3].measured.ttftMs - 1), 'held-out TTFT').toBeLessThan(0.03);
    expect(Math.abs(held.spanMs / cases[3].measured.spanMs - 1), 'held-out span').toBeLessThan(0.03);
  }, 60_000);
});
