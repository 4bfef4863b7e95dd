import { describe, expect, it } from 'vitest';
import { SPECULATIVE_PREFILL_BODY } from '../../../src/client/workloads/messages.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster, lorem, script, turn, workload } from './helpers.ts';

const BS = 64;
const floorBlocks = (n: number) => Math.floor(n / BS) * BS;

/** Two turns on one worker, one second of think time between them. */
function twoTurns(speculative: boolean) {
  const extra = speculative ? { extraBody: structuredClone(SPECULATIVE_PREFILL_BODY) as Record<string, unknown> } : {};
  return workload([
    script('conv', [turn(150, 'u1', { maxTokens: 160, ...extra }), turn(50, 'u2', { maxTokens: 10, delayMs: 1000, ...extra })], {
      preamble: [lorem('system', 100, 'sys')],
    }),
  ]);
}

function run(reasoningRatio: number, speculative: boolean) {
  const res = runVirtual({ workload: twoTurns(speculative), cluster: cluster({ reasoningRatio }), seed: 4 });
  const [t1, t2] = res.records;
  expect(t1.turn).toBe(1);
  expect(t2.turn).toBe(2);
  return { t1, t2, stats: res.stats };
}

describe('virtual cluster prefix caching across turns', () => {
  it('serves turn 2 the previous prompt and answer from the cache', () => {
    const { t1, t2 } = run(0, false);
    expect(t2.inputTokens).toBeGreaterThan(t1.inputTokens! + t1.outputTokens!);
    expect(t2.cachedTokens).toBeGreaterThanOrEqual(floorBlocks(t1.inputTokens! + t1.outputTokens!));
  });

  it('misses the answer when thinking was emitted first (history drops it)', () => {
    const { t1, t2 } = run(0.5, false);
    const answer = t1.outputTokens! - Math.round(0.5 * t1.outputTokens!);
    expect(t2.cachedTokens).toBe(floorBlocks(t1.inputTokens!));
    expect(t2.cachedTokens).toBeLessThan(floorBlocks(t1.inputTokens! + answer));
  });

  it('recovers the answer with speculative prefill, which is counted but not recorded', () => {
    const { t1, t2, stats } = run(0.5, true);
    const answer = t1.outputTokens! - Math.round(0.5 * t1.outputTokens!);
    expect(t2.cachedTokens).toBeGreaterThanOrEqual(floorBlocks(t1.inputTokens! + answer));
    expect(stats.speculativePrefills).toBe(2);
    expect(stats.speculativeRejected).toBe(0);
    expect(stats.perWorker[0].requests).toBe(2);
  });

  it('keeps the cache per worker: round-robin sends turn 2 to a cold worker', () => {
    const res = runVirtual({ workload: twoTurns(false), cluster: cluster({ numWorkers: 2, router: { mode: 'round-robin' } }), seed: 4 });
    const [t1, t2] = res.records;
    expect(t1.worker).not.toBe(t2.worker);
    expect(t2.cachedTokens).toBe(0);
    const kv = runVirtual({ workload: twoTurns(false), cluster: cluster({ numWorkers: 2, router: { mode: 'kv' } }), seed: 4 }).records;
    expect(kv[1].worker).toBe(kv[0].worker);
  });
});
