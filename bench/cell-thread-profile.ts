/**
 * `npx tsx bench/cell-thread-profile.ts [long]`: where a cell thread (`kvlab experiment --jobs`,
 * src/lab/cell-pool.ts) spends its time before it is as fast as this thread. Bundles the thread's
 * entry, starts one thread, sends it the first four cells of the shipped `prefix-ratio-sweep` (`long`:
 * 2,000 requests per cell) one after another, then runs the same four cells here, and prints for each
 * cell when its workload was built and when it was done. The first thread cell's "built" time is the
 * thread's start-up (loading the bundle and its packages) plus the workload build; the later cells
 * show how long its code runs cold. A profile printed for reading, not a benchmark with a target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentFile } from '../src/lab/experiment-source.ts';
import { applyOverrides, expandMatrix } from '../src/lab/experiment-file.ts';
import { bundledEntry, startThread } from '../src/lab/thread-entry.ts';
import { WorkloadCache } from '../src/lab/cell-workload.ts';
import { runVirtualCellJob, type VirtualCellJob } from '../src/lab/virtual-cell-job.ts';

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
  const threadStart = performance.now();
  const w = await startThread(entry);
  let id = 0;
  for (const i of CELLS) {
    await new Promise<void>((done) => {
      const job0 = id++;
      const t0 = performance.now();
      let built = 0;
      const on = (m: { job: number; kind: string }): void => {
        if (m.job !== job0) return;
        if (m.kind === 'built') built = performance.now() - t0;
        else {
          w.off('message', on);
          console.log(`thread cell ${i}: built after ${ms(built)}, ${m.kind} after ${ms(performance.now() - t0)} (${ms(performance.now() - threadStart)} since the thread started)`);
          done();
        }
      };
      w.on('message', on);
      w.postMessage({ job: job0, cell: job(i, 'thread') });
    });
  }
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
