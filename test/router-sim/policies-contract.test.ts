import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/rng.ts';
import { createPolicy } from '../../src/router-sim/policies/index.ts';
import { ROUTER_MODES, type PolicyInput, type RouterMode, type WorkerView } from '../../src/router-sim/types.ts';

function workers(n: number, up: (i: number) => boolean = () => true): WorkerView[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    name: `worker-${index}`,
    up: up(index),
    inFlight: index % 3,
    activeBlocks: (index * 7) % 5,
    activePrefillTokens: 64 * (index % 2),
    activeDecodeBlocks: (index * 3) % 4,
    cachedBlocks: index,
  }));
}

function input(ws: WorkerView[], seed: number, i: number, rng = createRng(seed)): PolicyInput {
  const hashes = Array.from({ length: 8 }, (_, k) => 1000 * (i % 5) + k);
  return { blockHashes: hashes, isl: 8 * 64 + 10, workers: ws, overlap: (w) => (w + i) % 9, nowMs: i * 10, rng };
}

function make(mode: RouterMode, numWorkers: number) {
  return createPolicy(mode, { numWorkers, blockSize: 64, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120 });
}

describe.each([...ROUTER_MODES])('policy contract: %s', (mode) => {
  it('always returns a live worker', () => {
    const ws = workers(6);
    const p = make(mode, 6);
    const rng = createRng(1);
    for (let i = 0; i < 50; i++) {
      const d = p.decide(input(ws, 1, i, rng));
      expect(d.worker).not.toBeNull();
      expect(ws[d.worker!].up).toBe(true);
      expect(typeof d.reason).toBe('string');
    }
  });

  it('never picks a down worker', () => {
    const ws = workers(6, (i) => i === 1 || i === 4);
    const p = make(mode, 6);
    const rng = createRng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 60; i++) seen.add(p.decide(input(ws, 2, i, rng)).worker!);
    for (const w of seen) expect([1, 4]).toContain(w);
  });

  it('returns "none" when every worker is down', () => {
    const ws = workers(4, () => false);
    const d = make(mode, 4).decide(input(ws, 3, 0));
    expect(d.worker).toBeNull();
    expect(d.reason).toMatch(/no live worker/);
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const p = make(mode, 5);
      const rng = createRng(seed);
      const ws = workers(5);
      return Array.from({ length: 40 }, (_, i) => p.decide(input(ws, seed, i, rng)).worker);
    };
    expect(run(7)).toEqual(run(7));
  });
});

describe('simple policies', () => {
  it('round-robin cycles over live workers in index order, skipping down ones', () => {
    const ws = workers(4, (i) => i !== 2);
    const p = make('round-robin', 4);
    const rng = createRng(0);
    const picks = Array.from({ length: 6 }, (_, i) => p.decide(input(ws, 0, i, rng)).worker);
    expect(picks).toEqual([0, 1, 3, 0, 1, 3]);
  });

  it('random spreads over all live workers for a seed', () => {
    const ws = workers(4);
    const p = make('random', 4);
    const rng = createRng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[p.decide(input(ws, 11, i, rng)).worker!]++;
    for (const c of counts) expect(c).toBeGreaterThan(60);
  });

  it('least-loaded picks fewest in flight, then fewest active blocks, then lowest index', () => {
    const base = workers(4).map((w) => ({ ...w, inFlight: 2, activeBlocks: 5 }));
    base[2] = { ...base[2], inFlight: 1, activeBlocks: 9 };
    base[3] = { ...base[3], inFlight: 1, activeBlocks: 3 };
    const p = make('least-loaded', 4);
    expect(p.decide(input(base, 0, 0)).worker).toBe(3);
    base[2] = { ...base[2], activeBlocks: 3 };
    expect(p.decide(input(base, 0, 0)).worker).toBe(2);
  });
});
