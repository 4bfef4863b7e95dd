/**
 * Benchmark 4a — client fidelity: the real client (runWorkload + undici transport, closed loop) keeps
 * 256 streams open against one mock worker process running in real time (speedup 1), and every
 * answer's client-side TTFT is compared with the engine's own (nvext.timing first_token_ms −
 * arrival_ms, read by the timing tap). The difference is what the client adds: request transmission
 * and server parsing before the arrival stamp, and delivery and parsing of the first chunk after it.
 * Target: p99 < 1 ms. Requests sent in the first second (ramp-up) are not counted.
 */
import { makeFigure, percentile, repetitions } from '../lib/figure.ts';
import { runRealClient, singleTurnWorkload } from '../lib/client-run.ts';
import { startServer } from '../lib/procs.ts';
import { warmUp } from '../lib/sse-load.ts';
import type { Suite } from '../lib/types.ts';

const STREAMS = 256;
const MAX_TOKENS = 32;
const RAMP_MS = 1000;

export const clientFidelity: Suite = {
  id: 'client-fidelity',
  title: 'Client fidelity: client TTFT − engine TTFT at 256 concurrent streams',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const windowMs = opts.quick ? 2000 : 6000;
    const mocker = await startServer('mocker', { speedupRatio: 1, maxNumSeqs: STREAMS });
    try {
      await warmUp(mocker.url);
      const p50: number[] = [];
      const p99: number[] = [];
      const engineP50: number[] = [];
      let counted = 0;
      for (let i = -1; i < runs; i++) {
        const workload = singleTurnWorkload({ count: 100_000, content: 'Answer briefly: what does a prefix cache store?', maxTokens: MAX_TOKENS }, { kind: 'closed', concurrency: STREAMS });
        const { records } = await runRealClient({ urls: [mocker.url], workload, stopAfterMs: i < 0 ? 1000 : RAMP_MS + windowMs });
        if (i < 0) continue; // warm-up run (JIT, connection pools), not counted
        const failed = records.filter((r) => !r.ok);
        if (failed.length > 0) throw new Error(`${failed.length} requests failed (${failed[0].error})`);
        const measured = records.filter((r) => r.sentAtMs >= RAMP_MS && r.ttftMs !== null);
        const missing = measured.filter((r) => r.engineTtftMs === null).length;
        if (missing > 0) throw new Error(`${missing} answers carried no nvext.timing`);
        const gaps = measured.map((r) => r.ttftMs! - r.engineTtftMs!);
        p50.push(percentile(gaps, 50));
        p99.push(percentile(gaps, 99));
        engineP50.push(percentile(measured.map((r) => r.engineTtftMs!), 50));
        counted += gaps.length;
        log(`run ${i + 1}: ${gaps.length} requests, gap p50 ${p50[i].toFixed(3)} ms, p99 ${p99[i].toFixed(3)} ms, engine TTFT p50 ${engineP50[i].toFixed(1)} ms`);
      }
      const note = `${STREAMS} streams (closed loop), 1 mock worker process at speedup 1, max_tokens ${MAX_TOKENS}, ${counted} requests over ${runs} runs`;
      const figures = [
        makeFigure({ id: 'client.ttft_gap_p50_ms', name: 'client TTFT − engine TTFT p50 @256 streams', unit: 'ms', values: p50, note }),
        makeFigure({ id: 'client.ttft_gap_p99_ms', name: 'client TTFT − engine TTFT p99 @256 streams', unit: 'ms', values: p99, target: { on: 'value', op: '<', limit: 1 }, note }),
      ];
      return { figures, config: { runs, streams: STREAMS, maxTokens: MAX_TOKENS, windowMs, rampMs: RAMP_MS, engineTtftP50Ms: engineP50 } };
    } finally {
      await mocker.close();
    }
  },
};
