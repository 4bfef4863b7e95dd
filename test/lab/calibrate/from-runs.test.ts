/**
 * The observe → calibrate → predict loop in virtual time: a deployment timed by hidden coefficients
 * plays the real endpoint, its run folders are calibrated from, and the fitted profile must predict a
 * different load on it. (The same loop over HTTP against a real mock server: test/lab/observe-calibrate.test.ts.)
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSharedPrefix } from '../../../src/client/workloads/index.ts';
import { findGpu, findModel } from '../../../src/models/index.ts';
import type { RooflineCoefficients } from '../../../src/mocker/engine/index.ts';
import { resolveDeployment, type DeploymentOptions } from '../../../src/lab/deployment.ts';
import { simulate } from '../../../src/lab/calibrate/simulate.ts';
import { calibrateFromRuns } from '../../../src/lab/calibrate/from-runs.ts';
import { summarize } from '../../../src/core/summary.ts';

const root = mkdtempSync(join(tmpdir(), 'kvlab-cal-runs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HIDDEN: RooflineCoefficients = { computeScale: 2.2, memoryScale: 1.15, kvScale: 1.8, attentionScale: 2.5, stepOverheadMs: 2.0, requestOverheadMs: 0.3, tokenOverheadMs: 0.03, allReduceMs: 0.02, frontendMs: 4 };
const DEPLOY: DeploymentOptions = { model: findModel('Qwen3-8B'), gpu: findGpu('A100'), tp: 1, maxNumSeqs: 64, maxNumBatchedTokens: 1024 };

function observe(dir: string, params: Record<string, unknown>): void {
  const workload = buildSharedPrefix(params);
  const res = simulate(resolveDeployment(DEPLOY), workload, HIDDEN);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ schemaVersion: 1, tool: 'kvlab', command: 'bench shared-prefix', config: { workload: 'shared-prefix', params: workload.params } }));
  writeFileSync(join(dir, 'requests.jsonl'), res.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

describe('calibrating from run folders', () => {
  it('fits a profile from two observed loads that predicts a different load on the same deployment within 5 %', async () => {
    const short = join(root, 'short');
    const long = join(root, 'long');
    observe(short, { systemPromptLen: 100, questionLen: 200, outputLen: 60, numGroups: 4, usersPerGroup: 4, stages: '1:20,8:20,24:20', seed: 1 });
    observe(long, { systemPromptLen: 600, questionLen: 900, outputLen: 200, numGroups: 8, usersPerGroup: 4, stages: '3:40', seed: 2 });
    const fit = await calibrateFromRuns({ ...DEPLOY, runDirs: [short, long] });
    expect(fit.groups).toHaveLength(16);
    for (const g of fit.groups) expect(Math.abs(g.span.fitted / g.span.measured - 1)).toBeLessThan(0.05);
    // A different workload: longer prompts and answers, another load.
    const other = buildSharedPrefix({ systemPromptLen: 500, questionLen: 700, outputLen: 300, numGroups: 3, usersPerGroup: 6, stages: '4:60', seed: 9 });
    const truth = summarize(simulate(resolveDeployment(DEPLOY), other, HIDDEN).records);
    const predicted = summarize(simulate(resolveDeployment(DEPLOY), other, fit.profile.coefficients).records);
    const err = (p: number | null, m: number | null): number => Math.abs(p! / m! - 1);
    expect(err(predicted.ttftMs.mean, truth.ttftMs.mean), 'TTFT').toBeLessThan(0.05);
    expect(err(predicted.itlMs.mean, truth.itlMs.mean), 'ITL').toBeLessThan(0.05);
  }, 120_000);

  it('refuses a folder without a rebuildable workload, naming it', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'run.json'), JSON.stringify({ schemaVersion: 1, tool: 'kvlab', config: {} }));
    writeFileSync(join(bad, 'requests.jsonl'), '');
    await expect(calibrateFromRuns({ ...DEPLOY, runDirs: [bad] })).rejects.toThrow(/no kvlab bench workload/);
  });
});
