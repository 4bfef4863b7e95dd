import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (fast: pure logic, in-process servers, virtual time) and `slow` (reliability,
 * soak, fuzzing, the real-vs-virtual clock checks and the real llama.cpp engine, each many seconds). `npm test` runs both;
 * `npm run test:unit` / `npm run test:slow` run one.
 */
const SLOW = [
  'test/reliability/**/*.test.ts',
  'test/lab/*clock-agreement*.test.ts',
  'test/llama/llama-worker.test.ts',
  'test/llama/real-engine-e2e.test.ts',
  'test/llama/sim-to-real.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
