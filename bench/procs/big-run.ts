/**
 * One measurement of the big-runs benchmark, in a process of its own so that its peak RSS is its own:
 * `node --import tsx bench/procs/big-run.ts '<job JSON>'`. Jobs:
 * - `{ "kind": "virtual", "users", "turns", "workers", "out" }`: a virtual cell (lab/virtual-cell.ts,
 *   the path `kvlab experiment` takes) of the open-loop multiturn workload — user u arrives at u × 50
 *   virtual ms, 10 turns with a 1 s mean think time, 100-token answers — into the run folder `out`;
 *   the in-flight load depends on the arrival interval, not on the number of users;
 * - `{ "kind": "report", "dirs": [...], "out" }`: `kvlab report` of those folders (writeReport).
 * Prints one JSON line: wall and CPU seconds of the job (module loading excluded), peak RSS of the
 * process (MB), and what the job produced.
 */
import { performance } from 'node:perf_hooks';
import { buildMultiturn } from '../../src/client/workloads/index.ts';
import { resolveCluster } from '../../src/lab/cluster-settings.ts';
import { runVirtualCell } from '../../src/lab/virtual-cell.ts';
import { writeReport } from '../../src/analysis/report/write-report.ts';

export type BigRunJob =
  | { kind: 'virtual'; users: number; turns: number; workers: number; out: string }
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

async function run(job: BigRunJob): Promise<Omit<BigRunResult, 'wallS' | 'cpuS' | 'peakRssMb'>> {
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
  const cell = runVirtualCell(workload, cluster, 0, job.out, { command: 'bench big-runs', label: `${job.users}x${job.turns}`, config: {} });
  return { requests: cell.run.summary.requests, simulatedS: cell.run.durationS };
}

const job = JSON.parse(process.argv[2] ?? '{}') as BigRunJob;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const out = await run(job);
const cpu = process.cpuUsage(cpu0);
const result: BigRunResult = {
  wallS: (performance.now() - t0) / 1000,
  cpuS: (cpu.user + cpu.system) / 1e6,
  // maxRSS is in KiB on Linux.
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  ...out,
};
process.stdout.write(JSON.stringify(result) + '\n');
