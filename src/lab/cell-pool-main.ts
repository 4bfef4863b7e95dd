/**
 * A worker thread of the cell pool (cell-pool.ts): runs the virtual cells it is sent, one at a time,
 * with its own workload cache, and answers 'built' (the cell's workload is valid), then 'done' with
 * the cell's summary entry, or 'error' with the error as data. Pure simulation plus the cell's run
 * folder; only messages cross the thread boundary.
 */
import { parentPort } from 'node:worker_threads';
import { WorkloadCache } from './cell-workload.ts';
import { runVirtualCellJob, type VirtualCellJob } from './virtual-cell-job.ts';
import { errorToData, type FromCellThread } from './cell-pool.ts';

const port = parentPort!;
const workloads = new WorkloadCache();
const post = (m: FromCellThread): void => port.postMessage(m);

port.on('message', async (m: { job: number; cell: VirtualCellJob }) => {
  try {
    const result = await runVirtualCellJob(m.cell, workloads, () => post({ job: m.job, kind: 'built' }));
    post({ job: m.job, kind: 'done', result });
  } catch (err) {
    post({ job: m.job, kind: 'error', error: errorToData(err) });
  }
});
