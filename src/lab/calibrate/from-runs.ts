/**
 * `kvlab calibrate RUN_DIR... --model --gpu --tp`: the observe → calibrate loop. A kvlab bench run
 * against any deployment recorded per request when it was sent, its TTFT and E2E; run.json recorded
 * the workload and its seed. Here each run's workload is rebuilt (the same scripts and send times),
 * simulated on one engine of the stated deployment, and the roofline corrections are fitted so the
 * simulated requests match the measured ones. Each run is cut into `groups` consecutive slices of its
 * requests (by send order) with their own mean TTFT and decode span, so one run with changing load
 * pins several coefficients; every coefficient still has a weak prior (fit.ts). Runs of different
 * loads (prompt lengths, rates) pin more: one run at one prompt length cannot tell prefill compute
 * from the rest.
 *
 * Approximations: each simulated run starts with an empty prefix cache, so an observed run must not
 * find prompts of an earlier run cached (reset the endpoint's cache between runs, or give each run its
 * own --seed); the simulation sends at the scheduled times (a real client runs a little late);
 * a run whose workload needs input files (documents, trace, conversations) is rebuilt only from its
 * default inputs; requests are matched by conversation and turn.
 */
import { makeError } from '../../core/errors.ts';
import type { RequestRecord } from '../../core/records.ts';
import { loadRun } from '../../analysis/stats/load-run.ts';
import { isWorkloadName } from '../../client/workloads/index.ts';
import type { Workload } from '../../client/workloads/types.ts';
import { rebuildWorkload } from './rebuild-workload.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import { resolveDeployment, type DeploymentOptions } from '../deployment.ts';
import { fitCoefficients, type FitCase, type FitOptions } from './fit.ts';
import { linearizeGroups, type LinearRun } from './linearize.ts';
import type { RooflineProfileFile } from './from-measurements.ts';
import { StepLog } from './step-log.ts';
import { simulate } from './simulate.ts';

export interface CalibrateRunsOptions extends DeploymentOptions {
  runDirs: string[];
  /** Slices per run (default 8, fewer when a run is short). */
  groups?: number;
  fit?: FitOptions;
  onProgress?: (line: string) => void;
}

export interface GroupComparison {
  run: string;
  group: number;
  requests: number;
  ttft: { measured: number; fitted: number };
  span: { measured: number; fitted: number };
}

export interface CalibrateRunsResult {
  profile: RooflineProfileFile;
  groups: GroupComparison[];
}

const key = (r: RequestRecord): string => `${r.conversationId}\u0000${r.turn}`;

interface RunCase {
  dir: string;
  workload: Workload;
  measured: RequestRecord[];
  /** Group of each measured request, by key. */
  groupOf: Map<string, number>;
  groups: number;
}

async function readRun(dir: string, wanted: number): Promise<RunCase> {
  const loaded = await loadRun(dir);
  const cfg = loaded.run?.config as { workload?: unknown; params?: Record<string, unknown> } | undefined;
  if (!cfg || !isWorkloadName(cfg.workload) || typeof cfg.params !== 'object') {
    throw makeError('invalid_config', { path: `${dir}/run.json`, detail: 'has no kvlab bench workload and parameters to rebuild (config.workload, config.params)', param: 'runDirs' });
  }
  const workload = await rebuildWorkload(cfg.workload, cfg.params, `${dir}/run.json config.workload`);
  const speedup = (cfg.params as { timeCompression?: number }).timeCompression;
  if (speedup !== undefined && speedup !== 1) throw makeError('invalid_config', { path: `${dir}/run.json`, detail: 'was run with compressed time; calibrate from runs at speedup 1', param: 'runDirs' });
  const measured = loaded.records.filter((r) => r.ok && r.ttftMs !== null && r.e2eMs !== null && (r.turn ?? 1) >= 1);
  if (measured.length < 4) throw makeError('invalid_config', { path: dir, detail: `has ${measured.length} finished requests; calibration needs more`, param: 'runDirs' });
  const groups = Math.max(1, Math.min(wanted, Math.floor(measured.length / 10)));
  const bySend = [...measured].sort((a, b) => a.sentAtMs - b.sentAtMs);
  const groupOf = new Map<string, number>();
  bySend.forEach((r, i) => groupOf.set(key(r), Math.floor((i * groups) / bySend.length)));
  return { dir, workload, measured, groupOf, groups };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

export async function calibrateFromRuns(o: CalibrateRunsOptions): Promise<CalibrateRunsResult> {
  if (o.runDirs.length === 0) throw makeError('bad_flag', { flag: 'runDirs', detail: 'give at least one run folder' });
  const say = o.onProgress ?? (() => {});
  const deployment = resolveDeployment(o);
  const runs = await Promise.all(o.runDirs.map((d) => readRun(d, o.groups ?? 8)));
  // One simulation per run and coefficients, shared by that run's group cases (the fit asks every
  // case with the same coefficients in turn).
  const cases: FitCase<{ linear: LinearRun }>[] = [];
  for (const run of runs) {
    let memo: { c: string; rows: LinearRun[] } | null = null;
    const rowsFor = (c: Readonly<RooflineCoefficients>): LinearRun[] => {
      const k = JSON.stringify(c);
      if (memo?.c === k) return memo.rows;
      const log = new StepLog();
      const res = simulate(deployment, run.workload, c, {}, log);
      const rows = linearizeGroups(log, res.records, c.frontendMs, (r) => run.groupOf.get(key(r)) ?? null, run.groups);
      memo = { c: k, rows };
      return rows;
    };
    for (let g = 0; g < run.groups; g++) {
      const inGroup = run.measured.filter((r) => run.groupOf.get(key(r)) === g);
      cases.push({
        id: `${run.dir}#${g}`,
        measured: { ttftMs: mean(inGroup.map((r) => r.ttftMs!)), spanMs: mean(inGroup.map((r) => r.e2eMs! - r.ttftMs!)) },
        run: (c) => ({ linear: rowsFor(c)[g] }),
      });
    }
  }
  say(`fitting ${o.runDirs.length} run${o.runDirs.length > 1 ? 's' : ''} (${cases.length} slices) on ${deployment.model.id ?? 'the model'} × ${deployment.tp > 1 ? `${deployment.tp} ` : ''}${deployment.gpu.name}`);
  // Many rows per run: the prior only needs to hold what the runs cannot tell apart.
  const fit = await fitCoefficients(cases, { ridge: 0.01, ...o.fit, onIteration: (it, _c, rms) => say(`  iteration ${it}: rms relative error ${(rms * 100).toFixed(1)} %`) });
  const groups: GroupComparison[] = cases.map((c, i) => {
    const [run, g] = c.id.split('#');
    return {
      run,
      group: Number(g),
      requests: fit.runs[i].linear.requests,
      ttft: { measured: c.measured.ttftMs, fitted: fit.runs[i].linear.ttftMs },
      span: { measured: c.measured.spanMs, fitted: fit.runs[i].linear.spanMs },
    };
  });
  return {
    profile: {
      kind: 'roofline',
      name: `fitted on ${o.runDirs.length} kvlab run${o.runDirs.length > 1 ? 's' : ''} of ${deployment.model.id ?? 'a model'} on ${deployment.tp > 1 ? `${deployment.tp}× ` : ''}${deployment.gpu.name}`,
      description: 'Roofline corrections fitted by kvlab calibrate from bench runs against a deployment (per-slice mean TTFT and decode span).',
      coefficients: fit.coefficients,
      meta: { runs: o.runDirs, iterations: fit.iterations, rms: +fit.rms.toFixed(4) },
    },
    groups,
  };
}
