/**
 * Stale and lost KV events behave the same on the virtual and the real (embedded cluster) clock:
 * mean TTFT per setting within 15 %, and on both clocks a delay longer than the gap between requests
 * (or every event lost) costs the kv router its prefix hits (the real router drops the batches on
 * arrival and delays the rest with timers: kv-subscriber.ts). One request at a time on an engine slowed
 * 20× (speedupRatio 0.05), as in clock-agreement.test.ts and for the same reason (~35 s: three real cells, each with a short warm-up at this ratio, real-cell.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-clocks-signals-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SETTINGS = [{ mode: 'kv' }, { mode: 'kv', kvEventDelayMs: 3000 }, { mode: 'kv', kvEventLoss: 1 }];
const experiment = {
  name: 'clock-agreement-signals',
  // 34 blocks a worker (room for the warm-up's 2,000 tokens): one 1,500-token prompt fits, not two, so a router that cannot see where a prefix is loses hits.
  cluster: { numWorkers: 3, router: { mode: 'kv' }, speedupRatio: 0.05, numGpuBlocks: 34 },
  workload: { kind: 'prefix-ratio', isl: 1500, osl: 1, requests: 12, concurrency: 1, numPrefixPrompts: 3, prefixRatio: 0.9 },
  matrix: { router: SETTINGS },
  seed: 1,
};

function cellOf(r: ExperimentResult, i: number) {
  const cell = r.cells[i];
  expect(cell.params.router).toEqual(SETTINGS[i]);
  expect(cell.summary.failed).toBe(0);
  return cell.summary;
}

describe('stale and lost KV events on both clocks', () => {
  it('agree on mean TTFT within 15 % per setting, and both lose hits to a long delay and to total loss', { timeout: 300_000 }, async () => {
    const virtual = await runExperiment({ experiment, clock: 'virtual', outDir: join(root, 'virtual'), report: false });
    const real = await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false });
    for (let i = 0; i < SETTINGS.length; i++) {
      const v = cellOf(virtual, i).ttftMs.mean!;
      const r = cellOf(real, i).ttftMs.mean!;
      expect(Math.abs(r - v) / v, `${JSON.stringify(SETTINGS[i])}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms`).toBeLessThan(0.15);
    }
    for (const run of [virtual, real]) {
      const fresh = cellOf(run, 0);
      for (const i of [1, 2]) {
        expect(cellOf(run, i).cacheHitRatio!).toBeLessThan(fresh.cacheHitRatio! - 0.1);
        expect(cellOf(run, i).ttftMs.mean!).toBeGreaterThan(fresh.ttftMs.mean!);
      }
    }
  });
});
