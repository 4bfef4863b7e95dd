import { defineConfig } from 'vitest/config';

/**
 * Three projects. `unit` (fast: pure logic, in-process servers, virtual time) and `slow` (reliability,
 * soak, fuzzing, the real llama.cpp engine, Kubernetes emulation, each many seconds) run first, side by
 * side on two workers. `clock` (tests that compare real-clock timings with a tolerance: the
 * real-vs-virtual clock checks, observe → calibrate → predict) runs last, alone on one worker, so no
 * other test file competes with them for the cores while they time. `npm test` runs all three;
 * `npm run test:unit` runs unit, `npm run test:slow` runs slow and clock.
 *
 * Vitest's default is one worker on a 2-core machine (CPUs − 1); two workers there cut the suite's wall
 * time without slowing any file's own timing checks (those are in `clock`).
 */
const CLOCK = ['test/lab/*clock-agreement*.test.ts', 'test/lab/observe-calibrate.test.ts'];
const SLOW = [
  'test/reliability/**/*.test.ts',
  'test/llama/llama-worker.test.ts',
  'test/llama/real-engine-e2e.test.ts',
  'test/k8s/indexed-job.test.ts',
  'test/analysis/report-browser.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...SLOW, ...CLOCK], maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'slow', include: SLOW, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'clock', include: CLOCK, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
