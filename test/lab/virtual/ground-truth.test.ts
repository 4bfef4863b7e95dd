import { describe, expect, it } from 'vitest';
import { buildMultiturn, buildPrefixRatio } from '../../../src/client/workloads/index.ts';
import { summarize } from '../../../src/core/summary.ts';
import { runVirtual, type VirtualRouterConfig } from '../../../src/lab/virtual/index.ts';
import { cluster } from './helpers.ts';

/** Prefixes that do not all fit on every worker (32 prefixes of ~50 blocks, 800 blocks a worker). */
const pressured = buildPrefixRatio({ prefixRatio: 0.8, isl: 4000, osl: 20, requests: 160, concurrency: 8, numPrefixPrompts: 32, seed: 0 });
const run = (router: Partial<VirtualRouterConfig>, seed = 0) => {
  const res = runVirtual({ workload: pressured, cluster: cluster({ numWorkers: 4, engine: { numGpuBlocks: 800 }, router }), seed });
  return { ...res, hit: summarize(res.records).cacheHitRatio! };
};

describe('virtual ground truth', () => {
  it('the best case equals the measured hit ratio on one worker with an unlimited cache', () => {
    const w = buildMultiturn({ numUsers: 3, numTurns: 3, numUserTokens: 300, maxCompletionTokens: 40, ignoreEos: true, meanDelayMs: 0, seed: 1 });
    const res = runVirtual({ workload: w, cluster: cluster({ numWorkers: 1, engine: { numGpuBlocks: 100_000 } }), seed: 0 });
    const hit = summarize(res.records).cacheHitRatio!;
    expect(hit).toBeGreaterThan(0.5);
    expect(res.stats.bestCaseHitRatio).toBeCloseTo(hit, 12);
  });

  it('the best case bounds every router from above under cache pressure', () => {
    for (const mode of ['kv', 'round-robin', 'random'] as const) {
      const r = run({ mode });
      expect(r.stats.bestCaseHitRatio!).toBeGreaterThanOrEqual(r.hit);
    }
    const rr = run({ mode: 'round-robin' });
    expect(rr.stats.bestCaseHitRatio! - rr.hit).toBeGreaterThan(0.2);
  });

  it('the oracle routes on the engines\' true caches: it keeps its hits when every KV event is lost', () => {
    const oracle = run({ oracle: true, kvEventLoss: 1 });
    const blind = run({ kvEventLoss: 1 });
    const rr = run({ mode: 'round-robin' });
    expect(oracle.stats.kvEvents).toBeUndefined();
    expect(oracle.hit).toBeGreaterThan(blind.hit + 0.1);
    expect(oracle.hit).toBeGreaterThan(rr.hit + 0.1);
  });

  it('refuses the oracle with a policy other than kv, and bad signal settings, naming the field', () => {
    expect(() => run({ mode: 'round-robin', oracle: true })).toThrow(/oracle routes with the kv cost, so it needs mode kv/);
    expect(() => run({ kvEventDelayMs: -5 })).toThrow(/cluster\.router\.kvEventDelayMs must be a number ≥ 0, got -5/);
    expect(() => run({ kvEventLoss: 1.2 })).toThrow(/cluster\.router\.kvEventLoss must be a number ≥ 0 and ≤ 1, got 1.2/);
    expect(() => run({ loadRefreshMs: -1 })).toThrow(/cluster\.router\.loadRefreshMs must be a number ≥ 0, got -1/);
  });
});

describe('virtual stale and lost KV events', () => {
  it('every event lost: the run finishes, each batch is counted lost, no gap can be seen, and hits fall to what load balancing finds', () => {
    const r = run({ kvEventLoss: 1 });
    const k = r.stats.kvEvents!;
    expect(r.records.filter((x) => x.ok)).toHaveLength(160);
    expect(k.lost).toBe(k.published);
    expect(k.published).toBeGreaterThan(100);
    expect(k).toMatchObject({ applied: 0, gaps: 0, resyncs: 0 });
    expect(r.hit).toBeLessThan(run({}).hit - 0.05);
  });

  it('lost batches are detected as sequence gaps and resynced from a snapshot: hits recover to the lossless run', () => {
    const lossless = run({});
    const lossy = run({ kvEventLoss: 0.2 });
    const k = lossy.stats.kvEvents!;
    expect(k.lost).toBeGreaterThan(0.1 * k.published);
    expect(k.gaps).toBeGreaterThan(0);
    expect(k.resyncs).toBe(k.gaps);
    expect(lossy.hit).toBeGreaterThan(lossless.hit - 0.03);
  });

  it('a seeded loss gives the same run for the same seed', () => {
    const a = run({ kvEventLoss: 0.3, kvEventDelayMs: 20 }, 4);
    const b = run({ kvEventLoss: 0.3, kvEventDelayMs: 20 }, 4);
    expect(b.records).toEqual(a.records);
    expect(b.stats.kvEvents).toEqual(a.stats.kvEvents);
  });

  it('no delay and no loss take the direct path: the same records as without the settings', () => {
    const a = run({});
    const b = run({ kvEventDelayMs: 0, kvEventLoss: 0, loadRefreshMs: 0 });
    expect(b.records).toEqual(a.records);
    expect(b.stats.kvEvents).toBeUndefined();
  });
});
