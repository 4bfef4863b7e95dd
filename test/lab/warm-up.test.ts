import { describe, expect, it } from 'vitest';
import { clientWarmUpRequests, warmUpShape } from '../../src/lab/real-cell.ts';
import type { Workload } from '../../src/client/workloads/types.ts';

/** Only what the warm-up's size reads of a workload: its schedule (and no warm-up plan of its own). */
const withSchedule = (schedule: Record<string, unknown>): Workload => ({ schedule }) as unknown as Workload;

describe('the embedded cluster warm-up', () => {
  it('runs three rounds of 32 tokens at speedup ≥ 1 and one short round on a slowed engine', () => {
    expect(warmUpShape(1)).toEqual({ rounds: 3, outputTokens: 32 });
    expect(warmUpShape(4)).toEqual({ rounds: 3, outputTokens: 32 });
    expect(warmUpShape(0.05)).toEqual({ rounds: 1, outputTokens: 4 });
  });

  it("then sends one wave of the workload's concurrency through the client (at most 64), none on a slowed engine", () => {
    expect(clientWarmUpRequests(withSchedule({ kind: 'closed', concurrency: 20 }), 4)).toBe(20);
    expect(clientWarmUpRequests(withSchedule({ kind: 'closed', concurrency: 20 }), 1)).toBe(20);
    expect(clientWarmUpRequests(withSchedule({ kind: 'open' }), 4)).toBe(64);
    expect(clientWarmUpRequests(withSchedule({ kind: 'closed', concurrency: 20 }), 0.05)).toBe(0);
  });

  it('adds no wave to a workload with a warm-up plan of its own (the plan is sent as it is)', () => {
    const documents = { schedule: { kind: 'closed', concurrency: 4 }, warmup: { requests: 20, concurrency: 1, turns: [] } } as unknown as Workload;
    expect(clientWarmUpRequests(documents, 4)).toBe(0);
  });
});
