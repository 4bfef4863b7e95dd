/**
 * Virtual-clock cells on several cores (`kvlab experiment --jobs N`): N worker threads
 * (cell-pool-main.ts, started from its bundle: thread-entry.ts), each taking a cell when it is free
 * (the next of the workload it has built where it can: `nextCell`). A cell is a pure function of its job (virtual-cell-job.ts), so the
 * run folders are byte-identical to running the cells one after another; only the order in which
 * cells finish changes. An abort terminates the threads at once (a virtual cell cannot stop halfway
 * and still mean something): the folders of cells that had not finished are removed, the finished
 * ones are kept. Real-clock cells never come here: they would share the CPU and disturb each other.
 */
import { rmSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { KvlabError, type ErrorCode } from '../core/errors.ts';
import { ExperimentFileError } from './experiment-file.ts';
import { startThread } from './thread-entry.ts';
import type { VirtualCellJob, VirtualCellResult } from './virtual-cell-job.ts';

/** An error as data (errors do not cross a thread boundary with their class). */
export interface ErrorData {
  name: string;
  message: string;
  code?: ErrorCode;
  status?: number;
  type?: string;
  param?: string | null;
}

export type FromCellThread = { job: number; kind: 'built' } | { job: number; kind: 'done'; result: VirtualCellResult } | { job: number; kind: 'error'; error: ErrorData };

export function errorToData(err: unknown): ErrorData {
  if (err instanceof KvlabError) return { name: err.name, message: err.message, code: err.code, status: err.status, type: err.type, param: err.param };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/** The error again, with its class (experiment-file and kvlab errors keep their exit codes). */
export function errorFromData(e: ErrorData): Error {
  if (e.name === 'ExperimentFileError') return new ExperimentFileError(e.message, e.param ?? null);
  if (e.code !== undefined) return new KvlabError(e.code, e.message, e.status ?? 1, e.type ?? 'cli_error', e.param ?? null);
  return new Error(e.message);
}

export interface CellPoolHooks {
  /** A cell's workload built (the experiment folder may be created now). */
  onBuilt(index: number): void;
  /** A cell was handed to a thread. */
  onStart(index: number): void;
  /** A cell finished; its run folder is complete. */
  onDone(index: number, result: VirtualCellResult): void;
}


/**
 * The next cell for a thread whose last cell had workload `previous` (null: none yet): the first
 * waiting cell of that workload (the thread has it built), else the first of a workload no thread has
 * started, else the first waiting cell; -1 when none is waiting. Cells of one workload then mostly
 * run in one thread, which builds that workload once.
 */
export function nextCell(waiting: readonly boolean[], groups: readonly string[], previous: string | null, started: ReadonlySet<string>): number {
  let fresh = -1;
  let any = -1;
  for (let i = 0; i < waiting.length; i++) {
    if (!waiting[i]) continue;
    if (groups[i] === previous) return i;
    if (fresh < 0 && !started.has(groups[i])) fresh = i;
    if (any < 0) any = i;
  }
  return fresh >= 0 ? fresh : any;
}

/**
 * Run `cells` on `threads` worker threads; `groups[i]` names cell i's workload (cells of one workload
 * go to one thread where they can: `nextCell`). Resolves with `interrupted` when `signal` aborted first;
 * rejects with the first cell's error otherwise (the other threads are stopped).
 */
export async function runCellsInThreads(cells: readonly VirtualCellJob[], groups: readonly string[], threads: number, hooks: CellPoolHooks, signal?: AbortSignal): Promise<{ interrupted: boolean }> {
  const count = Math.max(1, Math.min(threads, cells.length));
  const entry = new URL('./cell-pool-main.ts', import.meta.url);
  const workers: Worker[] = [];
  const running = new Set<number>();
  const waiting = cells.map(() => true);
  let left = cells.length;
  const started = new Set<string>();
  let stopped = false;
  let failure: Error | null = null;
  let jobId = 0;

  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };

  // One loop per thread: take the next cell, wait for its answer, repeat.
  const drive = (w: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      let current: { job: number; index: number } | null = null;
      let previous: string | null = null;
      const take = (): void => {
        if (stopped || signal?.aborted || left === 0) {
          current = null;
          w.off('message', onMessage);
          resolve();
          return;
        }
        const index = nextCell(waiting, groups, previous, started);
        waiting[index] = false;
        left--;
        previous = groups[index];
        started.add(previous);
        current = { job: jobId++, index };
        running.add(index);
        hooks.onStart(index);
        w.postMessage({ job: current.job, cell: cells[index] });
      };
      const onMessage = (m: FromCellThread): void => {
        if (!current || m.job !== current.job) return;
        const index = current.index;
        if (m.kind === 'built') return hooks.onBuilt(index);
        running.delete(index);
        if (m.kind === 'done') {
          hooks.onDone(index, m.result);
          return take();
        }
        failure ??= errorFromData(m.error);
        current = null;
        resolve();
        void stopAll();
      };
      const onEnd = (err?: Error): void => {
        if (!stopped && current) failure ??= err ?? new Error('a cell thread exited before its cell finished');
        current = null;
        resolve();
        if (!stopped) void stopAll();
      };
      w.on('message', onMessage);
      w.once('error', onEnd);
      w.once('exit', () => onEnd());
      take();
    });

  const onAbort = (): void => void stopAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let i = 0; i < count; i++) {
      const w = await startThread(entry);
      workers.push(w);
      if (stopped) await w.terminate(); // aborted while it started
    }
    await Promise.all(workers.map(drive));
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await stopAll();
    // Cells cut short by the abort or by another cell's error: their folders hold partial records.
    for (const index of running) rmSync(cells[index].absRunDir, { recursive: true, force: true });
  }
  if (failure && !signal?.aborted) throw failure;
  return { interrupted: signal?.aborted ?? false };
}
