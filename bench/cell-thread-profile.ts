/**
 * `npx tsx bench/cell-thread-profile.ts [long]`: where a cell thread (`kvlab experiment --jobs`,
 * src/lab/cell-pool.ts) spends its time before it is as fast as this thread. Bundles the thread's
 * entry, starts one thread on a board of the first four cells of the shipped `prefix-ratio-sweep`
 * (`long`: 2,000 requests per cell), which it claims one after another, then runs the same four cells
 * here, and prints for each cell when its workload was built and when it was done. The thread's first
 * message comes after its start-up (loading the bundle and its packages); its later cells show how
 * long its code runs cold. A profile printed for reading, not a benchmark with a target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentFile } from '../src/lab/experiment-source.ts';
import { applyOverrides, expandMatrix } from '../src/lab/experiment-file.ts';
import { bundledEntry, startThread } from '../src/lab/thread-entry.ts';
import { WorkloadCache } from '../src/lab/cell-workload.ts';
import { runVirtualCellJob, type VirtualCellJob } from '../src/lab/virtual-cell-job.ts';
import { CellBoard } from '../src/lab/cell-board.ts';
import type { FromCellThread } from '../src/lab/cell-pool-messages.ts';

const CELLS = [0, 1, 2, 3];
const loaded = loadExperimentFile('prefix-ratio-sweep');
const exp = applyOverrides(loaded.experiment, process.argv[2] === 'long' ? ['workload.requests=2000'] : [], loaded.path);
const cells = expandMatrix(exp);
const root = mkdtempSync(join(tmpdir(), 'kvlab-thread-profile-'));
const job = (i: number, where: string): VirtualCellJob => ({
  experiment: cells[i].experiment,
  baseDir: loaded.baseDir,
  seed: cells[i].seed,
  params: cells[i].params,
  runDir: cells[i].runDir,
  absRunDir: join(root, where, cells[i].runDir),
  meta: { command: 'profile', label: cells[i].runDir, config: {} },
});
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const entry = new URL('../src/lab/cell-pool-main.ts', import.meta.url);

try {
  let t = performance.now();
  await bundledEntry(entry);
  console.log(`bundle (esbuild, in its own process): ${ms(performance.now() - t)}`);
  // A board of the four cells that only the thread claims (in order: two workloads, two cells each).
  const board = CellBoard.create(CELLS.map((i) => JSON.stringify(cells[i].experiment.workload)));
  const threadStart = performance.now();
  const w = await startThread(entry, { board: board.data, cells: CELLS.map((i) => job(i, 'thread')), runner: 2 });
  await new Promise<void>((done) => {
    let t0 = threadStart;
    let built = 0;
    w.on('message', (m: FromCellThread) => {
      if (m.kind === 'start') t0 = performance.now();
      else if (m.kind === 'built') built = performance.now() - t0;
      else if (m.kind === 'finished') done();
      else {
        const since = m.index === 0 ? ` (${ms(performance.now() - threadStart)} since the thread started, its first message after ${ms(t0 - threadStart)})` : '';
        console.log(`thread cell ${CELLS[m.index]}: built after ${ms(built)}, ${m.kind} after ${ms(performance.now() - t0)}${since}`);
      }
    });
  });
  await w.terminate();
  const workloads = new WorkloadCache();
  for (const i of CELLS) {
    t = performance.now();
    let built = 0;
    await runVirtualCellJob(job(i, 'here'), workloads, () => (built = performance.now() - t));
    console.log(`this thread, cell ${i}: built after ${ms(built)}, done after ${ms(performance.now() - t)}`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
