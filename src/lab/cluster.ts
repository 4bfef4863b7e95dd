/**
 * The embedded cluster: N mock workers (ephemeral ports, each publishing KV events on an ephemeral
 * ZeroMQ port) and a router in front of them, in one process, on 127.0.0.1 by default. The router's
 * block size and API key follow the workers' so hashes and auth line up. `kvlab cluster` and the lab's
 * real-time experiments use it; `close()` stops the router first, then the workers.
 *
 * kvlab to kvlab by default: the workers publish KV events without token ids (mocker
 * `kvEventTokenIds: false`; the router takes their hashes as they are, and the workers then take
 * hash-only preprocessed prompts), and the router hands them prompts tokenized and hashed
 * (core/preprocessed). `mocker.kvEventTokenIds: true` keeps vLLM's events with token ids for other
 * subscribers; `router.preprocess: false` sends the workers plain text.
 *
 * The router reaches its workers in-process by default (`workerLink`): completions through
 * in-process-link.ts (no HTTP, no per-token socket writes for that hop), and KV events as each
 * worker publishes them, at the end of the step that computed the blocks (the virtual clock's
 * timing; over ZeroMQ they may arrive after the answer's first token, and the next request may be
 * routed without them). Outside clients still talk HTTP to the router, and the workers still listen on
 * HTTP and publish on ZeroMQ for anyone else. `workerLink: 'http'` sends the router's completions
 * over loopback HTTP and its KV events over ZeroMQ like any other router's.
 */
import type { KvFrameSource } from '../core/kv-event-codec.ts';
import type { ModelTokenizer } from '../core/tokenizers/model-tokenizer.ts';
import { isVllmHashAlgo } from '../core/vllm-block-hash.ts';
import { startMocker, type MockerOptions, type RunningMocker } from '../mocker/index.ts';
import { startRouter, type RouterOptions, type RunningRouter } from '../router-sim/index.ts';
import { InProcessLink, type WorkerLink } from './in-process-link.ts';

export interface ClusterOptions {
  /** Workers to start (overrides mocker.numWorkers). */
  numWorkers?: number;
  /** Every mocker option; port and kvEventsPort are chosen by the cluster (ephemeral). */
  mocker?: Partial<MockerOptions>;
  /** Router options; workers and kvEvents are wired by the cluster. Port defaults to 8000 (0 = ephemeral). */
  router?: Partial<Omit<RouterOptions, 'workers' | 'kvEvents'>>;
  /** Publish KV events and feed them to the router (default true; required by router mode kv). */
  kvEvents?: boolean;
  /** Tokenizer of the workers and the router (`--tokenizer`); default kvlab's o200k_base. */
  tokenizer?: ModelTokenizer;
  /** How long the router may take to subscribe to every worker's KV events before start-up fails (default 5000 ms). */
  readyTimeoutMs?: number;
  /** Router → worker completions in-process (default) or over loopback HTTP. */
  workerLink?: WorkerLink;
}

export interface ClusterWorker {
  name: string;
  url: string;
  kvEventsEndpoint: string | null;
}

export interface RunningCluster {
  /** The router's front door. */
  url: string;
  workers: ClusterWorker[];
  router: RunningRouter;
  mocker: RunningMocker;
  close(): Promise<void>;
}

/** Throws unless the router's KV-event subscriptions (if any) reach every publisher within `timeoutMs`. */
export async function requireSubscribed(router: RunningRouter, timeoutMs: number): Promise<void> {
  const subs = router.state.subscribers;
  if (subs && !(await subs.ready(timeoutMs))) {
    throw new Error(`embedded cluster: the router's KV-event subscriptions did not reach the workers' publishers within ${timeoutMs} ms`);
  }
}

/** The workers' KV events in-process, when every worker publishes them (else undefined: the router subscribes over ZeroMQ). */
function kvEventSources(mocker: RunningMocker): KvFrameSource[] | undefined {
  const sources = mocker.workers.map((w) => w.kvEventSource);
  return sources.every((s) => s !== null) ? (sources as KvFrameSource[]) : undefined;
}

export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
  const mockerOpts: Partial<MockerOptions> = {
    ...opts.mocker,
    ...(opts.numWorkers !== undefined ? { numWorkers: opts.numWorkers } : {}),
    port: 0,
    kvEventsPort: opts.kvEvents === false ? null : 0,
    kvEventTokenIds: opts.mocker?.kvEventTokenIds ?? isVllmHashAlgo(opts.mocker?.prefixCachingHashAlgo),
  };
  const mocker = await startMocker(mockerOpts, opts.tokenizer);
  const inProcess = (opts.workerLink ?? 'in-process') === 'in-process';
  let router: RunningRouter;
  try {
    router = await startRouter({
      host: mockerOpts.host,
      blockSize: mockerOpts.blockSize,
      apiKey: mockerOpts.apiKey ?? null,
      ...opts.router,
      workers: mocker.workers.map((w) => w.url),
      kvEvents: opts.kvEvents === false ? [] : mocker.workers.map((w) => w.kvEventsEndpoint ?? ''),
    }, opts.tokenizer, inProcess ? { completions: mocker.workers.map((w) => new InProcessLink(w.app)), kvEvents: kvEventSources(mocker) } : {});
  } catch (err) {
    await mocker.close();
    throw err;
  }
  // Do not hand out the cluster before the router's subscriptions reach the publishers: batches
  // published earlier would be dropped (ZeroMQ slow joiner) and the index would miss those blocks.
  // A cluster whose router cannot hear its workers is not started at all.
  try {
    await requireSubscribed(router, opts.readyTimeoutMs ?? 5000);
  } catch (err) {
    await router.close();
    await mocker.close();
    throw err;
  }
  // Nor before the router knows its workers are kvlab workers (until then it sends them plain text).
  await router.state.pool.ready(5000);
  let closed = false;
  return {
    url: router.url,
    workers: mocker.workers.map((w, i) => ({ name: `worker-${i}`, url: w.url, kvEventsEndpoint: w.kvEventsEndpoint })),
    router,
    mocker,
    async close() {
      if (closed) return;
      closed = true;
      await router.close();
      await mocker.close();
    },
  };
}
