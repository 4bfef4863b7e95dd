/**
 * One simulated run of a deployment under a workload on the virtual cluster, timed by the roofline
 * with given coefficients: the records, and (for fitting) the step log and its linearization. One
 * replica unless asked: calibration runs are single-engine, so their step log is one engine's.
 */
import type { RequestRecord } from '../../core/records.ts';
import type { Workload } from '../../client/workloads/types.ts';
import { RooflineTiming, type RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import type { TimingModel } from '../../mocker/engine/timing/types.ts';
import type { RouterMode } from '../../router-sim/types.ts';
import { runVirtual } from '../virtual/run-virtual.ts';
import type { VirtualRunResult } from '../virtual/types.ts';
import { engineConfigOfDeployment, type Deployment } from '../deployment.ts';
import { linearize, type LinearRun } from './linearize.ts';
import { StepLog } from './step-log.ts';

export interface SimulateOptions {
  seed?: number | string;
  replicas?: number;
  routerMode?: RouterMode;
  /** Wrap the timing model (e.g. to meter its breakdown). */
  wrapTiming?: (model: RooflineTiming) => TimingModel;
}

/** Simulate `workload` on `replicas` engines of the deployment. */
export function simulate(d: Deployment, workload: Workload, c: Readonly<RooflineCoefficients>, opts: SimulateOptions = {}, log?: StepLog): VirtualRunResult {
  const model = new RooflineTiming(d.roofline, c);
  let timing: TimingModel = opts.wrapTiming ? opts.wrapTiming(model) : model;
  if (log) timing = log.loggingTiming(model);
  return runVirtual({
    workload,
    seed: opts.seed ?? 0,
    observeStep: log?.observe,
    cluster: {
      numWorkers: opts.replicas ?? 1,
      reasoningRatio: 0,
      timing,
      engine: engineConfigOfDeployment(d),
      router: { mode: opts.routerMode ?? 'round-robin', kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 },
    },
  });
}

export interface LinearizedRun {
  linear: LinearRun;
  records: RequestRecord[];
}

/** Simulate on ONE engine with a step log and linearize mean TTFT and span in the coefficients. */
export function simulateLinearized(d: Deployment, workload: Workload, c: Readonly<RooflineCoefficients>, seed: number | string = 0): LinearizedRun {
  const log = new StepLog();
  const res = simulate(d, workload, c, { seed }, log);
  return { linear: linearize(log, res.records, c.frontendMs), records: res.records };
}
