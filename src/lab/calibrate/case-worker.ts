/**
 * A worker thread that simulates measured cases (case-pool.ts): it builds the cases of the
 * measurements it is given once, then answers {index, coefficients} with the case's run. Pure
 * simulation; only messages cross the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measuredCases } from './measured-cases.ts';
import { parseMeasurements } from './measurements.ts';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';

interface Init {
  measurements: unknown;
  source: string;
  durationScale: number;
  seed: number;
}

const init = workerData.init as Init;
const cases = measuredCases(parseMeasurements(init.measurements, init.source), { durationScale: init.durationScale, seed: init.seed });

parentPort!.on('message', (m: { job: number; index: number; coefficients: RooflineCoefficients }) => {
  try {
    parentPort!.postMessage({ job: m.job, run: cases[m.index].run(m.coefficients) });
  } catch (err) {
    parentPort!.postMessage({ job: m.job, error: (err as Error).message });
  }
});
