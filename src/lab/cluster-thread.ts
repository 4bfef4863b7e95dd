/**
 * The embedded clusters of a real-clock experiment on their own thread: the mock workers and router
 * run in a worker thread (cluster-thread-main.ts) while the client runs in this one, so the two event
 * loops use two cores instead of queueing behind each other on one. One thread hosts the cells'
 * clusters one after another, so what its first cell compiled stays compiled for the next (a fresh
 * thread is a fresh JavaScript engine). What crosses the boundary is data: a cell's cluster section,
 * the experiment folder and the seed go in; the router's and workers' URLs come out.
 */
import { Worker } from 'node:worker_threads';
import type { ClusterSettings } from './experiment-file.ts';
import type { ClusterWorker } from './cluster.ts';

export interface HostedCluster {
  url: string;
  workers: ClusterWorker[];
  close(): Promise<void>;
}

export type ToHost = { kind: 'start'; settings: ClusterSettings; baseDir: string; seed: number } | { kind: 'stop' };
export type FromHost = { kind: 'started'; url: string; workers: ClusterWorker[] } | { kind: 'error'; message: string } | { kind: 'stopped' };

export class ClusterHost {
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly worker: Worker) {}

  static start(): ClusterHost {
    const entry = new URL('./cluster-thread-main.ts', import.meta.url).href;
    return new ClusterHost(new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry } }));
  }

  /** Send one message and wait for the answer (one exchange at a time). */
  private ask(m: ToHost): Promise<FromHost> {
    const exchange = this.chain.then(
      () =>
        new Promise<FromHost>((resolve, reject) => {
          const w = this.worker;
          const done = (): void => {
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
          };
          const onMessage = (a: FromHost): void => (done(), resolve(a));
          const onError = (err: Error): void => (done(), reject(err));
          const onExit = (code: number): void => (done(), reject(new Error(`embedded cluster thread exited (code ${code})`)));
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
          w.postMessage(m);
        }),
    );
    this.chain = exchange.catch(() => undefined);
    return exchange;
  }

  /** Start a cell's cluster in the thread (the previous one must be closed). */
  async startCluster(settings: ClusterSettings, baseDir: string, seed: number): Promise<HostedCluster> {
    if (this.closed) throw new Error('cluster host is closed');
    const a = await this.ask({ kind: 'start', settings, baseDir, seed });
    if (a.kind !== 'started') throw new Error(a.kind === 'error' ? a.message : 'embedded cluster did not start');
    let closing: Promise<void> | null = null;
    return {
      url: a.url,
      workers: a.workers,
      close: () => (closing ??= this.ask({ kind: 'stop' }).then(() => undefined)),
    };
  }

  /** Stop the thread (and any cluster still running in it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ask({ kind: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
