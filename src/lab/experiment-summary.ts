/**
 * What an experiment writes as summary.json (docs/DESIGN.md results contract: `{ experiment, clock, cells:
 * [{ params, runDir, summary }] }`) and the one-line progress report of a finished cell. Each cell
 * also carries what multi-turn experiments are judged by: turn-1 vs later-turn TTFT, and the serving
 * check (core/serving-check): a real-clock cell whose serving overhead or send lateness is too large a
 * share of its TTFT is marked ⚠ in its progress line, its entry and the notes. Pure.
 */
import type { Dist, RequestRecord, Summary } from '../core/records.ts';
import type { RecordSource } from '../core/record-source.ts';
import { servingCheck, type ServingCheck } from '../core/serving-check.ts';
import { dist, firstVsLaterSpeedup } from '../core/summary.ts';
import type { GroundTruth } from '../core/ground-truth.ts';

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
  /**
   * The engines' own TTFT of turns ≥ 2 (client TTFT − serving overhead), when every such request
   * carried the engine's timing (real clock, kvlab engines); absent otherwise.
   */
  laterTurnsEngineTtftMs?: Dist;
  /** The run stopped early (Ctrl-C). */
  interrupted: boolean;
  /** Serving overhead and send lateness against the limits ('virtual' on the virtual clock). */
  servingCheck: ServingCheck;
  /** Best case, oracle and regret (core/ground-truth.ts); absent when not computed. */
  groundTruth?: GroundTruth;
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
  /** Set when this folder holds one shard of the experiment's cells (`kvlab experiment --shard I/N`). */
  shard?: { index: number; count: number; cells: number };
  cells: CellEntry[];
}

export function cellEntry(
  params: Record<string, unknown>,
  runDir: string,
  summary: Summary,
  records: RecordSource<RequestRecord>,
  interrupted: boolean,
  clock: Clock,
): CellEntry {
  const later: number[] = [];
  const laterEngine: number[] = [];
  for (const r of records) {
    if (!r.ok || r.turn <= 1 || r.ttftMs === null) continue;
    later.push(r.ttftMs);
    const o = r.servingOverheadMs;
    if (o !== null && o !== undefined && Number.isFinite(o)) laterEngine.push(r.ttftMs - o);
  }
  const entry: CellEntry = { params, runDir, summary, firstVsLaterSpeedup: firstVsLaterSpeedup(records), laterTurnsTtftMs: dist(later), interrupted, servingCheck: servingCheck(summary, clock) };
  if (later.length > 0 && laterEngine.length === later.length) entry.laterTurnsEngineTtftMs = dist(laterEngine);
  return entry;
}

/** The note summary.json carries when cells are CPU-bound (null when none is). */
export function cpuBoundNote(cells: readonly CellEntry[]): string | null {
  const flagged = cells.filter((c) => c.servingCheck.status === 'cpu-bound');
  if (flagged.length === 0) return null;
  const first = flagged[0];
  return `${flagged.length} of ${cells.length} cells are CPU-bound (marked ⚠)${flagged.length > 1 ? ', the first' : ''}: ${paramsText(first.params)}: ${first.servingCheck.message}`;
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

/** `best 72.1 %, oracle 48.9 %, regret 2.3 pp / 4.1 ms` (what is known of it). */
export function groundTruthText(gt: GroundTruth): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${fmt(v * 100)} %`);
  const parts = [`best ${pct(gt.bestCaseHitRatio)}`];
  if (gt.oracle) parts.push(`oracle ${pct(gt.oracle.hitRatio)}`);
  if (gt.regret) parts.push(`regret ${fmt(gt.regret.hitRatio === null ? null : gt.regret.hitRatio * 100)} pp / ${fmt(gt.regret.ttftMeanMs)} ms`);
  return parts.join(', ');
}

/**
 * `[ 3/10] router.mode=kv workload.prefixRatio=0.5: 200 ok, TTFT mean 162.3 ms p90 250.1 ms, hit 59.9 %,
 * overhead 2.1 ms (1.3 %), 18.3 s`; a CPU-bound cell ends with ` ⚠ CPU-bound` and a second line saying why.
 */
export function progressLine(index: number, total: number, entry: CellEntry): string {
  const s = entry.summary;
  const width = String(total).length;
  const parts = [`${s.succeeded} ok${s.failed > 0 ? ` ${s.failed} failed` : ''}`];
  parts.push(`TTFT mean ${fmt(s.ttftMs.mean)} ms p90 ${fmt(s.ttftMs.p90)} ms`);
  if (entry.laterTurnsTtftMs.count > 0) parts.push(`turns 2+ TTFT mean ${fmt(entry.laterTurnsTtftMs.mean)} ms`);
  const byClass = Object.entries(s.ttftMsByClass ?? {});
  if (byClass.length > 0) parts.push(`TTFT mean by class ${byClass.map(([cls, d]) => `${cls} ${fmt(d.mean)} ms`).join(', ')}`);
  if (s.cacheHitRatio !== null) {
    const tiers = s.cpuHitRatio !== undefined ? ` (CPU ${fmt(s.cpuHitRatio * 100)} %, disk ${fmt((s.diskHitRatio ?? 0) * 100)} %)` : '';
    parts.push(`hit ${fmt(s.cacheHitRatio * 100)} %${tiers}`);
  }
  const gt = entry.groundTruth;
  if (gt) parts.push(groundTruthText(gt));
  const check = entry.servingCheck;
  if (check.overheadMs !== null) parts.push(`overhead ${fmt(check.overheadMs)} ms (${fmt((check.overheadShare ?? 0) * 100)} %)`);
  else if (check.status === 'unavailable') parts.push('overhead unavailable');
  parts.push(`${fmt(s.durationS)} s`);
  if (entry.interrupted) parts.push('INTERRUPTED');
  const line = `[${String(index + 1).padStart(width)}/${total}] ${paramsText(entry.params)}: ${parts.join(', ')}`;
  return check.status === 'cpu-bound' ? `${line} ⚠ CPU-bound\n  ⚠ ${check.message}` : line;
}
