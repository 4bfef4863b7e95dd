/**
 * The in-memory form of one run folder (docs/DESIGN.md "Results contract") as the analysis sees it: the
 * run.json content when there is one (a killed run may have none) and the request records that could
 * be read. Plus the run's display name, its duration and its clock. Pure.
 */
import type { Dist, RequestRecord, RunFile } from '../../core/records.ts';
import type { ServingClock } from '../../core/serving-check.ts';
import { spanS } from '../../core/summary.ts';

/** A value of an experiment matrix parameter (router modes by name, switches as booleans). */
export type ParamValue = string | number | boolean | null;

export interface LoadedRun {
  dir: string;
  run: RunFile | null;
  records: RequestRecord[];
  /**
   * Set when the records were read without their ITL gaps (load-run.ts, `itlGaps: false`): the run's
   * ITL distribution, from run.json's summary of these same records.
   */
  itlMs?: Dist;
}

/** The run's label when it has one, else the last segment of its folder. */
export function runName(r: LoadedRun): string {
  if (r.run?.label) return r.run.label;
  const parts = r.dir.split(/[\\/]/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? r.dir;
}

/** The measured duration from run.json, else the records' span (first send to last completion). */
export function runDurationS(r: LoadedRun): number {
  const d = r.run?.durationS;
  return typeof d === 'number' && Number.isFinite(d) && d > 0 ? d : spanS(r.records);
}

/** Display names made unique by suffixing ' (2)', ' (3)', ... to repeats. */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n} (${k})`;
  });
}

/** The clock a run was measured on: virtual when run.json says so (target or config.clock), else real. */
export function runClock(r: LoadedRun): ServingClock {
  const run = r.run;
  if (!run) return 'real';
  return run.target === 'virtual' || run.config?.clock === 'virtual' ? 'virtual' : 'real';
}
