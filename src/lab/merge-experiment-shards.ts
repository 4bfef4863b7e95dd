/**
 * `kvlab merge` of experiment folders written by `kvlab experiment --shard I/N`: each shard ran every
 * N-th cell, into run folders named as in the whole experiment, so merging is copying the cells' run
 * folders into one experiment folder, listing the cells in matrix order (their folder names start
 * with the cell's index), and writing summary.json and the report as the unsharded run would. Shards
 * of different experiments (experiment.json differs), of different shard counts or clocks, and the
 * same shard twice are refused; missing shards merge with a note.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeError } from '../core/errors.ts';
import { claimOutputDir } from '../client/output/output-dir.ts';
import { writeJsonAtomic } from '../client/output/run-folder.ts';
import type { Experiment } from './experiment-file.ts';
import type { SummaryDoc } from './experiment-summary.ts';
import { writeReportAtomically } from './report-files.ts';
import { EXPERIMENT_FILE, SUMMARY_FILE } from './run-experiment.ts';

export interface MergeExperimentsResult {
  outDir: string;
  summary: SummaryDoc;
  reportPath: string | null;
  notes: string[];
}

/** An experiment folder: it holds summary.json. */
export const isExperimentFolder = (dir: string): boolean => existsSync(join(dir, SUMMARY_FILE));

const refuse = (detail: string): Error => makeError('bad_flag', { flag: 'DIRS', detail });

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw makeError('io_error', { action: 'read', path, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
}

export async function mergeExperimentShards(dirs: string[], outDir: string, opts: { png?: boolean } = {}): Promise<MergeExperimentsResult> {
  const out = resolve(outDir);
  if (dirs.some((d) => resolve(d) === out)) throw refuse(`the output folder ${outDir} is one of the inputs`);
  const shards = dirs.map((dir) => ({ dir, summary: readJson(join(dir, SUMMARY_FILE)) as SummaryDoc, experimentText: JSON.stringify(readJson(join(dir, EXPERIMENT_FILE))) }));
  const first = shards[0];
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const sh = s.summary.shard;
    if (!sh) throw refuse(`${s.dir} is not a shard of an experiment (summary.json has no shard): merge the folders of kvlab experiment --shard`);
    if (s.experimentText !== first.experimentText) throw refuse(`${s.dir} and ${first.dir} are shards of different experiments (their experiment.json differ)`);
    if (sh.count !== first.summary.shard!.count) throw refuse(`${s.dir} and ${first.dir} have different shard counts (${sh.count} vs ${first.summary.shard!.count})`);
    if (s.summary.clock !== first.summary.clock) throw refuse(`${s.dir} and ${first.dir} ran on different clocks`);
    const twin = byIndex.get(sh.index);
    if (twin !== undefined) throw refuse(`${s.dir} and ${twin} are the same shard (${sh.index}/${sh.count})`);
    byIndex.set(sh.index, s.dir);
  }
  const count = first.summary.shard!.count;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  const notes = missing.length > 0 ? [`shard(s) ${missing.join(', ')} of ${count} are missing: the merged experiment holds ${byIndex.size} of ${count} shards of the cells`] : [];

  claimOutputDir(out, false);
  mkdirSync(out, { recursive: true });
  const cells = shards.flatMap((s) => s.summary.cells.map((c) => ({ cell: c, from: s.dir })));
  cells.sort((a, b) => (a.cell.runDir < b.cell.runDir ? -1 : a.cell.runDir > b.cell.runDir ? 1 : 0));
  for (const { cell, from } of cells) cpSync(join(from, cell.runDir), join(out, cell.runDir), { recursive: true });
  const experiment = JSON.parse(first.experimentText) as Experiment;
  const { shard: _, ...rest } = first.summary;
  const shardNote = /^shard \d+\/\d+ has no cell/;
  const summary: SummaryDoc = {
    ...rest,
    startedAt: shards.map((s) => s.summary.startedAt).sort()[0],
    notes: [...new Set(shards.flatMap((s) => s.summary.notes).filter((n) => !shardNote.test(n))), ...notes],
    cells: cells.map((c) => c.cell),
  };
  writeJsonAtomic(join(out, EXPERIMENT_FILE), experiment);
  writeJsonAtomic(join(out, SUMMARY_FILE), summary);
  const reportPath =
    summary.cells.length > 0
      ? await writeReportAtomically(out, { sweepX: experiment.report?.sweepX, sweepSeries: experiment.report?.sweepSeries, title: experiment.report?.title ?? experiment.name, png: opts.png, plots: experiment.plots })
      : null;
  return { outDir: out, summary, reportPath, notes };
}
