/**
 * Sim-to-real on the CPU, end to end: kvlab's client observes a real engine (a llama-worker: llama.cpp,
 * a small generated model, one thread, --kvlab-tokens, started as its own process as a user runs it)
 * under an observed workload; `calibrate` fits a timing profile from those runs; `predict` simulates a
 * DIFFERENT load (other prompt lengths, concurrency, turns and answer lengths than anything observed)
 * on the virtual clock; the same load is then measured on the worker. The issue's target (mean TTFT and
 * ITL within 15 %) is printed with the errors; what is asserted is what holds on shared cores too: the
 * calibrated prediction within 50 %, and its error at most half the uncalibrated CPU profile's
 * (CPU_PRIOR) — the test fails when calibration does not carry the engine's behaviour.
 *
 * What makes the fit identifiable: the observed workload is two shapes — 4 users over short contexts
 * (400-token system prompts) and 1 user over long ones (2,000) — so steps of 4 and of 1 sequence, over
 * short and long contexts, tell the per-step overhead from the per-token and per-context-token costs;
 * the predicted load (2 users, 1,000-token system prompts) lies between them. Observed on one shape
 * alone (4 users), every step has ~4 sequences and the fit extrapolates to 2 (the README's figures).
 *
 * Wall-clock on shared cores: the worker runs in its own process (in the test's process, the client's
 * JavaScript and the worker's shared one event loop: TTFT of the predicted load ~75 ms there, ~35 ms
 * apart, README); the observed and measured runs are interleaved in rounds, so a machine whose speed
 * drifts under other jobs is observed around every measurement, and the prediction is compared with the
 * median over the rounds of each measured run's mean, so one run caught in a burst does not decide; the
 * figures of each run are printed. On 2 cores beside a CPU hog and other jobs (load 6–12) the guard
 * still failed once in 6 runs (README).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBench } from '../../src/client/bench.ts';
import { buildMultiturn, type MultiturnParams } from '../../src/client/workloads/index.ts';
import { percentileSorted, summarize } from '../../src/core/summary.ts';
import type { RequestRecord } from '../../src/core/records.ts';
import { calibrateFromRuns } from '../../src/lab/calibrate/from-runs.ts';
import { CPU_PRIOR, CPU_PRIOR_SCALE, llamaDeployment } from '../../src/lab/calibrate/llama-deployment.ts';
import { runPredict } from '../../src/lab/predict/predict.ts';
import type { RooflineCoefficients } from '../../src/mocker/engine/timing/roofline.ts';
import { realEngineSkip, spawnLlamaWorker, testModelPath, type SpawnedLlamaWorker } from './helpers.ts';

const skip = await realEngineSkip('test/llama/sim-to-real.test.ts');

const WORKER = { parallel: 4, contextSize: 4096, threads: 1 };
const SAME = { ignoreEos: true, meanDelayMs: 0 } as const;
/** Observed, shape 1: 4 users × 8 turns, 400-token system prompts, 50-token turns, 24-token answers. */
const OBSERVE_MANY: Partial<MultiturnParams> = { ...SAME, numUsers: 4, numTurns: 8, systemPromptTokens: 400, numUserTokens: 50, maxCompletionTokens: 24 };
/** Observed, shape 2: 1 user × 10 turns, 2,000-token system prompt, 60-token turns, 64-token answers. */
const OBSERVE_LONG: Partial<MultiturnParams> = { ...SAME, numUsers: 1, numTurns: 10, systemPromptTokens: 2000, numUserTokens: 60, maxCompletionTokens: 64 };
/** Predicted, then measured: 2 users × 6 turns, 1,000-token system prompts, 30-token turns, 40-token answers. */
const PREDICT: Partial<MultiturnParams> = { ...SAME, numUsers: 2, numTurns: 6, systemPromptTokens: 1000, numUserTokens: 30, maxCompletionTokens: 40 };
/** Rounds of (observe shape 1, observe shape 2, measure), each run with its own seed (its own prompts). */
const ROUNDS = 3;

let worker: SpawnedLlamaWorker | null = null;
let dir = '';

beforeAll(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'kvlab-sim-to-real-'));
  worker = await spawnLlamaWorker(['--gguf', testModelPath(), '--kvlab-tokens', '--parallel', String(WORKER.parallel), '--context-size', String(WORKER.contextSize), '--threads', String(WORKER.threads)]);
}, 60_000);

afterAll(async () => {
  await worker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One run: 4 warm-up requests, the caches emptied, then the workload; printed as it ends. */
async function measure(params: Partial<MultiturnParams>, name: string): Promise<RequestRecord[]> {
  const run = await runBench({ command: 'bench multiturn', workload: buildMultiturn(params), urls: [worker!.url], outputDir: join(dir, name), seed: 1, warmupRequests: 4, resetCache: true });
  const s = summarize(run.records);
  process.stdout.write(`  ${name.padEnd(10)} ${s.requests} requests: TTFT mean ${s.ttftMs.mean?.toFixed(1)} ms, ITL mean ${s.itlMs.mean?.toFixed(2)} ms (load average ${loadavg()[0].toFixed(1)})\n`);
  return run.records;
}

/** What the test asserts of the calibrated prediction (the 15 % target is printed, see the README). */
const GUARD = 0.5;
const error = (predicted: number | null, measured: number | null): number => (predicted ?? NaN) / (measured ?? NaN) - 1;
const pct = (e: number): string => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)} %`;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => percentileSorted([...xs].sort((a, b) => a - b), 50) ?? NaN;

describe.skipIf(skip)('sim-to-real on the CPU: observe a llama-worker, calibrate, predict another load', () => {
  it('after calibrating on observed loads, predicts mean TTFT and ITL of a different load within 50 % and at most half the uncalibrated profile’s error (15 % target printed)', async () => {
    process.stdout.write(`sim-to-real (load average ${loadavg()[0].toFixed(1)} at the start):\n`);
    // Unmeasured: the worker's first requests of each shape pay for its JIT and allocations.
    await measure({ ...OBSERVE_MANY, numTurns: 3, seed: 8 }, 'warm-up-a');
    await measure({ ...OBSERVE_LONG, numTurns: 3, seed: 9 }, 'warm-up-b');
    const observed: string[] = [];
    const measured: RequestRecord[][] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await measure({ ...OBSERVE_MANY, seed: 10 + i }, `observe-${i}a`);
      await measure({ ...OBSERVE_LONG, seed: 20 + i }, `observe-${i}b`);
      observed.push(join(dir, `observe-${i}a`), join(dir, `observe-${i}b`));
      measured.push(await measure({ ...PREDICT, seed: 30 + i }, `measure-${i}`));
    }
    const deployment = await llamaDeployment({ gguf: testModelPath(), ...WORKER });
    const fit = await calibrateFromRuns({ ...deployment, runDirs: observed, fit: { prior: CPU_PRIOR, priorScale: CPU_PRIOR_SCALE } });
    // The measured runs differ only in their seeds (their lorem words): the simulation of the first
    // stands for all of them.
    const predict = (c: Readonly<RooflineCoefficients>) => runPredict({ ...deployment, coefficients: c, profileName: 'test', workload: {}, presets: {}, built: buildMultiturn({ ...PREDICT, seed: 30 }) });
    const calibrated = predict(fit.profile.coefficients);
    const uncalibrated = predict(CPU_PRIOR);
    expect(calibrated.requests).toBe(summarize(measured[0]).requests);
    expect(measured.flat().every((r) => r.ok && r.outputTokens === PREDICT.maxCompletionTokens)).toBe(true);

    // What is compared: the median over the rounds of each measured run's mean, so one run caught in a
    // burst of other jobs' work does not decide (the pooled mean over all rounds is printed too).
    const runs = measured.map((records) => summarize(records));
    const pooled = summarize(measured.flat());
    const real = {
      ttft: median(runs.map((r) => r.ttftMs.mean ?? NaN)),
      itl: median(runs.map((r) => r.itlMs.mean ?? NaN)),
      e2e: median(runs.map((r) => r.e2eMs.mean ?? NaN)),
    };
    const rows = [
      ['TTFT mean', calibrated.ttft_ms.mean, uncalibrated.ttft_ms.mean, real.ttft, pooled.ttftMs.mean],
      ['ITL mean', calibrated.itl_ms.mean, uncalibrated.itl_ms.mean, real.itl, pooled.itlMs.mean],
      ['E2E mean', calibrated.e2e_ms.mean, uncalibrated.e2e_ms.mean, real.e2e, pooled.e2eMs.mean],
    ] as const;
    process.stdout.write(
      `  coefficients ${Object.entries(fit.profile.coefficients).map(([k, v]) => `${k} ${+v.toPrecision(3)}`).join(', ')} (fit rms ${fit.profile.meta?.rms})\n` +
        rows
          .map(([name, c, u, m, p]) => `  ${name.padEnd(9)} measured ${m.toFixed(1)} ms (median of rounds; pooled ${p?.toFixed(1)}), predicted ${c?.toFixed(1)} (${pct(error(c, m))}; vs pooled ${pct(error(c, p))}), uncalibrated ${u?.toFixed(1)} (${pct(error(u, m))})`)
          .join('\n') +
        '\n',
    );
    const cal = [error(calibrated.ttft_ms.mean, real.ttft), error(calibrated.itl_ms.mean, real.itl)].map(Math.abs);
    const uncal = [error(uncalibrated.ttft_ms.mean, real.ttft), error(uncalibrated.itl_ms.mean, real.itl)].map(Math.abs);
    const within15 = cal.every((e) => e <= 0.15);
    process.stdout.write(`  target (mean TTFT and ITL within 15 %): ${within15 ? 'met' : 'NOT met'} in this run (load average ${loadavg()[0].toFixed(1)} at the end)\n`);
    // The guard: each mean within 50 %, and the two errors together at most half the uncalibrated ones.
    expect(cal[0]).toBeLessThanOrEqual(GUARD);
    expect(cal[1]).toBeLessThanOrEqual(GUARD);
    expect(mean(cal)).toBeLessThanOrEqual(mean(uncal) / 2);
  }, 120_000);
});
