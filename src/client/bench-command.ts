/**
 * What `kvlab bench <workload>` does once its flags are parsed: load the workload's inputs, build it
 * from the registry, claim the output folder (output/output-dir.ts: a named one must be new or empty
 * unless `overwrite`; none named: a new timestamped folder under results/, except for --ping), run it
 * (once, or once per prefix ratio), show progress and the summary (or the run.json content with
 * --json; notes such as warm-up, cache reset and length warnings on stderr), write the optional
 * conversations / Excel files, and return the exit code: 130 when interrupted; 1 when more requests
 * failed than the accepted share (the failure breakdown heads the summary; on stderr with --json), or
 * when --ping or --verify-output failed; 99 when a threshold failed; else 0.
 * Output goes to the streams passed in, so tests run it in-process.
 */
import { join } from 'node:path';
import { makeError } from '../core/errors.ts';
import {
  DEFAULT_CALIBRATION_FILE,
  DEFAULT_DOCUMENTS_DIR,
  DEFAULT_TRACE_FILE,
  getWorkload,
  loadConversationsInput,
  loadDocuments,
  loadSharedPrefixPresets,
  loadTrace,
  type WorkloadName,
} from './workloads/index.ts';
import type { Workload } from './workloads/types.ts';
import { shardSeed, shardWorkload, type Shard } from './workloads/shard.ts';
import { markPriorityClass } from './workloads/priority-class.ts';
import { expectedRequests, runBench, type BenchOptions, type BenchResult } from './bench.ts';
import { createProgress, type ProgressSink } from './report/progress.ts';
import { renderFailures, renderSummary } from './report/render-summary.ts';
import { writeExcel } from './output/excel.ts';
import { writeJsonAtomic } from './output/run-folder.ts';
import { claimOutputDir, RESULTS_DIR, timestampedDir } from './output/output-dir.ts';
import { failureHeadline } from './report/failures.ts';
import { describeTurn } from './report/turn-log.ts';
import { verifyAnswers, type ExpectedAnswers } from './verify-output.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_THRESHOLDS = 99;
export const EXIT_INTERRUPTED = 130;

export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** stdout is a TTY: colours in the summary. */
  tty: boolean;
  /** stderr is a TTY: a redrawn progress bar instead of periodic lines (default: `tty`). */
  progressTty?: boolean;
}

export type SharedBenchOptions = Omit<BenchOptions, 'command' | 'workload' | 'onRecord' | 'onWarmup' | 'onStart' | 'onNote' | 'outputDir'> & {
  /** The folder named by --output (must be new or empty unless `overwrite`); null: a new one under `resultsDir`. */
  outputDir?: string | null;
  /** Replace the run an existing outputDir holds. */
  overwrite?: boolean;
  json?: boolean;
  /** Run only this shard of the workload (workloads/shard.ts); recorded as run.json config.shard. */
  shard?: Shard;
  /** Share of conversations sent as a priority class (workloads/priority-class.ts); in the workload's params. */
  priorityShare?: number;
};

export interface BenchCommandOptions {
  workload: WorkloadName;
  /** Workload parameter overrides (undefined keeps the default). */
  params: Record<string, unknown>;
  shared: SharedBenchOptions;
  /** documents: the seed documents folder. */
  documentsDir?: string;
  /** conversations: the spec or ShareGPT file. */
  inputFile?: string;
  /** trace: the Mooncake JSONL file. */
  inputDataset?: string;
  /** prefix-ratio: one run per ratio (each in its own folder under outputDir). */
  prefixRatios?: number[];
  /** Print every request (and the answer with printContent). */
  verbose?: boolean;
  printContent?: boolean;
  /** multiturn --ping: verbose single request; non-zero exit when it fails. */
  ping?: boolean;
  /** conversations: write the conversations with the real answers here. */
  outputFile?: string;
  /** conversations: write an .xlsx of the run here. */
  excelOutput?: string;
  /** shared-prefix: the calibration file whose `presets` name the presets (default: the shipped one). */
  presetsFile?: string;
  /** conversations: fail when an answer differs from the input file's reference answer. */
  verifyOutput?: boolean;
  /** Where a run given no outputDir goes (default results/ in the working directory). */
  resultsDir?: string;
}

interface Prepared {
  label: string | null;
  outputDir: string | null;
  workload: Workload;
  expected: ExpectedAnswers | null;
}

async function prepare(o: BenchCommandOptions, out: string | null): Promise<Prepared[]> {
  const def = getWorkload(o.workload);
  const label = o.shared.label ?? null;
  // Generated prompts in the served model's words (`--tokenizer`), so their token counts are its own.
  const words = o.shared.tokenizer?.promptWords;
  switch (o.workload) {
    case 'documents': {
      const documents = await loadDocuments(o.documentsDir ?? DEFAULT_DOCUMENTS_DIR);
      return [{ label, outputDir: out, workload: def.build(o.params, { documents }), expected: null }];
    }
    case 'conversations': {
      if (!o.inputFile) throw makeError('bad_flag', { flag: '--input-file', detail: 'required for the conversations workload' });
      const inputs = await loadConversationsInput(o.inputFile);
      const workload = def.build(o.params, inputs);
      return [{ label, outputDir: out, workload, expected: o.verifyOutput ? expectedAnswersOf(inputs.input) : null }];
    }
    case 'trace': {
      const rows = await loadTrace(o.inputDataset ?? DEFAULT_TRACE_FILE);
      return [{ label, outputDir: out, workload: def.build(o.params, { rows }), expected: null }];
    }
    case 'shared-prefix': {
      const presets = loadSharedPrefixPresets(o.presetsFile ?? DEFAULT_CALIBRATION_FILE);
      return [{ label, outputDir: out, workload: def.build(o.params, { presets }, words), expected: null }];
    }
    case 'prefix-ratio': {
      const ratios = o.prefixRatios && o.prefixRatios.length > 0 ? o.prefixRatios : [undefined];
      return ratios.map((r) => {
        const workload = def.build(r === undefined ? o.params : { ...o.params, prefixRatio: r }, undefined, words);
        const ratio = workload.params.prefixRatio;
        const many = ratios.length > 1;
        return {
          label: many ? `${label ? `${label} ` : ''}prefix-ratio=${ratio}` : label,
          outputDir: out && many ? join(out, `prefix-ratio-${ratio}`) : out,
          workload,
          expected: null,
        };
      });
    }
    default:
      return [{ label, outputDir: out, workload: def.build({ ...o.params, ...(o.ping ? { ping: true } : {}) }, undefined, words), expected: null }];
  }
}

/**
 * Reference answers of a ShareGPT-style input in vLLM's converted format
 * (`[{id, messages: [{role, content}]}]`): per conversation, the assistant message after each user turn.
 */
export function expectedAnswersOf(input: unknown): ExpectedAnswers {
  const out: ExpectedAnswers = new Map();
  if (!Array.isArray(input)) return out;
  for (const conv of input) {
    const c = conv as { id?: unknown; messages?: unknown };
    if (typeof c?.id !== 'string' && typeof c?.id !== 'number') continue;
    if (!Array.isArray(c.messages)) continue;
    const answers: (string | null)[] = [];
    for (const m of c.messages as { role?: unknown; content?: unknown }[]) {
      if (m?.role === 'user') answers.push(null);
      else if (m?.role === 'assistant' && answers.length > 0 && typeof m.content === 'string') answers[answers.length - 1] = m.content;
    }
    out.set(String(c.id), answers);
  }
  return out;
}

/** The run's folder: the one named, else a new timestamped one (none for --ping, a smoke test). */
function outputDirOf(o: BenchCommandOptions): string | null {
  if (o.shared.outputDir) return o.shared.outputDir;
  return o.ping ? null : timestampedDir(o.workload, new Date(), o.resultsDir ?? RESULTS_DIR);
}

/** Each run cut to its shard (none given: unchanged), saying so when a shard has no work. */
function applyShard(o: BenchCommandOptions, runs: Prepared[], io: BenchIo): Prepared[] {
  const shard = o.shared.shard;
  if (!shard) return runs;
  return runs.map((p) => {
    const workload = shardWorkload(p.workload, shard);
    if (workload.scripts.length === 0) {
      io.stderr.write(`kvlab bench ${o.workload}: shard ${shard.index}/${shard.count} has no work (the workload has ${p.workload.scripts.length} conversation(s)): writing an empty run\n`);
    }
    return { ...p, workload };
  });
}

/** Each run's workload with its priority class (none asked: unchanged), drawn before sharding so shards agree. */
function applyPriorityClass(o: BenchCommandOptions, runs: Prepared[]): Prepared[] {
  const share = o.shared.priorityShare;
  if (share === undefined) return runs;
  return runs.map((p) => ({ ...p, workload: markPriorityClass(p.workload, share, (p.workload.params.seed as number | undefined) ?? o.shared.seed ?? 0) }));
}

export async function benchCommand(o: BenchCommandOptions, io: BenchIo): Promise<number> {
  const outputDir = outputDirOf(o);
  const runs = applyShard(o, applyPriorityClass(o, await prepare(o, outputDir)), io);
  // Only once the workload built: a bad parameter must not touch the folder.
  if (o.shared.outputDir) claimOutputDir(o.shared.outputDir, o.shared.overwrite ?? false);
  const verbose = o.verbose || o.ping || o.printContent;
  const { shard, priorityShare: _share, ...shared } = o.shared;
  const json = o.shared.json ?? false;
  const results: BenchResult[] = [];
  for (const p of runs) {
    if (o.shared.signal?.aborted) break;
    const ui: { progress: ProgressSink | null } = { progress: null };
    let result: BenchResult;
    try {
      result = await runBench({
        ...shared,
        command: `bench ${o.workload}`,
        workload: p.workload,
        label: p.label,
        outputDir: p.outputDir,
        stream: o.shared.stream ?? (p.workload.params.stream === false ? false : true),
        ...(shard
          ? {
              seed: shardSeed(o.shared.seed ?? 0, shard),
              config: { ...o.shared.config, shard: { index: shard.index, count: shard.count, seed: o.shared.seed ?? 0 } },
            }
          : {}),
        onStart: (info) => {
          if (verbose && !json) io.stderr.write(`kvlab bench ${o.workload}: model ${info.model} at ${info.urls.join(', ')}, ${info.expectedRequests} requests planned\n`);
          ui.progress = createProgress({
            stream: io.stderr,
            total: expectedRequests(p.workload),
            tty: (io.progressTty ?? io.tty) && !verbose,
            quiet: json || verbose,
            now: () => performance.now(),
          });
        },
        onRecord: (record, detail) => {
          ui.progress?.record(record);
          if (verbose && !json) io.stderr.write(describeTurn(record, detail, { content: o.printContent || o.ping }));
        },
        onNote: (message) => io.stderr.write(`kvlab bench ${o.workload}: ${message}\n`),
      });
    } finally {
      ui.progress?.stop();
    }
    results.push(result);
    if (!json) {
      io.stdout.write(renderSummary(result.run, { color: io.tty }));
      if (result.outputDir) io.stdout.write(`\nresults: ${result.outputDir}\n`);
      if (runs.length > 1) io.stdout.write('\n');
    } else {
      // stdout holds the JSON: the failure breakdown and the folder go to stderr.
      const failures = renderFailures(result.run.failures, { color: false });
      if (failures.length > 0) io.stderr.write(failures.join('\n') + '\n');
      if (result.outputDir) io.stderr.write(`results: ${result.outputDir}\n`);
    }
    if (o.outputFile) writeJsonAtomic(o.outputFile, result.transcripts());
    if (o.excelOutput) await writeExcel(o.excelOutput, result.run, result.records);
    if (p.expected) {
      const mismatches = verifyAnswers(result.transcripts(), p.expected);
      if (mismatches.length > 0) {
        for (const m of mismatches.slice(0, 10)) io.stderr.write(`verify-output: ${m}\n`);
        io.stderr.write(`verify-output: ${mismatches.length} answer(s) differ from the input file\n`);
        if (json) io.stdout.write(JSON.stringify(result.run, null, 2) + '\n');
        return EXIT_FAILED;
      }
    }
    if (result.interrupted) break;
  }
  if (json) {
    const body = results.length === 1 ? results[0].run : results.map((r) => r.run);
    io.stdout.write(JSON.stringify(body, null, 2) + '\n');
  }
  if (results.some((r) => r.interrupted)) return EXIT_INTERRUPTED;
  const failing = results.filter((r) => !r.run.failures.ok);
  if (failing.length > 0) {
    for (const r of failing) io.stderr.write(`kvlab bench ${o.workload}${r.run.label ? ` [${r.run.label}]` : ''}: ${failureHeadline(r.run.failures)}\n`);
    return EXIT_FAILED;
  }
  if (results.some((r) => r.thresholdsFailed)) return EXIT_THRESHOLDS;
  if (o.ping && results.some((r) => r.run.summary.failed > 0 || r.run.summary.requests === 0)) return EXIT_FAILED;
  return EXIT_OK;
}
