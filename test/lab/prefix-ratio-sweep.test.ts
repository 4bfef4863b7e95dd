import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import type { CellEntry } from '../../src/lab/experiment-summary.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-prefix-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped prefix-ratio-sweep, in virtual time', () => {
  // Shrunk to 100 requests per cell (from Dynamo's 200) to keep the test fast; everything else as shipped.
  const run = runExperiment({ file: 'prefix-ratio-sweep', clock: 'virtual', outDir: root, sets: ['workload.requests=100'], report: false });
  const cell = (cells: CellEntry[], ratio: number, mode: string): CellEntry => {
    const c = cells.find((x) => x.params['workload.prefixRatio'] === ratio && x.params['router.mode'] === mode);
    if (!c) throw new Error(`no cell ${ratio} ${mode}`);
    return c;
  };
  const ttft = (cells: CellEntry[], ratio: number, mode: string): number => cell(cells, ratio, mode).summary.ttftMs.mean!;

  it('runs every ratio against kv and round-robin', async () => {
    const { cells } = await run;
    expect(cells).toHaveLength(10);
    for (const c of cells) expect(c.summary.succeeded).toBe(100);
  });

  it('gives kv a lower mean TTFT than round-robin at ratio 0.9', async () => {
    const { cells } = await run;
    expect(ttft(cells, 0.9, 'kv')).toBeLessThan(ttft(cells, 0.9, 'round-robin'));
    expect(cell(cells, 0.9, 'kv').summary.cacheHitRatio!).toBeGreaterThan(cell(cells, 0.9, 'round-robin').summary.cacheHitRatio!);
  });

  it('widens the gap (round-robin − kv) from ratio 0.1 to 0.9', async () => {
    const { cells } = await run;
    const gap = (r: number) => ttft(cells, r, 'round-robin') - ttft(cells, r, 'kv');
    expect(gap(0.9)).toBeGreaterThan(gap(0.1) + 5);
    expect(gap(0.9)).toBeGreaterThan(gap(0.5));
  });
});
