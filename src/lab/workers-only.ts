/**
 * Workers without a kvlab router (`kvlab cluster --no-router`): N mock workers on ephemeral ports,
 * each publishing KV events in vLLM's wire format (with token ids, so a foreign router can hash the
 * blocks itself) on an ephemeral ZeroMQ port, and the settings an external router needs to use them:
 * the worker URLs and, per worker, the KV-event stream as vLLM's `--kv-events-config` describes it
 * (publisher zmq, endpoint, topic) — the stream Dynamo's ZMQ relay and llm-d's KV-cache indexer
 * subscribe to — with the block size their hashing must use. A router author then points their router
 * at the workers and measures it with `kvlab experiment --target`.
 */
import { startMocker, type MockerOptions, type RunningMocker } from '../mocker/index.ts';
import type { ModelTokenizer } from '../core/tokenizers/model-tokenizer.ts';
import type { ClusterWorker } from './cluster.ts';

export interface RunningWorkers {
  workers: ClusterWorker[];
  mocker: RunningMocker;
  close(): Promise<void>;
}

/**
 * The mocker options of `mocker` with ports chosen by us; KV events always on, with token ids. With a
 * model tokenizer (`--tokenizer`) the workers count and template as that model.
 */
export async function startWorkersOnly(mocker: Partial<MockerOptions>, tokenizer?: ModelTokenizer): Promise<RunningWorkers> {
  const running = await startMocker({ ...mocker, port: 0, kvEventsPort: 0, kvEventTokenIds: true }, tokenizer);
  return {
    workers: running.workers.map((w) => ({ name: w.name, url: w.url, kvEventsEndpoint: w.kvEventsEndpoint })),
    mocker: running,
    close: () => running.close(),
  };
}

/** What an external router's configuration needs, as data. */
export interface ExternalRouterSettings {
  model: string;
  blockSize: number;
  workers: Array<{
    name: string;
    url: string;
    /** vLLM's KVEventsConfig fields for this worker's stream (what a vLLM worker would be started with). */
    kvEventsConfig: { enable_kv_cache_events: true; publisher: 'zmq'; endpoint: string; topic: string } | null;
  }>;
}

export function externalRouterSettings(workers: readonly ClusterWorker[], model: string, blockSize: number): ExternalRouterSettings {
  return {
    model,
    blockSize,
    workers: workers.map((w) => ({
      name: w.name,
      url: w.url,
      kvEventsConfig: w.kvEventsEndpoint ? { enable_kv_cache_events: true, publisher: 'zmq', endpoint: w.kvEventsEndpoint, topic: '' } : null,
    })),
  };
}

/** The lines `kvlab cluster --no-router` prints: URLs, then the snippet for an external router. */
export function renderExternalRouterSettings(s: ExternalRouterSettings): string[] {
  const lines = [`kvlab cluster: ${s.workers.length} worker(s), no router, model ${s.model}, block size ${s.blockSize}`];
  for (const w of s.workers) lines.push(`${w.name} ${w.url}${w.kvEventsConfig ? ` kv-events ${w.kvEventsConfig.endpoint}` : ''}`);
  lines.push(
    '',
    '# For your router: OpenAI-compatible workers, and per worker its KV-event stream in vLLM\'s format',
    '# (ZeroMQ PUB, multipart [topic, seq, msgpack EventBatch], BlockStored with token ids). These are the',
    '# fields vLLM\'s --kv-events-config takes; Dynamo\'s ZMQ relay and llm-d\'s KV-cache indexer subscribe',
    `# to such a stream. Hash blocks of ${s.blockSize} tokens. Then: kvlab experiment FILE --target mine=http://<your router>`,
    JSON.stringify({ model: s.model, block_size: s.blockSize, workers: s.workers.map((w) => ({ name: w.name, url: w.url, kv_events_config: w.kvEventsConfig })) }, null, 2),
  );
  return lines;
}
