/**
 * The shipped disaggregation experiment shows its finding in virtual time: on the same four GPUs, P/D
 * keeps decode ITL tails free of prefill stalls that aggregated workers suffer, and pays in TTFT (fewer
 * prefill engines, the KV moved), worst with one prefill worker. Also the cluster section's P/D errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCluster, virtualClusterConfig } from '../../src/lab/cluster-settings.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-disaggregation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('disaggregation experiment', () => {
  it('P/D cuts the ITL p99 of heavy-prefill traffic and raises TTFT, most with one prefill worker', async () => {
    const { cells } = await runExperiment({ file: 'disaggregation', clock: 'virtual', outDir: join(root, 'run'), sets: ['matrix.workload.isl=[2000,14000]', 'matrix.workload.osl=[200]'], report: false });
    const cell = (isl: number, p: number) => cells.find((c) => c.params['workload.isl'] === isl && ((c.params.disaggregation as { numPrefillWorkers?: number }).numPrefillWorkers ?? 0) === p)!.summary;
    for (const isl of [2000, 14000]) {
      expect(cell(isl, 2).itlMs!.p99!).toBeLessThan(cell(isl, 0).itlMs!.p99! / 3);
      expect(cell(isl, 2).ttftMs!.p50!).toBeGreaterThan(cell(isl, 0).ttftMs!.p50!);
      expect(cell(isl, 1).ttftMs!.p50!).toBeGreaterThan(cell(isl, 2).ttftMs!.p50!);
    }
    // Long prompts make both effects larger.
    expect(cell(14000, 0).itlMs!.p99!).toBeGreaterThan(cell(2000, 0).itlMs!.p99! * 2);
    expect(cell(14000, 2).ttftMs!.p50! / cell(14000, 0).ttftMs!.p50!).toBeGreaterThan(3);
    expect(cells.every((c) => c.summary.failed === 0)).toBe(true);
  }, 120_000);

  it('resolves a P/D cluster section into prefill and decode workers, and names the field of a bad one', () => {
    const ok = resolveCluster({ disaggregation: { numPrefillWorkers: 1, numDecodeWorkers: 3, kvTransferBandwidthGbps: 25 } }, '.');
    expect(ok).toMatchObject({ numWorkers: 4, prefillWorkers: 1, engine: { kvTransferBandwidthGbps: 25 } });
    expect(virtualClusterConfig(ok)).toMatchObject({ numWorkers: 4, prefillWorkers: 1 });
    expect(resolveCluster({ numWorkers: 3, disaggregation: {} }, '.')).not.toHaveProperty('prefillWorkers');
    expect(() => resolveCluster({ disaggregation: { numPrefillWorkers: 0, numDecodeWorkers: 2 } }, '.')).toThrow(/field 'cluster\.disaggregation\.numPrefillWorkers': a disaggregated cluster needs at least one worker of each kind, got 0/);
    expect(() => resolveCluster({ disaggregation: { numPrefillWorkers: 2 } }, '.')).toThrow(/cluster\.disaggregation\.numDecodeWorkers': a disaggregated cluster needs both/);
    expect(() => resolveCluster({ numWorkers: 5, disaggregation: { numPrefillWorkers: 2, numDecodeWorkers: 2 } }, '.')).toThrow(/cluster\.numWorkers': 5 ≠ 2 prefill \+ 2 decode workers/);
    expect(() => resolveCluster({ disaggregation: { kvTransferLatencyMs: 2 } }, '.')).toThrow(/kvTransferLatencyMs': needs a disaggregated cluster/);
  });
});
