import { describe, expect, it } from 'vitest';
import { RouterCore } from '../../src/router-sim/router-core.ts';
import { RouterReplicas } from '../../src/router-sim/router-replicas.ts';

const core = { workerNames: ['worker-0', 'worker-1'], blockSize: 4, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 1, mode: 'least-loaded' as const };

describe('RouterReplicas', () => {
  it('one replica decides exactly as one RouterCore', () => {
    const one = new RouterReplicas(core, { replicas: 1 });
    const plain = new RouterCore(core);
    for (const id of ['a', 'b', 'c']) expect(one.route(id, [1, 2], 8, 0).decision).toEqual(plain.route(id, [1, 2], 8, 0).decision);
  });

  it('without sync each replica sees only its own load: two replicas both send their first request to the idle-looking worker 0', () => {
    const r = new RouterReplicas(core, { replicas: 2 });
    const picks = ['a', 'b', 'c', 'd'].map((id) => [r.route(id, [], 8, 0).replica, r.route(id + '2', [], 8, 0).replica]);
    expect(picks).toEqual([[0, 1], [0, 1], [0, 1], [0, 1]]);
    const workers = r.cores.map((c) => c.views().map((v) => v.inFlight));
    // Each replica spread its own four requests 2/2, unaware of the other's.
    expect(workers).toEqual([[2, 2], [2, 2]]);
    const first = new RouterReplicas(core, { replicas: 2 });
    expect([first.route('x', [], 8, 0).decision.worker, first.route('y', [], 8, 0).decision.worker]).toEqual([0, 0]);
  });

  it('with sync every replica tracks every request, so they spread load as one router', () => {
    const r = new RouterReplicas(core, { replicas: 2, sync: true });
    expect([r.route('x', [], 8, 0).decision.worker, r.route('y', [], 8, 0).decision.worker]).toEqual([0, 1]);
    expect(r.cores.map((c) => c.views().map((v) => v.inFlight))).toEqual([[1, 1], [1, 1]]);
    r.finish('x');
    expect(r.cores.map((c) => c.views().map((v) => v.inFlight))).toEqual([[0, 1], [0, 1]]);
  });

  it('KV events and resets reach every replica', () => {
    const r = new RouterReplicas({ ...core, mode: 'kv' }, { replicas: 3 });
    r.applyEvents(1, [{ type: 'BlockStored', blockHashes: [7], parentHash: null, tokenIds: [1, 2, 3, 4], blockSize: 4 }]);
    expect(r.cores.map((c) => c.indexSize())).toEqual([1, 1, 1]);
    r.resetWorker(1);
    expect(r.cores.map((c) => c.indexSize())).toEqual([0, 0, 0]);
  });

  it('a random spread is seeded, and zero replicas are refused', () => {
    const spread = (seed: number) => {
      const r = new RouterReplicas({ ...core, seed }, { replicas: 4, spread: 'random' });
      return Array.from({ length: 20 }, (_, i) => r.route(`r${i}`, [], 8, 0).replica);
    };
    expect(spread(3)).toEqual(spread(3));
    expect(new Set(spread(3)).size).toBeGreaterThan(1);
    expect(() => new RouterReplicas(core, { replicas: 0 })).toThrow(/router replicas must be an integer ≥ 1, got 0/);
  });
});
