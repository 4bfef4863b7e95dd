import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentProgress } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-ground-truth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 16 shared prefixes that do not all fit on every worker: routing decides the hits. */
const pressured = {
  name: 'pressured',
  cluster: { numWorkers: 4, numGpuBlocks: 500, router: { mode: 'kv' } },
  workload: { kind: 'prefix-ratio', prefixRatio: 0.8, isl: 3000, osl: 10, requests: 80, concurrency: 8, numPrefixPrompts: 24 },
  matrix: { 'router.mode': ['kv', 'round-robin'] },
  seed: 1,
};

describe('ground truth in every experiment cell', () => {
  const events: ExperimentProgress[] = [];
  const run = runExperiment({ experiment: pressured, clock: 'virtual', outDir: join(root, 'v'), onProgress: (e) => events.push(e), png: false });

  it('summary.json carries best case, oracle and regret = oracle − actual hits, actual − oracle TTFT', async () => {
    const result = await run;
    const cells = JSON.parse(readFileSync(result.summaryPath, 'utf8')).cells;
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      const gt = c.groundTruth;
      expect(gt.source).toBe('virtual');
      expect(gt.bestCaseHitRatio).toBeGreaterThanOrEqual(c.summary.cacheHitRatio);
      expect(gt.regret.hitRatio).toBeCloseTo(gt.oracle.hitRatio - c.summary.cacheHitRatio, 12);
      expect(gt.regret.ttftMeanMs).toBeCloseTo(c.summary.ttftMs.mean - gt.oracle.ttftMeanMs, 9);
    }
    // One twin for cells that differ only in their router.
    expect(cells[1].groundTruth.oracle).toEqual(cells[0].groundTruth.oracle);
    const [kv, rr] = cells.map((c: { groundTruth: { regret: { hitRatio: number } } }) => c.groundTruth.regret.hitRatio);
    expect(rr).toBeGreaterThan(kv + 0.1);
  });

  it('the progress line and the report show them', async () => {
    const result = await run;
    const lines = events.flatMap((e) => (e.kind === 'cell' ? [e.line] : []));
    expect(lines[1]).toMatch(/best \d+\.\d %, oracle \d+\.\d %, regret \d+\.\d pp \/ -?\d+\.\d ms/);
    const html = readFileSync(result.reportPath!, 'utf8');
    expect(html).toContain('hit regret');
    expect(html).toContain('best case: one worker with an unlimited cache');
  });

  it('groundTruth: false leaves it out', async () => {
    const result = await runExperiment({ experiment: { ...pressured, matrix: { 'router.mode': ['kv'] } }, clock: 'virtual', outDir: join(root, 'off'), report: false, groundTruth: false });
    expect(result.cells[0].groundTruth).toBeUndefined();
  });
});
