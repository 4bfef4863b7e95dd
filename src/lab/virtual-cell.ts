/**
 * One experiment cell in virtual time: `runVirtual` on the cell's workload and cluster, the run
 * folder written by the client's own writer (RunFolder + buildRunFile), so a virtual run folder is
 * read exactly like a real one. Records get the client-only fields a real run has (no retries;
 * open-loop sends are never late in virtual time; no serving overhead is measured, so the run's
 * serving check is 'n/a (virtual clock)'). The run's duration is the virtual duration.
 *
 * Records are streamed: each is appended to requests.jsonl as its request completes (the run keeps
 * none), and the cell keeps only what run.json's summary needs (virtual/kept-records.ts: the records
 * without their ITL gaps, and the gaps as value → count — a virtual run's gaps are shared step
 * durations — which give the very same ITL distribution). run.json is computed from those columns
 * in passes that make one record at a time (core/record-source.ts), never the whole array again.
 */
import type { Workload } from '../client/workloads/types.ts';
import type { BenchRecord } from '../client/runner/types.ts';
import type { RecordSource } from '../core/record-source.ts';
import { RunFolder } from '../client/output/run-folder.ts';
import { buildRunFile, type BenchRunFile } from '../client/report/run-file.ts';
import { emptyBreakdown, meteredTiming, meterShares, RooflineTiming, type StepMeter } from '../mocker/engine/index.ts';
import { runVirtual, type VirtualStats } from './virtual/index.ts';
import { KeptRecords } from './virtual/kept-records.ts';
import { virtualClusterConfig, type ResolvedCluster } from './cluster-settings.ts';

export interface CellRunMeta {
  command: string;
  label: string;
  /** Written into run.json's config (next to workload and cluster). */
  config: Record<string, unknown>;
}

export interface CellRun {
  run: BenchRunFile;
  /**
   * The records, to iterate (an array for a real cell); a virtual cell's are its kept columns, made one
   * at a time and without their ITL gaps (those are in requests.jsonl and in run.summary.itlMs).
   */
  records: RecordSource<BenchRecord>;
  interrupted: boolean;
}

export function runVirtualCell(workload: Workload, cluster: ResolvedCluster, seed: number, runDir: string, meta: CellRunMeta): CellRun & { stats: VirtualStats } {
  const startedAt = new Date().toISOString();
  // A roofline-timed cluster also reports where its engines' time went.
  const meter: StepMeter | null = cluster.timing instanceof RooflineTiming ? { parts: emptyBreakdown(), steps: 0 } : null;
  const config = virtualClusterConfig(cluster);
  if (meter) config.timing = meteredTiming(cluster.timing as RooflineTiming, meter);
  const label = meta.label;
  const lateMs = workload.schedule.kind === 'open' ? 0 : null;
  // Opened at the first record (or after the run): options the run refuses leave no folder behind.
  let folder: RunFolder | null = null;
  const kept = new KeptRecords<BenchRecord>();
  try {
    const result = runVirtual({
      workload,
      cluster: config,
      seed,
      onRecord: (r) => {
        // No serving path in virtual time: the overhead is not measured (null), and the check says n/a.
        const full: BenchRecord = { ...r, label, servingOverheadMs: null, retries: 0, attempts: 1, lateMs };
        (folder ??= RunFolder.open(runDir)).append(full);
        kept.add(full);
      },
    });
    folder ??= RunFolder.open(runDir);
    const records = kept.records;
    const run = buildRunFile(records, {
      command: meta.command,
      label,
      config: {
        workload: workload.name,
        params: workload.params,
        schedule: workload.schedule,
        seed,
        ...meta.config,
        virtualStats: result.stats,
        ...(meter ? { stepBreakdown: meterShares(meter) } : {}),
      },
      target: 'virtual',
      clock: 'virtual',
      startedAt,
      durationS: result.durationMs / 1000,
      itlMs: kept.itlDist(),
    });
    folder.writeRunFile(run);
    return { run, records, interrupted: false, stats: result.stats };
  } finally {
    folder?.close();
  }
}
