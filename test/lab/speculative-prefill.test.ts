import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-spec-prefill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped speculative-prefill experiment, in virtual time', () => {
  const run = runExperiment({ file: 'speculative-prefill', clock: 'virtual', outDir: root, report: false });
  const withSpec = async (on: boolean) => {
    const { cells } = await run;
    const c = cells.find((x) => x.params['workload.speculativePrefill'] === on);
    if (!c) throw new Error('missing cell');
    return c;
  };

  it('runs 10 users × 5 turns with and without speculative prefill', async () => {
    for (const on of [false, true]) {
      const c = await withSpec(on);
      expect(c.summary.succeeded).toBe(50);
      expect(c.laterTurnsTtftMs.count).toBe(40);
    }
  });

  it('sends speculative prefills only when asked', async () => {
    const stats = async (on: boolean) => {
      const c = await withSpec(on);
      return JSON.parse(readFileSync(join(root, c.runDir, 'run.json'), 'utf8')).config.virtualStats;
    };
    expect((await stats(false)).speculativePrefills).toBe(0);
    expect((await stats(true)).speculativePrefills).toBe(50);
  });

  it('lowers the mean TTFT of turns 2+ and raises the cache hit ratio', async () => {
    const off = await withSpec(false);
    const on = await withSpec(true);
    expect(on.laterTurnsTtftMs.mean!).toBeLessThan(off.laterTurnsTtftMs.mean!);
    expect(on.summary.cacheHitRatio!).toBeGreaterThan(off.summary.cacheHitRatio!);
  });
});
