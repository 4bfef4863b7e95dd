import { describe, expect, it } from 'vitest';
import { RouterCore } from '../../src/router-sim/router-core.ts';
import { DEFAULT_TIER_CREDITS } from '../../src/router-sim/tier-index.ts';

const names = ['worker-0', 'worker-1', 'worker-2'];
const base = { workerNames: names, blockSize: 4, overlapScoreWeight: 1, temperature: 0, routerTtlS: 120, seed: 1, mode: 'kv' as const, trustedKvHashes: true };
const H = [101, 102, 103, 104];
const stored = (hashes: number[], medium?: 'CPU' | 'DISK') => ({ type: 'BlockStored' as const, blockHashes: hashes, parentHash: null, tokenIds: [], blockSize: 4, ...(medium ? { medium } : {}) });

describe('tier-aware kv routing (offload tiers from KV events with a medium)', () => {
  it('credits Dynamo\'s defaults: GPU 1.0, CPU 0.75, disk 0.25', () => {
    expect(DEFAULT_TIER_CREDITS).toEqual({ cpu: 0.75, disk: 0.25 });
  });

  it('indexes CPU and disk blocks apart from GPU blocks', () => {
    const core = new RouterCore(base);
    core.applyEvents(0, [stored([101, 102], 'CPU'), stored([103], 'DISK')]);
    expect(core.indexer.size).toBe(0);
    expect(core.events.tiers.cpu.blocksOf(0)).toBe(2);
    expect(core.events.tiers.disk.blocksOf(0)).toBe(1);
    core.applyEvents(0, [{ type: 'BlockRemoved', blockHashes: [101], medium: 'CPU' }]);
    expect(core.events.tiers.cpu.blocksOf(0)).toBe(1);
    core.applyEvents(0, [{ type: 'AllBlocksCleared' }]);
    expect(core.events.tiers.size).toBe(0);
  });

  it('prefers a prefix on GPU to the same prefix in CPU, and CPU to disk, and disk to nothing', () => {
    const core = new RouterCore(base);
    core.applyEvents(0, [stored(H, 'DISK')]);
    core.applyEvents(1, [stored(H, 'CPU')]);
    expect(core.route('a', H, 17, 0).decision).toMatchObject({ worker: 1, overlapBlocks: 3 });
    core.finish('a');
    core.applyEvents(2, [stored(H)]);
    expect(core.route('b', H, 17, 0).decision).toMatchObject({ worker: 2, overlapBlocks: 4 });
    core.finish('b');
    const fresh = new RouterCore(base);
    fresh.applyEvents(0, [stored(H, 'DISK')]);
    expect(fresh.route('c', H, 17, 0).decision).toMatchObject({ worker: 0, overlapBlocks: 1 });
  });

  it('credits a prefix split across tiers block by block (GPU head, CPU tail)', () => {
    const core = new RouterCore(base);
    core.applyEvents(0, [stored([101, 102]), stored([103, 104], 'CPU')]);
    expect(core.route('a', H, 17, 0).decision.overlapBlocks).toBe(2 + 2 * 0.75);
  });

  it('takes configured credits (a CPU credit of 0 ignores the CPU tier)', () => {
    const core = new RouterCore({ ...base, tierCredits: { cpu: 0, disk: 0.25 } });
    core.applyEvents(0, [stored(H, 'CPU')]);
    core.applyEvents(1, [stored(H, 'DISK')]);
    expect(core.route('a', H, 17, 0).decision).toMatchObject({ worker: 1, overlapBlocks: 1 });
    expect(() => new RouterCore({ ...base, tierCredits: { cpu: 1.5, disk: 0 } })).toThrow(/cpu tier credit must be a number in \[0, 1\]/);
  });

  it('skips events on a medium it does not know', () => {
    const core = new RouterCore(base);
    const r = core.applyEvents(0, [{ type: 'BlockStored', blockHashes: [1], parentHash: null, tokenIds: [], blockSize: 4, medium: 'LMCACHE' }]);
    expect(r).toEqual({ applied: 0, skipped: 1 });
    expect(core.indexer.size + core.events.tiers.size).toBe(0);
  });
});
