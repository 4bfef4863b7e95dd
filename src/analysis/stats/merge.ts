/**
 * Merging run folders into one run (e.g. the shards of a run driven from several machines, or a run
 * resumed after a crash). Records are concatenated with their send times moved onto a common clock:
 * the earliest run.json `startedAt` is the merged start, and each run's records are shifted by its
 * start offset. A run without run.json (or without a parsable startedAt) is assumed to have started
 * at the merged start. The merged duration is the span of the union of the runs' intervals (a run's
 * interval is its start to the later of its measured end and its last completion), and the summary
 * is recomputed from the records — exact, not an average of summaries. Records without a label take
 * their run's label. Pure.
 */
import { SCHEMA_VERSION, type RequestRecord, type RunFile } from '../../core/records.ts';
import { summarizeRun, type RunStats } from './run-stats.ts';
import type { LoadedRun } from './run-data.ts';

export interface MergedRun {
  records: RequestRecord[];
  durationS: number;
  /** ISO time of the merged start; null when no run had one. */
  startedAt: string | null;
  stats: RunStats;
}

function startEpochMs(r: LoadedRun): number | null {
  const s = r.run?.startedAt;
  if (typeof s !== 'string') return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

export function merge(runs: readonly LoadedRun[]): MergedRun {
  if (runs.length === 0) throw new Error('merge needs at least one run');
  const epochs = runs.map(startEpochMs).filter((t): t is number => t !== null);
  const origin = epochs.length > 0 ? Math.min(...epochs) : null;
  const records: RequestRecord[] = [];
  let start = Infinity;
  let end = -Infinity;
  for (const run of runs) {
    const epoch = startEpochMs(run);
    const offset = epoch !== null && origin !== null ? epoch - origin : 0;
    let first = Infinity;
    let last = -Infinity;
    for (const r of run.records) {
      const sentAtMs = r.sentAtMs + offset;
      first = Math.min(first, sentAtMs);
      last = Math.max(last, sentAtMs + (r.e2eMs ?? 0));
      const label = r.label ?? run.run?.label ?? null;
      records.push({ ...r, sentAtMs, ...(label !== null ? { label } : {}) });
    }
    if (run.run && typeof run.run.durationS === 'number' && Number.isFinite(run.run.durationS)) {
      first = Math.min(first, offset);
      last = Math.max(last, offset + run.run.durationS * 1000);
    }
    if (first <= last) {
      start = Math.min(start, first);
      end = Math.max(end, last);
    }
  }
  records.sort((a, b) => a.sentAtMs - b.sentAtMs);
  const durationS = Number.isFinite(start) && end > start ? (end - start) / 1000 : 0;
  return {
    records,
    durationS,
    startedAt: origin !== null ? new Date(origin).toISOString() : null,
    stats: summarizeRun(records, durationS),
  };
}

/** The run.json of a merged run. */
export function mergedRunFile(merged: MergedRun, sources: readonly LoadedRun[], label: string | null = null): RunFile {
  const targets = new Set<string>();
  for (const s of sources) {
    const t = s.run?.target;
    for (const x of Array.isArray(t) ? t : t ? [t] : []) targets.add(String(x));
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'kvlab',
    command: 'merge',
    label,
    config: {
      mergedFrom: sources.map((s) => ({
        dir: s.dir,
        label: s.run?.label ?? null,
        startedAt: s.run?.startedAt ?? null,
        records: s.records.length,
        config: s.run?.config ?? null,
      })),
    },
    target: [...targets],
    startedAt: merged.startedAt ?? 'unknown',
    durationS: merged.durationS,
    summary: merged.stats.summary,
    perTurn: merged.stats.perTurn,
    firstVsLaterSpeedup: merged.stats.firstVsLaterSpeedup,
  };
}
