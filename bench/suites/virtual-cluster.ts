/**
 * Benchmark 1 — virtual cluster speed: replay the Mooncake trace (data/mooncake) on 8 mock workers
 * behind the kv router with runVirtual (src/lab/virtual), and the same replay with round-robin (no
 * indexer, no KV events) in the same process as the baseline. Figures: wall seconds of the replay,
 * simulated requests per wall second, simulated time / wall time, and the process CPU seconds of a
 * replay (the figure least disturbed by other jobs on a shared machine). Targets (issue 18): the kv
 * replay in ≤ 0.40 s (≥ 2,500× real time), within 1.2× of round-robin's time in the same run.
 * Loading and building the trace workload is not timed.
 *
 * max-model-len is raised to 262,144 so every row (the longest is 191,378 tokens) is served rather
 * than refused; everything else is the engine's defaults.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_TRACE_FILE, loadTrace, WORKLOADS } from '../../src/client/workloads/index.ts';
import { runVirtual } from '../../src/lab/virtual/index.ts';
import { DEFAULT_ENGINE_CONFIG } from '../../src/mocker/engine/index.ts';
import type { RouterMode } from '../../src/router-sim/types.ts';
import { makeFigure, repetitions } from '../lib/figure.ts';
import type { Suite } from '../lib/types.ts';

const WORKERS = 8;
const MAX_MODEL_LEN = 262_144;
/** Rows replayed by --quick (the full run replays every row). */
const QUICK_ROWS = 500;

interface Replay {
  wallS: number;
  cpuS: number;
  simS: number;
  requests: number;
  ok: number;
}

export const virtualCluster: Suite = {
  id: 'virtual-cluster',
  title: 'Virtual cluster: Mooncake trace on 8 workers (kv router vs round-robin)',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const rows = await loadTrace(DEFAULT_TRACE_FILE);
    const workload = WORKLOADS.trace.build(opts.quick ? { numRequests: QUICK_ROWS } : {}, { rows });
    const replay = (mode: RouterMode): Replay => {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const r = runVirtual({
        workload,
        cluster: {
          numWorkers: WORKERS,
          engine: { ...DEFAULT_ENGINE_CONFIG, maxModelLen: MAX_MODEL_LEN },
          reasoningRatio: 0,
          router: { mode, kvOverlapScoreWeight: 1, routerTemperature: 0, routerTtlS: 120 },
        },
        seed: 0,
      });
      const wallS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return { wallS, cpuS: (cpu.user + cpu.system) / 1e6, simS: r.durationMs / 1000, requests: r.records.length, ok: r.records.filter((x) => x.ok).length };
    };
    const kv: Replay[] = [];
    const rr: Replay[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [mode, into] of [
        ['kv', kv],
        ['round-robin', rr],
      ] as const) {
        const r = replay(mode);
        log(`${mode} run ${i + 1}: ${r.wallS.toFixed(2)} s wall for ${r.simS.toFixed(0)} s simulated, ${r.ok}/${r.requests} requests ok`);
        if (r.requests !== workload.scripts.length) throw new Error(`${mode}: ${r.requests} records for ${workload.scripts.length} requests`);
        into.push(r);
      }
    }
    const n = workload.scripts.length;
    const what = `${n} of ${rows.length} trace rows, ${WORKERS} workers, engine defaults (max-model-len ${MAX_MODEL_LEN})`;
    const base = (pick: (r: Replay) => number) => ({ name: 'round-robin', values: rr.map(pick) });
    const figures = [
      makeFigure({ id: 'virtual.wall_s', name: 'virtual replay wall time (kv)', unit: 's', values: kv.map((r) => r.wallS), baseline: base((r) => r.wallS), target: opts.quick ? undefined : { on: 'value', op: '<=', limit: 0.4 }, note: what }),
      makeFigure({ id: 'virtual.kv_over_rr', name: 'virtual replay wall time, kv / round-robin', unit: '×', values: kv.map((r, i) => r.wallS / rr[i].wallS), target: { on: 'value', op: '<=', limit: 1.2 }, note: `${what}; per run, kv and round-robin replayed back to back` }),
      makeFigure({ id: 'virtual.cpu_s', name: 'virtual replay CPU time (kv)', unit: 's', values: kv.map((r) => r.cpuS), baseline: base((r) => r.cpuS), note: `${what}; process CPU (user + system) during the replay` }),
      makeFigure({ id: 'virtual.sim_requests_per_s', name: 'simulated requests per wall second (kv)', unit: 'req/s', values: kv.map((r) => r.requests / r.wallS), baseline: base((r) => r.requests / r.wallS), note: what }),
      makeFigure({ id: 'virtual.sim_over_wall', name: 'simulated time / wall time (kv)', unit: '×', values: kv.map((r) => r.simS / r.wallS), baseline: base((r) => r.simS / r.wallS), target: opts.quick ? undefined : { on: 'value', op: '>=', limit: 2500 }, note: what }),
    ];
    return { figures, config: { runs, workers: WORKERS, rows: n, traceRows: rows.length, maxModelLen: MAX_MODEL_LEN, okRequests: kv[0].ok, simulatedS: kv[0].simS } };
  },
};
