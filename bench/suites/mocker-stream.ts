/**
 * Benchmark 2 — mock engine streaming: one mock worker process (startMocker) at a speedup ratio so
 * high that every step deadline is already past (the engine is CPU-bound), streamed to 64 and 256
 * concurrent clients by this process (undici), against a bare fastify route that streams the very
 * same events (captured from one mocker answer: same chunk count and sizes) one per event-loop turn.
 * Figure: SSE token chunks per second received by the clients; target ≥ 0.7 of the baseline.
 */
import { makeFigure, repetitions } from '../lib/figure.ts';
import { startServer, type ServerProcess } from '../lib/procs.ts';
import { fetchSse, sseLoad } from '../lib/sse-load.ts';
import type { Figure, Suite } from '../lib/types.ts';

const MAX_TOKENS = 128;
const SPEEDUP = 1e6;

function body(): string {
  return JSON.stringify({
    model: 'kvlab-mock',
    messages: [{ role: 'user', content: 'Stream a steady answer for the throughput benchmark, please.' }],
    max_tokens: MAX_TOKENS,
    ignore_eos: true,
    stream: true,
  });
}

export const mockerStream: Suite = {
  id: 'mocker-stream',
  title: 'Mock engine streaming (SSE chunks/s vs a bare fastify route)',
  async run(opts, log) {
    const runs = repetitions(opts, 2, 3);
    const warmupMs = opts.quick ? 300 : 1000;
    const durationMs = opts.quick ? 800 : 4000;
    const concurrencies = [64, 256];
    const servers: ServerProcess[] = [];
    try {
      const mocker = await startServer('mocker', { speedupRatio: SPEEDUP, maxNumSeqs: 256 });
      servers.push(mocker);
      const events = await fetchSse(mocker.url, body());
      const tokenEvents = events.filter((e) => e.startsWith('data: {')).length;
      if (tokenEvents !== MAX_TOKENS) throw new Error(`expected ${MAX_TOKENS} token chunks from the mocker, got ${tokenEvents}`);
      const bare = await startServer('bare-sse', { events, mode: 'tick' });
      servers.push(bare);
      // Discarded warm-up load on both servers (JIT, connection pools) before anything is counted.
      for (const server of [mocker, bare]) await sseLoad({ url: server.url, body: body(), concurrency: 64, warmupMs: 0, durationMs: opts.quick ? 500 : 1500 });
      const figures: Figure[] = [];
      for (const concurrency of concurrencies) {
        const mock: number[] = [];
        const base: number[] = [];
        const mockCpu: number[] = [];
        const baseCpu: number[] = [];
        for (let r = 0; r < runs; r++) {
          for (const [name, server, into, cpuInto] of [
            ['mocker', mocker, mock, mockCpu],
            ['bare', bare, base, baseCpu],
          ] as const) {
            const cpu0 = await server.cpuMs();
            const res = await sseLoad({ url: server.url, body: body(), concurrency, warmupMs, durationMs });
            const cpuUsPerChunk = ((await server.cpuMs()) - cpu0) * 1000 / res.totalChunks;
            if (res.errors > 0) throw new Error(`${name} @${concurrency}: ${res.errors} failed requests (${res.firstError})`);
            log(`${name} @${concurrency} run ${r + 1}: ${Math.round(res.chunksPerS)} chunks/s, ${res.requests} requests, ${cpuUsPerChunk.toFixed(1)} µs server CPU/chunk`);
            into.push(res.chunksPerS);
            cpuInto.push(cpuUsPerChunk);
          }
        }
        figures.push(
          makeFigure({
            id: `mocker.stream_chunks_per_s.c${concurrency}`,
            name: `mocker SSE chunks/s @${concurrency} clients`,
            unit: 'chunks/s',
            values: mock,
            baseline: { name: 'bare fastify SSE', values: base },
            target: { on: 'ratio', op: '>=', limit: 0.7 },
            note: `1 worker process, speedup ${SPEEDUP}, max_tokens ${MAX_TOKENS} (ignore_eos), ${durationMs} ms window after ${warmupMs} ms warmup; load from a separate process (undici)`,
          }),
          makeFigure({
            id: `mocker.server_cpu_us_per_chunk.c${concurrency}`,
            name: `mocker server CPU per chunk @${concurrency}`,
            unit: 'µs',
            values: mockCpu,
            baseline: { name: 'bare fastify SSE', values: baseCpu },
            note: 'server process CPU time (user+system) over the whole load call / chunks received; less sensitive to other load on the machine than chunks/s',
          }),
        );
      }
      return { figures, config: { runs, warmupMs, durationMs, concurrencies, maxTokens: MAX_TOKENS, speedupRatio: SPEEDUP, eventsPerAnswer: events.length } };
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
};
