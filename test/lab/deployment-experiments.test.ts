/**
 * The shipped experiments timed as a real deployment (roofline model, shipped profile) show their
 * findings in virtual time, and record where the engines' time went.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-deploy-exp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('experiments timed as a real deployment', () => {
  it('prefix-ratio-sweep-8b: at ratio 0.9 kv beats round-robin on Llama-3.1-8B / H100, engine time mostly prefill GEMMs', async () => {
    const out = join(root, 'sweep');
    const { cells } = await runExperiment({ file: 'prefix-ratio-sweep-8b', clock: 'virtual', outDir: out, sets: ['matrix.workload.prefixRatio=[0.9]', 'workload.requests=80'], report: false });
    const by = (mode: string) => cells.find((c) => c.params['router.mode'] === mode)!;
    expect(by('kv').summary.ttftMs.mean!).toBeLessThan(by('round-robin').summary.ttftMs.mean!);
    expect(by('kv').summary.cacheHitRatio!).toBeGreaterThan(by('round-robin').summary.cacheHitRatio!);
    const config = JSON.parse(readFileSync(join(out, by('kv').runDir, 'run.json'), 'utf8')).config;
    expect(config.cluster.deployment).toMatchObject({ model: 'meta-llama/Llama-3.1-8B-Instruct', gpu: 'H100-SXM-80GB', timing: 'roofline' });
    expect(config.cluster.engine).toMatchObject({ blockSize: 16, asyncScheduling: true });
    const b = config.stepBreakdown;
    const shares = ['gemmCompute', 'weightRead', 'activations', 'attentionCompute', 'kvRead', 'allReduce', 'overhead'].map((k) => b[k]);
    expect(shares.reduce((x: number, y: number) => x + y, 0)).toBeCloseTo(1, 6);
    expect(b.gemmCompute).toBeGreaterThan(b.overhead);
  }, 60_000);

  it('speculative-prefill-8b: pre-warming lowers turns-2+ TTFT on DeepSeek-R1-Distill-Llama-8B / H100', async () => {
    const { cells } = await runExperiment({ file: 'speculative-prefill-8b', clock: 'virtual', outDir: join(root, 'spec'), report: false });
    const on = cells.find((c) => c.params['workload.speculativePrefill'] === true)!;
    const off = cells.find((c) => c.params['workload.speculativePrefill'] === false)!;
    expect(on.laterTurnsTtftMs.mean!).toBeLessThan(off.laterTurnsTtftMs.mean!);
  }, 60_000);
});
