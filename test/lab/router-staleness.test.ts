import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import type { CellEntry } from '../../src/lab/experiment-summary.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-router-staleness-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped router-staleness experiment, in virtual time', () => {
  // The corners of its matrix, everything else as shipped.
  const run = runExperiment({ file: 'router-staleness', clock: 'virtual', outDir: root, sets: ['matrix.router.kvEventDelayMs=[0,200]', 'matrix.router.kvEventLoss=[0,0.2]'], report: false });
  const cell = (cells: CellEntry[], delay: number, loss: number): CellEntry => {
    const c = cells.find((x) => x.params['router.kvEventDelayMs'] === delay && x.params['router.kvEventLoss'] === loss);
    if (!c) throw new Error(`no cell ${delay} ${loss}`);
    return c;
  };
  const regret = (cells: CellEntry[], delay: number, loss: number): number => cell(cells, delay, loss).groundTruth!.regret!.hitRatio!;

  it('with current, lossless events the kv router matches the oracle', async () => {
    const { cells } = await run;
    expect(cells).toHaveLength(4);
    for (const c of cells) expect(c.summary.succeeded).toBe(300);
    expect(Math.abs(regret(cells, 0, 0))).toBeLessThan(0.01);
  });

  it('a 200 ms delay costs hits and TTFT, and 20 % loss on top costs more', async () => {
    const { cells } = await run;
    expect(regret(cells, 200, 0)).toBeGreaterThan(0.05);
    expect(regret(cells, 200, 0.2)).toBeGreaterThan(regret(cells, 200, 0) + 0.05);
    const mean = (d: number, l: number) => cell(cells, d, l).summary.ttftMs.mean!;
    expect(mean(200, 0)).toBeGreaterThan(mean(0, 0));
    expect(mean(200, 0.2)).toBeGreaterThan(mean(200, 0));
  });

  it('counts lost batches, gaps and resyncs in each lossy run', async () => {
    const { cells } = await run;
    const stats = JSON.parse(readFileSync(join(root, cell(cells, 200, 0.2).runDir, 'run.json'), 'utf8')).config.virtualStats.kvEvents;
    expect(stats.lost).toBeGreaterThan(0.1 * stats.published);
    expect(stats.gaps).toBeGreaterThan(0);
    expect(stats.resyncs).toBeGreaterThan(0);
  });
});
