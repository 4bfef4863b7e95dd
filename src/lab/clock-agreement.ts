/**
 * Clock agreement: one small experiment run on the virtual clock and on the real one (the embedded
 * cluster), reduced to what the two are compared on — per router mode, mean TTFT, cache hit ratio and
 * failures. Shared by the test (test/lab/clock-agreement.test.ts: what must hold on any machine) and
 * the bench (bench/suites/clock-agreement.ts: how close the numbers are, a figure with a target).
 *
 * Why speedupRatio 0.05 (the engine slowed 20×) rather than a high ratio: the embedded cluster runs the
 * client, the router and every worker in one process, and each request pays a fixed real-time cost that
 * the speedup ratio cannot divide — JSON, BPE tokenization in the router and in the worker, loopback
 * HTTP — measured at ~10–25 ms per request. Simulated TTFTs an order of magnitude above that keep the
 * real clock's extra cost small, and requests go one at a time (each TTFT is then a prefill, not a race
 * between concurrent requests). A run of both clocks takes ~20 s.
 */
import { join } from 'node:path';
import { runExperiment, type ExperimentResult } from './run-experiment.ts';

export const CLOCK_AGREEMENT_MODES = ['kv', 'round-robin'] as const;
export type ClockAgreementMode = (typeof CLOCK_AGREEMENT_MODES)[number];

export const CLOCK_AGREEMENT_EXPERIMENT = Object.freeze({
  name: 'clock-agreement',
  description: 'one-at-a-time prefix-sharing requests on 3 workers, kv vs round-robin',
  cluster: { numWorkers: 3, router: { mode: 'kv' }, speedupRatio: 0.05 },
  workload: { kind: 'prefix-ratio', isl: 1000, osl: 1, requests: 16, concurrency: 1, numPrefixPrompts: 6, prefixRatio: 0.9 },
  matrix: { 'router.mode': [...CLOCK_AGREEMENT_MODES] },
  seed: 1,
});

export interface ClockSide {
  meanTtftMs: number;
  cacheHitRatio: number | null;
  requests: number;
  failed: number;
}

export type ClockAgreement = Record<'virtual' | 'real', Record<ClockAgreementMode, ClockSide>>;

function sides(r: ExperimentResult): Record<ClockAgreementMode, ClockSide> {
  const pick = (mode: ClockAgreementMode): ClockSide => {
    const cell = r.cells.find((c) => c.params['router.mode'] === mode);
    if (!cell || cell.summary.ttftMs.mean === null) throw new Error(`clock agreement: no TTFT for ${mode}`);
    const s = cell.summary;
    return { meanTtftMs: s.ttftMs.mean as number, cacheHitRatio: s.cacheHitRatio, requests: s.requests, failed: s.failed };
  };
  return { kv: pick('kv'), 'round-robin': pick('round-robin') };
}

/** Runs the experiment on both clocks, writing under `outDir` (virtual/, real/). */
export async function runClockAgreement(outDir: string): Promise<ClockAgreement> {
  const experiment = CLOCK_AGREEMENT_EXPERIMENT;
  const virtual = await runExperiment({ experiment, clock: 'virtual', outDir: join(outDir, 'virtual'), report: false });
  const real = await runExperiment({ experiment, clock: 'real', outDir: join(outDir, 'real'), report: false });
  return { virtual: sides(virtual), real: sides(real) };
}
