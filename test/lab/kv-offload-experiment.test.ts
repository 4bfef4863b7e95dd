/**
 * The shipped kv-offload experiment shows its finding in virtual time: as think time grows, GPU-only
 * caching loses returning conversations to recomputation, a CPU tier loads them back (cheaper), and a
 * small CPU tier over disk keeps the hits but not the TTFT gain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-kv-offload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('kv-offload experiment', () => {
  it('GPU-only hits fall as think time grows; the CPU tier keeps them and lowers later-turn TTFT; CPU + disk keeps hits only', async () => {
    const { cells } = await runExperiment({ file: 'kv-offload', clock: 'virtual', outDir: join(root, 'run'), sets: ['matrix.workload.meanDelayMs=[1000,120000]'], report: false });
    const cell = (delay: number, tiers: string) => cells.find((c) => c.params['workload.meanDelayMs'] === delay && JSON.stringify(c.params.kvOffload) === tiers)!;
    const gpu = '{"cpuBlocks":0}';
    const cpu = '{"cpuBlocks":8192}';
    const disk = '{"cpuBlocks":2048,"diskBlocks":16384}';
    // Short think: nothing is evicted between turns, the tiers see no traffic.
    expect(cell(1000, cpu).summary.cacheHitRatio).toBeCloseTo(cell(1000, gpu).summary.cacheHitRatio!, 9);
    expect(cell(1000, cpu).summary.cpuHitRatio).toBe(0);
    // Long think: GPU-only falls back to recomputation; offload keeps the hit ratio of short thinks.
    expect(cell(120000, gpu).summary.cacheHitRatio!).toBeLessThan(cell(1000, gpu).summary.cacheHitRatio! - 0.2);
    expect(cell(120000, cpu).summary.cacheHitRatio!).toBeCloseTo(cell(1000, gpu).summary.cacheHitRatio!, 2);
    expect(cell(120000, cpu).summary.cpuHitRatio!).toBeGreaterThan(0.3);
    expect(cell(120000, disk).summary.diskHitRatio!).toBeGreaterThan(0.1);
    expect(cell(120000, cpu).laterTurnsTtftMs.mean!).toBeLessThan(cell(120000, gpu).laterTurnsTtftMs.mean! * 0.9);
    // A 7 GB/s disk load of an 8B model's KV costs about what an H100 recompute does.
    expect(Math.abs(cell(120000, disk).laterTurnsTtftMs.mean! / cell(120000, gpu).laterTurnsTtftMs.mean! - 1)).toBeLessThan(0.05);
  }, 120_000);
});
