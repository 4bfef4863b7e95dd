/**
 * `runExperiment`: the library entry of `kvlab experiment`. Loads an experiment (a file, a shipped
 * name or an object), applies `--set` overrides, expands the matrix and runs every cell on one clock:
 * - virtual: the virtual cluster, in virtual time (virtual-cell.ts); with `jobs` > 1, that many cells
 *   at once, in this thread and up to jobs − 1 worker threads (cell-pool.ts), with the same run
 *   folders as one at a time;
 * - real: an embedded cluster per cell on ephemeral 127.0.0.1 ports, driven by the real HTTP client;
 * - real with `targets`: each target URL instead of a cluster (a real deployment). The target label
 *   becomes a parameter `target`; cluster settings and cluster axes of the matrix are ignored (noted).
 * Each cell gets a run folder (docs/DESIGN.md results contract); summary.json is rewritten atomically after
 * every cell, so an interrupted or failed experiment keeps what it measured; then writeReport renders
 * plots and report.html. Ctrl-C (the `signal`): a real cell stops sending, its finished requests are
 * already on disk and its run.json is written; no further cell starts; summary and report are written.
 * Parallel virtual cells stop at once; the finished ones are kept, the unfinished ones' folders removed.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../client/output/run-folder.ts';
import { claimOutputDir, timestampedDir } from '../client/output/output-dir.ts';
import { makeError } from '../core/errors.ts';
import { applyOverrides, expandMatrix, ExperimentFileError, parseExperiment, resolveMatrixPath, type Cell, type Experiment } from './experiment-file.ts';
import type { PromptWords } from '../core/tokenizers/prompt-words.ts';
import { cellTokenizer } from './cell-tokenizer.ts';
import { loadExperimentFile } from './experiment-source.ts';
import { experimentDescription } from './experiment-description.ts';
import { clusterConfigRecord, resolveCluster } from './cluster-settings.ts';
import { WorkloadCache } from './cell-workload.ts';
import type { CellRun, CellRunMeta } from './virtual-cell.ts';
import { runVirtualCellJob, type VirtualCellJob, type VirtualCellResult } from './virtual-cell-job.ts';
import { runCells } from './cell-pool.ts';
import type { Workload } from '../client/workloads/types.ts';
import { shardProblem, type Shard } from '../client/workloads/shard.ts';
import { ClusterHost } from './cluster-thread.ts';
import { OracleTwins } from './oracle-twin.ts';
import { cellEntry, cellLabel, cpuBoundNote, progressLine, type CellEntry, type Clock, type SummaryDoc } from './experiment-summary.ts';

// Loaded when first needed: real-clock cells bring the servers (fastify, ZeroMQ, undici) and the report
// brings vega and resvg, neither of which a virtual-clock run without a report uses.
const realCell = () => import('./real-cell.ts');
const reportFiles = () => import('./report-files.ts');

export interface Target {
  label: string;
  url: string;
}

export type ExperimentProgress =
  | { kind: 'start'; experiment: string; clock: Clock; cells: number; outDir: string }
  | { kind: 'note'; message: string }
  | { kind: 'cell-start'; index: number; total: number; params: Record<string, unknown> }
  /** With --jobs: the cell's runner is done with it (its line, `cell`, follows once its ground truth is in). */
  | { kind: 'cell-ran'; index: number }
  | { kind: 'cell'; index: number; total: number; entry: CellEntry; line: string }
  | { kind: 'report'; reportPath: string };

export interface RunExperimentOptions {
  /** A path or a shipped experiment's name. */
  file?: string;
  /** An experiment object (validated like a file); relative paths in it resolve against `baseDir`. */
  experiment?: unknown;
  baseDir?: string;
  clock: Clock;
  /** Remote targets: run against these URLs instead of an embedded cluster (clock 'real' only). */
  targets?: Target[];
  /** Default: results/<name>-<timestamp> under the working directory. A given folder must be new or empty unless `overwrite`. */
  outDir?: string;
  /** Replace the experiment a given `outDir` holds (client/output/output-dir.ts). */
  overwrite?: boolean;
  /** `path=value` overrides, applied before the matrix is expanded. */
  sets?: string[];
  onProgress?: (e: ExperimentProgress) => void;
  signal?: AbortSignal;
  /** Bearer key for remote targets. */
  apiKey?: string | null;
  /** Write plots and report.html (default true). */
  report?: boolean;
  /** PNGs next to the SVG plots (default true). */
  png?: boolean;
  /** Each cell's ground truth: best case, oracle and regret (default true; costs one oracle twin run per distinct workload × cluster). */
  groundTruth?: boolean;
  /**
   * Virtual-clock cells run at once: this thread runs cells too, and up to jobs − 1 worker threads
   * start while cells wait for them (cell-pool.ts; default 1: all in this thread). Real-clock cells
   * always run one at a time.
   */
  jobs?: number;
  /** Run only shard I of N of the cells (every N-th from the I-th); summary.json records it. */
  shard?: Shard;
}

export interface ExperimentResult {
  outDir: string;
  summaryPath: string;
  /** Null when no report was written (report: false, or no cell finished). */
  reportPath: string | null;
  cells: CellEntry[];
  summary: SummaryDoc;
  interrupted: boolean;
}

export const SUMMARY_FILE = 'summary.json';
export const EXPERIMENT_FILE = 'experiment.json';

/** results/<name>-<timestamp> under the working directory, suffixed when taken (client/output/output-dir). */
export function defaultOutDir(name: string, now: Date = new Date()): string {
  return timestampedDir(name, now);
}

function loadSource(o: RunExperimentOptions): { experiment: Experiment; baseDir: string; origin: string } {
  if (o.file !== undefined && o.experiment !== undefined) throw makeError('bad_flag', { flag: 'file', detail: 'give a file or an experiment object, not both' });
  if (o.file !== undefined) {
    const loaded = loadExperimentFile(o.file);
    return { experiment: applyOverrides(loaded.experiment, o.sets ?? [], loaded.path), baseDir: loaded.baseDir, origin: loaded.path };
  }
  if (o.experiment === undefined) throw makeError('bad_flag', { flag: 'file', detail: 'no experiment given' });
  const exp = parseExperiment(o.experiment);
  return { experiment: applyOverrides(exp, o.sets ?? []), baseDir: resolve(o.baseDir ?? '.'), origin: 'experiment' };
}

function checkTargets(targets: readonly Target[], clock: Clock): void {
  if (targets.length === 0) return;
  if (clock !== 'real') throw makeError('bad_flag', { flag: '--target', detail: 'remote targets run on the real clock (use --clock real)' });
  const seen = new Set<string>();
  for (const t of targets) {
    if (!/^[A-Za-z0-9._-]+$/.test(t.label)) throw makeError('bad_flag', { flag: '--target', detail: `label '${t.label}' must be letters, digits, '.', '_' or '-'` });
    if (seen.has(t.label)) throw makeError('bad_flag', { flag: '--target', detail: `label '${t.label}' is given twice` });
    seen.add(t.label);
    let u: URL;
    try {
      u = new URL(t.url);
    } catch {
      throw makeError('bad_flag', { flag: '--target', detail: `'${t.url}' is not a URL` });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw makeError('bad_flag', { flag: '--target', detail: `'${t.url}' must be an http(s) URL` });
  }
}

interface PlannedCell {
  params: Record<string, unknown>;
  runDir: string;
  cell: Cell;
  target: Target | null;
}

/** Cells to run: the matrix, or for remote targets each target × the workload part of the matrix. */
function planCells(exp: Experiment, targets: readonly Target[], notes: string[]): PlannedCell[] {
  if (targets.length === 0) return expandMatrix(exp).map((cell) => ({ params: cell.params, runDir: cell.runDir, cell, target: null }));
  const matrix = exp.matrix ?? {};
  const dropped = Object.keys(matrix).filter((k) => resolveMatrixPath(k)[0] === 'cluster');
  notes.push('cluster settings are ignored against remote targets: the deployment runs with its own');
  if (dropped.length > 0) notes.push(`matrix axes ignored against remote targets: ${dropped.join(', ')}`);
  const kept = Object.fromEntries(Object.entries(matrix).filter(([k]) => !dropped.includes(k)));
  const cells = expandMatrix({ ...exp, matrix: kept });
  const out: PlannedCell[] = [];
  for (const target of targets) {
    for (const cell of cells) {
      const index = out.length;
      const rest = cell.runDir.replace(/^\d+_?/, '');
      out.push({
        params: { target: target.label, ...cell.params },
        runDir: `${String(index).padStart(3, '0')}_target-${target.label}${rest ? `_${rest}` : ''}`,
        cell,
        target,
      });
    }
  }
  return out;
}

export async function runExperiment(o: RunExperimentOptions): Promise<ExperimentResult> {
  const { experiment: exp, baseDir } = loadSource(o);
  const badShard = o.shard ? shardProblem(o.shard) : null;
  if (badShard !== null) throw makeError('bad_flag', { flag: '--shard', detail: badShard });
  const targets = o.targets ?? [];
  checkTargets(targets, o.clock);
  const notes: string[] = [];
  const allCells = planCells(exp, targets, notes);
  // A shard runs every N-th cell from the I-th (the cells keep their folder names: shards merge by copying).
  const planned = o.shard ? allCells.filter((_, i) => i % o.shard!.count === o.shard!.index) : allCells;
  if (o.shard && planned.length === 0) notes.push(`shard ${o.shard.index}/${o.shard.count} has no cell (the experiment has ${allCells.length}): an empty experiment`);
  const jobs = o.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw makeError('bad_flag', { flag: '--jobs', detail: `must be a whole number ≥ 1, got ${o.jobs}` });
  const parallel = o.clock === 'virtual' && jobs > 1 && planned.length > 1;
  if (o.clock === 'real' && o.jobs !== undefined && o.jobs > 1) {
    notes.push("--jobs applies to virtual-clock cells only: real-clock cells run one at a time, since cells sharing the machine's CPU would disturb each other's timings");
  }
  const outDir = resolve(o.outDir ?? defaultOutDir(exp.name));
  // Never write over an earlier experiment silently (checked before any cell runs).
  if (o.outDir !== undefined) claimOutputDir(outDir, o.overwrite ?? false);
  // Created once the first cell's workload is built, so a bad parameter leaves no folder behind.
  let created = false;
  const create = (): void => {
    if (created) return;
    mkdirSync(outDir, { recursive: true });
    writeJsonAtomic(join(outDir, EXPERIMENT_FILE), exp);
    created = true;
  };
  const progress = o.onProgress ?? (() => {});
  progress({ kind: 'start', experiment: exp.name, clock: o.clock, cells: planned.length, outDir });

  const clusters = planned.map((p) => resolveCluster(p.cell.experiment.cluster, baseDir));
  if (o.clock === 'virtual' && clusters.some((c) => c.tokenizerPath !== null)) {
    throw new ExperimentFileError(
      "field 'cluster.tokenizer': virtual-clock cells run kvlab's own o200k_base tokenizer and template; a model's tokenizer is for real-clock cells (--clock real)",
      'cluster.tokenizer',
    );
  }
  // A real cell's prompts are drawn from its tokenizer's words (exact lengths in the model's tokens).
  const wordsOf = (i: number): PromptWords | undefined => {
    const path = planned[i].target === null ? clusters[i].tokenizerPath : null;
    return path === null ? undefined : cellTokenizer(path).promptWords;
  };
  const ratios = [...new Set(clusters.map((c) => (targets.length > 0 ? 1 : c.engine.speedupRatio)))];
  if (ratios.some((r) => r !== 1)) {
    notes.push(
      `time is compressed by speedupRatio (${ratios.join(', ')}): engine steps and the workload's think/send times are divided by it; multiply recorded times by it for the uncompressed scenario`,
    );
  }
  for (const message of notes) progress({ kind: 'note', message });

  const summary: SummaryDoc = {
    experiment: exp.name,
    description: experimentDescription(exp),
    source: exp.source ?? null,
    clock: o.clock,
    targets: targets.length > 0 ? targets.map((t) => ({ ...t })) : null,
    speedupRatios: ratios,
    startedAt: new Date().toISOString(),
    notes,
    ...(o.shard ? { shard: { index: o.shard.index, count: o.shard.count, cells: allCells.length } } : {}),
    cells: [],
  };
  const summaryPath = join(outDir, SUMMARY_FILE);
  const workloads = new WorkloadCache();
  const twins = o.groundTruth === false ? null : new OracleTwins();
  let interrupted = false;
  const speedupOf = (i: number): number => (planned[i].target !== null ? 1 : clusters[i].engine.speedupRatio);
  const metaOf = (i: number): CellRunMeta => {
    const p = planned[i];
    return {
      command: `experiment ${exp.name}`,
      label: cellLabel(exp.name, p.params),
      config: {
        experiment: exp.name,
        clock: o.clock,
        params: p.params,
        repeat: p.cell.repeat,
        ...(p.target !== null ? {} : { cluster: clusterConfigRecord(clusters[i]), speedupRatio: speedupOf(i) }),
      },
    };
  };
  const virtualJob = (i: number): VirtualCellJob => {
    const p = planned[i];
    return { experiment: p.cell.experiment, baseDir, seed: p.cell.seed, params: p.params, runDir: p.runDir, absRunDir: join(outDir, p.runDir), meta: metaOf(i) };
  };
  // Ground truth (best case, oracle twin, regret): the twin is a virtual run of the same workload and
  // cluster, computed here (--jobs 1, real cells) or by the runner of a cell (below).
  const workloadKeyOf = (i: number): string => JSON.stringify([planned[i].cell.experiment.workload, baseDir, speedupOf(i)]);
  const groundTruthWorkload = async (i: number): Promise<Workload> => {
    const p = planned[i];
    return workloads.get({ workload: p.cell.experiment.workload, baseDir, seed: p.cell.seed, speedupRatio: speedupOf(i) });
  };
  /** The cell's entry with its ground truth; `workload` may be null when its twin is already known. */
  const withGroundTruth = (i: number, r: VirtualCellResult, workload: Workload | null): CellEntry => {
    if (twins === null || r.entry.interrupted) return r.entry;
    r.entry.groundTruth = twins.virtualCell(r.entry.summary, r.bestCaseHitRatio, workload, workloadKeyOf(i), clusters[i], planned[i].cell.seed);
    return r.entry;
  };
  // Real-clock cells on embedded clusters share one cluster thread (started with the first such cell).
  let host: ClusterHost | undefined;
  try {
    if (parallel) {
      const entries: (CellEntry | undefined)[] = [];
      // Each distinct oracle twin is a job of its own, placed before the first cell (matrix order) that
      // needs it, in that cell's workload group (so mostly run where that workload is built); a cell's
      // entry waits for its twin. A twin that never came (the run was stopped) is computed here.
      const twinKeyOf = (i: number): string => OracleTwins.keyOf(workloadKeyOf(i), clusters[i], planned[i].cell.seed);
      const twinArrived = new Map<string, () => void>();
      const twinArrival = new Map<string, Promise<void>>();
      const slots: { cell: number; twin: boolean }[] = [];
      for (let i = 0; i < planned.length; i++) {
        const key = twinKeyOf(i);
        if (twins !== null && !twinArrival.has(key)) {
          twinArrival.set(key, new Promise<void>((resolve) => twinArrived.set(key, resolve)));
          slots.push({ cell: i, twin: true });
        }
        slots.push({ cell: i, twin: false });
      }
      let finishing: Promise<void> = Promise.resolve();
      const finish = async (i: number, result: VirtualCellResult): Promise<void> => {
        let workload: Workload | null = null;
        if (twins !== null && !result.entry.interrupted) {
          const key = twinKeyOf(i);
          if (!twins.has(key)) await twinArrival.get(key);
          if (!twins.has(key)) workload = await groundTruthWorkload(i);
        }
        const entry = withGroundTruth(i, result, workload);
        entries[i] = entry;
        // Matrix order whatever the order of finishing, so the summary equals a --jobs 1 run's.
        summary.cells = entries.filter((e): e is CellEntry => e !== undefined);
        writeJsonAtomic(summaryPath, summary);
        progress({ kind: 'cell', index: i, total: planned.length, entry, line: progressLine(i, planned.length, entry) });
      };
      const run = await runCells(
        slots.map((s) => (s.twin ? { ...virtualJob(s.cell), twinOnly: true as const } : virtualJob(s.cell))),
        slots.map((s) => workloadKeyOf(s.cell)),
        jobs,
        workloads,
        {
          onBuilt: create,
          onStart: (k) => {
            const i = slots[k].cell;
            if (!slots[k].twin) progress({ kind: 'cell-start', index: i, total: planned.length, params: planned[i].params });
          },
          onDone: (k, done) => {
            const i = slots[k].cell;
            if (done.kind === 'twin') {
              twins?.put(twinKeyOf(i), done.twin);
              twinArrived.get(twinKeyOf(i))?.();
              return;
            }
            progress({ kind: 'cell-ran', index: i });
            finishing = finishing.then(() => finish(i, done.result));
            finishing.catch(() => undefined); // thrown where it is awaited, after the threads stop
          },
        },
        o.signal,
      );
      for (const arrived of twinArrived.values()) arrived();
      await finishing;
      interrupted = run.interrupted;
    }
    for (let i = 0; i < planned.length && !parallel; i++) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const p = planned[i];
      progress({ kind: 'cell-start', index: i, total: planned.length, params: p.params });
      let entry: CellEntry;
      if (o.clock === 'virtual') {
        const r = await runVirtualCellJob(virtualJob(i), workloads, create);
        entry = withGroundTruth(i, r, twins === null ? null : await groundTruthWorkload(i));
      }
      else {
        const workload = await workloads.get({ workload: p.cell.experiment.workload, baseDir, seed: p.cell.seed, speedupRatio: speedupOf(i), words: wordsOf(i) });
        create();
        const runDir = join(outDir, p.runDir);
        const meta = metaOf(i);
        let run: CellRun;
        try {
          if (p.target) run = await (await realCell()).runRemoteCell(p.target, { workload, seed: p.cell.seed, runDir, meta, signal: o.signal, apiKey: o.apiKey });
          else run = await (await realCell()).runEmbeddedCell((host ??= ClusterHost.start()), p.cell.experiment.cluster, baseDir, { workload, seed: p.cell.seed, runDir, meta, signal: o.signal });
        } catch (err) {
          // Aborted before the cell could measure anything (e.g. while its cluster was warming up).
          if (!o.signal?.aborted) throw err;
          interrupted = true;
          break;
        }
        if (run.interrupted && run.records.length === 0) {
          // Aborted during the client's warm-up: nothing measured, so no cell (and no empty folder).
          rmSync(runDir, { recursive: true, force: true });
          interrupted = true;
          break;
        }
        entry = cellEntry(p.params, p.runDir, run.run.summary, run.records, run.interrupted, o.clock);
        if (twins !== null && !run.interrupted) {
          entry.groundTruth = twins.realCell(run.run.summary, await groundTruthWorkload(i), workloadKeyOf(i), clusters[i], p.cell.seed, p.target !== null);
        }
      }
      summary.cells.push(entry);
      if (entry.interrupted) interrupted = true;
      if (interrupted) notes.push(`interrupted: ${summary.cells.length} of ${planned.length} cells ran${entry.interrupted ? ', the last one partly' : ''}`);
      writeJsonAtomic(summaryPath, summary);
      progress({ kind: 'cell', index: i, total: planned.length, entry, line: progressLine(i, planned.length, entry) });
      if (interrupted) break;
    }
  } finally {
    await host?.close();
  }
  if (interrupted && !notes.some((n) => n.startsWith('interrupted'))) notes.push(`interrupted: ${summary.cells.length} of ${planned.length} cells ran`);
  const cpuBound = cpuBoundNote(summary.cells);
  if (cpuBound !== null) {
    notes.push(cpuBound);
    progress({ kind: 'note', message: cpuBound });
  }
  create();
  writeJsonAtomic(summaryPath, summary);

  let reportPath: string | null = null;
  if (o.report !== false && summary.cells.length > 0) {
    reportPath = await (await reportFiles()).writeReportAtomically(outDir, { sweepX: exp.report?.sweepX, sweepSeries: exp.report?.sweepSeries, title: exp.report?.title ?? exp.name, png: o.png, plots: exp.plots });
    progress({ kind: 'report', reportPath });
  }
  return { outDir, summaryPath, reportPath, cells: summary.cells, summary, interrupted };
}
