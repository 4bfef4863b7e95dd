import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../src/mocker/engine/index.ts';
import { runVirtual, type VirtualEngine } from '../../../src/lab/virtual/index.ts';
import { cluster, script, turn, workload } from './helpers.ts';

const one = () => workload([script('s', [turn(20, 's')])]);

/** An engine double: accepts requests, then steps the way `step` says. */
function stubEngine(step: (nowMs: number) => Partial<StepResult>, hasWork = () => true): VirtualEngine {
  return {
    add() {},
    hasWork,
    step: (nowMs) => ({ startMs: nowMs, endMs: nowMs, prefillTokens: 0, decodeSeqs: 0, progress: [], preempted: [], events: [], idle: false, ...step(nowMs) }),
    stats: () => ({ preemptions: 0 }),
  };
}

describe('virtual loop guards', () => {
  it('throws when steps keep coming at the same time and no request advances', () => {
    const engineFactory = () => stubEngine(() => ({}));
    expect(() => runVirtual({ workload: one(), cluster: cluster(), seed: 0, engineFactory, noProgressLimit: 1000 })).toThrow(/no request advanced in 1000 events/);
  });

  it('throws when virtual time moves on but no request ever advances', () => {
    const engineFactory = () => stubEngine((now) => ({ endMs: now + 5 }));
    expect(() => runVirtual({ workload: one(), cluster: cluster(), seed: 0, engineFactory, noProgressLimit: 500 })).toThrow(/stuck at \d+\.\d+ ms, 1 requests in flight/);
  });

  it('throws when the queue runs dry while a request is still in flight', () => {
    const engineFactory = () => stubEngine(() => ({ idle: true }), () => false);
    expect(() => runVirtual({ workload: one(), cluster: cluster(), seed: 0, engineFactory })).toThrow(/no events left .* 1 requests are in flight/);
  });

  it('throws when an engine step would end before it started', () => {
    const engineFactory = () => stubEngine((now) => ({ endMs: now - 1, prefillTokens: 1 }));
    expect(() => runVirtual({ workload: one(), cluster: cluster(), seed: 0, engineFactory })).toThrow(/step at 0 ms ends at -1 ms/);
  });

  it('stops at maxEvents', () => {
    expect(() => runVirtual({ workload: one(), cluster: cluster(), seed: 0, maxEvents: 5 })).toThrow(/more than 5 events \(maxEvents\)/);
    expect(runVirtual({ workload: one(), cluster: cluster(), seed: 0 }).records).toHaveLength(1);
  });

  it('rejects bad options with a one-line message naming the field', () => {
    expect(() => runVirtual({ workload: one(), cluster: cluster({ numWorkers: 0 }), seed: 0 })).toThrow(/cluster\.numWorkers must be an integer ≥ 1 and ≤ 1024, got 0/);
    expect(() => runVirtual({ workload: one(), cluster: cluster({ reasoningRatio: 2 }), seed: 0 })).toThrow(/cluster\.reasoningRatio/);
    expect(() => runVirtual({ workload: one(), cluster: cluster({ router: { mode: 'nope' as 'kv' } }), seed: 0 })).toThrow(/cluster\.router\.mode must be one of/);
    expect(() => runVirtual({ workload: one(), cluster: cluster({ engine: { blockSize: 0 } }), seed: 0 })).toThrow(/blockSize/);
  });
});
