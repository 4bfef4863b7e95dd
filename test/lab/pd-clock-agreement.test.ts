/**
 * A small disaggregated prefill/decode case agrees between the virtual and the real (embedded cluster)
 * clock: mean TTFT within 15 %, aggregated and 1 prefill + 1 decode workers. Same set-up as
 * clock-agreement.test.ts (engine slowed 20×, one request at a time, see there why). The P/D TTFT holds
 * the prefill, the KV transfer into the decode worker and its last-token step; the real one also the
 * router's second hop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-pd-clocks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const experiment = {
  name: 'pd-clock-agreement',
  description: 'one-at-a-time prefix-sharing requests on 2 workers, aggregated vs 1 prefill + 1 decode',
  cluster: { numWorkers: 2, router: { mode: 'kv' }, speedupRatio: 0.05 },
  workload: { kind: 'prefix-ratio', isl: 1000, osl: 2, requests: 12, concurrency: 1, numPrefixPrompts: 4, prefixRatio: 0.5 },
  matrix: { disaggregation: [{}, { numPrefillWorkers: 1, numDecodeWorkers: 1 }] },
  seed: 1,
};

function cell(r: ExperimentResult, pd: boolean) {
  const c = r.cells.find((x) => ((x.params.disaggregation as { numPrefillWorkers?: number }).numPrefillWorkers !== undefined) === pd)!;
  expect(c.summary.failed).toBe(0);
  return c.summary;
}

describe('virtual and real clocks with disaggregated prefill/decode', () => {
  it('agree on mean TTFT within 15 %, aggregated and P/D, and P/D costs TTFT on both', { timeout: 180_000 }, async () => {
    const virtual = await runExperiment({ experiment, clock: 'virtual', outDir: join(root, 'virtual'), report: false });
    const real = await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false });
    for (const pd of [false, true]) {
      const v = cell(virtual, pd).ttftMs.mean!;
      const r = cell(real, pd).ttftMs.mean!;
      console.info(`pd clock agreement, ${pd ? 'P/D' : 'aggregated'}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms (${(((r - v) / v) * 100).toFixed(1)} %)`);
      expect(Math.abs(r - v) / v, `${pd ? 'P/D' : 'aggregated'}: virtual ${v.toFixed(1)} ms, real ${r.toFixed(1)} ms`).toBeLessThan(0.15);
    }
    expect(cell(virtual, true).ttftMs.mean!).toBeGreaterThan(cell(virtual, false).ttftMs.mean!);
    expect(cell(real, true).ttftMs.mean!).toBeGreaterThan(cell(real, false).ttftMs.mean!);
  });
});
