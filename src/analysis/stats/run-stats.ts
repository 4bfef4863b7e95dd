/**
 * The statistics of one run: core's summary, per-turn table and first-vs-later speedup, computed the
 * same way the client computes run.json (so a report agrees with it). Pure.
 */
import type { Dist, RequestRecord, Summary, TurnSummary } from '../../core/records.ts';
import { firstVsLaterSpeedup, perTurn, spanS, summarize } from '../../core/summary.ts';

export interface RunStats {
  summary: Summary;
  perTurn: TurnSummary[];
  /** Mean TTFT of turn 1 over mean TTFT of later turns; null without both. */
  firstVsLaterSpeedup: number | null;
}

/** `itlMs`: the run's ITL distribution when the records were read without their gaps (LoadedRun.itlMs). */
export function summarizeRun(records: readonly RequestRecord[], durationS: number = spanS(records), itlMs?: Dist): RunStats {
  return {
    summary: summarize(records, durationS, { itlMs }),
    perTurn: perTurn(records),
    firstVsLaterSpeedup: firstVsLaterSpeedup(records),
  };
}
