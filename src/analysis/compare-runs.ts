/**
 * `kvlab compare A B`: loads two run folders, summarises each from its records (over run.json's
 * measured duration when present) and compares them (stats/compare.ts). I/O shell.
 */
import { loadRun } from './stats/load-run.ts';
import { compare, type Comparison } from './stats/compare.ts';
import { runDurationS, runName, uniqueNames } from './stats/run-data.ts';
import { summarizeRun, type RunStats } from './stats/run-stats.ts';

export interface RunComparison {
  a: { dir: string; name: string; stats: RunStats };
  b: { dir: string; name: string; stats: RunStats };
  comparison: Comparison;
}

export async function compareRunDirs(aDir: string, bDir: string): Promise<RunComparison> {
  const [a, b] = await Promise.all([loadRun(aDir), loadRun(bDir)]);
  const [aName, bName] = uniqueNames([runName(a), runName(b)]);
  const aStats = summarizeRun(a.records, runDurationS(a));
  const bStats = summarizeRun(b.records, runDurationS(b));
  return {
    a: { dir: aDir, name: aName, stats: aStats },
    b: { dir: bDir, name: bName, stats: bStats },
    comparison: compare(aStats, bStats),
  };
}
