import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import type { EngineConfig, EngineRequest } from '../../../src/mocker/engine/types.ts';
import { replayEvents, tokens } from './drive.ts';

type Op =
  | { kind: 'add'; family: number; shared: number; tail: number; out: number }
  | { kind: 'step'; n: number }
  | { kind: 'abort'; pick: number }
  | { kind: 'reset' };

interface Seen {
  preemptions: number;
  evictions: number;
  hits: number;
  resets: number;
  lowerHits?: number;
  diskHits?: number;
  transfers?: number;
}

const configArb = (blocks: [number, number], blockSizes: number[], minSeqs: number) =>
  fc.record({
    blockSize: fc.constantFrom(...blockSizes),
    numGpuBlocks: fc.integer({ min: blocks[0], max: blocks[1] }),
    maxNumSeqs: fc.integer({ min: minSeqs, max: 5 }),
    maxNumBatchedTokens: fc.integer({ min: 1, max: 24 }),
    enablePrefixCaching: fc.boolean(),
    enableChunkedPrefill: fc.boolean(),
    watermark: fc.constantFrom(0, 0.05, 0.2),
    speedupRatio: fc.constant(1),
    decodeSpeedupRatio: fc.constant(1),
    maxModelLen: fc.constant(64),
  }) satisfies fc.Arbitrary<EngineConfig>;

const opsArb = (shared: number, tail: number, out: [number, number]) =>
  fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), family: fc.integer({ min: 0, max: 2 }), shared: fc.integer({ min: 0, max: shared }), tail: fc.integer({ min: 0, max: tail }), out: fc.integer({ min: out[0], max: out[1] }) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('step' as const), n: fc.integer({ min: 1, max: 6 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
    ) as fc.Arbitrary<Op>,
    { minLength: 1, maxLength: 60 },
  );

/** Apply `ops` to a fresh engine, checking every invariant after each one, then drain it. */
function runScenario(config: EngineConfig, ops: readonly Op[], seen: Seen, remoteEveryOther = false): void {
  const e = new Engine(config);
  const cached = new Set<number>();
  const lower = { cpu: new Set<number>(), disk: new Set<number>() };
  const live = new Map<string, EngineRequest>();
  const got = new Map<string, number[]>();
  let t = 0;
  let serial = 0;
  const check = (): void => {
    e.assertInvariants();
    expect(e.stats().activeBlocks).toBeLessThanOrEqual(config.numGpuBlocks);
    expect(cached).toEqual(e.cachedBlockHashes());
    expect(lower).toEqual(e.offloadedBlockHashes());
  };
  const step = (): void => {
    const r = e.step(t);
    expect(r.endMs).toBeGreaterThanOrEqual(t);
    t = r.endMs;
    replayEvents(cached, r.events, lower);
    for (const ev of r.events) if (ev.type === 'BlockRemoved' && ev.medium === undefined) seen.evictions += ev.blockHashes.length;
    for (const p of r.progress) {
      const list = got.get(p.id)!;
      list.push(...p.tokens);
      expect(p.first).toBe(list.length === 1);
      if (p.finished) {
        expect(list).toEqual(Array.from(live.get(p.id)!.output));
        live.delete(p.id);
      }
    }
    check();
  };
  for (const op of ops) {
    if (op.kind === 'add') {
      const id = `r${serial++}`;
      const req: EngineRequest = { id, prompt: [...tokens(op.family, op.shared), ...tokens(100 + serial, op.tail)], output: tokens(200 + serial, op.out) };
      if (remoteEveryOther && serial % 2 === 0) req.remotePrefill = true;
      try {
        e.add(req);
      } catch (err) {
        expect(err).toBeInstanceOf(RangeError); // empty prompt, or too big for this tiny engine
        continue;
      }
      live.set(id, req);
      got.set(id, []);
    } else if (op.kind === 'step') {
      for (let i = 0; i < op.n; i++) step();
    } else if (op.kind === 'abort') {
      const ids = [...live.keys()];
      if (ids.length === 0) continue;
      const id = ids[op.pick % ids.length];
      replayEvents(cached, e.abort(id), lower);
      live.delete(id);
    } else {
      const before = e.stats().activeBlocks;
      const r = e.resetPrefixCache();
      expect(r.ok).toBe(before === 0);
      if (r.ok) seen.resets++;
      replayEvents(cached, r.events, lower);
    }
    check();
  }
  // Drain: every remaining request must finish (no livelock), then no block is referenced.
  let guard = 0;
  while (e.hasWork()) {
    step();
    if (++guard > 20_000) throw new Error('engine made no progress');
  }
  expect(live.size).toBe(0);
  expect(e.stats()).toMatchObject({ running: 0, waiting: 0, activeBlocks: 0, kvUsage: 0 });
  expect(e.stats().cachedFreeBlocks).toBe(e.cachedBlockHashes().size);
  if (!config.enablePrefixCaching) expect(cached.size).toBe(0);
  seen.preemptions += e.stats().preemptions;
  seen.hits += e.stats().prefixHits;
  seen.lowerHits = (seen.lowerHits ?? 0) + (e.stats().cpuHitTokens ?? 0) + (e.stats().diskHitTokens ?? 0);
  seen.diskHits = (seen.diskHits ?? 0) + (e.stats().diskHitTokens ?? 0);
  seen.transfers = (seen.transfers ?? 0) + (e.stats().kvTransfers ?? 0);
}

/** Small engines with offload tiers: a CPU tier, and a disk below it half the time. */
const tieredConfigArb = fc
  .tuple(configArb([6, 16], [1, 2, 4], 1), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(0.001, 0.01, 1))
  .map(([c, cpu, disk, gbps]) => ({ ...c, enablePrefixCaching: true, kvCpuBlocks: cpu, kvDiskBlocks: disk, kvCpuBandwidthGbps: gbps, kvDiskBandwidthGbps: gbps / 2, kvBytesPerToken: 1e6 }));

describe('KV pool invariants under random operations', () => {
  it('keeps refcounts, capacity, outputs and KV events consistent, and frees every block at the end', () => {
    const seen: Seen = { preemptions: 0, evictions: 0, hits: 0, resets: 0 };
    fc.assert(
      fc.property(configArb([6, 30], [1, 2, 4], 1), opsArb(20, 12, [1, 30]), (config, ops) => runScenario(config, ops, seen)),
      { seed: 20240607, numRuns: 250 },
    );
    // The generated runs must reach the paths that matter.
    expect(seen.evictions).toBeGreaterThan(0);
    expect(seen.hits).toBeGreaterThan(0);
    expect(seen.resets).toBeGreaterThan(0);
  });

  it('stays consistent under KV pressure (short prompts, long outputs: preemption and eviction)', () => {
    const seen: Seen = { preemptions: 0, evictions: 0, hits: 0, resets: 0 };
    fc.assert(
      fc.property(configArb([6, 14], [2, 4], 2), opsArb(6, 3, [8, 24]), (config, ops) => runScenario(config, ops, seen)),
      { seed: 7, numRuns: 250 },
    );
    expect(seen.preemptions).toBeGreaterThan(50);
    expect(seen.evictions).toBeGreaterThan(0);
  });

  it('keeps every block in exactly one place (GPU, CPU or disk) with offload tiers, loads in flight included, and frees every block at the end', () => {
    const seen: Seen = { preemptions: 0, evictions: 0, hits: 0, resets: 0 };
    fc.assert(
      fc.property(tieredConfigArb, opsArb(20, 12, [1, 24]), (config, ops) => runScenario(config, ops, seen)),
      { seed: 1414, numRuns: 250 },
    );
    expect(seen.evictions).toBeGreaterThan(0);
    expect(seen.lowerHits).toBeGreaterThan(0);
    expect(seen.diskHits).toBeGreaterThan(0);
    expect(seen.preemptions).toBeGreaterThan(0);
  });

  it('keeps refcounts and outputs consistent on a decode worker pulling prompt KV (transfers in flight, preempted and aborted included), and frees every block at the end', () => {
    const seen: Seen = { preemptions: 0, evictions: 0, hits: 0, resets: 0 };
    const decodeArb = fc
      .tuple(configArb([6, 16], [1, 2, 4], 1), fc.constantFrom(0.001, 0.01, 1), fc.constantFrom(0, 0.5, 5))
      .map(([c, gbps, latencyMs]) => ({ ...c, disaggregationMode: 'decode' as const, kvTransferBandwidthGbps: gbps, kvTransferLatencyMs: latencyMs, kvBytesPerToken: 1e6 }));
    fc.assert(
      fc.property(decodeArb, opsArb(20, 12, [1, 24]), (config, ops) => runScenario(config, ops, seen, true)),
      { seed: 1402, numRuns: 250 },
    );
    expect(seen.transfers).toBeGreaterThan(0);
    expect(seen.preemptions).toBeGreaterThan(0);
    expect(seen.hits).toBeGreaterThan(0);
  });
});
