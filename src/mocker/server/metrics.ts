/**
 * A worker's Prometheus metrics, under vLLM's names so dashboards and routers built for vLLM read the
 * mocker unchanged. One prom-client Registry per worker (never the global default registry), label
 * `model_name`. Gauges and the engine's counters are read from `engine.stats()` at scrape time; latency
 * histograms and the success counter are fed by the driver as requests finish.
 *
 * With KV offload tiers (and only then), kvlab's own `kvlab:kv_offload_hits_total{medium}` (prompt
 * tokens loaded back from the CPU / DISK tier; vllm:prefix_cache_hits_total counts GPU hits) and
 * `kvlab:kv_offload_blocks{medium}` (blocks each tier holds now).
 *
 * Approximation: latencies are the driver's wall-clock (so compressed by the speedup ratio), and the
 * bucket edges are a subset of vLLM's.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineStats } from '../engine/types.ts';

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const E2E_BUCKETS = [0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Record a finished request's latencies (seconds) and finish reason. */
  observeFinished(ttftS: number | null, e2eS: number, finishReason: string): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

type StatKey = 'prefixQueries' | 'prefixHits' | 'promptTokens' | 'generationTokens' | 'preemptions';

export function createWorkerMetrics(modelName: string, stats: () => EngineStats): WorkerMetrics {
  const registry = new Registry();
  const labels = { model_name: modelName };
  const labelNames = ['model_name'] as const;

  const gauge = (name: string, help: string, read: (s: EngineStats) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.set(labels, read(stats()));
      },
    });
  };
  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', (s) => s.running);
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', (s) => s.waiting);
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', (s) => s.kvUsage);

  const counterFromStats = (name: string, help: string, key: StatKey): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(labels, Math.max(0, stats()[key]));
      },
    });
  };
  counterFromStats('vllm:prefix_cache_queries_total', 'Prefix cache queries, in number of queried tokens.', 'prefixQueries');
  counterFromStats('vllm:prefix_cache_hits_total', 'Prefix cache hits, in number of cached tokens.', 'prefixHits');
  counterFromStats('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', 'promptTokens');
  counterFromStats('vllm:generation_tokens_total', 'Number of generation tokens processed.', 'generationTokens');
  counterFromStats('vllm:num_preemptions_total', 'Cumulative number of preemptions from the engine.', 'preemptions');

  if (stats().cpuHitTokens !== undefined) {
    const mediumLabels = ['model_name', 'medium'] as const;
    new Counter({
      name: 'kvlab:kv_offload_hits_total',
      help: 'Prompt tokens loaded back from a KV offload tier, by medium.',
      labelNames: mediumLabels,
      registers: [registry],
      collect() {
        const s = stats();
        this.reset();
        this.inc({ ...labels, medium: 'CPU' }, s.cpuHitTokens ?? 0);
        this.inc({ ...labels, medium: 'DISK' }, s.diskHitTokens ?? 0);
      },
    });
    new Gauge({
      name: 'kvlab:kv_offload_blocks',
      help: 'KV blocks held by an offload tier, by medium.',
      labelNames: mediumLabels,
      registers: [registry],
      collect() {
        const s = stats();
        this.set({ ...labels, medium: 'CPU' }, s.cpuCachedBlocks ?? 0);
        this.set({ ...labels, medium: 'DISK' }, s.diskCachedBlocks ?? 0);
      },
    });
  }

  const ttft = new Histogram({
    name: 'vllm:time_to_first_token_seconds',
    help: 'Histogram of time to first token in seconds.',
    labelNames,
    buckets: TTFT_BUCKETS,
    registers: [registry],
  });
  const e2e = new Histogram({
    name: 'vllm:e2e_request_latency_seconds',
    help: 'Histogram of end to end request latency in seconds.',
    labelNames,
    buckets: E2E_BUCKETS,
    registers: [registry],
  });
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: ['model_name', 'finished_reason'] as const,
    registers: [registry],
  });

  return {
    registry,
    contentType: registry.contentType,
    observeFinished(ttftS, e2eS, finishReason) {
      if (ttftS !== null) ttft.observe(labels, ttftS);
      e2e.observe(labels, e2eS);
      success.inc({ ...labels, finished_reason: finishReason });
    },
    render: () => registry.metrics(),
  };
}
