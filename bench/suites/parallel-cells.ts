/**
 * Benchmark — virtual-clock cells in parallel (`kvlab experiment --jobs N`, src/lab/cell-pool.ts): the
 * shipped `prefix-ratio-sweep` (10 cells, ground truth included) with `--jobs 2` (the main thread and
 * one worker thread) against `--jobs 1` (the main thread alone), in the same run, alternating: as
 * shipped (200 requests per cell, ~0.25 s of CPU each) and with 2,000 requests per cell. Wall time and
 * process CPU time (user + system, all threads) of `runExperiment`, this process's modules already
 * loaded and compiled (a CLI run adds its own start-up to both); what `--jobs 2` costs on top is the
 * thread's start-up (loading, tokenizer tables, and its code running cold until the JIT has compiled
 * it) and the thread building its cells' workloads. Issue 15's targets: ~2× faster with two jobs on
 * two cores on long cells (ratio ≤ 0.6), and never slower on the shipped sweep (ratio ≤ 1). Results
 * are the same either way (tested in test/lab/parallel-cells.test.ts), so only time is measured.
 */
import { join } from 'node:path';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import { inTempDir } from '../lib/temp-dir.ts';
import { ThreadCpu } from '../lib/thread-cpu.ts';
import type { Suite } from '../lib/types.ts';

const EXPERIMENT = 'prefix-ratio-sweep';

interface JobsRun {
  wallS: number;
  cpuS: number;
  /** CPU time of the busiest thread (main or cell thread): the wall time with a core of its own. */
  busiestS: number;
}

/** The shipped sweep, and the same with 10× the requests per cell. */
const SIZES = [
  { id: 'shipped', label: 'as shipped (200 requests per cell)', sets: [] as string[], limit: 1 },
  { id: 'long', label: '2,000 requests per cell', sets: ['workload.requests=2000'], limit: 0.6 },
] as const;

async function measure(jobs: number, sets: readonly string[], dir: string): Promise<JobsRun> {
  const threads = await ThreadCpu.start();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runExperiment({ file: EXPERIMENT, clock: 'virtual', jobs, sets: [...sets], outDir: dir, report: false });
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const busiestS = await threads.busiest();
  if (r.cells.some((cell) => cell.summary.failed > 0)) throw new Error('a cell had failed requests');
  return { wallS, cpuS: (c.user + c.system) / 1e6, busiestS };
}

export const parallelCells: Suite = {
  id: 'parallel-cells',
  title: 'Virtual cells in parallel: --jobs 2 against --jobs 1',
  async run(opts, log) {
    const runs = repetitions(opts, 1, 3);
    return inTempDir('kvlab-bench-jobs-', async (root) => {
      await measure(1, [], join(root, 'warm-up')); // this process's modules, tables and compiled code, for both
      const figures = [];
      for (const size of SIZES) {
        const got = { 1: [] as JobsRun[], 2: [] as JobsRun[] };
        for (let i = 0; i < runs; i++) {
          for (const jobs of [2, 1] as const) {
            const m = await measure(jobs, size.sets, join(root, `${size.id}-${i}-${jobs}`));
            got[jobs].push(m);
            log(`${size.id}, run ${i + 1}, --jobs ${jobs}: ${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU, busiest thread ${m.busiestS.toFixed(2)} s CPU`);
          }
        }
        const note = `${EXPERIMENT}, ${size.label}: 10 virtual cells and their ground truth, runExperiment in the bench's process`;
        const base = '--jobs 1';
        figures.push(
          makeFigure({ id: `jobs.${size.id}.wall_s`, name: `${EXPERIMENT} ${size.id} wall time, --jobs 2`, unit: 's', values: got[2].map((m) => m.wallS), baseline: { name: base, values: got[1].map((m) => m.wallS) }, target: { on: 'ratio', op: '<=', limit: size.limit }, note }),
          makeFigure({ id: `jobs.${size.id}.cpu_s`, name: `${EXPERIMENT} ${size.id} CPU time, --jobs 2`, unit: 's', values: got[2].map((m) => m.cpuS), baseline: { name: base, values: got[1].map((m) => m.cpuS) }, note: `${note}; user + system, all threads` }),
          makeFigure({
            id: `jobs.${size.id}.busiest_thread_cpu_s`,
            name: `${EXPERIMENT} ${size.id} busiest thread's CPU, --jobs 2`,
            unit: 's',
            values: got[2].map((m) => m.busiestS),
            baseline: { name: base, values: got[1].map((m) => m.busiestS) },
            note: `${note}; the CPU time of the runner that worked longest (bench/lib/thread-cpu.ts): the wall time each would take with a core of its own, whatever the machine's load`,
          }),
        );
      }
      return { figures, config: { runs, experiment: EXPERIMENT, sizes: SIZES.map((s) => s.label) } };
    });
  },
};
