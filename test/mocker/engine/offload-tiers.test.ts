import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type KvEvent } from '../../../src/mocker/engine/types.ts';
import { drive, replayEvents, tokens, type Arrival } from './drive.ts';

// Block size 4, 8 GPU blocks; 1e6 KV bytes per token and 1 GB/s links: a block moves in 4 ms alone.
const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({
  ...DEFAULT_ENGINE_CONFIG,
  blockSize: 4,
  numGpuBlocks: 8,
  watermark: 0,
  maxModelLen: 64,
  kvBytesPerToken: 1e6,
  kvCpuBandwidthGbps: 1,
  kvDiskBandwidthGbps: 1,
  ...over,
});

const A = tokens(1, 16);
/** A (4 blocks) runs and finishes; B (7 blocks) evicts A's last 3 blocks; C returns to A's prompt. */
const scenario = (): Arrival[] => [
  { atMs: 0, req: { id: 'a', prompt: A, output: tokens(9, 2) } },
  { atMs: 1000, req: { id: 'b', prompt: tokens(2, 28), output: tokens(8, 1) } },
  { atMs: 2000, req: { id: 'c', prompt: [...A, ...tokens(3, 4)], output: tokens(7, 2) } },
];

const mediums = (events: readonly KvEvent[]) => events.filter((e) => e.type !== 'AllBlocksCleared').map((e) => `${e.type}:${(e as { medium?: string }).medium ?? 'GPU'}`);

describe('KV offload tiers in the engine', () => {
  it('without tiers, a returning prompt whose blocks were evicted is recomputed', () => {
    const { traces } = drive(new Engine(cfg()), scenario(), { checkInvariants: true });
    expect(traces.get('c')!.cachedTokens).toBe(4);
    expect(traces.get('c')!.cpuCachedTokens).toBeNull();
  });

  it('offloads evicted blocks to the CPU tier and loads them back for a returning prompt, counted per tier', () => {
    const e = new Engine(cfg({ kvCpuBlocks: 16 }));
    const { traces, events } = drive(e, scenario(), { checkInvariants: true });
    const c = traces.get('c')!;
    expect(c.cachedTokens).toBe(16);
    expect(c.cpuCachedTokens).toBe(12);
    expect(c.diskCachedTokens).toBe(0);
    expect(e.stats()).toMatchObject({ prefixHits: 4, cpuHitTokens: 12, diskHitTokens: 0 });
    const kinds = mediums(events);
    expect(kinds).toContain('BlockStored:CPU');
    expect(kinds).toContain('BlockRemoved:CPU');
    expect(kinds.some((k) => k.endsWith('DISK'))).toBe(false);
  });

  it('delays the returning request by its load (shared with the write-back of the blocks it evicts)', () => {
    const { steps, traces } = drive(new Engine(cfg({ kvCpuBlocks: 16 })), scenario());
    // C is admitted at 2000 and loads 3 blocks (12e6 B) while its allocations write 4 of B's blocks
    // back (16e6 B) over the same 1 GB/s link: sharing it, the load ends at 2000 + 24 ms.
    const wait = steps.find((s) => s.startMs === 2000)!;
    expect(wait).toMatchObject({ endMs: 2024, prefillTokens: 0, decodeSeqs: 0, progress: [] });
    expect(traces.get('c')!.firstAtMs).toBeGreaterThan(2024);
  });

  it('keeps running the other requests while one waits for its load (only that request is delayed)', () => {
    const [a, , c0] = scenario();
    const b = { atMs: 1000, req: { id: 'b', prompt: tokens(2, 56), output: tokens(8, 1) } };
    const arrivals = [a, b, c0, { atMs: 1990, req: { id: 'd', prompt: tokens(5, 3), output: tokens(6, 40) } }];
    const { traces } = drive(new Engine(cfg({ numGpuBlocks: 16, kvCpuBlocks: 16 })), arrivals, { checkInvariants: true });
    const c = traces.get('c')!;
    expect(c.cpuCachedTokens).toBeGreaterThan(0);
    const d = traces.get('d')!;
    const during = d.tokenAtMs.filter((t) => t > 2000 && t < c.firstAtMs!);
    expect(during.length).toBeGreaterThanOrEqual(2);
  });

  it('demotes the CPU tier\'s least recent block to disk when it is full, and loads from both tiers', () => {
    const e = new Engine(cfg({ kvCpuBlocks: 2, kvDiskBlocks: 16 }));
    const { traces, events } = drive(e, scenario(), { checkInvariants: true });
    const c = traces.get('c')!;
    expect(c.cachedTokens).toBe(16);
    expect(c.cpuCachedTokens).toBe(8);
    expect(c.diskCachedTokens).toBe(4);
    expect(mediums(events)).toContain('BlockStored:DISK');
  });

  it('keeps each block in exactly one place as seen through its KV events', () => {
    const e = new Engine(cfg({ kvCpuBlocks: 2, kvDiskBlocks: 3 }));
    const gpu = new Set<number>();
    const lower = { cpu: new Set<number>(), disk: new Set<number>() };
    const { events } = drive(e, scenario(), { checkInvariants: true });
    replayEvents(gpu, events, lower);
    expect(gpu).toEqual(e.cachedBlockHashes());
    expect(lower).toEqual(e.offloadedBlockHashes());
    for (const h of lower.cpu) expect(gpu.has(h) || lower.disk.has(h)).toBe(false);
    expect(lower.disk.size).toBeLessThanOrEqual(3);
  });

  it('reports no tier fields and emits no medium events without tiers (the default stays as it was)', () => {
    const e = new Engine(cfg());
    const { events } = drive(e, scenario());
    expect(mediums(events).every((k) => k.endsWith(':GPU'))).toBe(true);
    expect(Object.keys(e.stats())).not.toContain('cpuHitTokens');
  });

  it('rejects tier settings that cannot work, with a message naming the setting', () => {
    expect(() => new Engine(cfg({ kvDiskBlocks: 4 }))).toThrow(/engine config kvDiskBlocks: needs a CPU tier/);
    expect(() => new Engine(cfg({ kvCpuBlocks: 4, kvCpuBandwidthGbps: 0 }))).toThrow(/engine config kvCpuBandwidthGbps: must be a number > 0, got 0/);
    expect(() => new Engine(cfg({ kvCpuBlocks: 4, enablePrefixCaching: false }))).toThrow(/needs prefix caching/);
    expect(() => new Engine(cfg({ kvCpuBlocks: -1 }))).toThrow(/engine config kvCpuBlocks: must be an integer ≥ 0, got -1/);
  });

  it('forgets the tiers on a prefix-cache reset', () => {
    const e = new Engine(cfg({ kvCpuBlocks: 16 }));
    drive(e, scenario().slice(0, 2));
    expect(e.offloadedBlockHashes().cpu.size).toBeGreaterThan(0);
    expect(e.resetPrefixCache().ok).toBe(true);
    expect(e.offloadedBlockHashes().cpu.size).toBe(0);
    e.assertInvariants();
  });
});

describe('KV offload tiers and the speedup ratio', () => {
  it('divides transfer times by the speedup ratio, as it divides steps', () => {
    const { steps } = drive(new Engine(cfg({ kvCpuBlocks: 16, speedupRatio: 4 })), scenario());
    expect(steps.find((s) => s.startMs === 2000)).toMatchObject({ endMs: 2006, progress: [] });
  });
});
