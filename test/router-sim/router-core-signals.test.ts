import { describe, expect, it } from 'vitest';
import { RouterCore } from '../../src/router-sim/router-core.ts';

const opts = { workerNames: ['worker-0', 'worker-1'], blockSize: 4, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 1 };

describe('RouterCore signal seams', () => {
  it('with exactCache, overlaps and cache sizes come from the workers themselves, not from events', () => {
    const held = [new Set<number>(), new Set([21, 22, 23])];
    const core = new RouterCore({
      ...opts,
      mode: 'kv',
      exactCache: { overlap: (w, hashes) => { let n = 0; while (n < hashes.length && held[w].has(hashes[n])) n++; return n; }, cachedBlocks: (w) => held[w].size },
    });
    const r = core.route('a', [21, 22, 99], 12, 0);
    expect(r.decision).toMatchObject({ worker: 1, overlapBlocks: 2 });
    expect(core.views()[1].cachedBlocks).toBe(3);
    expect(core.indexSize()).toBe(0);
  });

  it('with loadRefreshMs, decisions within one tick see the load of its first decision (requests pile up), the next tick sees it all', () => {
    const stale = new RouterCore({ ...opts, mode: 'least-loaded', loadRefreshMs: 50 });
    const fresh = new RouterCore({ ...opts, mode: 'least-loaded' });
    const picks = (core: RouterCore, t: number, ids: string[]) => ids.map((id) => core.route(id, [], 8, t).decision.worker);
    expect(picks(fresh, 0, ['a', 'b', 'c'])).toEqual([0, 1, 0]);
    expect(picks(stale, 0, ['a', 'b', 'c'])).toEqual([0, 0, 0]);
    expect(picks(stale, 49.9, ['d'])).toEqual([0]);
    expect(picks(stale, 50, ['e'])).toEqual([1]);
  });

  it('rejects a negative load refresh period', () => {
    expect(() => new RouterCore({ ...opts, mode: 'kv', loadRefreshMs: -1 })).toThrow(/loadRefreshMs must be a finite number >= 0/);
  });
});
