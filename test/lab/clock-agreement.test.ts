/**
 * The same small experiment on the virtual and the real (embedded cluster) clock agrees: mean TTFT per
 * router mode within 15 %, and the same ordering of modes.
 *
 * Why speedupRatio 0.05 (the engine slowed 20×) rather than a high ratio: the embedded cluster runs the
 * client, the router and every worker in this one process, and each request pays a fixed real-time
 * cost that the speedup ratio cannot divide — JSON, BPE tokenization in the router and in the worker,
 * loopback HTTP — measured at ~10–25 ms per request. Agreement within 15 % needs simulated TTFTs an
 * order of magnitude above that, so the engine is slowed down, and requests go one at a time (each
 * TTFT is then a prefill, not a race between concurrent requests). The run takes ~20 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-clocks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const experiment = {
  name: 'clock-agreement',
  description: 'one-at-a-time prefix-sharing requests on 3 workers, kv vs round-robin',
  cluster: { numWorkers: 3, router: { mode: 'kv' }, speedupRatio: 0.05 },
  workload: { kind: 'prefix-ratio', isl: 1000, osl: 1, requests: 16, concurrency: 1, numPrefixPrompts: 6, prefixRatio: 0.9 },
  matrix: { 'router.mode': ['kv', 'round-robin'] },
  seed: 1,
};

function meanTtft(r: ExperimentResult, mode: string): number {
  const cell = r.cells.find((c) => c.params['router.mode'] === mode);
  if (!cell || cell.summary.ttftMs.mean === null) throw new Error(`no TTFT for ${mode}`);
  expect(cell.summary.failed).toBe(0);
  return cell.summary.ttftMs.mean;
}

describe('virtual and real clocks', () => {
  it('agree on mean TTFT per router mode within 15 % and on the ordering of modes', { timeout: 90_000 }, async () => {
    const virtual = await runExperiment({ experiment, clock: 'virtual', outDir: join(root, 'virtual'), report: false });
    const real = await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false });
    for (const mode of ['kv', 'round-robin']) {
      const v = meanTtft(virtual, mode);
      const r = meanTtft(real, mode);
      expect(Math.abs(r - v) / v, `${mode}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms`).toBeLessThan(0.15);
    }
    expect(meanTtft(virtual, 'kv')).toBeLessThan(meanTtft(virtual, 'round-robin'));
    expect(meanTtft(real, 'kv')).toBeLessThan(meanTtft(real, 'round-robin'));
  });
});
