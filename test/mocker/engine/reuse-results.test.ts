import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type StepResult } from '../../../src/mocker/engine/types.ts';
import { tokens } from './drive.ts';

const cfg = (over: Partial<EngineConfig> = {}): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, blockSize: 16, numGpuBlocks: 18, maxNumSeqs: 4, maxNumBatchedTokens: 64, watermark: 0, ...over });

/** A deep copy of what a step reported (taken before the next step). */
const snapshot = (r: StepResult) => JSON.parse(JSON.stringify(r)) as unknown;

/** Step an engine through a fixed scenario (arrivals between steps), copying every result. */
function run(reuse: boolean): { results: unknown[]; sameObject: boolean } {
  const e = new Engine(cfg(), undefined, { eventTokenIds: false, reuseStepResults: reuse });
  const results: unknown[] = [];
  let prev: StepResult | null = null;
  let sameObject = true;
  let t = 0;
  for (let i = 0; i < 2000 && (i < 12 || e.hasWork()); i++) {
    // Shared prefixes, a pool small enough to evict and preempt, arrivals while others decode.
    if (i < 12) e.add({ id: `r${i}`, prompt: [...tokens(i % 3, 40), ...tokens(100 + i, 10 + i)], output: tokens(200 + i, 30 + (i % 4) * 20) });
    const r = e.step(t);
    if (prev !== null && prev !== r) sameObject = false;
    prev = r;
    results.push(snapshot(r));
    t = r.endMs;
  }
  return { results, sameObject };
}

describe('reused step results', () => {
  it('report exactly what fresh results report, step by step, in one reused object', () => {
    const fresh = run(false);
    const reused = run(true);
    expect(reused.results).toEqual(fresh.results);
    expect(reused.sameObject).toBe(true);
    expect(fresh.sameObject).toBe(false);
    // The scenario covers tokens, KV events and preemptions.
    const all = JSON.stringify(fresh.results);
    expect(all).toContain('BlockStored');
    expect(all).toContain('BlockRemoved');
    expect(all).toMatch(/"preempted":\["r/);
  });
});
