/**
 * `npm run demo` / `kvlab demo`: the finding and the evidence that the real path reproduces it.
 *
 * 1. The finding, on the virtual clock (seconds, deterministic): the shipped `prefix-ratio-sweep`
 *    (kv vs round-robin over prefix ratios 0.1–0.9) and `speculative-prefill`, as shipped.
 * 2. The evidence: a few of the same cells — the sweep at ratios 0.5 and 0.9 with 80 requests per
 *    cell, and speculative prefill — run on BOTH clocks: the virtual cluster and the embedded real
 *    cluster (mock workers and router on 127.0.0.1, the real client over HTTP). Each pair's mean TTFT,
 *    their agreement, and the serving overhead the real path added (client TTFT − the engines' own
 *    TTFT, core/serving-check) are printed side by side, so a busy machine that distorts the real
 *    clock is visible instead of silently inverting a ranking.
 * One report (the finding's cells) leads with both tables; the check's two folders hold their own runs.
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeJsonAtomic } from '../client/output/run-folder.ts';
import { claimOutputDir } from '../client/output/output-dir.ts';
import type { Dist } from '../core/records.ts';
import { defaultOutDir, runExperiment, SUMMARY_FILE, type ExperimentProgress, type ExperimentResult } from './run-experiment.ts';
import { cellLabel, type CellEntry, type Clock, type SummaryDoc } from './experiment-summary.ts';
import { writeReportAtomically } from './report-files.ts';

export const DEMO_EXPERIMENTS = Object.freeze({
  prefix: 'prefix-ratio-sweep',
  speculative: 'speculative-prefill',
});

/** The cells run on both clocks (each experiment as shipped, narrowed by these overrides). */
export const CHECK_SETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  [DEMO_EXPERIMENTS.prefix]: ['matrix.workload.prefixRatio=[0.5,0.9]', 'workload.requests=80'],
  [DEMO_EXPERIMENTS.speculative]: [],
});

/** Two clocks agree on a cell when their mean TTFTs are within this share of the virtual one. */
export const AGREEMENT_LIMIT = 0.15;

export interface DemoOptions {
  /** Default: results/demo-<timestamp>. A given folder must be new or empty unless `overwrite`. */
  outDir?: string;
  /** Replace the demo a given `outDir` holds. */
  overwrite?: boolean;
  /** Extra overrides per experiment name, applied to every run of it (finding and check). */
  sets?: Record<string, string[]>;
  /** Skip the real-clock check (the finding only). */
  realCheck?: boolean;
  onProgress?: (stage: string, e: ExperimentProgress) => void;
  signal?: AbortSignal;
  png?: boolean;
}

export interface RatioHeadline {
  ratio: number;
  kvTtftMs: number | null;
  roundRobinTtftMs: number | null;
}

export interface SpeculativeHeadline {
  withoutMs: number | null;
  withMs: number | null;
}

export interface DemoHeadlines {
  prefixRatios: RatioHeadline[];
  speculative: SpeculativeHeadline;
}

/** One cell on both clocks. */
export interface ClockPair {
  experiment: string;
  params: Record<string, unknown>;
  /** The metric compared: mean TTFT (turns 2+ for speculative prefill, the experiment's subject). */
  metric: string;
  virtualMs: number | null;
  realMs: number | null;
  /** |real − virtual| / virtual. */
  difference: number | null;
  /**
   * The real run's engines' own mean TTFT (client TTFT − serving overhead, from each answer's
   * `nvext.timing`) for the same metric: what the engine model gave on the real clock, without the
   * serving path. Known when every request the metric covers carried the engine's timing.
   */
  realEngineMs: number | null;
  /** |real engines' − virtual| / virtual. */
  engineDifference: number | null;
  /** The real cell's serving check line (overhead and share, or why unavailable). */
  serving: CellEntry['servingCheck'] | null;
}

export interface DemoResult {
  outDir: string;
  reportPath: string | null;
  headlines: DemoHeadlines;
  pairs: ClockPair[];
  experiments: ExperimentResult[];
  interrupted: boolean;
}

function mean(d: Dist | undefined): number | null {
  return d?.mean ?? null;
}

/** The demo's numbers from the two experiments' cells. Pure. */
export function demoHeadlines(prefixCells: readonly CellEntry[], speculativeCells: readonly CellEntry[]): DemoHeadlines {
  const ratios = [...new Set(prefixCells.map((c) => c.params['workload.prefixRatio']).filter((r): r is number => typeof r === 'number'))].sort((a, b) => a - b);
  const ttftOf = (ratio: number, mode: string) => mean(prefixCells.find((c) => c.params['workload.prefixRatio'] === ratio && c.params['router.mode'] === mode)?.summary.ttftMs);
  const later = (on: boolean) => mean(speculativeCells.find((c) => c.params['workload.speculativePrefill'] === on)?.laterTurnsTtftMs);
  return {
    prefixRatios: ratios.map((ratio) => ({ ratio, kvTtftMs: ttftOf(ratio, 'kv'), roundRobinTtftMs: ttftOf(ratio, 'round-robin') })),
    speculative: { withoutMs: later(false), withMs: later(true) },
  };
}

/** The metric a cell of `experiment` is judged by: turns 2+ TTFT for speculative prefill, else all TTFT. */
function metricOf(experiment: string, c: CellEntry): number | null {
  return experiment === DEMO_EXPERIMENTS.speculative ? mean(c.laterTurnsTtftMs) : mean(c.summary.ttftMs);
}

/** |a − b| / b, when both are known and b > 0. */
function relativeGap(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? Math.abs(a - b) / b : null;
}

/** Mean TTFT minus mean serving overhead, when the overhead is known for every request the TTFT mean covers. */
function engineTtftMean(c: CellEntry): number | null {
  const { ttftMs, servingOverheadMs } = c.summary;
  if (ttftMs.count === 0 || servingOverheadMs.count !== ttftMs.count || ttftMs.mean === null || servingOverheadMs.mean === null) return null;
  return ttftMs.mean - servingOverheadMs.mean;
}

/** Pair each virtual cell with the real cell of the same parameters. Pure. */
export function clockPairs(experiment: string, virtualCells: readonly CellEntry[], realCells: readonly CellEntry[]): ClockPair[] {
  return virtualCells.map((v) => {
    const key = JSON.stringify(v.params);
    const r = realCells.find((c) => JSON.stringify(c.params) === key) ?? null;
    const virtualMs = metricOf(experiment, v);
    const realMs = r ? metricOf(experiment, r) : null;
    const realEngineMs = r === null ? null : experiment === DEMO_EXPERIMENTS.speculative ? mean(r.laterTurnsEngineTtftMs) : engineTtftMean(r);
    return {
      experiment,
      params: v.params,
      metric: experiment === DEMO_EXPERIMENTS.speculative ? 'turns 2+ TTFT' : 'TTFT',
      virtualMs,
      realMs,
      difference: relativeGap(realMs, virtualMs),
      realEngineMs,
      engineDifference: relativeGap(realEngineMs, virtualMs),
      serving: r?.servingCheck ?? null,
    };
  });
}

function ms(v: number | null): string {
  return v === null ? '   -   ' : `${v.toFixed(1).padStart(7)}`;
}

/** The headline table as text lines. Pure. */
export function renderHeadlines(h: DemoHeadlines): string[] {
  const lines = ['Mean TTFT (ms) by shared-prefix ratio:', '  ratio       kv  round-robin   rr − kv'];
  for (const r of h.prefixRatios) {
    const gap = r.kvTtftMs !== null && r.roundRobinTtftMs !== null ? r.roundRobinTtftMs - r.kvTtftMs : null;
    lines.push(`  ${r.ratio.toFixed(1).padStart(5)}  ${ms(r.kvTtftMs)}      ${ms(r.roundRobinTtftMs)}   ${ms(gap)}`);
  }
  const { withoutMs, withMs } = h.speculative;
  const change = withoutMs !== null && withMs !== null && withoutMs > 0 ? ` (${(((withMs - withoutMs) / withoutMs) * 100).toFixed(1)} %)` : '';
  lines.push('Mean TTFT of turns 2+ (ms):', `  without speculative prefill ${ms(withoutMs)}`, `  with speculative prefill    ${ms(withMs)}${change}`);
  return lines;
}

/** Whether kv beats round-robin at `ratio` among pairs, on each clock. */
function kvWins(pairs: readonly ClockPair[], ratio: number, pick: (p: ClockPair) => number | null): boolean | null {
  const at = (mode: string) => pairs.find((p) => p.params['workload.prefixRatio'] === ratio && p.params['router.mode'] === mode);
  const kv = at('kv');
  const rr = at('round-robin');
  const a = kv ? pick(kv) : null;
  const b = rr ? pick(rr) : null;
  return a === null || b === null ? null : a < b;
}

/** The two-clock table as text lines. Pure. */
export function renderClockPairs(pairs: readonly ClockPair[]): string[] {
  const lines = [
    'The same cells on both clocks (mean, ms): virtual cluster vs embedded real cluster on 127.0.0.1 (client over HTTP)',
    `  ${'cell (metric)'.padEnd(54)} virtual     real   diff     real engines' own   diff     serving overhead (real)`,
  ];
  const gap = (d: number | null): string => (d === null ? '    -   ' : `${(d * 100).toFixed(0).padStart(4)} % ${d > AGREEMENT_LIMIT ? '✗' : '✓'}`);
  for (const p of pairs) {
    const name = `${cellLabel(p.experiment, p.params)} (${p.metric})`;
    lines.push(`  ${name.padEnd(54)} ${ms(p.virtualMs)}  ${ms(p.realMs)}  ${gap(p.difference)}  ${ms(p.realEngineMs).padStart(18)}  ${gap(p.engineDifference)}  ${p.serving?.message ?? '-'}`);
  }
  const at09 = pairs.some((p) => p.params['workload.prefixRatio'] === 0.9);
  if (at09) {
    const yes = (b: boolean | null): string => (b === null ? 'n/a' : b ? 'yes' : 'NO');
    lines.push(`  kv faster than round-robin at ratio 0.9: virtual ${yes(kvWins(pairs, 0.9, (p) => p.virtualMs))}, real ${yes(kvWins(pairs, 0.9, (p) => p.realMs))}`);
  }
  const spec = (on: boolean) => pairs.find((p) => p.experiment === DEMO_EXPERIMENTS.speculative && p.params['workload.speculativePrefill'] === on);
  const off = spec(false);
  const on = spec(true);
  if (off && on) {
    const lower = (a: number | null, b: number | null): string => (a === null || b === null ? 'n/a' : a < b ? 'yes' : 'NO');
    lines.push(`  speculative prefill lowers turns 2+ TTFT: virtual ${lower(on.virtualMs, off.virtualMs)}, real ${lower(on.realMs, off.realMs)}`);
  }
  const agree = pairs.filter((p) => p.difference !== null);
  if (agree.length > 0) {
    const within = agree.filter((p) => p.difference! <= AGREEMENT_LIMIT).length;
    lines.push(`  ${within} of ${agree.length} cells agree within ${AGREEMENT_LIMIT * 100} %${within < agree.length ? ' — where they do not, the serving overhead column says how much of it this machine added' : ''}`);
  }
  const engines = pairs.filter((p) => p.engineDifference !== null);
  if (engines.length > 0) {
    const within = engines.filter((p) => p.engineDifference! <= AGREEMENT_LIMIT).length;
    lines.push(`  the real engines' own TTFT (client TTFT − serving overhead) agrees with the virtual clock within ${AGREEMENT_LIMIT * 100} % in ${within} of ${engines.length} cells${within === engines.length ? ': what the clocks differ by beyond that is the serving path of this machine' : ''}`);
  }
  return lines;
}

/** One summary.json over the finding's experiments (each cell's runDir points into its experiment's folder). */
function combinedSummary(results: readonly { name: string; result: ExperimentResult }[], lead: string[]): SummaryDoc {
  const first = results[0].result.summary;
  return {
    experiment: 'demo',
    description: [...lead, ...results.map((r) => `${r.name}: ${r.result.summary.description}`)].join('\n'),
    source: results.map((r) => r.result.summary.source).filter(Boolean).join(' | ') || null,
    clock: 'virtual',
    targets: null,
    speedupRatios: [...new Set(results.flatMap((r) => r.result.summary.speedupRatios))],
    startedAt: first.startedAt,
    notes: results.flatMap((r) => r.result.summary.notes.map((n) => `${r.name}: ${n}`)),
    cells: results.flatMap((r) => r.result.cells.map((c) => ({ ...c, params: { ...c.params, experiment: r.name }, runDir: join('virtual', r.name, c.runDir) }))),
  };
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const outDir = resolve(o.outDir ?? defaultOutDir('demo'));
  if (o.outDir !== undefined) claimOutputDir(outDir, o.overwrite ?? false);
  mkdirSync(outDir, { recursive: true });
  const names = [DEMO_EXPERIMENTS.prefix, DEMO_EXPERIMENTS.speculative];
  const experiments: ExperimentResult[] = [];
  let interrupted = false;
  const run = async (stage: string, name: string, clock: Clock, sets: readonly string[]): Promise<ExperimentResult | null> => {
    if (interrupted || o.signal?.aborted) {
      interrupted = true;
      return null;
    }
    const result = await runExperiment({
      file: name,
      clock,
      outDir: join(outDir, stage, name),
      sets: [...sets, ...(o.sets?.[name] ?? [])],
      report: false,
      signal: o.signal,
      onProgress: (e) => o.onProgress?.(`${stage} ${name}`, e),
    });
    experiments.push(result);
    if (result.interrupted) interrupted = true;
    return result;
  };
  // 1. The finding, on the virtual clock.
  const finding: { name: string; result: ExperimentResult }[] = [];
  for (const name of names) {
    const result = await run('virtual', name, 'virtual', []);
    if (result) finding.push({ name, result });
  }
  // 2. The evidence: the check cells on both clocks.
  const pairs: ClockPair[] = [];
  if (o.realCheck !== false) {
    for (const name of names) {
      const v = await run('check-virtual', name, 'virtual', CHECK_SETS[name] ?? []);
      const r = await run('check-real', name, 'real', CHECK_SETS[name] ?? []);
      if (v && r) pairs.push(...clockPairs(name, v.cells, r.cells));
    }
  }
  const cellsOf = (name: string) => finding.find((d) => d.name === name)?.result.cells ?? [];
  const headlines = demoHeadlines(cellsOf(DEMO_EXPERIMENTS.prefix), cellsOf(DEMO_EXPERIMENTS.speculative));
  let reportPath: string | null = null;
  if (finding.some((d) => d.result.cells.length > 0)) {
    const lead = ['The finding (virtual clock, the shipped experiments):', ...renderHeadlines(headlines), ...(pairs.length > 0 ? ['', ...renderClockPairs(pairs)] : [])];
    writeJsonAtomic(join(outDir, SUMMARY_FILE), combinedSummary(finding, lead));
    reportPath = await writeReportAtomically(outDir, { sweepX: 'workload.prefixRatio', sweepSeries: 'router.mode', title: 'kvlab demo', png: o.png });
  }
  return { outDir, reportPath, headlines, pairs, experiments, interrupted };
}
