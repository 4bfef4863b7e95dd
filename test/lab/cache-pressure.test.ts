import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-cache-pressure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the shipped cache-pressure experiment, in virtual time', () => {
  const run = runExperiment({ file: 'cache-pressure', clock: 'virtual', outDir: root, report: false });
  const byActive = async () => {
    const { cells } = await run;
    return [...cells].sort((a, b) => (a.params['workload.maxActiveConversations'] as number) - (b.params['workload.maxActiveConversations'] as number));
  };

  it('sweeps the active conversations and serves every request', async () => {
    const cells = await byActive();
    expect(cells.map((c) => c.params['workload.maxActiveConversations'])).toEqual([1, 2, 4, 8, 16]);
    for (const c of cells) expect(c.summary.failed).toBe(0);
  });

  it('loses cache hits and climbs in TTFT once the active conversations outgrow the KV cache', async () => {
    const cells = await byActive();
    const first = cells[0];
    const last = cells[cells.length - 1];
    expect(last.summary.cacheHitRatio!).toBeLessThan(first.summary.cacheHitRatio! / 2);
    expect(last.laterTurnsTtftMs.mean!).toBeGreaterThan(first.laterTurnsTtftMs.mean! * 2);
    for (let i = 1; i < cells.length; i++) {
      expect(cells[i].summary.cacheHitRatio!).toBeLessThanOrEqual(cells[i - 1].summary.cacheHitRatio! + 1e-9);
    }
  });
});
