/**
 * The observe → calibrate → predict loop end to end, over HTTP, without a GPU: a kvlab mock worker
 * timed as a real deployment with HIDDEN roofline coefficients plays the "real" endpoint. kvlab bench
 * observes it under two loads (real time, 127.0.0.1), kvlab calibrate fits a profile from those run
 * folders, and kvlab predict's virtual cluster must then reproduce a DIFFERENT load measured on the same
 * endpoint within 5 % (mean TTFT and ITL). The deployment is slow (Qwen3-32B on one A100: ~40 ms decode
 * steps) so the loopback HTTP path is a small share of what is measured; its mean is fitted as the
 * frontend latency, like a real API server's.
 */
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchCommand, type BenchIo } from '../../src/client/bench-command.ts';
import { buildSharedPrefix } from '../../src/client/workloads/index.ts';
import { summarize } from '../../src/core/summary.ts';
import type { RequestRecord } from '../../src/core/records.ts';
import { RooflineTiming, type RooflineCoefficients } from '../../src/mocker/engine/index.ts';
import { startMocker, type RunningMocker } from '../../src/mocker/index.ts';
import { findGpu, findModel } from '../../src/models/index.ts';
import { calibrateFromRuns } from '../../src/lab/calibrate/from-runs.ts';
import { simulate } from '../../src/lab/calibrate/simulate.ts';
import { resolveDeployment, type DeploymentOptions } from '../../src/lab/deployment.ts';

const HIDDEN: RooflineCoefficients = { computeScale: 2.1, memoryScale: 1.2, kvScale: 1.7, attentionScale: 2.6, stepOverheadMs: 3, requestOverheadMs: 0.4, tokenOverheadMs: 0.03, allReduceMs: 0.02, frontendMs: 9 };
const DEPLOY: DeploymentOptions = { model: findModel('Qwen/Qwen3-32B'), gpu: findGpu('A100-SXM-80GB'), tp: 1, maxNumSeqs: 64, maxNumBatchedTokens: 2048 };

let endpoint: RunningMocker;
const root = mkdtempSync(join(tmpdir(), 'kvlab-observe-'));

beforeAll(async () => {
  const d = resolveDeployment(DEPLOY);
  endpoint = await startMocker({ port: 0, ...d.engine, model: 'Qwen/Qwen3-32B', profile: new RooflineTiming(d.roofline, HIDDEN) });
});

afterAll(async () => {
  await endpoint.close();
  rmSync(root, { recursive: true, force: true });
});

const quiet: BenchIo = { stdout: new Writable({ write: (_c, _e, cb) => cb() }), stderr: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

/** Run kvlab bench shared-prefix against the endpoint (each run its own seed: no prompt of an earlier run is cached); returns the run folder. */
async function observe(name: string, params: Record<string, unknown> & { seed: number }): Promise<string> {
  const out = join(root, name);
  const code = await benchCommand({ workload: 'shared-prefix', params, shared: { urls: [endpoint.workers[0].url], outputDir: out, seed: params.seed } }, quiet);
  expect(code).toBe(0);
  return out;
}

function records(dir: string): RequestRecord[] {
  return readFileSync(join(dir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('observe → calibrate → predict against a hidden deployment', () => {
  it('a profile calibrated from two observed loads predicts a third load within 5 % (mean TTFT and ITL)', { timeout: 240_000 }, async () => {
    const short = await observe('short', { systemPromptLen: 100, questionLen: 200, outputLen: 30, numGroups: 3, usersPerGroup: 3, stages: '2:6,6:5', seed: 1 });
    const long = await observe('long', { systemPromptLen: 800, questionLen: 1200, outputLen: 40, numGroups: 4, usersPerGroup: 3, stages: '3:8', seed: 2 });
    const fit = await calibrateFromRuns({ ...DEPLOY, runDirs: [short, long] });
    // A different load: other prompt and answer lengths, another rate.
    const otherParams = { systemPromptLen: 400, questionLen: 600, outputLen: 50, numGroups: 2, usersPerGroup: 4, stages: '4:8', seed: 3 };
    const measured = summarize(records(await observe('other', otherParams)));
    expect(measured.failed).toBe(0);
    const predicted = summarize(simulate(resolveDeployment(DEPLOY), buildSharedPrefix(otherParams), fit.profile.coefficients).records);
    const err = (p: number | null, m: number | null): number => Math.abs(p! / m! - 1);
    expect(err(predicted.ttftMs.mean, measured.ttftMs.mean), `TTFT predicted ${predicted.ttftMs.mean} vs measured ${measured.ttftMs.mean}`).toBeLessThan(0.05);
    expect(err(predicted.itlMs.mean, measured.itlMs.mean), `ITL predicted ${predicted.itlMs.mean} vs measured ${measured.itlMs.mean}`).toBeLessThan(0.05);
  });
});
