/**
 * The content of a report, as data: tables and Vega-Lite specs for a set of runs (compared against
 * the first one when there are several) or for an experiment (its cells table and sweep plot, and
 * every cell whose run folder exists as a run) — a sweep folder of bench runs is reported as one. Which plots appear depends on the data: TTFT per turn
 * only for runs with more than one turn, worker bars only when records carry workers, comparisons
 * only with two runs or more, group tables only when records carry labels, workers or document types.
 * Runs and cells the serving check (core/serving-check) finds CPU-bound are listed as warnings first.
 * Pure: rendering and writing are elsewhere.
 */
import type { Slos } from '../../core/goodput.ts';
import type { Summary } from '../../core/records.ts';
import { goodput } from '../../core/goodput.ts';
import { perTurn } from '../../core/summary.ts';
import { compareTurnsSpec } from '../plots/compare-turns.ts';
import type { RecordSeries, TurnSeries } from '../plots/common.ts';
import { latencyOverTimeSpec } from '../plots/latency-over-time.ts';
import { prefixRatioSpec } from '../plots/prefix-ratio.ts';
import { ttftCdfSpec } from '../plots/ttft-cdf.ts';
import { ttftPerTurnSpec } from '../plots/ttft-per-turn.ts';
import { hasWorkerData, workerBarsSpec } from '../plots/worker-bars.ts';
import type { ReportModel, ReportPlot, ReportSection } from '../render/html.ts';
import { compare } from '../stats/compare.ts';
import { byDocType, byLabel, byWorker, firstVsLater, groupRecords, hasGroups, NO_GROUP } from '../stats/groupings.ts';
import type { LoadedExperiment } from '../stats/load-experiment.ts';
import { runClock, runDurationS, runName, uniqueNames, type LoadedRun } from '../stats/run-data.ts';
import { servingCheck, type ServingClock } from '../../core/serving-check.ts';
import { summarizeRun, type RunStats } from '../stats/run-stats.ts';
import {
  comparisonTables,
  experimentTable,
  groupTable,
  latencyTable,
  overviewTable,
  perTurnTable,
  type NamedStats,
} from '../summary-tables.ts';
import type { Table } from '../tables.ts';
import { pickSweepAxes } from './sweep-axes.ts';

export interface BuildReportOptions {
  /** Goodput SLOs, e.g. { ttft_ms: 500, tpot_ms: 50 }; no goodput columns without. */
  slos?: Slos;
  /** Sweep plot axes for experiments (dotted parameter paths); chosen from the cells when absent. */
  sweepX?: string;
  sweepSeries?: string | null;
  title?: string;
}

interface NamedRun {
  name: string;
  loaded: LoadedRun;
  stats: RunStats;
  clock: ServingClock;
}

/** `clock`: the experiment's, when known; else each run's own (run.json). */
function named(runs: readonly LoadedRun[], names: readonly string[], clock?: ServingClock): NamedRun[] {
  const unique = uniqueNames(names);
  return runs.map((loaded, i) => ({
    name: unique[i],
    loaded,
    stats: summarizeRun(loaded.records, runDurationS(loaded), loaded.itlMs),
    clock: clock ?? runClock(loaded),
  }));
}

function namedStats(runs: readonly NamedRun[], slos?: Slos): NamedStats[] {
  return runs.map((r) => ({
    name: r.name,
    stats: r.stats,
    goodput: slos ? goodput(r.loaded.records, slos, r.stats.summary.durationS) : null,
    clock: r.clock,
  }));
}

/** One warning line per CPU-bound run or cell (core/serving-check). */
function cpuBoundWarnings(items: ReadonlyArray<{ name: string; summary: Summary; clock: ServingClock }>): string[] {
  const out: string[] = [];
  for (const it of items) {
    const c = servingCheck(it.summary, it.clock);
    if (c.status === 'cpu-bound') out.push(`${it.name}: ${c.message}`);
  }
  return out;
}

/** One series per run; a single run with several labels gets one series per label instead. */
function turnSeries(runs: readonly NamedRun[]): TurnSeries[] {
  if (runs.length === 1) {
    const labels = groupRecords(runs[0].loaded.records, (r) => r.label);
    if (labels.length > 1) {
      return labels.map((g) => ({
        name: g.key,
        perTurn: perTurn(runs[0].loaded.records.filter((r) => (r.label || NO_GROUP) === g.key)),
      }));
    }
  }
  return runs.map((r) => ({ name: r.name, perTurn: r.stats.perTurn }));
}

function runPlots(runs: readonly NamedRun[]): ReportPlot[] {
  const plots: ReportPlot[] = [];
  const series: RecordSeries[] = runs.map((r) => ({ name: r.name, records: r.loaded.records }));
  const anyTtft = runs.some((r) => r.stats.summary.ttftMs.count > 0);
  // Per turn, only series with more than one turn say anything (single-turn runs are one point at turn 1).
  const multiTurn = turnSeries(runs).filter((s) => s.perTurn.filter((t) => t.ttftMs.p50 !== null).length > 1);
  if (multiTurn.length > 0) plots.push({ id: 'ttft-per-turn', title: 'TTFT per turn', spec: ttftPerTurnSpec(multiTurn) });
  if (anyTtft) plots.push({ id: 'ttft-cdf', title: 'TTFT CDF', spec: ttftCdfSpec(series) });
  if (runs.some((r) => r.stats.summary.succeeded > 0)) {
    plots.push({ id: 'latency-over-time', title: 'TTFT and E2E over time', spec: latencyOverTimeSpec(series) });
  }
  const withWorkers = series.filter((s) => hasWorkerData(s.records));
  if (withWorkers.length > 0) {
    plots.push({ id: 'worker-bars', title: 'Requests and cache hits per worker', spec: workerBarsSpec(withWorkers) });
  }
  return plots;
}

function runSection(r: NamedRun): ReportSection {
  const { records } = r.loaded;
  const d = r.stats.summary.durationS;
  const tables: Table[] = [latencyTable(r.name, r.stats.summary), perTurnTable(r.name, r.stats.perTurn)];
  const fl = firstVsLater(records, d);
  if (fl.first.requests > 0 && fl.later.requests > 0) {
    tables.push(
      groupTable(`First vs later turns — ${r.name}`, 'turns', [
        { key: '1', summary: fl.first },
        { key: '≥ 2', summary: fl.later },
      ]),
    );
  }
  const groups: Array<[string, string, ReturnType<typeof byLabel>]> = [
    ['By label', 'label', byLabel(records, d)],
    ['By worker', 'worker', byWorker(records, d)],
    ['By document type', 'docType', byDocType(records, d)],
  ];
  for (const [title, key, g] of groups) if (hasGroups(g)) tables.push(groupTable(`${title} — ${r.name}`, key, g));
  const run = r.loaded.run;
  const config = run
    ? { command: run.command, label: run.label, target: run.target, startedAt: run.startedAt, config: run.config }
    : undefined;
  return { title: `Run: ${r.name}`, tables, config };
}

function sourceLine(l: LoadedRun): string {
  const note = l.run ? '' : ' (no run.json: partial run, statistics from requests.jsonl)';
  return `${l.dir} — ${l.records.length} requests${note}`;
}

export function buildRunsReport(runs: readonly LoadedRun[], opts: BuildReportOptions = {}): ReportModel {
  if (runs.length === 0) throw new Error('a report needs at least one run');
  const nr = named(runs, runs.map(runName));
  const overview: Table[] = [overviewTable(namedStats(nr, opts.slos))];
  const plots = runPlots(nr);
  const sections: ReportSection[] = [];
  if (nr.length >= 2) {
    const base = nr[0];
    const comparisons = nr.slice(1).map((b) => ({ b, cmp: compare(base.stats, b.stats) }));
    sections.push({
      title: `Comparisons against ${base.name}`,
      tables: comparisons.flatMap(({ b, cmp }) => comparisonTables(cmp, base.name, b.name)),
    });
    const turnComparisons = comparisons
      .map(({ b, cmp }) => ({ name: `${b.name} vs ${base.name}`, perTurn: cmp.perTurn }))
      .filter((c) => c.perTurn.some((t) => t.meanRatio !== null));
    if (turnComparisons.length > 0) {
      plots.push({ id: 'compare-ttft-per-turn', title: 'TTFT ratio per turn', spec: compareTurnsSpec(turnComparisons) });
    }
  }
  sections.push(...nr.map(runSection));
  const title = opts.title ?? (nr.length === 1 ? `kvlab report — ${nr[0].name}` : `kvlab report — ${nr.map((r) => r.name).join(' vs ')}`);
  const warnings = cpuBoundWarnings(nr.map((r) => ({ name: r.name, summary: r.stats.summary, clock: r.clock })));
  return { title, sources: runs.map(sourceLine), warnings, overview, plots, sections };
}

/** 'mode=kv, prefixRatio=0.5': a cell's parameters with the last path segment as the name. */
export function cellName(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k.split('.').pop()}=${String(v)}`);
  return parts.length > 0 ? parts.join(', ') : 'cell';
}

export function buildExperimentReport(exp: LoadedExperiment, opts: BuildReportOptions = {}): ReportModel {
  const clock: ServingClock | undefined = exp.clock === 'virtual' || exp.clock === 'real' ? exp.clock : undefined;
  const sweep = exp.kind === 'sweep';
  const overview: Table[] = [experimentTable(exp.name, exp.cells, clock, sweep ? `Sweep runs — ${exp.name}` : undefined)];
  const plots: ReportPlot[] = [];
  const axes = pickSweepAxes(exp.cells, { x: opts.sweepX, series: opts.sweepSeries });
  if (axes) {
    plots.push({ id: 'sweep', title: `TTFT and throughput vs ${axes.x}`, spec: prefixRatioSpec(exp.cells, axes) });
  }
  const withRuns = exp.cells.filter((c) => c.loaded !== null);
  const nr = named(
    withRuns.map((c) => c.loaded!),
    withRuns.map((c) => cellName(c.params)),
    clock,
  );
  if (nr.length > 0) {
    overview.push(overviewTable(namedStats(nr, opts.slos)));
    plots.push(...runPlots(nr));
  }
  const missing = exp.cells.length - withRuns.length;
  const sources = sweep
    ? withRuns.map((c) => sourceLine(c.loaded!))
    : [
        `${exp.dir} — experiment ${exp.name}${exp.clock ? `, ${exp.clock} clock` : ''}, ${exp.cells.length} cells`,
        ...(missing > 0 ? [`${missing} cell run folder(s) missing: those cells appear only in the cells table and sweep plot`] : []),
      ];
  return {
    title: opts.title ?? `kvlab ${exp.kind} — ${exp.name}`,
    lead: [...(exp.description ? exp.description.split('\n').filter((l) => l.trim() !== '') : []), ...exp.notes],
    sources,
    // From summary.json's cells (what the experiment printed), which cover cells without a run folder too.
    warnings: cpuBoundWarnings(exp.cells.map((c) => ({ name: cellName(c.params), summary: c.summary, clock: clock ?? 'real' }))),
    overview,
    plots,
    sections: nr.map(runSection),
  };
}
