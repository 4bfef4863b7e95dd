import { describe, expect, it } from 'vitest';
import { RouterCore } from '../../src/router-sim/router-core.ts';

const opts = { workerNames: ['worker-0', 'worker-1', 'worker-2'], blockSize: 4, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 1 };

describe('RouterCore', () => {
  it('kv mode routes to the worker whose events show the prefix and tracks its load', () => {
    const core = new RouterCore({ ...opts, mode: 'kv' });
    core.applyEvents(2, [{ type: 'BlockStored', blockHashes: [11, 12], parentHash: null, tokenIds: [1, 2, 3, 4, 5, 6, 7, 8], blockSize: 4 }]);
    const hashes = [core.events.localOf(2, 11)!, core.events.localOf(2, 12)!];
    const r = core.route('r1', hashes, 10, 0);
    expect(r.decision.worker).toBe(2);
    expect(r.decision.overlapBlocks).toBe(2);
    expect(r.newTokens).toBe(2);
    expect(core.views()[2]).toMatchObject({ inFlight: 1, activePrefillTokens: 2, cachedBlocks: 2 });
    core.firstToken('r1', 1);
    core.finish('r1');
    expect(core.views()[2]).toMatchObject({ inFlight: 0, activePrefillTokens: 0, activeDecodeBlocks: 0 });
  });

  it('spreads load when a worker is busy, skips down workers, and reports none when all are down', () => {
    const core = new RouterCore({ ...opts, mode: 'kv' });
    const first = core.route('a', [1, 2, 3], 12, 0).decision.worker;
    const second = core.route('b', [7, 8, 9], 12, 0).decision.worker;
    expect(second).not.toBe(first);
    core.setUp(0, false);
    core.setUp(1, false);
    expect(core.route('c', [4], 4, 0).decision.worker).toBe(2);
    core.setUp(2, false);
    expect(core.route('d', [4], 4, 0).decision.worker).toBeNull();
    expect(core.tracker.get('d')).toBeUndefined();
    expect(core.liveCount()).toBe(0);
  });

  it('resetWorker forgets a worker\'s cached blocks', () => {
    const core = new RouterCore({ ...opts, mode: 'kv' });
    core.applyEvents(1, [{ type: 'BlockStored', blockHashes: [5], parentHash: null, tokenIds: [1, 2, 3, 4], blockSize: 4 }]);
    expect(core.indexSize()).toBe(1);
    core.resetWorker(1);
    expect(core.indexSize()).toBe(0);
  });
});
