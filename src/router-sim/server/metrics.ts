/**
 * The router's Prometheus metrics (prom-client, its own Registry; no global default registry), exposed
 * at GET /metrics. Names are `kvlab_router_*`, unit-suffixed where they have a unit.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface RouterMetrics {
  registry: Registry;
  requests: Counter<'worker' | 'mode'>;
  overlapBlocks: Histogram;
  predictedHitRatio: Histogram;
  kvEvents: Counter<'worker'>;
  resyncs: Counter<'worker'>;
  retries: Counter;
  specSent: Counter;
  specCompleted: Counter;
  workersUp: Gauge;
  indexBlocks: Gauge;
}

export function createRouterMetrics(opts: { workersUp: () => number; indexBlocks: () => number }): RouterMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'kvlab_router_requests_total', help: 'Requests routed, by worker and router mode', labelNames: ['worker', 'mode'] as const, registers }),
    overlapBlocks: new Histogram({
      name: 'kvlab_router_overlap_blocks',
      help: "Prompt blocks the chosen worker was expected to have cached (router's index)",
      buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    predictedHitRatio: new Histogram({
      name: 'kvlab_router_predicted_hit_ratio',
      help: 'Predicted prefix-cache hit ratio of routed requests (overlap tokens / prompt tokens)',
      buckets: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
      registers,
    }),
    kvEvents: new Counter({ name: 'kvlab_router_kv_events_total', help: 'KV events received, by worker', labelNames: ['worker'] as const, registers }),
    resyncs: new Counter({ name: 'kvlab_router_resyncs_total', help: "Times a worker's index was cleared after a sequence gap, a reconnect, a failed intake (batch or receive loop) or a silent KV-event stream", labelNames: ['worker'] as const, registers }),
    retries: new Counter({ name: 'kvlab_router_retries_total', help: 'Requests retried on another worker after a failure before any byte', registers }),
    specSent: new Counter({ name: 'kvlab_router_speculative_prefills_sent_total', help: 'Speculative prefill requests sent', registers }),
    specCompleted: new Counter({ name: 'kvlab_router_speculative_prefills_completed_total', help: 'Speculative prefill requests completed', registers }),
    workersUp: new Gauge({
      name: 'kvlab_router_workers_up',
      help: 'Workers currently considered up',
      registers,
      collect() {
        this.set(opts.workersUp());
      },
    }),
    indexBlocks: new Gauge({
      name: 'kvlab_router_index_blocks',
      help: "Blocks in the router's index (event-fed, or kv-approx's own)",
      registers,
      collect() {
        this.set(opts.indexBlocks());
      },
    }),
  };
}
