import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { mergeExperimentShards } from '../../src/lab/merge-experiment-shards.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-exp-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sweep = {
  name: 'sweep',
  cluster: { numWorkers: 2, router: { mode: 'kv' } },
  workload: { kind: 'prefix-ratio', isl: 400, osl: 4, requests: 12, numPrefixPrompts: 2, concurrency: 3 },
  matrix: { 'router.mode': ['kv', 'round-robin'], 'workload.prefixRatio': [0.2, 0.5, 0.8] },
  seed: 2,
};
const runDirs = (dir: string): string[] => readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory() && !f.startsWith('.')).sort();
const cells = (dir: string): unknown => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).cells;

describe('kvlab experiment --shard I/N and kvlab merge of the shards', () => {
  it('the merged shards are the unsharded experiment: same cells in matrix order, byte-identical records', async () => {
    const whole = join(root, 'whole');
    await runExperiment({ experiment: sweep, clock: 'virtual', outDir: whole, jobs: 1, report: false });
    const shardDirs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const dir = join(root, `shard-${i}`);
      const r = await runExperiment({ experiment: sweep, clock: 'virtual', outDir: dir, jobs: 1, report: false, shard: { index: i, count: 4 } });
      expect(r.cells.map((c) => c.runDir)).toEqual(runDirs(whole).filter((_, k) => k % 4 === i));
      shardDirs.push(dir);
    }
    const merged = await mergeExperimentShards(shardDirs.reverse(), join(root, 'merged'), { png: false });
    expect(merged.notes).toEqual([]);
    expect(runDirs(merged.outDir)).toEqual(runDirs(whole));
    for (const d of runDirs(whole)) expect(readFileSync(join(merged.outDir, d, 'requests.jsonl'), 'utf8')).toBe(readFileSync(join(whole, d, 'requests.jsonl'), 'utf8'));
    expect(cells(merged.outDir)).toEqual(cells(whole));
    expect(merged.summary).not.toHaveProperty('shard');
    expect(existsSync(join(merged.outDir, 'report.html'))).toBe(true);
  }, 60_000);

  it('a shard with no cell is an empty experiment that says so; shards of different experiments are refused', async () => {
    const empty = await runExperiment({ experiment: sweep, clock: 'virtual', outDir: join(root, 'empty'), jobs: 1, report: false, shard: { index: 6, count: 7 } });
    expect(empty.cells).toEqual([]);
    expect(empty.summary.notes).toContain('shard 6/7 has no cell (the experiment has 6): an empty experiment');
    const a = join(root, 'a');
    const b = join(root, 'b');
    await runExperiment({ experiment: sweep, clock: 'virtual', outDir: a, jobs: 1, report: false, shard: { index: 0, count: 6 } });
    await runExperiment({ experiment: { ...sweep, seed: 3 }, clock: 'virtual', outDir: b, jobs: 1, report: false, shard: { index: 1, count: 6 } });
    await expect(mergeExperimentShards([a, b], join(root, 'ab'))).rejects.toThrow(/shards of different experiments/);
    await expect(mergeExperimentShards([a, a], join(root, 'aa'))).rejects.toThrow(/are the same shard \(0\/6\)/);
    await expect(runExperiment({ experiment: sweep, clock: 'virtual', outDir: join(root, 'bad'), shard: { index: 3, count: 2 } })).rejects.toThrow(/--shard/);
  });
});
