import { defineConfig } from 'vitest/config';

/**
 * Four projects. `unit` (fast: pure logic, in-process servers, virtual time) and `slow` (reliability,
 * soak, fuzzing, the real llama.cpp engine, Kubernetes emulation, each many seconds) run first, side by
 * side on two workers. `clock` (tests that compare real-clock timings with a tolerance: the
 * real-vs-virtual clock checks, observe → calibrate → predict, simulated vs real llama.cpp, the soak) runs last, alone on one worker, so no
 * other test file competes with them for the cores while they time. `npm test` runs all four;
 * `npm run test:unit` runs unit (and unit-isolated), `npm run test:slow` runs slow and clock.
 *
 * Vitest's default is one worker on a 2-core machine (CPUs − 1); two workers there cut the suite's wall
 * time without slowing any file's own timing checks (those are in `clock`).
 *
 * `unit` does not isolate files (isolate: false): a worker process keeps its module cache from one file
 * to the next, so kvlab's modules, fastify and the o200k tables load once per worker instead of once per
 * file (on core, mocker and router-sim this cut the CPU time 164 s → 67 s). Its files share nothing
 * else: each starts its own servers and temp folders. A file that checks what a fresh process has
 * loaded goes in ISOLATED (`unit-isolated`, one process per file, run with unit).
 *
 * Property tests (fast-check) use one fixed seed (test/helpers/fast-check-seed.ts; FC_SEED to explore).
 */
const ISOLATED = ['test/client/excel-lazy.test.ts'];
/** Timing checks that need the cores to themselves; the soak's 3,000-request warm-up too (it missed its 50 s beside another file at load ~8). */
const CLOCK = ['test/lab/*clock-agreement*.test.ts', 'test/lab/observe-calibrate.test.ts', 'test/reliability/soak.test.ts', 'test/llama/sim-to-real.test.ts'];
const SLOW = [
  'test/reliability/**/*.test.ts',
  'test/llama/llama-worker.test.ts',
  'test/llama/real-engine-e2e.test.ts',
  'test/k8s/indexed-job.test.ts',
  'test/analysis/report-browser.test.ts',
  'test/lab/experiment-tokenizer-real.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/helpers/fast-check-seed.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...SLOW, ...CLOCK, ...ISOLATED], isolate: false, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'unit-isolated', include: ISOLATED, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'slow', include: SLOW, exclude: CLOCK, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'clock', include: CLOCK, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
