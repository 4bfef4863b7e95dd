/**
 * Virtual-clock cells on several cores (`kvlab experiment --jobs N`): the main thread runs cells
 * itself as one of the N runners and starts up to N−1 worker threads (cell-pool-main.ts, from its
 * bundle: thread-entry.ts), each only while more cells wait than runners would take (a short sweep
 * may be over before a thread is up; once no cell waits, a thread holding no unfinished cell is ended
 * rather than waited for). Every runner claims its
 * next cell itself on a shared board (cell-board.ts: the next of the workload it has built where it
 * can), so a thread never waits for the main thread, which cannot answer while it runs a cell. A
 * cell is a pure function of its job (virtual-cell-job.ts), so the run folders are byte-identical to
 * running the cells one after another; only the order in which cells finish changes. An abort stops
 * the claims and terminates the threads at once (a virtual cell cannot stop halfway and still mean
 * something): the folders of cells that had not finished are removed, the finished ones are kept. The
 * main thread's own cell runs to its end first (it sees the abort only between cells, as `--jobs 1`
 * does). The cells' oracle twins (their ground truth) are jobs too, of their cell's workload.
 * Real-clock cells never come here: they would share the CPU and disturb each other.
 */
import { rmSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { startThread } from './thread-entry.ts';
import { CellBoard } from './cell-board.ts';
import { errorFromData, type FromCellThread } from './cell-pool-messages.ts';
import type { WorkloadCache } from './cell-workload.ts';
import { runVirtualJob, type VirtualCellJob, type VirtualJobResult } from './virtual-cell-job.ts';

export interface CellPoolHooks {
  /** A job's workload built (the experiment folder may be created now). */
  onBuilt(index: number): void;
  /** A runner took a job (a thread's start is heard once the main thread is between jobs). */
  onStart(index: number): void;
  /** A job finished (a cell: its run folder is complete). */
  onDone(index: number, result: VirtualJobResult): void;
}

const MAIN_RUNNER = 1;

/**
 * Run `cells` (jobs: cells, and oracle twins with `twinOnly`) with `jobs` runners: the main thread
 * (with `workloads`, its cache) and up to jobs − 1 worker threads; `groups[i]` names job i's workload
 * (jobs of one workload go to one runner where they can). Resolves with `interrupted` when `signal`
 * aborted first; rejects with the first job's error otherwise (the other runners are stopped).
 */
export async function runCells(
  cells: readonly VirtualCellJob[],
  groups: readonly string[],
  jobs: number,
  workloads: WorkloadCache,
  hooks: CellPoolHooks,
  signal?: AbortSignal,
): Promise<{ interrupted: boolean }> {
  const board = CellBoard.create(groups);
  const entry = new URL('./cell-pool-main.ts', import.meta.url);
  const workers: Worker[] = [];
  /** Threads ended on purpose because nothing was left for them (their exit is no error). */
  const retired = new Set<Worker>();
  const ended: Promise<void>[] = [];
  const finished = new Set<number>();
  let booting = 0;
  let failure: Error | null = null;
  let terminated = false;

  const fail = (err: Error): void => {
    failure ??= err;
    board.stop();
    void terminateAll();
  };
  const terminateAll = async (): Promise<void> => {
    terminated = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };

  // A thread's messages; it ends with 'finished' (or an error, or when terminated).
  const follow = (w: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      let started = false;
      let done = false;
      const end = (err?: Error): void => {
        if (done) return;
        done = true;
        if (!started) booting--;
        if (err && !terminated) fail(err);
        resolve();
      };
      w.on('message', (m: FromCellThread) => {
        if (!started) {
          started = true;
          booting--;
        }
        // A hook that throws here (making a folder, printing) fails the run as it would in the main
        // thread's own job, instead of escaping a message listener and ending the process.
        try {
          if (m.kind === 'start') hooks.onStart(m.index);
          else if (m.kind === 'built') hooks.onBuilt(m.index);
          else if (m.kind === 'done') {
            finished.add(m.index);
            hooks.onDone(m.index, m.result);
          } else if (m.kind === 'error') fail(errorFromData(m.error));
          else end();
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
      w.once('error', (err) => end(err));
      w.once('exit', () => end(done || terminated || retired.has(w) ? undefined : new Error('a cell thread exited before its cells finished')));
    });

  // Threads start only while more cells wait than the runners on their way to them (the main thread's
  // next cell and the threads still starting) would take.
  const startThreads = async (): Promise<void> => {
    while (workers.length < jobs - 1 && !board.stopped && board.waiting > 1 + booting) {
      booting++;
      const w = await startThread(entry, { board: board.data, cells, runner: MAIN_RUNNER + 1 + workers.length });
      workers.push(w);
      ended.push(follow(w));
      if (terminated) await w.terminate(); // stopped while it started
    }
  };

  // Once no cell waits, a thread with no unfinished claim can take nothing more: one still starting
  // would only find that out after its start-up (~1 s), which the run would wait for. End those now;
  // a thread whose claimed cell has not reported back yet is left to finish it.
  const retireIdle = (): void => {
    if (board.waiting > 0) return;
    workers.forEach((w, k) => {
      if (board.claimedBy(MAIN_RUNNER + 1 + k).every((i) => finished.has(i))) {
        retired.add(w);
        void w.terminate();
      }
    });
  };

  const onAbort = (): void => {
    board.stop();
    void terminateAll();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let previous: number | null = null;
    for (;;) {
      await startThreads();
      // Between cells: hear the threads (their results, an abort) before claiming the next one.
      await nextTurn();
      if (signal?.aborted) break;
      const index = board.claim(MAIN_RUNNER, previous);
      if (index < 0) break;
      hooks.onStart(index);
      try {
        const result = await runVirtualJob(cells[index], workloads, () => hooks.onBuilt(index));
        finished.add(index);
        hooks.onDone(index, result);
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
        break;
      }
      previous = board.group(index);
    }
    if (!board.stopped) retireIdle();
    await Promise.all(ended);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    board.stop();
    await terminateAll();
    // Cells cut short by the abort or by another cell's error: their folders hold partial records.
    for (const index of board.claimed()) {
      if (!finished.has(index) && cells[index].twinOnly === undefined) rmSync(cells[index].absRunDir, { recursive: true, force: true });
    }
  }
  if (failure && !signal?.aborted) throw failure;
  return { interrupted: signal?.aborted ?? false };
}
