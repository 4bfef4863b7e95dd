/**
 * Shards on the virtual clock, where every run is deterministic: the N shards of a workload, each run
 * on its own virtual cluster and merged by `kvlab merge`, hold exactly the requests of one unsharded
 * run, and the merged summary is recomputed from the union of their records. Shards of different
 * runs are refused.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getWorkload } from '../../src/client/workloads/index.ts';
import { shardWorkload } from '../../src/client/workloads/shard.ts';
import type { Workload } from '../../src/client/workloads/types.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';
import { runVirtualCell } from '../../src/lab/virtual-cell.ts';
import { mergeRunDirs } from '../../src/analysis/write-merged-run.ts';
import { dist } from '../../src/core/summary.ts';
import { KvlabError } from '../../src/core/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cluster = resolveCluster({ numWorkers: 2 }, root);
const build = (seed: number): Workload => getWorkload('multiturn').build({ numUsers: 6, numTurns: 3, numUserTokens: 48, maxCompletionTokens: 6, meanDelayMs: 20, seed });

/** Run shard I/N (or the whole workload) in virtual time into root/<name>. */
function runShard(name: string, whole: Workload, seed: number, shard: { index: number; count: number } | null): string {
  const dir = join(root, name);
  const w = shard ? shardWorkload(whole, shard) : whole;
  runVirtualCell(w, cluster, seed, dir, { command: 'bench multiturn', label: name, config: shard ? { shard: { ...shard, seed } } : {} });
  return dir;
}

const lines = (dir: string): any[] =>
  readFileSync(join(dir, 'requests.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
/** What identifies a request, independent of timing: conversation, turn and its token counts. */
const identities = (records: any[]): string[] => records.map((r) => `${r.conversationId}#${r.turn}:${r.inputTokens}/${r.outputTokens}`).sort();

describe('kvlab merge of the shards of a virtual run', () => {
  const whole = build(4);
  const unsharded = runShard('whole', whole, 4, null);
  const shardDirs = [0, 1, 2].map((i) => runShard(`shard-${i}`, whole, 4, { index: i, count: 3 }));

  it('gives the same requests as the unsharded run and a summary recomputed from their union', async () => {
    const { run, notes } = await mergeRunDirs({ runDirs: shardDirs, outDir: join(root, 'merged') });
    expect(notes).toEqual([]);
    const merged = lines(join(root, 'merged'));
    expect(identities(merged)).toEqual(identities(lines(unsharded)));
    expect(run.summary.requests).toBe(18);
    // Exact: the percentiles of the union, not an average of the shards' percentiles.
    const union = shardDirs.flatMap(lines);
    expect(run.summary.ttftMs).toEqual(dist(union.map((r) => r.ttftMs)));
    expect(run.summary.e2eMs).toEqual(dist(union.map((r) => r.e2eMs)));
  });

  it('refuses shards of different seeds, the same shard twice, and a shard with an unsharded run', async () => {
    const other = runShard('other-seed', build(5), 5, { index: 1, count: 3 });
    await expect(mergeRunDirs({ runDirs: [shardDirs[0], other], outDir: join(root, 'm1') })).rejects.toThrow(/shards of different runs: their workload parameters differ/);
    const err = await mergeRunDirs({ runDirs: [shardDirs[0], shardDirs[0]], outDir: join(root, 'm2') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).message).toMatch(/are the same shard \(0\/3\)/);
    await expect(mergeRunDirs({ runDirs: [shardDirs[0], unsharded], outDir: join(root, 'm3') })).rejects.toThrow(/is not a shard/);
  });

  it('merges an incomplete set with a note naming the missing shards', async () => {
    const { notes, run } = await mergeRunDirs({ runDirs: shardDirs.slice(0, 2), outDir: join(root, 'partial') });
    expect(notes).toEqual(['shard(s) 2 of 3 are missing: the merged run holds 2 of 3 shards of the workload']);
    expect(run.summary.requests).toBe(12);
  });
});
