import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/mocker/engine/engine.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type SchedulingPolicy } from '../../../src/mocker/engine/types.ts';
import { drive, tokens, type Arrival } from './drive.ts';

const cfg = (policy: SchedulingPolicy, over: Partial<EngineConfig> = {}): EngineConfig => ({ ...DEFAULT_ENGINE_CONFIG, schedulingPolicy: policy, ...over });

/** Request ids in the order of their first token. */
function firstTokenOrder(policy: SchedulingPolicy, arrivals: Arrival[]): string[] {
  const { traces } = drive(new Engine(cfg(policy, { maxNumSeqs: 1 })), arrivals, { checkInvariants: true });
  return [...traces.values()].sort((a, b) => a.firstAtMs! - b.firstAtMs!).map((t) => t.id);
}

const req = (id: string, seed: number, extra: Partial<Arrival['req']> = {}): Arrival['req'] => ({ id, prompt: tokens(seed, 100), output: tokens(seed + 50, 4), ...extra });

describe('engine scheduling policy (vLLM fcfs | priority)', () => {
  const queued: Arrival[] = [
    { atMs: 0, req: req('first', 1) },
    { atMs: 1, req: req('low', 2, { priority: 5 }) },
    { atMs: 2, req: req('high-a', 3, { priority: -1 }) },
    { atMs: 3, req: req('high-b', 4, { priority: -1 }) },
    { atMs: 4, req: req('default', 5) },
  ];

  it('admits waiting requests by (priority, arrival) under the priority policy, lower values first', () => {
    expect(firstTokenOrder('priority', queued)).toEqual(['first', 'high-a', 'high-b', 'default', 'low']);
  });

  it('ignores priorities under fcfs', () => {
    expect(firstTokenOrder('fcfs', queued)).toEqual(['first', 'low', 'high-a', 'high-b', 'default']);
  });

  it('moves a latency-sensitive request earlier by its hint in seconds (divided by the speedup ratio) among its priority', () => {
    const arrivals: Arrival[] = [
      { atMs: 0, req: req('first', 1, { arrivalMs: 0 }) },
      { atMs: 1, req: req('early', 2, { arrivalMs: 1 }) },
      { atMs: 2, req: req('sensitive', 3, { arrivalMs: 2, latencySensitivityS: 0.5 }) },
      { atMs: 3, req: req('urgent-class', 4, { arrivalMs: 3, priority: -1 }) },
    ];
    expect(firstTokenOrder('priority', arrivals)).toEqual(['first', 'urgent-class', 'sensitive', 'early']);
    // At speedup 1000 the half second is 0.5 ms: no longer earlier than a request 1 ms ahead.
    const { traces } = drive(new Engine(cfg('priority', { maxNumSeqs: 1, speedupRatio: 1000 })), arrivals.slice(0, 3));
    expect(traces.get('early')!.firstAtMs!).toBeLessThan(traces.get('sensitive')!.firstAtMs!);
  });

  // Five 16-token blocks: 'low' (40 prompt tokens, 3 blocks) runs first, 'high' (32 tokens, 2 blocks)
  // fills the pool, and its first decode step needs a sixth block.
  const pressure: Arrival[] = [
    { atMs: 0, req: { id: 'low', prompt: tokens(1, 40), output: tokens(2, 20), priority: 1 } },
    { atMs: 1, req: { id: 'high', prompt: tokens(3, 32), output: tokens(4, 20), priority: 0 } },
  ];
  const pressureCfg = { blockSize: 16, numGpuBlocks: 5, watermark: 0 };

  it('preempts the running request with the largest (priority, arrival) under the priority policy, even one already scheduled in the step', () => {
    const { traces, steps } = drive(new Engine(cfg('priority', pressureCfg)), pressure, { checkInvariants: true });
    const preempted = steps.flatMap((s) => s.preempted);
    expect(preempted[0]).toBe('low');
    // 'low' was scheduled before 'high' asked for a block: the step runs 'high' alone.
    expect(steps.find((s) => s.preempted.includes('low'))!.decodeSeqs).toBe(1);
    expect(preempted).not.toContain('high');
    expect(traces.get('high')!.finishedAtMs!).toBeLessThan(traces.get('low')!.finishedAtMs!);
    expect(traces.get('low')!.tokens).toEqual(tokens(2, 20));
    expect(traces.get('high')!.tokens).toEqual(tokens(4, 20));
  });

  it('preempts the newest running request under fcfs', () => {
    const { steps } = drive(new Engine(cfg('fcfs', pressureCfg)), pressure, { checkInvariants: true });
    expect(steps.flatMap((s) => s.preempted)[0]).toBe('high');
  });

  it('refuses a priority that is not an integer', () => {
    const e = new Engine(cfg('priority'));
    expect(() => e.add(req('x', 1, { priority: 1.5 }))).toThrow(/priority must be an integer, got 1.5/);
    expect(() => new Engine({ ...DEFAULT_ENGINE_CONFIG, schedulingPolicy: 'sjf' as SchedulingPolicy })).toThrow(/schedulingPolicy/);
  });
});
