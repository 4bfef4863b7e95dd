/**
 * A worker thread of the cell pool (cell-pool.ts): claims jobs (cells, oracle twins) on the shared
 * board (cell-board.ts) and runs them one at a time with its own workload cache until none is left,
 * answering for each 'start', 'built' (the workload is valid), then 'done' with its result, or
 * 'error' with the error as data (then it stops the board and ends). Ends with 'finished'. Pure
 * simulation plus the cell's run folder; only messages and the board cross the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WorkloadCache } from './cell-workload.ts';
import { runVirtualJob, type VirtualCellJob } from './virtual-cell-job.ts';
import { CellBoard, type BoardData } from './cell-board.ts';
import { errorToData, type FromCellThread } from './cell-pool-messages.ts';

const { board: data, cells, runner } = workerData as { board: BoardData; cells: VirtualCellJob[]; runner: number };
const port = parentPort!;
const board = new CellBoard(data);
const workloads = new WorkloadCache();
const post = (m: FromCellThread): void => port.postMessage(m);

let previous: number | null = null;
for (let index = board.claim(runner, previous); index >= 0; index = board.claim(runner, previous)) {
  post({ index, kind: 'start' });
  try {
    const result = await runVirtualJob(cells[index], workloads, () => post({ index, kind: 'built' }));
    post({ index, kind: 'done', result });
  } catch (err) {
    board.stop();
    post({ index, kind: 'error', error: errorToData(err) });
    break;
  }
  previous = board.group(index);
}
post({ index: -1, kind: 'finished' });
