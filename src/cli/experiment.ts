/**
 * `kvlab experiment [FILE]` and `kvlab demo`: thin commander wiring over src/lab. Flags become a
 * RunExperimentOptions / DemoOptions object; progress lines go to stderr, the result (paths, or the
 * summary as JSON with --json) to stdout. Ctrl-C/SIGTERM abort the run (finished requests and cells
 * are kept, summary and report still written; a second Ctrl-C ends it at once); an interrupted run
 * ends with 130 (CliExit). A bad experiment file is a usage error (exit 2) naming the field, and so
 * is an --output folder that already holds something, unless --overwrite.
 */
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
// Light imports only: the lab (clusters, workloads, tokenizer tables, Vega) is loaded when a command
// runs, so --help and flag errors answer fast.
import type { ExperimentProgress, Target } from '../lab/run-experiment.ts';
import type { Clock } from '../lab/experiment-summary.ts';
import { EXIT_INTERRUPTED, withAbort } from './signals.ts';
import { CliExit } from './exit.ts';
import { availableParallelism, loadavg } from 'node:os';
import { autoJobs } from '../lab/auto-jobs.ts';
import { enumArg, intArg } from './flags.ts';
import { shardArg } from './shard-flag.ts';

const CLOCKS = ['virtual', 'real'] as const;

/** Which fields an experiment file needs (lab/experiment-file.ts REQUIRED_FIELDS), for --help. */
export const EXPERIMENT_FILE_HELP = `
An experiment file is JSON. Required: name, cluster (may be {}) and workload.kind.
Optional: description (what it shows, the report's first lines; without it the summary and the
report describe the settings), source, cluster settings (numWorkers, router, blockSize, ...),
the workload's parameters, matrix, repeats, seed, plots, report. The smallest file:
  {"name": "mine", "cluster": {}, "workload": {"kind": "multiturn"}}
The README's "kvlab experiment" section lists every field.`;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `LABEL=URL` → a target (URL checks happen in the library). */
export function parseTargetFlag(raw: string): Target {
  const eq = raw.indexOf('=');
  if (eq <= 0 || eq === raw.length - 1) throw makeError('bad_flag', { flag: '--target', detail: `expected LABEL=URL, got '${raw}'` });
  return { label: raw.slice(0, eq).trim(), url: raw.slice(eq + 1).trim() };
}

/**
 * Progress lines for stderr (`write`); with `parallel`, each start names the cells now running;
 * `startNote` goes after the clock on the first line (e.g. how many cells run at once, and why).
 */
export function progressPrinter(prefix = '', parallel = false, write: (line: string) => void = (line) => process.stderr.write(line), startNote = ''): (e: ExperimentProgress) => void {
  const err = { write };
  // With --jobs N several cells run at once: each start names the cells now running.
  const running = new Set<number>();
  return (e) => {
    if (e.kind === 'start') err.write(`${prefix}${e.experiment}: ${e.cells} cell(s) on the ${e.clock} clock${e.cells > 1 ? startNote : ''} → ${e.outDir}\n`);
    else if (e.kind === 'cell-start' && parallel) {
      running.add(e.index);
      const list = [...running].sort((a, b) => a - b).map((i) => i + 1);
      err.write(`${prefix}  started ${e.index + 1}/${e.total}; running: ${list.join(', ')}\n`);
    } else if (e.kind === 'cell-ran') running.delete(e.index);
    else if (e.kind === 'cell' && parallel) {
      running.delete(e.index);
      err.write(`${prefix}${e.line}\n`);
    }
    else if (e.kind === 'note') err.write(`${prefix}note: ${e.message}\n`);
    else if (e.kind === 'cell') err.write(`${prefix}${e.line}\n`);
  };
}

interface ExperimentFlags {
  clock?: Clock;
  target: string[];
  output?: string;
  overwrite?: boolean;
  set: string[];
  list?: boolean;
  json?: boolean;
  png: boolean;
  jobs?: number;
  shard?: { index: number; count: number };
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description('Run an experiment (a file, or a shipped one by name) on the virtual clock, an embedded cluster, or remote targets')
    .argument('[file]', 'experiment file or shipped experiment name (see --list)')
    .option('--clock <clock>', 'virtual (in-process, simulated time; default) or real (embedded cluster, or the --target URLs)', enumArg(CLOCKS))
    .option('--target <label=url>', 'run against a deployment instead of a cluster (repeatable; real clock)', collect, [])
    .option('-o, --output <dir>', 'experiment folder, new or empty (default results/<name>-<timestamp>)')
    .option('--overwrite', "replace the experiment an existing --output folder holds (kvlab's files only)")
    .option('--set <path=value>', "override a setting, e.g. 'cluster.numWorkers=4' or 'matrix.router.mode=[\"kv\"]' (repeatable)", collect, [])
    .option('--list', 'list the shipped experiments')
    .option('--json', 'print summary.json (or the list) as JSON')
    .option('--no-png', 'write SVG plots only')
    .option('--jobs <n>', `virtual-clock cells run at once: the main thread and up to n − 1 worker threads, started while cells wait (default: the cores, ${availableParallelism()}, less one per whole unit of the 1-minute load average, at least 1); real-clock cells always run one at a time`, intArg({ min: 1 }))
    .option('--shard <i/n>', 'run shard I of N of the cells (every N-th from the I-th, I from 0); `kvlab merge` joins the shard folders', shardArg())
    .addHelpText('after', EXPERIMENT_FILE_HELP)
    .action(async (file: string | undefined, f: ExperimentFlags) => {
      const { listShipped } = await import('../lab/experiment-source.ts');
      if (f.list) {
        const shipped = listShipped();
        if (f.json) process.stdout.write(JSON.stringify(shipped, null, 2) + '\n');
        else {
          const width = Math.max(...shipped.map((s) => s.name.length));
          for (const s of shipped) process.stdout.write(`${s.name.padEnd(width)}  ${s.description}\n`);
        }
        return;
      }
      if (!file) throw makeError('bad_flag', { flag: 'FILE', detail: 'give an experiment file or a shipped name (kvlab experiment --list)' });
      const targets = f.target.map(parseTargetFlag);
      const clock: Clock = f.clock ?? (targets.length > 0 ? 'real' : 'virtual');
      const { runExperiment } = await import('../lab/run-experiment.ts');
      // Given on the real clock, --jobs only earns a note (those cells run one at a time).
      let jobs = f.jobs;
      let jobsNote = '';
      if (jobs === undefined && clock === 'virtual') {
        const [load1] = loadavg();
        jobs = autoJobs(availableParallelism(), load1);
        jobsNote = `, ${jobs} at a time (--jobs default: ${availableParallelism()} cores, 1-minute load ${load1.toFixed(1)})`;
      }
      const result = await withAbort('kvlab experiment: interrupted, finishing in-flight requests and writing what was measured', (signal) =>
        runExperiment({ file, clock, targets, outDir: f.output, overwrite: f.overwrite, sets: f.set, signal, png: f.png, jobs, shard: f.shard, apiKey: process.env.OPENAI_API_KEY ?? null, onProgress: progressPrinter('', clock === 'virtual' && (jobs ?? 1) > 1, undefined, jobsNote) }),
      );
      if (f.json) process.stdout.write(JSON.stringify(result.summary, null, 2) + '\n');
      else {
        process.stdout.write(`summary: ${result.summaryPath}\n`);
        if (result.reportPath) process.stdout.write(`report: ${result.reportPath}\n`);
      }
      if (result.interrupted) throw new CliExit(EXIT_INTERRUPTED);
    });

  program
    .command('demo')
    .description('The finding on the virtual clock (prefix-ratio sweep, speculative prefill), then a few of its cells on both clocks — the embedded real cluster beside the virtual one — one report')
    .option('--no-real-check', 'skip the real-clock check (the virtual finding only: seconds)')
    .option('-o, --output <dir>', 'output folder, new or empty (default results/demo-<timestamp>)')
    .option('--overwrite', "replace the demo an existing --output folder holds (kvlab's files only)")
    .option('--json', 'print the headline numbers, the two-clock pairs and paths as JSON')
    .option('--no-png', 'write SVG plots only')
    .action(async (f: { realCheck: boolean; output?: string; overwrite?: boolean; json?: boolean; png: boolean }) => {
      const { renderClockPairs, renderHeadlines, runDemo } = await import('../lab/demo.ts');
      const result = await withAbort('kvlab demo: interrupted, finishing in-flight requests and writing what was measured', (signal) =>
        runDemo({ realCheck: f.realCheck, outDir: f.output, overwrite: f.overwrite, signal, png: f.png, onProgress: (name, e) => progressPrinter(`[${name}] `)(e) }),
      );
      if (f.json) process.stdout.write(JSON.stringify({ outDir: result.outDir, reportPath: result.reportPath, headlines: result.headlines, pairs: result.pairs }, null, 2) + '\n');
      else {
        const lines = ['The finding (virtual clock, the shipped experiments):', ...renderHeadlines(result.headlines)];
        if (result.pairs.length > 0) lines.push('', ...renderClockPairs(result.pairs));
        process.stdout.write(lines.join('\n') + '\n');
        if (result.reportPath) process.stdout.write(`report: ${result.reportPath}\n`);
      }
      if (result.interrupted) throw new CliExit(EXIT_INTERRUPTED);
    });
}
