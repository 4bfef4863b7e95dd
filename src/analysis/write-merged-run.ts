/**
 * `kvlab merge`: loads run folders, merges them (stats/merge.ts) and writes the merged run folder
 * (requests.jsonl + run.json, run.json written atomically). Shards of a sharded bench are checked
 * first (stats/shard-check.ts: shards of different runs are refused). I/O shell.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadRun } from './stats/load-run.ts';
import { merge, mergedRunFile } from './stats/merge.ts';
import { checkShards } from './stats/shard-check.ts';
import type { RunFile } from '../core/records.ts';

export interface MergeRunsOptions {
  runDirs: string[];
  outDir: string;
  label?: string | null;
}

export interface MergeRunsResult {
  outDir: string;
  run: RunFile;
  /** What the reader should know (e.g. missing shards). */
  notes: string[];
}

export async function mergeRunDirs(opts: MergeRunsOptions): Promise<MergeRunsResult> {
  if (opts.runDirs.length === 0) throw new Error('merge needs at least one run folder');
  const out = resolve(opts.outDir);
  for (const d of opts.runDirs) {
    if (resolve(d) === out) throw new Error(`merge output folder ${opts.outDir} is one of the inputs`);
  }
  const sources = await Promise.all(opts.runDirs.map((d) => loadRun(d)));
  const notes = checkShards(sources);
  const merged = merge(sources);
  const run = mergedRunFile(merged, sources, opts.label ?? null);
  await mkdir(opts.outDir, { recursive: true });
  const lines = merged.records.map((r) => JSON.stringify(r)).join('\n');
  await writeFile(join(opts.outDir, 'requests.jsonl'), lines.length > 0 ? lines + '\n' : '');
  const tmp = join(opts.outDir, 'run.json.tmp');
  await writeFile(tmp, JSON.stringify(run, null, 2) + '\n');
  await rename(tmp, join(opts.outDir, 'run.json'));
  return { outDir: opts.outDir, run, notes };
}
