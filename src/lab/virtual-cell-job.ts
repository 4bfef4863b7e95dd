/**
 * One virtual-clock cell as plain data (a `VirtualCellJob`: the cell's experiment, seed, folder and
 * run.json metadata) and the function that runs it: build the workload, run the virtual cluster,
 * write the run folder, return the summary.json entry and the cell's best case. The same function runs a cell in the main
 * thread or in a worker thread (cell-pool.ts), so every `--jobs` gives byte-identical run folders. Only
 * the entry comes back: a cell's records stay in its run folder. With `--jobs` a cell's oracle twin
 * (its ground truth) is a job of its own (`twinOnly`), run by whichever runner takes it (mostly the
 * one that has the cell's workload built), so the units the runners share are one run each.
 */
import type { Experiment } from './experiment-file.ts';
import { resolveCluster } from './cluster-settings.ts';
import type { WorkloadCache } from './cell-workload.ts';
import { runVirtualCell, type CellRunMeta } from './virtual-cell.ts';
import { cellEntry, type CellEntry } from './experiment-summary.ts';
import { OracleTwins, type Twin } from './oracle-twin.ts';

export interface VirtualCellJob {
  /** The cell's experiment (matrix values applied). */
  experiment: Experiment;
  baseDir: string;
  seed: number;
  params: Record<string, unknown>;
  /** The run folder relative to the experiment folder (written into the entry) and its absolute path. */
  runDir: string;
  absRunDir: string;
  meta: CellRunMeta;
  /** Run the cell's oracle twin only (its ground truth), not the cell: no run folder, no entry. */
  twinOnly?: true;
}

/** A finished virtual cell: its summary.json entry and its own best-case hit ratio (ground truth). */
export interface VirtualCellResult {
  entry: CellEntry;
  bestCaseHitRatio: number | null;
}

/** What a job of the cell pool gives: a cell's result, or a twin. */
export type VirtualJobResult = { kind: 'cell'; result: VirtualCellResult } | { kind: 'twin'; twin: Twin };

/**
 * Run one virtual cell. `onBuilt` is called once its workload is built (a bad workload parameter
 * throws before it), so the caller can create the experiment folder only then.
 */
export async function runVirtualCellJob(job: VirtualCellJob, workloads: WorkloadCache, onBuilt: () => void = () => {}): Promise<VirtualCellResult> {
  const cluster = resolveCluster(job.experiment.cluster, job.baseDir);
  const speedupRatio = cluster.engine.speedupRatio;
  const workload = await workloads.get({ workload: job.experiment.workload, baseDir: job.baseDir, seed: job.seed, speedupRatio });
  onBuilt();
  const run = runVirtualCell(workload, cluster, job.seed, job.absRunDir, job.meta);
  return { entry: cellEntry(job.params, job.runDir, run.run.summary, run.records, run.interrupted, 'virtual'), bestCaseHitRatio: run.stats.bestCaseHitRatio };
}

/** Run a job of the cell pool: the cell, or with `twinOnly` its oracle twin (`onBuilt` as above). */
export async function runVirtualJob(job: VirtualCellJob, workloads: WorkloadCache, onBuilt: () => void = () => {}): Promise<VirtualJobResult> {
  if (job.twinOnly === undefined) return { kind: 'cell', result: await runVirtualCellJob(job, workloads, onBuilt) };
  const cluster = resolveCluster(job.experiment.cluster, job.baseDir);
  const workload = await workloads.get({ workload: job.experiment.workload, baseDir: job.baseDir, seed: job.seed, speedupRatio: cluster.engine.speedupRatio });
  onBuilt();
  return { kind: 'twin', twin: OracleTwins.run(workload, cluster, job.seed) };
}
