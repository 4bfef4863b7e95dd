import { describe, expect, it } from 'vitest';
import { buildMultiturn } from '../../../src/client/workloads/index.ts';
import { liveDrawnContents } from '../../../src/client/workloads/drawn-content.ts';
import { runVirtual } from '../../../src/lab/virtual/index.ts';
import { cluster } from './helpers.ts';

describe('a virtual run draws each conversation when its schedule reaches it', () => {
  it('holds at most the closed loop\'s conversations in flight, and none once the run is over', () => {
    const w = buildMultiturn({ numUsers: 40, numTurns: 3, numUserTokens: 30, maxCompletionTokens: 10, meanDelayMs: 20, seed: 5 });
    const concurrency = 4;
    const before = liveDrawnContents();
    let most = 0;
    let records = 0;
    runVirtual({
      workload: { ...w, schedule: { kind: 'closed', concurrency } },
      cluster: cluster({ numWorkers: 2 }),
      seed: 1,
      onRecord: () => {
        records++;
        most = Math.max(most, liveDrawnContents() - before);
      },
    });
    expect(records).toBe(120);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(concurrency);
    expect(liveDrawnContents()).toBe(before);
  });

  it('holds only the open loop\'s users still talking, not every user that arrived', () => {
    // A user every 100 ms, three short turns each: a handful talk at once out of 60.
    const w = buildMultiturn({ numUsers: 60, numTurns: 3, numUserTokens: 30, maxCompletionTokens: 10, meanDelayMs: 50, arrivalIntervalMs: 100, seed: 7 });
    const before = liveDrawnContents();
    let most = 0;
    runVirtual({ workload: w, cluster: cluster({ numWorkers: 2 }), seed: 1, onRecord: () => (most = Math.max(most, liveDrawnContents() - before)) });
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(15);
    expect(liveDrawnContents()).toBe(before);
  });
});
