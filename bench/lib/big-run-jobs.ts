/**
 * The jobs of the big-runs benchmark (bench/suites/big-runs.ts), each run in a process of its own by
 * bench/procs/big-run.ts so that its peak RSS is its own:
 * - `{ kind: 'virtual', users, turns, workers, out }`: a virtual cell (lab/virtual-cell.ts, the path
 *   `kvlab experiment` takes) of the open-loop multiturn workload — user u arrives at u × 50 virtual
 *   ms, 1 s mean think time, 100-token answers — into the run folder `out`; the load in flight
 *   depends on the arrival interval, not on the number of users;
 * - `{ kind: 'report', dirs, out }`: `kvlab report` of those folders (writeReport).
 */
import { buildMultiturn } from '../../src/client/workloads/index.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';
import { runVirtualCell } from '../../src/lab/virtual-cell.ts';
import { writeReport } from '../../src/analysis/report/write-report.ts';

export type BigRunJob =
  | { kind: 'virtual'; users: number; turns: number; workers: number; out: string; label?: string }
  | { kind: 'report'; dirs: string[]; out: string };

export interface BigRunResult {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  requests?: number;
  simulatedS?: number;
}

/** The open-loop workload of a virtual job (exported for the suite's notes). */
export const ARRIVAL_INTERVAL_MS = 50;
export const THINK_MS = 1000;
export const ANSWER_TOKENS = 100;

export async function runBigJob(job: BigRunJob): Promise<Omit<BigRunResult, 'wallS' | 'cpuS' | 'peakRssMb'>> {
  if (job.kind === 'report') {
    await writeReport({ runDirs: job.dirs, outDir: job.out });
    return {};
  }
  const workload = buildMultiturn({
    numUsers: job.users,
    numTurns: job.turns,
    numUserTokens: 128,
    maxCompletionTokens: ANSWER_TOKENS,
    meanDelayMs: THINK_MS,
    arrivalIntervalMs: ARRIVAL_INTERVAL_MS,
    seed: 1,
  });
  const cluster = resolveCluster({ numWorkers: job.workers, router: { mode: 'kv' } }, process.cwd());
  const cell = runVirtualCell(workload, cluster, 0, job.out, { command: 'bench big-runs', label: job.label ?? `${job.users}x${job.turns}`, config: {} });
  return { requests: cell.run.summary.requests, simulatedS: cell.run.durationS };
}

