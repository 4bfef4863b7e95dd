/**
 * `kvlab report | compare | merge`: thin commander wiring over src/analysis. Each action normalises
 * its flags, calls one library function and prints the result (a table, or JSON with --json). A bad
 * path or a bad file throws an Error with a one-line message; the binary (src/cli.ts) prints it and
 * exits non-zero. A bad flag value is commander's InvalidArgumentError (usage error).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parseSlos, type Slos } from '../core/goodput.ts';
// The analysis modules (vega, resvg, simple-statistics) are loaded inside the actions, so --help and
// flag errors answer fast.

function slosArg(raw: string): Slos {
  try {
    return parseSlos(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

/** The terminal's width, so wide tables wrap; none when stdout is not a terminal. */
function pageWidth(): number | undefined {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

interface ReportFlags {
  output?: string;
  goodput?: Slos;
  x?: string;
  series?: string;
  title?: string;
  png: boolean;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('plots (SVG + PNG) and a self-contained report.html for run folders (compared), an experiment folder, or sweep folders')
    .argument('<dirs...>', 'run folders; or one experiment folder (has summary.json); or sweep folders (a run folder per setting, as `bench prefix-ratio --output DIR` writes; several: one line each)')
    .option('-o, --output <dir>', 'output folder (default: the folder itself for one, ./kvlab-report for several)')
    .option('--goodput <slos>', "goodput SLOs, e.g. 'ttft_ms:500,tpot_ms:50'", slosArg)
    .option('--x <param>', 'sweep plot: dotted parameter on the x axis (default workload.prefixRatio)')
    .option('--series <param>', 'sweep plot: dotted parameter giving one line per value (default cluster.router.mode; run for several sweep folders)')
    .option('--title <text>', 'report title')
    .option('--no-png', 'write SVG plots only')
    .option('--json', 'print { reportPath, plots } as JSON')
    .action(async (dirs: string[], flags: ReportFlags) => {
      const { writeReport } = await import('../analysis/report/write-report.ts');
      const result = await writeReport({
        runDirs: dirs,
        outDir: flags.output ?? (dirs.length === 1 ? dirs[0] : 'kvlab-report'),
        slos: flags.goodput,
        sweepX: flags.x,
        sweepSeries: flags.series,
        title: flags.title,
        png: flags.png,
      });
      if (flags.json) printJson(result);
      else process.stdout.write(`${result.reportPath}\n`);
    });

  program
    .command('compare')
    .description('per-metric and per-turn ratios B/A of two run folders')
    .argument('<a>', 'baseline run folder (A)')
    .argument('<b>', 'run folder compared against it (B)')
    .option('--json', 'print the comparison as JSON')
    .action(async (a: string, b: string, flags: { json?: boolean }) => {
      const { compareRunDirs } = await import('../analysis/compare-runs.ts');
      const { comparisonTables } = await import('../analysis/summary-tables.ts');
      const { formatTables } = await import('../analysis/tables.ts');
      const result = await compareRunDirs(a, b);
      if (flags.json) {
        printJson({ a: { dir: result.a.dir, name: result.a.name }, b: { dir: result.b.dir, name: result.b.name }, ...result.comparison });
      } else {
        const tables = comparisonTables(result.comparison, result.a.name, result.b.name);
        process.stdout.write(formatTables(tables, { color: useColor(), width: pageWidth() }) + '\n');
      }
    });

  program
    .command('merge')
    .description('merge run folders into one run folder (records concatenated, summary recomputed), or the shard folders of an experiment into one experiment')
    .argument('<dirs...>', 'run folders to merge')
    .requiredOption('-o, --output <dir>', 'merged run folder to write')
    .option('--label <label>', 'label of the merged run')
    .option('--json', 'print the merged run.json (summary.json for experiment shards)')
    .option('--no-png', 'experiment shards: write SVG plots only')
    .action(async (dirs: string[], flags: { output: string; label?: string; json?: boolean; png: boolean }) => {
      // Shards of `kvlab experiment --shard` are experiment folders: merged into one experiment.
      const { isExperimentFolder, mergeExperimentShards } = await import('../lab/merge-experiment-shards.ts');
      if (dirs.every(isExperimentFolder)) {
        const merged = await mergeExperimentShards(dirs, flags.output, { png: flags.png });
        for (const note of merged.notes) process.stderr.write(`kvlab merge: ${note}\n`);
        if (flags.json) printJson(merged.summary);
        else process.stdout.write(`${merged.outDir}: ${merged.summary.cells.length} cells from ${dirs.length} shards${merged.reportPath ? `; report: ${merged.reportPath}` : ''}\n`);
        return;
      }
      const { mergeRunDirs } = await import('../analysis/write-merged-run.ts');
      const result = await mergeRunDirs({ runDirs: dirs, outDir: flags.output, label: flags.label ?? null });
      for (const note of result.notes) process.stderr.write(`kvlab merge: ${note}\n`);
      if (flags.json) printJson(result.run);
      else process.stdout.write(`${result.outDir}: ${result.run.summary.requests} requests from ${dirs.length} runs\n`);
    });
}
