import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-multi-turn-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped multi-turn-cache experiment, in virtual time', () => {
  const run = runExperiment({ file: 'multi-turn-cache', clock: 'virtual', outDir: root, report: false });
  const cell = async (caching: boolean) => {
    const c = (await run).cells.find((x) => x.params.enablePrefixCaching === caching);
    if (!c) throw new Error('missing cell');
    return c;
  };

  it("runs the documents workload's defaults: 11 conversations × 10 turns", async () => {
    for (const caching of [true, false]) expect((await cell(caching)).summary.succeeded).toBe(110);
  });

  it('makes later turns more than twice as fast as turn 1 with prefix caching', async () => {
    const c = await cell(true);
    expect(c.firstVsLaterSpeedup!).toBeGreaterThan(2);
    expect(c.summary.cacheHitRatio!).toBeGreaterThan(0.5);
  });

  it('leaves later turns no faster than 1.3× turn 1 without it', async () => {
    const c = await cell(false);
    expect(c.firstVsLaterSpeedup!).toBeLessThan(1.3);
    expect(c.summary.cacheHitRatio).toBe(0);
  });
});
