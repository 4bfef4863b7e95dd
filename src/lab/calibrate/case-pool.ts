/**
 * Simulating measured cases on several cores: N worker threads (case-worker.ts), each holding every
 * case, take one case simulation at a time. `runAll(indices, c)` returns the runs in the order asked.
 * With one thread the cases run in this thread. Results are identical either way (each simulation is
 * a pure function of its case and coefficients).
 */
import { Worker } from 'node:worker_threads';
import type { RooflineCoefficients } from '../../mocker/engine/timing/roofline.ts';
import type { CaseRun, MeasuredCase } from './measured-cases.ts';

export interface CasePoolInit {
  /** The parsed measurements file and its name (for errors). */
  measurements: unknown;
  source: string;
  durationScale: number;
  seed: number;
}

interface Pending {
  resolve: (run: CaseRun) => void;
  reject: (err: Error) => void;
}

export class CasePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { job: number; index: number; coefficients: RooflineCoefficients }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextJob = 0;

  constructor(
    private readonly cases: readonly MeasuredCase[],
    init: CasePoolInit,
    threads: number,
  ) {
    if (threads <= 1) return;
    const entry = new URL('./case-worker.ts', import.meta.url).href;
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL('../worker-boot.mjs', import.meta.url), { workerData: { entry, init } });
      w.on('message', (m: { job: number; run?: CaseRun; error?: string }) => {
        const p = this.pending.get(m.job);
        this.pending.delete(m.job);
        this.idle.push(w);
        this.pump();
        if (!p) return;
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.run!);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** Simulate the cases at `indices` with coefficients `c`. */
  async runAll(indices: readonly number[], c: Readonly<RooflineCoefficients>): Promise<CaseRun[]> {
    if (this.workers.length === 0) return indices.map((i) => this.cases[i].run(c));
    return Promise.all(
      indices.map(
        (index) =>
          new Promise<CaseRun>((resolve, reject) => {
            const job = this.nextJob++;
            this.pending.set(job, { resolve, reject });
            this.queue.push({ job, index, coefficients: { ...c } });
            this.pump();
          }),
      ),
    );
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) this.idle.pop()!.postMessage(this.queue.shift());
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
