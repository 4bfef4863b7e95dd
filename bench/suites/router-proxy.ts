/**
 * Benchmark 3b — router proxy overhead: one mock worker process (publishing KV events) and a router
 * process (kv mode, fed by those events) in front of it; the real client (closed loop) sends every
 * other request through the router and the rest straight to the worker, so both paths see the same
 * load in the same run. Figures: TTFT p50 through the router vs direct, and what the router adds at
 * p50 (target < 1 ms). The worker runs at speedup 10 so the engine's own step alignment (which
 * varies per request) stays small next to the overhead being measured; the engine-stamped TTFT is
 * subtracted in a second figure (client gap through router − direct), which removes it entirely.
 */
import { makeFigure, percentile, repetitions } from '../lib/figure.ts';
import { runRealClient, singleTurnWorkload, type TimedRecord } from '../lib/client-run.ts';
import { startServer, type ServerProcess } from '../lib/procs.ts';
import { warmUp } from '../lib/sse-load.ts';
import type { Suite } from '../lib/types.ts';

const STREAMS = 8;
const MAX_TOKENS = 16;
const SPEEDUP = 10;
const RAMP_MS = 500;

function p50(records: TimedRecord[], pick: (r: TimedRecord) => number): number {
  return percentile(records.map(pick), 50);
}

export const routerProxy: Suite = {
  id: 'router-proxy',
  title: 'Router proxy overhead: TTFT through the router vs direct',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const windowMs = opts.quick ? 1500 : 5000;
    const servers: ServerProcess[] = [];
    try {
      const mocker = await startServer('mocker', { speedupRatio: SPEEDUP, kvEventsPort: 0 });
      servers.push(mocker);
      const router = await startServer('router', { workers: [mocker.url], kvEvents: [mocker.kvEvents], mode: 'kv' });
      servers.push(router);
      await warmUp(router.url);
      await warmUp(mocker.url);
      const viaRouter: number[] = [];
      const direct: number[] = [];
      const added: number[] = [];
      const gapAdded: number[] = [];
      const cpuPerReq: number[] = [];
      let counted = 0;
      for (let i = -1; i < runs; i++) {
        const workload = singleTurnWorkload({ count: 100_000, content: 'Route me: how long is the prefix shared by these requests?', maxTokens: MAX_TOKENS }, { kind: 'closed', concurrency: STREAMS });
        const cpu0 = await router.cpuMs();
        const { records } = await runRealClient({ urls: [router.url, mocker.url], workload, stopAfterMs: i < 0 ? 1000 : RAMP_MS + windowMs });
        if (i < 0) continue; // warm-up run (JIT, connection pools), not counted
        const routerCpuUs = ((await router.cpuMs()) - cpu0) * 1000 / records.filter((r) => r.target === 0).length;
        const failed = records.filter((r) => !r.ok);
        if (failed.length > 0) throw new Error(`${failed.length} requests failed (${failed[0].error})`);
        const measured = records.filter((r) => r.sentAtMs >= RAMP_MS && r.ttftMs !== null && r.engineTtftMs !== null);
        const routed = measured.filter((r) => r.target === 0);
        const straight = measured.filter((r) => r.target === 1);
        if (routed.some((r) => r.worker !== 'worker-0')) throw new Error('a routed answer did not name worker-0 in x-kvlab-worker');
        const a = p50(routed, (r) => r.ttftMs!);
        const b = p50(straight, (r) => r.ttftMs!);
        const gap = p50(routed, (r) => r.ttftMs! - r.engineTtftMs!) - p50(straight, (r) => r.ttftMs! - r.engineTtftMs!);
        viaRouter.push(a);
        direct.push(b);
        added.push(a - b);
        gapAdded.push(gap);
        cpuPerReq.push(routerCpuUs);
        counted += measured.length;
        log(`run ${i + 1}: ${routed.length} routed, ${straight.length} direct; TTFT p50 ${a.toFixed(2)} vs ${b.toFixed(2)} ms (+${(a - b).toFixed(2)}), client gap +${gap.toFixed(2)} ms, router CPU ${routerCpuUs.toFixed(0)} µs/request`);
      }
      const note = `${STREAMS} streams (closed loop) alternating router/direct, 1 worker at speedup ${SPEEDUP}, router kv mode with ZeroMQ events, max_tokens ${MAX_TOKENS}, ${counted} requests`;
      const figures = [
        makeFigure({ id: 'router.ttft_p50_ms', name: 'TTFT p50 through the router', unit: 'ms', values: viaRouter, baseline: { name: 'direct to the worker', values: direct }, note }),
        makeFigure({ id: 'router.added_ttft_p50_ms', name: 'router-added TTFT at p50', unit: 'ms', values: added, target: { on: 'value', op: '<', limit: 1 }, note: `p50(TTFT via router) − p50(TTFT direct); ${note}` }),
        makeFigure({ id: 'router.added_client_gap_p50_ms', name: 'router-added (client − engine TTFT) at p50', unit: 'ms', values: gapAdded, note: 'the same difference with each request’s engine-stamped TTFT subtracted first (removes the engine step alignment)' }),
        makeFigure({ id: 'router.cpu_us_per_request', name: 'router process CPU per proxied request', unit: 'µs', values: cpuPerReq, note: 'router CPU time (user+system, KV-event intake included) / requests routed; insensitive to other load on the machine' }),
      ];
      return { figures, config: { runs, streams: STREAMS, maxTokens: MAX_TOKENS, speedupRatio: SPEEDUP, windowMs, rampMs: RAMP_MS } };
    } finally {
      for (const s of servers.reverse()) await s.close();
    }
  },
};
