/**
 * Benchmark 4b — client capacity in open loop: the real client (runWorkload's open-loop schedule +
 * undici transport) sends one-turn requests at evenly spaced times against a mock that answers at
 * once (the bare fastify route in `at-once` mode: a three-event SSE stream with usage). The rate
 * climbs a ladder; a rate is sustained when every request succeeds, the send schedule does not fall
 * behind (lateness p50 ≤ 2 ms: a client that cannot keep up is late by more and more, so its median
 * grows without bound) and the answers keep up (completed rate ≥ 95 % of the offered rate).
 * Figures: the highest sustained rate (target ≥ 2,000 req/s) and the send lateness p50/p99 at
 * 2,000 req/s (target p99 ≤ 5 ms; p99 also measures how often the OS scheduler delays the client).
 */
import { makeFigure, percentile, repetitions } from '../lib/figure.ts';
import { runRealClient, singleTurnWorkload } from '../lib/client-run.ts';
import { startServer } from '../lib/procs.ts';
import type { Suite } from '../lib/types.ts';

const LADDER = [500, 1000, 2000, 3000, 4000, 6000, 8000];
const TARGET_RATE = 2000;
/** Sends are paced with setTimeout (1 ms granularity): a median up to 2 ms late is pacing, not falling behind. */
const ON_TIME_P50_MS = 2;
const ON_TIME_P99_MS = 5;
const KEEP_UP = 0.95;

/** The tiny answer: one content chunk, a final chunk with finish reason and usage, [DONE]. */
function tinyStream(): string[] {
  const head = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model: 'kvlab-mock' };
  return [
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, logprobs: null, finish_reason: null }] })}\n\n`,
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } } })}\n\n`,
    'data: [DONE]\n\n',
  ];
}

interface Step {
  rate: number;
  sustained: boolean;
  lateP50: number;
  lateP99: number;
  completedRate: number;
  failed: number;
  /** CPU time of this (client) process per request, µs. */
  cpuUs: number;
  firstError: string | null;
}

export const clientCapacity: Suite = {
  id: 'client-capacity',
  title: 'Client capacity: open-loop request rate against an instant mock',
  async run(opts, log) {
    const runs = repetitions(opts, 1, 3);
    const stepMs = opts.quick ? 1500 : 3000;
    const server = await startServer('bare-sse', { events: tinyStream(), mode: 'at-once' });
    const step = async (rate: number): Promise<Step> => {
      const count = Math.round((rate * stepMs) / 1000);
      const workload = singleTurnWorkload({ count, content: 'ping', maxTokens: 1, atMs: (i) => (i * 1000) / rate }, { kind: 'open' });
      const cpu0 = process.cpuUsage();
      const { records, durationMs } = await runRealClient({ urls: [server.url], workload, graceMs: 2000, stopAfterMs: stepMs + 5000 });
      const cpu = process.cpuUsage(cpu0);
      const late = records.map((r) => r.lateMs ?? Number.NaN);
      const failed = records.filter((r) => !r.ok).length + (count - records.length);
      const completedRate = records.length / (durationMs / 1000);
      const s: Step = { rate, lateP50: percentile(late, 50), lateP99: percentile(late, 99), completedRate, failed, sustained: false, cpuUs: (cpu.user + cpu.system) / records.length, firstError: records.find((r) => !r.ok)?.error ?? null };
      s.sustained = failed === 0 && s.lateP50 <= ON_TIME_P50_MS && completedRate >= KEEP_UP * rate;
      log(`${rate} req/s: ${s.sustained ? 'sustained' : 'NOT sustained'} — lateness p50 ${s.lateP50.toFixed(2)} ms, p99 ${s.lateP99.toFixed(2)} ms, completed ${Math.round(completedRate)} req/s, ${failed} failed${s.firstError ? ` (${s.firstError})` : ''}, client CPU ${s.cpuUs.toFixed(0)} µs/request`);
      return s;
    };
    try {
      await step(LADDER[0]);
      const best: number[] = [];
      const lateP50: number[] = [];
      const lateP99: number[] = [];
      const cpuUs: number[] = [];
      for (let i = 0; i < runs; i++) {
        let top = 0;
        for (const rate of LADDER) {
          const s = await step(rate);
          if (rate === TARGET_RATE) {
            lateP50.push(s.lateP50);
            lateP99.push(s.lateP99);
            cpuUs.push(s.cpuUs);
          }
          if (!s.sustained) break;
          top = rate;
        }
        if (lateP50.length < i + 1) {
          const s = await step(TARGET_RATE);
          lateP50.push(s.lateP50);
          lateP99.push(s.lateP99);
          cpuUs.push(s.cpuUs);
        }
        best.push(top);
      }
      const note = `open loop, evenly spaced sends, ${stepMs} ms per rate step over ${LADDER.join('/')} req/s; sustained = no failure, lateness p50 ≤ ${ON_TIME_P50_MS} ms, completed ≥ ${KEEP_UP * 100} % of offered`;
      const figures = [
        makeFigure({ id: 'client.open_loop_max_rps', name: 'highest sustained open-loop rate', unit: 'req/s', values: best, target: { on: 'value', op: '>=', limit: TARGET_RATE }, note }),
        makeFigure({ id: 'client.lateness_p50_ms', name: `send lateness p50 @${TARGET_RATE} req/s`, unit: 'ms', values: lateP50, note }),
        makeFigure({ id: 'client.lateness_p99_ms', name: `send lateness p99 @${TARGET_RATE} req/s`, unit: 'ms', values: lateP99, target: { on: 'value', op: '<=', limit: ON_TIME_P99_MS }, note }),
        makeFigure({ id: 'client.cpu_us_per_request', name: `client CPU per request @${TARGET_RATE} req/s`, unit: 'µs', values: cpuUs, note: 'client process CPU (user+system) / requests; 1e6 / this = requests per second one core could send' }),
      ];
      return { figures, config: { runs, stepMs, ladder: LADDER, onTimeP50Ms: ON_TIME_P50_MS, lateP99TargetMs: ON_TIME_P99_MS, keepUp: KEEP_UP } };
    } finally {
      await server.close();
    }
  },
};
