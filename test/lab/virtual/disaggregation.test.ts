import { describe, expect, it } from 'vitest';
import { templateOverhead } from '../../../src/core/chat-template.ts';
import { buildMultiturn } from '../../../src/client/workloads/index.ts';
import { Engine } from '../../../src/mocker/engine/index.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster, script, turn, workload } from './helpers.ts';

const max = (xs: readonly number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

describe('virtual cluster: disaggregated prefill/decode', () => {
  it("adds the KV transfer and the decode worker's last-token step to a lone request's TTFT", () => {
    const w = workload([script('solo', [turn(4000 - templateOverhead(1), 'solo', { maxTokens: 5 })])]);
    // 4000 tokens × 131072 B over 64 GB/s = 8.192 ms, plus 1 ms latency (the defaults).
    const transferMs = 1 + (4000 * 131072) / 64e6;
    const agg = runVirtual({ workload: w, cluster: cluster({ numWorkers: 2 }), seed: 0 }).records[0];
    const pd = runVirtual({ workload: w, cluster: cluster({ numWorkers: 2, prefillWorkers: 1 }), seed: 0 }).records[0];
    expect(pd.worker).toBe('worker-1');
    expect(pd.outputTokens).toBe(5);
    const lastTokenStepMs = pd.ttftMs! - agg.ttftMs! - transferMs;
    expect(lastTokenStepMs).toBeGreaterThan(0);
    expect(lastTokenStepMs).toBeLessThan(agg.ttftMs! / 4);
  });

  it('keeps a decoding stream free of prefill stalls that an aggregated worker suffers (same number of GPUs)', () => {
    const scripts = [script('decoder', [turn(200, 'dec', { maxTokens: 400 })])];
    for (let i = 0; i < 6; i++) scripts.push(script(`long-${i}`, [turn(6000, `long-${i}`, { maxTokens: 2, delayMs: 0 })]));
    const w = workload(scripts);
    const itlOf = (prefillWorkers: number) => {
      const recs = runVirtual({ workload: w, cluster: cluster({ numWorkers: 2, prefillWorkers, router: { mode: 'round-robin' } }), seed: 1 }).records;
      return recs.find((r) => r.conversationId === 'decoder')!.itlMs!;
    };
    const agg = itlOf(0);
    const pd = itlOf(1);
    // Aggregated: the decoder shares its worker with long prefill chunks; P/D: only 1-token steps join it.
    expect(max(agg)).toBeGreaterThan(4 * max(pd));
  });

  it('routes prefills by KV overlap: later turns hit the prefill workers\' caches, and every request is recorded once', () => {
    const w = buildMultiturn({ numUsers: 4, numTurns: 3, numUserTokens: 300, maxCompletionTokens: 30, ignoreEos: true, meanDelayMs: 200, seed: 2 });
    const res = runVirtual({ workload: w, cluster: cluster({ numWorkers: 3, prefillWorkers: 2 }), seed: 4 });
    expect(res.records).toHaveLength(12);
    expect(res.records.every((r) => r.ok && r.worker === 'worker-2')).toBe(true);
    const later = res.records.filter((r) => r.turn > 1);
    expect(later.every((r) => (r.cachedTokens ?? 0) > 0)).toBe(true);
    expect(res.stats.perWorker.map((p) => p.requests)).toEqual([expect.any(Number), expect.any(Number), 12]);
    const again = runVirtual({ workload: w, cluster: cluster({ numWorkers: 3, prefillWorkers: 2 }), seed: 4 });
    expect(again.records).toEqual(res.records);
  });

  it('leaves no block referenced on any prefill or decode engine once the run is over', () => {
    const w = buildMultiturn({ numUsers: 6, numTurns: 3, numUserTokens: 400, maxCompletionTokens: 40, ignoreEos: true, meanDelayMs: 50, seed: 5 });
    const engines: Engine[] = [];
    const res = runVirtual({
      workload: w,
      cluster: cluster({ numWorkers: 3, prefillWorkers: 1, engine: { numGpuBlocks: 96, blockSize: 16 } }),
      seed: 6,
      engineFactory: (config, timing) => {
        const e = new Engine(config, timing);
        engines.push(e);
        return e;
      },
    });
    expect(res.records.every((r) => r.ok)).toBe(true);
    expect(engines.map((e) => e.config.disaggregationMode)).toEqual(['prefill', 'decode', 'decode']);
    for (const e of engines) {
      e.assertInvariants();
      expect(e.stats()).toMatchObject({ running: 0, waiting: 0, activeBlocks: 0 });
    }
    expect(engines[1].stats().kvTransfers! + engines[2].stats().kvTransfers!).toBe(18);
  });

  it('refuses a P/D cluster without a decode worker', () => {
    const w = workload([script('solo', [turn(50, 'solo')])]);
    expect(() => runVirtual({ workload: w, cluster: cluster({ numWorkers: 2, prefillWorkers: 2 }), seed: 0 })).toThrow(/prefillWorkers must be an integer in 1\.\.1 \(at least one decode worker\)/);
  });
});
