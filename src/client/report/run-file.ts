/**
 * Builds a bench run's run.json content (docs/DESIGN.md "Results contract") from its records: core's
 * summary, per-turn table and first-vs-later speedup, plus what the client adds: thresholds, goodput,
 * a per-document-type table (records tagged `docType`), open-loop send lateness, retries, warmup and
 * interruption facts, the failure check (failures.ts: did more requests fail than the limit allows?),
 * warnings found before sending, and the serving check (core/serving-check: can the real-clock
 * numbers be trusted as the engine's?). Pure: compute here, write in output/, print in render-summary.
 * The records are a RecordSource (an array, or a long virtual run's columns): read in passes, never
 * held, so a run of a million records is summarised one record at a time.
 */
import { SCHEMA_VERSION, type Dist, type RequestRecord, type RunFile } from '../../core/records.ts';
import { firstVsLaterSpeedup, perTurn, summarize } from '../../core/summary.ts';
import { where, type RecordSource } from '../../core/record-source.ts';
import { goodput, type Goodput, type Slos } from '../../core/goodput.ts';
import { servingCheck, type ServingCheck, type ServingClock } from '../../core/serving-check.ts';
import type { BenchRecord } from '../runner/types.ts';
import { evaluateThresholds, type Threshold, type ThresholdResult } from './thresholds.ts';
import { checkFailures, type FailureCheck } from './failures.ts';

/** The tag documents-style workloads put on their records. */
export const DOC_TYPE_TAG = 'docType';

export interface TagGroup {
  value: string;
  requests: number;
  failed: number;
  ttftMs: Dist;
  firstVsLaterSpeedup: number | null;
  cacheHitRatio: number | null;
}

export interface BenchRunFile extends RunFile {
  firstVsLaterSpeedup: number | null;
  byDocType: TagGroup[];
  thresholds: ThresholdResult[];
  goodput: Goodput | null;
  /** Open loop: how late sends were against their schedule, ms (null for closed loops). */
  sendLateMs: Dist | null;
  retries: number;
  warmup: { requests: number; failed: number; durationS: number } | null;
  interrupted: boolean;
  cancelledInFlight: number;
  /** Serving overhead and send lateness against the limits (core/serving-check). */
  servingCheck: ServingCheck;
  /** Failed requests against the accepted share, and what they failed with. */
  failures: FailureCheck;
  /** What was found before sending (e.g. requests over the server's max-model-len). */
  warnings: string[];
}

/** What the caller knows of a run besides its records: the head of run.json, plus client-only facts. */
export interface RunMeta extends Pick<RunFile, 'command' | 'label' | 'config' | 'target' | 'startedAt' | 'durationS'> {
  thresholds?: readonly Threshold[];
  slos?: Slos | null;
  warmup?: { requests: number; failed: number; durationMs: number } | null;
  interrupted?: boolean;
  cancelledInFlight?: number;
  /** The clock the run was measured on (default 'real'; the virtual cluster passes 'virtual'). */
  clock?: ServingClock;
  /** The share of failed requests the run accepts (failures.ts; default 5 %). */
  maxFailedShare?: number;
  warnings?: readonly string[];
  /**
   * The run's ITL distribution when `records` come without their ITL gaps (a virtual cell streams its
   * records to disk and counts the gaps: core/gap-counts); the summary's `itlMs` is then this one.
   * Not for a run with `itl_ms` thresholds, which read the records' gaps (virtual cells have none).
   */
  itlMs?: Dist;
}

/** Records grouped by the value of one tag (records without it are left out). */
export function byTag(records: RecordSource<RequestRecord>, tag: string): TagGroup[] {
  // The tag's values first, then each group as a filtered pass (a few document types: a few passes).
  const values = new Set<string>();
  for (const r of records) {
    const v = r.tags?.[tag];
    if (v !== undefined) values.add(String(v));
  }
  return [...values].sort().map((value) => {
    const rs = where(records, (r) => {
      const v = r.tags?.[tag];
      return v !== undefined && String(v) === value;
    });
    // The group's ITL is not shown: its gaps are not gathered.
    const s = summarize(rs, 0, { itl: false });
    return {
      value,
      requests: s.requests,
      failed: s.failed,
      ttftMs: s.ttftMs,
      firstVsLaterSpeedup: firstVsLaterSpeedup(rs),
      cacheHitRatio: s.cacheHitRatio,
    };
  });
}

export function buildRunFile(records: RecordSource<BenchRecord>, meta: RunMeta): BenchRunFile {
  const summary = summarize(records, meta.durationS, { itlMs: meta.itlMs });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'kvlab',
    command: meta.command,
    label: meta.label,
    config: meta.config,
    target: meta.target,
    startedAt: meta.startedAt,
    durationS: meta.durationS,
    summary,
    perTurn: perTurn(records),
    firstVsLaterSpeedup: firstVsLaterSpeedup(records),
    byDocType: byTag(records, DOC_TYPE_TAG),
    thresholds: evaluateThresholds(meta.thresholds ?? [], records, summary),
    goodput: meta.slos ? goodput(records, meta.slos, meta.durationS) : null,
    sendLateMs: summary.sendLateMs.count > 0 ? summary.sendLateMs : null,
    retries: retries(records),
    warmup: meta.warmup ? { requests: meta.warmup.requests, failed: meta.warmup.failed, durationS: meta.warmup.durationMs / 1000 } : null,
    interrupted: meta.interrupted ?? false,
    cancelledInFlight: meta.cancelledInFlight ?? 0,
    servingCheck: servingCheck(summary, meta.clock ?? 'real'),
    failures: checkFailures(records, meta.maxFailedShare),
    warnings: [...(meta.warnings ?? [])],
  };
}

/** Retries over the run's records. */
function retries(records: RecordSource<BenchRecord>): number {
  let n = 0;
  for (const r of records) n += r.retries ?? 0;
  return n;
}
