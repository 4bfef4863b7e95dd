import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { kvCost } from '../../src/router-sim/policies/kv-cost.ts';
import { createKvPolicy } from '../../src/router-sim/policies/kv.ts';
import { selectByCost, softmaxProbabilities } from '../../src/router-sim/policies/select-by-cost.ts';
import type { PolicyInput, WorkerView } from '../../src/router-sim/types.ts';

const BS = 64;

function view(index: number, over: Partial<WorkerView> = {}): WorkerView {
  return { index, name: `worker-${index}`, up: true, inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0, cachedBlocks: 0, ...over };
}

// Dynamo's documented example (router docs, "Routing Concepts"): a request of 10 blocks; workers cache
// 2, 5 and 8 of its blocks and show (prefill blocks, decode blocks) of (8, 10), (5, 5), (2, 9) → costs
// 18, 10, 11 at weight 1, so worker 2 of 3 wins. Both columns are the workers' totals with the request
// added. Dynamo's decode total is active blocks + the request's blocks not already held by in-flight
// requests there; we set each worker's in-flight requests to hold its cached prefix (active overlap =
// cached overlap) and pick active decode blocks d so that d + 10 − overlap matches the column.
const ISL = 10 * BS;
const example = [
  { overlap: 2, activeDecode: 2, activeOverlap: 2 }, // decode 2 + 10 − 2 = 10, prefill 8
  { overlap: 5, activeDecode: 0, activeOverlap: 5 }, // decode 0 + 10 − 5 = 5, prefill 5
  { overlap: 8, activeDecode: 7, activeOverlap: 8 }, // decode 7 + 10 − 8 = 9, prefill 2
];

describe('kv cost', () => {
  it("reproduces Dynamo's documented example: (8,10), (5,5), (2,9) at weight 1 picks the second worker", () => {
    const costs = example.map((e, i) => kvCost(view(i, { activeDecodeBlocks: e.activeDecode }), e.overlap, e.activeOverlap, ISL, { blockSize: BS, overlapScoreWeight: 1 }));
    expect(costs.map((c) => [c.prefillBlocks, c.decodeBlocks])).toEqual([
      [8, 10],
      [5, 5],
      [2, 9],
    ]);
    expect(costs.map((c) => c.cost)).toEqual([18, 10, 11]);
    const p = createKvPolicy({ blockSize: BS, overlapScoreWeight: 1, temperature: 0 });
    const input: PolicyInput = {
      blockHashes: Array.from({ length: 10 }, (_, i) => i + 1),
      isl: ISL,
      workers: example.map((e, i) => view(i, { activeDecodeBlocks: e.activeDecode })),
      overlap: (w) => example[w].overlap,
      activeOverlap: (w) => example[w].activeOverlap,
      nowMs: 0,
      rng: createRng(0),
    };
    const d = p.decide(input);
    expect(d).toMatchObject({ worker: 1, cost: 10, overlapBlocks: 5 });
  });

  it('weights the prefill term by kv-overlap-score-weight (0 = pure load balancing)', () => {
    const w0 = view(0, { activeDecodeBlocks: 3 });
    const w1 = view(1, { activeDecodeBlocks: 0 });
    const cached = kvCost(w0, 10, 0, ISL, { blockSize: BS, overlapScoreWeight: 0 });
    const cold = kvCost(w1, 0, 0, ISL, { blockSize: BS, overlapScoreWeight: 0 });
    expect(cached.cost).toBeGreaterThan(cold.cost);
    const cachedW = kvCost(w0, 10, 0, ISL, { blockSize: BS, overlapScoreWeight: 2 });
    const coldW = kvCost(w1, 0, 0, ISL, { blockSize: BS, overlapScoreWeight: 2 });
    expect(cachedW.cost).toBeLessThan(coldW.cost);
    expect(coldW.cost).toBe(2 * 10 + 10);
  });

  it('counts pending prefill tokens of in-flight requests and the partial last block', () => {
    const c = kvCost(view(0, { activePrefillTokens: 128 }), 0, 0, 100, { blockSize: BS, overlapScoreWeight: 1 });
    expect(c.prefillBlocks).toBeCloseTo((128 + 100) / 64);
    expect(c.decodeBlocks).toBe(2);
  });
});

describe('worker selection', () => {
  it('at temperature 0 breaks ties by fewer cached blocks, then by the smaller index', () => {
    const rng = createRng(0);
    const c = [
      { worker: 0, cost: 5, overlapBlocks: 0, cachedBlocks: 9 },
      { worker: 1, cost: 5, overlapBlocks: 0, cachedBlocks: 3 },
      { worker: 2, cost: 5, overlapBlocks: 0, cachedBlocks: 3 },
      { worker: 3, cost: 6, overlapBlocks: 0, cachedBlocks: 0 },
    ];
    expect(selectByCost(c, 0, rng).worker).toBe(1);
    expect(selectByCost(c.slice(2).concat(c[1]), 0, rng).worker).toBe(1);
  });

  it("normalises costs by their range before the softmax (Dynamo's scheme)", () => {
    const p = softmaxProbabilities([0, 3, 9], 1);
    const w = [1, Math.exp(-3 / 9), Math.exp(-1)];
    const s = w[0] + w[1] + w[2];
    p.forEach((x, i) => expect(x).toBeCloseTo(w[i] / s, 12));
    // Scaling all costs does not change the distribution.
    softmaxProbabilities([0, 30, 90], 1).forEach((x, i) => expect(x).toBeCloseTo(p[i], 12));
    expect(softmaxProbabilities([4, 4], 0.5)).toEqual([0.5, 0.5]);
  });

  it('at temperature > 0 samples workers with the softmax frequencies over many seeded draws', () => {
    const rng = createRng(42);
    const c = [
      { worker: 0, cost: 18, overlapBlocks: 2, cachedBlocks: 0 },
      { worker: 1, cost: 10, overlapBlocks: 5, cachedBlocks: 0 },
      { worker: 2, cost: 11, overlapBlocks: 8, cachedBlocks: 0 },
    ];
    const T = 0.5;
    const expected = softmaxProbabilities(c.map((x) => x.cost), T);
    const N = 20000;
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) counts[selectByCost(c, T, rng).worker]++;
    // Standard error ≤ sqrt(0.25/N) ≈ 0.0035; allow ~4 SE.
    counts.forEach((k, i) => expect(Math.abs(k / N - expected[i])).toBeLessThan(0.015));
    expect(expected[1]).toBeGreaterThan(expected[2]);
    expect(expected[2]).toBeGreaterThan(expected[0]);
  });
});
