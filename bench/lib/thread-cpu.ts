/**
 * CPU time per OS thread of this process (Linux: /proc/self/task/<tid>/stat, in clock ticks of 10 ms),
 * sampled every 20 ms by a worker thread of its own (thread-cpu-sampler.ts, started as kvlab starts its
 * cell threads: src/lab/thread-entry.ts), which goes on while the
 * main thread is busy (a virtual cell runs synchronously). What it is for: on a shared machine the
 * wall time of `--jobs 2` measures the neighbours; the CPU time of its busiest runner (the main
 * thread or a cell thread) is what its wall time would be with a core of its own, i.e. on an idle
 * machine (less any waiting, which this does not see). A thread that ends between two samples loses at
 * most 20 ms. Elsewhere than Linux the readings are empty.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startThread } from '../../src/lab/thread-entry.ts';

/** CPU seconds (user + system) of every thread of this process but `except`, by thread id. */
export function threadCpuNow(except: string | null = null, into = new Map<number, number>()): Map<number, number> {
  if (process.platform !== 'linux') return into;
  for (const tid of readdirSync('/proc/self/task')) {
    if (tid === except) continue;
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      into.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended while it was listed
    }
  }
  return into;
}

export class ThreadCpu {
  private constructor(
    private readonly before: Map<number, number>,
    private readonly worker: Worker | null,
    private readonly flag: Int32Array,
  ) {}

  /** Readings from now on (threads that exist already count from now). */
  static async start(): Promise<ThreadCpu> {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    if (process.platform !== 'linux') return new ThreadCpu(new Map(), null, flag);
    const worker = await startThread(new URL('./thread-cpu-sampler.ts', import.meta.url), { flag: flag.buffer });
    return new ThreadCpu(threadCpuNow(), worker, flag);
  }

  /** The CPU seconds of the busiest thread since `start` (the sampler's own excluded). */
  async busiest(): Promise<number> {
    if (this.worker === null) return 0;
    const got = new Promise<Map<number, number>>((resolve) => this.worker!.once('message', resolve));
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    const after = threadCpuNow(null, await got); // the main thread's last reading, now
    await this.worker.terminate();
    let most = 0;
    for (const [tid, s] of after) most = Math.max(most, s - (this.before.get(tid) ?? 0));
    return most;
  }
}
