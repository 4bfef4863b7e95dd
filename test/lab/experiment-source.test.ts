import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listShipped, loadExperimentFile, readExperimentFile, resolveExperimentPath, SHIPPED_DIR } from '../../src/lab/experiment-source.ts';
import { expandMatrix } from '../../src/lab/experiment-file.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-experiment-source-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('shipped experiments', () => {
  const shipped = listShipped();

  it('are the ten experiments of the lab, each named after its file', () => {
    expect(shipped.map((s) => s.name)).toEqual(['cache-pressure', 'disaggregation', 'kv-offload', 'multi-turn-cache', 'prefix-ratio-sweep-8b', 'prefix-ratio-sweep', 'router-replicas', 'router-staleness', 'speculative-prefill-8b', 'speculative-prefill', 'trace-replay']);
    for (const s of shipped) expect(basename(s.path)).toBe(`${s.name}.json`);
  });

  it('each say what they show and where their numbers come from', () => {
    for (const s of shipped) {
      expect(s.description.length).toBeGreaterThan(80);
      expect(s.source?.length ?? 0).toBeGreaterThan(40);
    }
  });

  it("match the sources' parameters", () => {
    const prefix = loadExperimentFile('prefix-ratio-sweep').experiment;
    expect(prefix.cluster.numWorkers).toBe(8);
    expect(prefix.workload).toMatchObject({ kind: 'prefix-ratio', isl: 14000, osl: 200, requests: 200, numPrefixPrompts: 20, concurrency: 20 });
    expect(prefix.matrix).toEqual({ 'workload.prefixRatio': [0.1, 0.3, 0.5, 0.7, 0.9], 'router.mode': ['kv', 'round-robin'] });
    // The -8b variants are the same experiments, timed as a real model on an H100 at speedup 1.
    for (const [base, variant, model] of [
      ['prefix-ratio-sweep', 'prefix-ratio-sweep-8b', 'meta-llama/Llama-3.1-8B-Instruct'],
      ['speculative-prefill', 'speculative-prefill-8b', 'deepseek-ai/DeepSeek-R1-Distill-Llama-8B'],
    ]) {
      const a = loadExperimentFile(base).experiment;
      const b = loadExperimentFile(variant).experiment;
      expect(b.workload).toEqual(a.workload);
      expect(b.matrix).toEqual(a.matrix);
      expect(b.cluster.deployment).toEqual({ model, gpu: 'H100-SXM-80GB' });
      expect(b.cluster.speedupRatio).toBeUndefined();
    }
    const spec = loadExperimentFile('speculative-prefill').experiment;
    expect(spec.workload).toMatchObject({ kind: 'multiturn', numUsers: 10, numTurns: 5, numUserTokens: 128, maxCompletionTokens: 256, meanDelayMs: 5000 });
    expect(spec.cluster.reasoningRatio).toBeGreaterThan(0);
    expect(spec.cluster.router?.mode).toBe('kv');
    expect(spec.matrix).toEqual({ 'workload.speculativePrefill': [false, true] });
    expect(loadExperimentFile('multi-turn-cache').experiment.matrix).toEqual({ enablePrefixCaching: [true, false] });
    expect(loadExperimentFile('trace-replay').experiment.matrix).toEqual({ 'router.mode': ['kv', 'kv-approx', 'round-robin', 'random'] });
    const pressure = loadExperimentFile('cache-pressure').experiment;
    expect(pressure.workload.kind).toBe('conversations');
    expect(Object.keys(pressure.matrix ?? {})).toEqual(['workload.maxActiveConversations']);
    for (const s of shipped) expect(expandMatrix(loadExperimentFile(s.name).experiment).length).toBeGreaterThan(1);
  });
});

describe('finding an experiment', () => {
  it('takes a shipped name or a path', () => {
    expect(resolveExperimentPath('trace-replay')).toBe(join(SHIPPED_DIR, 'trace-replay.json'));
    const file = join(root, 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', description: 'd', cluster: {}, workload: { kind: 'multiturn' } }));
    expect(loadExperimentFile(file)).toMatchObject({ path: file, baseDir: root, experiment: { name: 'mine' } });
  });

  it('names the problem: unknown name, bad JSON, bad field', () => {
    expect(() => resolveExperimentPath('no-such-experiment')).toThrow(/shipped: cache-pressure, disaggregation, kv-offload, multi-turn-cache/);
    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{ "name": ');
    expect(() => readExperimentFile(broken)).toThrow(/not valid JSON/);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', description: 'd', cluster: { watermark: 2 }, workload: { kind: 'multiturn' } }));
    expect(() => readExperimentFile(bad)).toThrow(/bad\.json: field 'cluster\.watermark'/);
  });
});
