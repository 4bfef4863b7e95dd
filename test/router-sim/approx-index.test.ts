import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { ApproxIndex } from '../../src/router-sim/approx-index.ts';
import { createKvApproxPolicy } from '../../src/router-sim/policies/kv-approx.ts';
import type { WorkerView } from '../../src/router-sim/types.ts';

describe('ApproxIndex', () => {
  it('forgets routed blocks after the TTL, and a re-route refreshes the TTL', () => {
    const ix = new ApproxIndex({ numWorkers: 2, ttlMs: 100, maxBlocks: 1000 });
    ix.record(0, [1, 2], 0);
    ix.record(1, [1], 50);
    ix.expire(99);
    expect(Array.from(ix.indexer.overlaps([1, 2]))).toEqual([2, 1]);
    ix.record(0, [1], 90); // refresh block 1 on worker 0 only
    ix.expire(100);
    expect(Array.from(ix.indexer.overlaps([1, 2]))).toEqual([1, 1]);
    expect(ix.size).toBe(2);
    ix.expire(150);
    expect(Array.from(ix.indexer.overlaps([1, 2]))).toEqual([1, 0]);
    ix.expire(190);
    expect(ix.size).toBe(0);
    expect(ix.indexer.size).toBe(0);
  });

  it('bounds its size by dropping the oldest prompt first, from its tail, so what stays is a reachable prefix', () => {
    const ix = new ApproxIndex({ numWorkers: 1, ttlMs: 1e9, maxBlocks: 3 });
    ix.record(0, [1, 2], 0);
    ix.record(0, [3, 4], 1);
    expect(ix.size).toBe(3);
    expect(ix.indexer.holds(0, 2)).toBe(false); // the oldest chain's tail
    expect(ix.indexer.holds(0, 1)).toBe(true);
    expect(ix.indexer.holds(0, 4)).toBe(true);
    const chain = new ApproxIndex({ numWorkers: 1, ttlMs: 1e9, maxBlocks: 4 });
    chain.record(0, [10, 11, 12, 13], 0);
    chain.record(0, [20, 21], 1);
    // Dropping the root first would leave 12 and 13 counted but unreachable (overlap 0).
    expect(Array.from(chain.indexer.overlaps([10, 11, 12, 13]))).toEqual([2]);
    expect(Array.from(chain.indexer.overlaps([20, 21]))).toEqual([2]);
  });
});

describe('kv-approx policy', () => {
  const views = (n: number): WorkerView[] =>
    Array.from({ length: n }, (_, index) => ({ index, name: `w${index}`, up: true, inFlight: 0, activeBlocks: 0, activePrefillTokens: 0, activeDecodeBlocks: 0, cachedBlocks: 0 }));

  it('sends a repeated prefix back to the worker it routed it to, new prefixes to other workers, until the TTL passes', () => {
    const p = createKvApproxPolicy({ numWorkers: 3, blockSize: 64, overlapScoreWeight: 1, temperature: 0, routerTtlS: 1, maxBlocks: 1e6 });
    const rng = createRng(0);
    const req = (prefix: number, nowMs: number) =>
      p.decide({ blockHashes: [prefix, prefix + 1, prefix + 2], isl: 200, workers: views(3), overlap: () => 0, nowMs, rng });
    const a = req(100, 0);
    const b = req(200, 10);
    expect(b.worker).not.toBe(a.worker);
    const a2 = req(100, 20);
    expect(a2.worker).toBe(a.worker);
    expect(a2.overlapBlocks).toBe(3);
    expect(p.ownIndexSize).toBe(6);
    const late = req(100, 5000);
    expect(late.overlapBlocks).toBe(0);
  });
});
