/**
 * What an experiment writes as summary.json (DESIGN.md results contract: `{ experiment, clock, cells:
 * [{ params, runDir, summary }] }`) and the one-line progress report of a finished cell. Each cell
 * also carries what multi-turn experiments are judged by: turn-1 vs later-turn TTFT. Pure.
 */
import type { Dist, RequestRecord, Summary } from '../core/records.ts';
import { dist, firstVsLaterSpeedup } from '../core/summary.ts';

export type Clock = 'real' | 'virtual';

export interface CellEntry {
  /** Matrix parameters as written in the file (plus `target` for remote runs). */
  params: Record<string, unknown>;
  /** The cell's run folder, relative to the experiment folder. */
  runDir: string;
  summary: Summary;
  /** Mean TTFT of turn 1 over mean TTFT of later turns (null for single-turn workloads). */
  firstVsLaterSpeedup: number | null;
  /** TTFT of turns ≥ 2. */
  laterTurnsTtftMs: Dist;
  /** The run stopped early (Ctrl-C). */
  interrupted: boolean;
}

export interface SummaryDoc {
  experiment: string;
  description: string;
  source: string | null;
  clock: Clock;
  /** Remote targets (label → URL) when the experiment ran against them, else null (embedded/virtual). */
  targets: { label: string; url: string }[] | null;
  /** Divisor of every engine and workload time (see cluster-settings.ts), per distinct value in the cells. */
  speedupRatios: number[];
  startedAt: string;
  /** Things the reader should know (ignored settings, interruption). */
  notes: string[];
  cells: CellEntry[];
}

export function cellEntry(params: Record<string, unknown>, runDir: string, summary: Summary, records: readonly RequestRecord[], interrupted: boolean): CellEntry {
  const later: number[] = [];
  for (const r of records) if (r.ok && r.turn > 1 && r.ttftMs !== null) later.push(r.ttftMs);
  return { params, runDir, summary, firstVsLaterSpeedup: firstVsLaterSpeedup(records), laterTurnsTtftMs: dist(later), interrupted };
}

function fmt(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** `key=value` pairs of a cell's parameters, in matrix order. */
export function paramsText(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length > 0 ? parts.join(' ') : '(single run)';
}

/** A short label of a cell's run (the last path segment of each parameter). */
export function cellLabel(experiment: string, params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length > 0 ? parts.join(' ') : experiment;
}

/** `[ 3/10] router.mode=kv workload.prefixRatio=0.5: 200 ok, TTFT mean 162.3 ms p90 250.1 ms, hit 59.9 %, 18.3 s` */
export function progressLine(index: number, total: number, entry: CellEntry): string {
  const s = entry.summary;
  const width = String(total).length;
  const parts = [`${s.succeeded} ok${s.failed > 0 ? ` ${s.failed} failed` : ''}`];
  parts.push(`TTFT mean ${fmt(s.ttftMs.mean)} ms p90 ${fmt(s.ttftMs.p90)} ms`);
  if (entry.laterTurnsTtftMs.count > 0) parts.push(`turns 2+ TTFT mean ${fmt(entry.laterTurnsTtftMs.mean)} ms`);
  if (s.cacheHitRatio !== null) parts.push(`hit ${fmt(s.cacheHitRatio * 100)} %`);
  parts.push(`${fmt(s.durationS)} s`);
  if (entry.interrupted) parts.push('INTERRUPTED');
  return `[${String(index + 1).padStart(width)}/${total}] ${paramsText(entry.params)}: ${parts.join(', ')}`;
}
