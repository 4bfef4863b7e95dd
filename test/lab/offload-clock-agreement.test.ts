/**
 * A small KV-offload case agrees between the virtual and the real (embedded cluster) clock: mean TTFT
 * within 15 % with and without a CPU tier, and the same CPU-tier hits. Same set-up as
 * clock-agreement.test.ts (engine slowed 20×, one request at a time, see there why): six 900-token
 * shared prefixes cycle through a GPU cache of 48 blocks, so part of every prefix is evicted between
 * its uses: recomputed without offload, loaded back from the CPU tier with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-offload-clocks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const experiment = {
  name: 'offload-clock-agreement',
  description: 'one-at-a-time requests over six shared prefixes on one worker whose GPU cache holds three',
  cluster: { numWorkers: 1, router: { mode: 'round-robin' }, speedupRatio: 0.05, numGpuBlocks: 48 },
  workload: { kind: 'prefix-ratio', isl: 1000, osl: 1, requests: 12, concurrency: 1, numPrefixPrompts: 6, prefixRatio: 0.9 },
  matrix: { kvOffload: [{ cpuBlocks: 0 }, { cpuBlocks: 256 }] },
  seed: 1,
};

function cell(r: ExperimentResult, cpuBlocks: number) {
  const c = r.cells.find((x) => (x.params.kvOffload as { cpuBlocks: number }).cpuBlocks === cpuBlocks)!;
  expect(c.summary.failed).toBe(0);
  return c.summary;
}

describe('virtual and real clocks with KV offload', () => {
  it('agree on mean TTFT within 15 % with and without a CPU tier, and on its hit ratio', { timeout: 180_000 }, async () => {
    const virtual = await runExperiment({ experiment, clock: 'virtual', outDir: join(root, 'virtual'), report: false });
    const real = await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false });
    for (const cpu of [0, 256]) {
      const v = cell(virtual, cpu).ttftMs.mean!;
      const r = cell(real, cpu).ttftMs.mean!;
      expect(Math.abs(r - v) / v, `cpuBlocks ${cpu}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms`).toBeLessThan(0.15);
    }
    expect(cell(virtual, 256).cpuHitRatio!).toBeGreaterThan(0.05);
    expect(cell(real, 256).cpuHitRatio).toBeCloseTo(cell(virtual, 256).cpuHitRatio!, 6);
    expect(cell(real, 0).cpuHitRatio).toBeUndefined();
  });
});
