/**
 * `npm run demo` / `kvlab demo`: the two headline experiments on one clock (the embedded real-time
 * cluster by default), shrunk by `--set` overrides so the whole demo takes a few minutes, then ONE
 * report over both (a combined summary.json whose cells carry an `experiment` parameter) and the
 * headline numbers: kv vs round-robin mean TTFT at each prefix ratio, and turn-2+ TTFT with vs
 * without speculative prefill.
 *
 * Why the overrides: the embedded cluster runs every worker, the router and the client in ONE Node
 * process, so BPE tokenization and HTTP handling (a few ms per request, independent of the speedup
 * ratio) compete with the simulated GPUs. The demo keeps prompts shorter and concurrency lower than
 * Dynamo's benchmark, and runs the engine at speedupRatio 1 (speculative prefill: 0.5, its effect is
 * a few ms per turn), so simulated time dominates what is measured. The full-size experiments run
 * as shipped on the virtual clock (`kvlab experiment prefix-ratio-sweep`).
 */
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeJsonAtomic } from '../client/output/run-folder.ts';
import type { Dist } from '../core/records.ts';
import { defaultOutDir, runExperiment, SUMMARY_FILE, type ExperimentProgress, type ExperimentResult } from './run-experiment.ts';
import type { CellEntry, Clock, SummaryDoc } from './experiment-summary.ts';
import { writeReportAtomically } from './report-files.ts';

export const DEMO_EXPERIMENTS = Object.freeze({
  prefix: 'prefix-ratio-sweep',
  speculative: 'speculative-prefill',
});

/** The overrides that fit each experiment into the demo's budget (see the module comment). */
export const DEMO_SETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  [DEMO_EXPERIMENTS.prefix]: ['cluster.speedupRatio=1', 'workload.isl=4000', 'workload.osl=100', 'workload.requests=100', 'workload.concurrency=8'],
  [DEMO_EXPERIMENTS.speculative]: ['cluster.speedupRatio=0.5', 'workload.meanDelayMs=500'],
});

export interface DemoOptions {
  clock?: Clock;
  /** Default: results/demo-<timestamp>. */
  outDir?: string;
  /** Extra overrides per experiment name, applied after the demo's own. */
  sets?: Record<string, string[]>;
  onProgress?: (experiment: string, e: ExperimentProgress) => void;
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

export interface DemoResult {
  outDir: string;
  reportPath: string | null;
  headlines: DemoHeadlines;
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

/** One summary.json over both experiments (each cell's runDir points into its experiment's folder). */
function combinedSummary(results: readonly { name: string; result: ExperimentResult }[], clock: Clock): SummaryDoc {
  const first = results[0].result.summary;
  return {
    experiment: 'demo',
    description: `kvlab demo: ${results.map((r) => r.name).join(' and ')}`,
    source: results.map((r) => r.result.summary.source).filter(Boolean).join(' | ') || null,
    clock,
    targets: null,
    speedupRatios: [...new Set(results.flatMap((r) => r.result.summary.speedupRatios))],
    startedAt: first.startedAt,
    notes: results.flatMap((r) => r.result.summary.notes.map((n) => `${r.name}: ${n}`)),
    cells: results.flatMap((r) => r.result.cells.map((c) => ({ ...c, params: { ...c.params, experiment: r.name }, runDir: join(r.name, c.runDir) }))),
  };
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const clock = o.clock ?? 'real';
  const outDir = resolve(o.outDir ?? defaultOutDir('demo'));
  mkdirSync(outDir, { recursive: true });
  const done: { name: string; result: ExperimentResult }[] = [];
  let interrupted = false;
  for (const name of [DEMO_EXPERIMENTS.prefix, DEMO_EXPERIMENTS.speculative]) {
    if (o.signal?.aborted) {
      interrupted = true;
      break;
    }
    const result = await runExperiment({
      file: name,
      clock,
      outDir: join(outDir, name),
      sets: [...(DEMO_SETS[name] ?? []), ...(o.sets?.[name] ?? [])],
      report: false,
      signal: o.signal,
      onProgress: (e) => o.onProgress?.(name, e),
    });
    done.push({ name, result });
    if (result.interrupted) {
      interrupted = true;
      break;
    }
  }
  let reportPath: string | null = null;
  if (done.some((d) => d.result.cells.length > 0)) {
    writeJsonAtomic(join(outDir, SUMMARY_FILE), combinedSummary(done, clock));
    reportPath = await writeReportAtomically(outDir, { sweepX: 'workload.prefixRatio', sweepSeries: 'router.mode', title: 'kvlab demo', png: o.png });
  }
  const cellsOf = (name: string) => done.find((d) => d.name === name)?.result.cells ?? [];
  return {
    outDir,
    reportPath,
    headlines: demoHeadlines(cellsOf(DEMO_EXPERIMENTS.prefix), cellsOf(DEMO_EXPERIMENTS.speculative)),
    experiments: done.map((d) => d.result),
    interrupted,
  };
}
