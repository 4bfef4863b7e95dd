import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import type { CellEntry } from '../../src/lab/experiment-summary.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-router-replicas-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped router-replicas experiment, in virtual time', () => {
  const run = runExperiment({ file: 'router-replicas', clock: 'virtual', outDir: root, sets: ['matrix.router.replicas=[1,8]'], report: false });
  const cell = (cells: CellEntry[], r: number, sync: boolean): CellEntry => {
    const c = cells.find((x) => x.params['router.replicas'] === r && x.params['router.replicaSync'] === sync);
    if (!c) throw new Error(`no cell ${r} ${sync}`);
    return c;
  };

  it('with sync, eight replicas decide as one router', async () => {
    const { cells } = await run;
    expect(cells).toHaveLength(4);
    expect(cell(cells, 8, true).summary.ttftMs).toEqual(cell(cells, 1, false).summary.ttftMs);
    expect(cell(cells, 8, true).summary.cacheHitRatio).toBe(cell(cells, 1, false).summary.cacheHitRatio);
  });

  it('without sync, eight partial views herd requests: mean TTFT up by more than 10 %, p99 up by half, positive TTFT regret', async () => {
    const { cells } = await run;
    const one = cell(cells, 1, false).summary.ttftMs;
    const eight = cell(cells, 8, false);
    expect(eight.summary.ttftMs.mean!).toBeGreaterThan(one.mean! * 1.1);
    expect(eight.summary.ttftMs.p99!).toBeGreaterThan(one.p99! * 1.5);
    expect(eight.groundTruth!.regret!.ttftMeanMs!).toBeGreaterThan(1);
  });
});
