/**
 * Router replicas on the virtual and the real (embedded cluster) clock: the same effects on both, and
 * mean TTFT within 15 % per setting. Four requests in flight on 3 workers, so partial in-flight views
 * matter: on both clocks 4 replicas without sync herd requests onto the workers holding a prefix (mean
 * TTFT well above one router's), and with sync they decide as one router does. Engine slowed 10×
 * (speedupRatio 0.1; clock-agreement.test.ts explains why slow), ~35 s.
 *
 * Why chunked prefill (128-token steps, so a 1,000-token prompt takes 8 steps): requests sent at the
 * same virtual instant (the closed loop's start, and the follow-ups of two answers finished in one
 * step) reach an engine together on the virtual clock and share a step, while the real client sends
 * them a millisecond or two apart and the engine has started the first one's step by the time the
 * second arrives. With a whole prompt in one step, that second request waited a whole extra step
 * (TTFT ×2: 3,221 vs 2,421 ms for one request, mean 1,547 vs 1,331 ms, +16 %, one router); with the
 * prompt spread over 8 steps the late one joins the next chunk and loses 1/8 of that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-clocks-replicas-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SETTINGS = [{ mode: 'kv' }, { mode: 'kv', replicas: 4 }, { mode: 'kv', replicas: 4, replicaSync: true }];
const experiment = {
  name: 'clock-agreement-replicas',
  cluster: { numWorkers: 3, router: { mode: 'kv' }, speedupRatio: 0.1, maxNumBatchedTokens: 128 },
  workload: { kind: 'prefix-ratio', isl: 1000, osl: 1, requests: 16, concurrency: 4, numPrefixPrompts: 2, prefixRatio: 0.9 },
  matrix: { router: SETTINGS },
  seed: 1,
};

function meanTtft(r: ExperimentResult, i: number): number {
  const cell = r.cells[i];
  expect(cell.params.router).toEqual(SETTINGS[i]);
  expect(cell.summary.failed).toBe(0);
  return cell.summary.ttftMs.mean!;
}

describe('router replicas on both clocks', () => {
  const runs = (async () => ({
    virtual: await runExperiment({ experiment, clock: 'virtual', outDir: join(root, 'virtual'), report: false, groundTruth: false }),
    real: await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false, groundTruth: false }),
  }))();

  it('agree on mean TTFT within 15 % per setting', { timeout: 300_000 }, async () => {
    const { virtual, real } = await runs;
    for (let i = 0; i < SETTINGS.length; i++) {
      const v = meanTtft(virtual, i);
      const r = meanTtft(real, i);
      process.stdout.write(`replicas clock agreement, ${JSON.stringify(SETTINGS[i])}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms (${((r / v - 1) * 100).toFixed(1)} %)\n`);
      expect(Math.abs(r - v) / v, `${JSON.stringify(SETTINGS[i])}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms`).toBeLessThan(0.15);
    }
  });

  it('without sync four replicas cost TTFT on both clocks, with sync they match one router', { timeout: 300_000 }, async () => {
    const { virtual, real } = await runs;
    expect(real.summary.notes.join(' ')).not.toMatch(/virtual clock only/);
    for (const run of [virtual, real]) {
      const one = meanTtft(run, 0);
      expect(meanTtft(run, 1)).toBeGreaterThan(one * 1.1);
      expect(Math.abs(meanTtft(run, 2) - one) / one).toBeLessThan(0.1);
    }
  });
});
