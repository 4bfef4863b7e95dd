/**
 * Benchmark — the embedded cluster's router→worker hop: in-process (src/lab/in-process-link.ts, the
 * default) against loopback HTTP (`workerLink: 'http'`, the baseline), in the same run. Each link's
 * cluster (8 mock workers at speedup 4 and a kv router, as the shipped prefix-ratio-sweep) runs in its
 * own child process; this process is the client, running one cell of the sweep as the clock-agreement
 * check shortens it (ratio 0.9, kv, 80 requests of ~14,000 input and ~200 output tokens, 20 in flight)
 * against the cluster's URL. Figures per link: the cluster process's CPU time per request (user +
 * system, all threads: what queues requests behind each other's tokens) and the run's mean serving
 * overhead (client TTFT − the engines' own TTFT). Runs alternate between the two clusters, each warmed
 * up (real-cell.ts's warm-up) and its prefix caches reset before every measured run.
 */
import { join } from 'node:path';
import { warmUp } from '../../src/lab/real-cell.ts';
import { runExperiment } from '../../src/lab/run-experiment.ts';
import type { WorkerLink } from '../../src/lab/in-process-link.ts';
import { createTransport } from '../../src/client/http/transport.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import { inTempDir } from '../lib/temp-dir.ts';
import { startServer, type ServerProcess } from '../lib/procs.ts';
import type { Suite } from '../lib/types.ts';

const WORKERS = 8;
const SPEEDUP = 4;
const CELL_SETS = ['matrix.workload.prefixRatio=[0.9]', 'matrix.router.mode=["kv"]'];

interface LinkRun {
  cpuMsPerRequest: number;
  overheadMs: number;
  meanTtftMs: number;
}

async function measure(cluster: ServerProcess, requests: number, dir: string): Promise<LinkRun> {
  const reset = createTransport({ baseUrl: cluster.url });
  try {
    await reset.resetPrefixCache();
  } finally {
    await reset.close();
  }
  const c0 = await cluster.cpuMs();
  const r = await runExperiment({
    file: 'prefix-ratio-sweep',
    clock: 'real',
    targets: [{ label: 'cluster', url: cluster.url }],
    sets: [...CELL_SETS, `workload.requests=${requests}`],
    outDir: dir,
    report: false,
    groundTruth: false,
  });
  const c1 = await cluster.cpuMs();
  const s = r.cells[0].summary;
  if (s.failed > 0) throw new Error(`${s.failed} requests failed`);
  if (s.ttftMs.mean === null || s.servingOverheadMs.mean === null) throw new Error('no TTFT or serving overhead measured');
  return { cpuMsPerRequest: (c1 - c0) / s.requests, overheadMs: s.servingOverheadMs.mean, meanTtftMs: s.ttftMs.mean };
}

export const workerLink: Suite = {
  id: 'worker-link',
  title: "Embedded cluster: the router→worker hop in-process vs over loopback HTTP",
  async run(opts, log) {
    const runs = repetitions(opts, 1, 3);
    const requests = 80;
    return inTempDir('kvlab-bench-link-', async (root) => {
      const clusters = new Map<WorkerLink, ServerProcess>();
      try {
        for (const link of ['in-process', 'http'] as const) {
          const c = await startServer('cluster', { numWorkers: WORKERS, mocker: { speedupRatio: SPEEDUP }, router: { mode: 'kv' }, workerLink: link });
          clusters.set(link, c);
          await warmUp({ url: c.url, workers: Array.from({ length: WORKERS }, (_, i) => ({ name: `worker-${i}`, url: '', kvEventsEndpoint: null })) }, undefined, SPEEDUP);
        }
        const got = { 'in-process': [] as LinkRun[], http: [] as LinkRun[] };
        for (let i = 0; i < runs; i++) {
          for (const link of ['in-process', 'http'] as const) {
            const m = await measure(clusters.get(link)!, requests, join(root, `${i}-${link}`));
            got[link].push(m);
            log(`run ${i + 1}, ${link}: cluster CPU ${m.cpuMsPerRequest.toFixed(1)} ms/request, serving overhead ${m.overheadMs.toFixed(1)} ms of TTFT ${m.meanTtftMs.toFixed(1)} ms`);
          }
        }
        const note = `prefix-ratio-sweep cell ratio 0.9, kv, ${requests} requests, ${WORKERS} workers at speedup ${SPEEDUP}, 20 in flight; cluster in its own process, client in the bench's`;
        const base = 'router→worker over loopback HTTP';
        const pick = (link: WorkerLink, f: (m: LinkRun) => number) => got[link].map(f);
        const figures = [
          makeFigure({ id: 'link.cluster_cpu_ms_per_request', name: 'embedded cluster CPU per request (in-process link)', unit: 'ms', values: pick('in-process', (m) => m.cpuMsPerRequest), baseline: { name: base, values: pick('http', (m) => m.cpuMsPerRequest) }, note: `${note}; process CPU (user+system) / requests` }),
          makeFigure({ id: 'link.serving_overhead_ms', name: 'mean serving overhead (in-process link)', unit: 'ms', values: pick('in-process', (m) => m.overheadMs), baseline: { name: base, values: pick('http', (m) => m.overheadMs) }, note: `${note}; client TTFT − engine TTFT, wall clock: re-measure on an idle machine` }),
        ];
        return { figures, config: { runs, requests, workers: WORKERS, speedupRatio: SPEEDUP, cell: CELL_SETS } };
      } finally {
        for (const c of clusters.values()) await c.close();
      }
    });
  },
};
