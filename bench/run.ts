/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --runs N] [-- --out FILE]`: runs kvlab's own speed
 * benchmarks, each suite in its own child process (bounded in time), prints one table (figure,
 * median [min–max], baseline measured in the same run, ratio, target, met?) and writes
 * bench/results/latest.json with the machine it ran on (and the table in Markdown, latest.md).
 * Exit code 1 when a suite failed to run (2 for bad flags); a missed target is reported in the
 * table, not as a failure.
 */
import { Command, CommanderError } from 'commander';
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { machineInfo, probedMachineInfo } from './lib/machine.ts';
import { stopChild } from './lib/procs.ts';
import { figureRow, renderMarkdown, renderTable } from './lib/table.ts';
import type { SuiteOptions, SuiteResult } from './lib/types.ts';
import { SUITE_IDS } from './suites/index.ts';

const CHILD = fileURLToPath(new URL('./lib/suite-child.ts', import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL('./results/latest.json', import.meta.url));

interface Flags {
  quick: boolean;
  only?: string;
  runs?: string;
  out: string;
}

function runSuite(id: string, opts: SuiteOptions, timeoutMs: number): Promise<SuiteResult> {
  const t0 = performance.now();
  const failed = (error: string): SuiteResult => ({ suite: id, title: id, figures: [], config: {}, wallS: (performance.now() - t0) / 1000, error });
  const child = fork(CHILD, [id, JSON.stringify(opts)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<SuiteResult>((resolveResult) => {
    let result: SuiteResult | null = null;
    const timer = setTimeout(() => {
      void stopChild(child).then(() => resolveResult(failed(`timed out after ${timeoutMs / 1000} s`)));
    }, timeoutMs);
    child.on('message', (m) => {
      const msg = m as { type: string; result: SuiteResult };
      if (msg.type === 'result') result = msg.result;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolveResult(result ?? failed(`suite process exited without a result (code ${code}, signal ${signal})`));
    });
  });
}

function parseRuns(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--runs must be an integer in [1, 50], got '${v}'`);
  return n;
}

function parseOnly(v: string | undefined): string[] {
  if (v === undefined) return [...SUITE_IDS];
  const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) if (!SUITE_IDS.includes(id)) throw new Error(`--only: unknown benchmark '${id}' (known: ${SUITE_IDS.join(', ')})`);
  return ids;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('bench')
    .description("kvlab's own speed benchmarks")
    .option('--quick', 'shorter windows and fewer runs (about a minute)', false)
    .option('--only <ids>', `comma-separated subset of: ${SUITE_IDS.join(', ')}`)
    .option('--runs <n>', 'repetitions per measurement (default: per suite)')
    .option('--out <file>', 'where to write the JSON results', DEFAULT_OUT)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let flags: Flags;
  let ids: string[];
  let opts: SuiteOptions;
  try {
    program.parse(argv);
    flags = program.opts<Flags>();
    ids = parseOnly(flags.only);
    opts = { quick: flags.quick, runs: parseRuns(flags.runs) };
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const machine = probedMachineInfo();
  const t0 = performance.now();
  process.stderr.write(`kvlab bench (${flags.quick ? 'quick' : 'full'}) on ${machine.cpuModel}, ${machine.cores} cores, node ${machine.nodeVersion}, load ${machine.loadAvg1}, speed probe ${machine.speedProbeMs} ms (lower is faster)\n`);
  if (machine.loadAvg1 > machine.cores / 2) {
    process.stderr.write(`warning: the machine is busy (load ${machine.loadAvg1} on ${machine.cores} cores); latency and throughput figures will be noisy\n`);
  }
  const results: SuiteResult[] = [];
  for (const id of ids) {
    process.stderr.write(`> ${id}\n`);
    const r = await runSuite(id, opts, flags.quick ? 180_000 : 900_000);
    process.stderr.write(r.error ? `  ${id} FAILED: ${r.error}\n` : `  ${id} done in ${r.wallS.toFixed(1)} s\n`);
    results.push(r);
  }
  const wallS = (performance.now() - t0) / 1000;
  const rows = results.flatMap((r) => (r.error ? [[`${r.suite}: FAILED`, r.error, '', '', '', '✗']] : r.figures.map(figureRow)));
  process.stdout.write(`\n${renderTable(rows)}\n\n`);
  const out = resolve(flags.out);
  mkdirSync(dirname(out), { recursive: true });
  const file = { schemaVersion: 1, tool: 'kvlab-bench', mode: flags.quick ? 'quick' : 'full', machine, wallS, loadAvg1AtEnd: machineInfo().loadAvg1, suites: results };
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  const md = out.replace(/\.json$/, '') + '.md';
  const where = `${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemGiB} GiB, node ${machine.nodeVersion}, ${machine.date.slice(0, 10)}, load ${machine.loadAvg1}→${file.loadAvg1AtEnd}, speed probe ${machine.speedProbeMs} ms`;
  writeFileSync(md, `${renderMarkdown(rows)}\n\n${flags.quick ? 'Quick run' : 'Full run'} on ${where}.\n`);
  process.stdout.write(`wrote ${out} and ${md} (${wallS.toFixed(0)} s)\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
