/**
 * One virtual-clock cell as plain data (a `VirtualCellJob`: the cell's experiment, seed, folder and
 * run.json metadata) and the function that runs it: build the workload, run the virtual cluster,
 * write the run folder, return the summary.json entry and the cell's best case. The same function runs a cell in this thread
 * (`--jobs 1`) or in a worker thread (cell-pool.ts), so both give byte-identical run folders. Only
 * the entry comes back (and, if asked, the cell's oracle twin, run where its workload is already
 * built): a cell's records stay in its run folder.
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
  /** Also run the cell's oracle twin (its ground truth), here where its workload is built. */
  twin?: true;
}

/** A finished virtual cell: its summary.json entry and its own best-case hit ratio (ground truth). */
export interface VirtualCellResult {
  entry: CellEntry;
  bestCaseHitRatio: number | null;
  /** The oracle twin, when the job asked for it (and the cell was not interrupted). */
  twin?: Twin;
}

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
  const twin = job.twin !== undefined && !run.interrupted ? OracleTwins.run(workload, cluster, job.seed) : undefined;
  return { entry: cellEntry(job.params, job.runDir, run.run.summary, run.records, run.interrupted, 'virtual'), bestCaseHitRatio: run.stats.bestCaseHitRatio, ...(twin ? { twin } : {}) };
}
