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
 *
 * Disaggregated prefill/decode (`prefillWorkers` P): the first P workers run in disaggregation mode
 * prefill, the other numWorkers − P in mode decode (two mockers); the router routes prefills over the
 * first ones (their KV events) and hands the decode to the others (router `decodeWorkers`, pd-proxy.ts). The
 * in-process link carries the prefill workers' KV events; the prefill leg and the decode workers' completions
 * go over loopback HTTP.
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
  /** Disaggregated prefill/decode: this many of the workers prefill, the rest decode (absent: aggregated). */
  prefillWorkers?: number;
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
function kvEventSources(workers: RunningMocker['workers']): KvFrameSource[] | undefined {
  const sources = workers.map((w) => w.kvEventSource);
  return sources.every((s) => s !== null) ? (sources as KvFrameSource[]) : undefined;
}

/** The workers: one mocker, or (P/D) a prefill and a decode mocker, the prefill workers first. */
async function startWorkers(mockerOpts: Partial<MockerOptions>, opts: ClusterOptions): Promise<{ mocker: RunningMocker; decodeUrls: string[] }> {
  const p = opts.prefillWorkers ?? 0;
  if (p === 0) return { mocker: await startMocker(mockerOpts, opts.tokenizer), decodeUrls: [] };
  const n = mockerOpts.numWorkers ?? 1;
  if (!Number.isInteger(p) || p < 1 || p >= n) throw new RangeError(`embedded cluster: prefillWorkers must be an integer in 1..${n - 1} (at least one decode worker), got ${p}`);
  const prefill = await startMocker({ ...mockerOpts, numWorkers: p, disaggregationMode: 'prefill' }, opts.tokenizer);
  let decode: RunningMocker;
  try {
    decode = await startMocker({ ...mockerOpts, numWorkers: n - p, disaggregationMode: 'decode' }, opts.tokenizer);
  } catch (err) {
    await prefill.close();
    throw err;
  }
  return {
    mocker: {
      workers: [...prefill.workers, ...decode.workers],
      async close() {
        await Promise.all([prefill.close(), decode.close()]);
      },
    },
    decodeUrls: decode.workers.map((w) => w.url),
  };
}

export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
  const mockerOpts: Partial<MockerOptions> = {
    ...opts.mocker,
    ...(opts.numWorkers !== undefined ? { numWorkers: opts.numWorkers } : {}),
    port: 0,
    kvEventsPort: opts.kvEvents === false ? null : 0,
    kvEventTokenIds: opts.mocker?.kvEventTokenIds ?? isVllmHashAlgo(opts.mocker?.prefixCachingHashAlgo),
  };
  const { mocker, decodeUrls } = await startWorkers(mockerOpts, opts);
  const routed = decodeUrls.length > 0 ? mocker.workers.slice(0, mocker.workers.length - decodeUrls.length) : mocker.workers;
  const inProcess = (opts.workerLink ?? 'in-process') === 'in-process';
  let router: RunningRouter;
  try {
    router = await startRouter({
      host: mockerOpts.host,
      blockSize: mockerOpts.blockSize,
      apiKey: mockerOpts.apiKey ?? null,
      ...opts.router,
      workers: routed.map((w) => w.url),
      kvEvents: opts.kvEvents === false ? [] : routed.map((w) => w.kvEventsEndpoint ?? ''),
      decodeWorkers: decodeUrls,
    }, opts.tokenizer, inProcess ? { completions: routed.map((w) => new InProcessLink(w.app)), kvEvents: kvEventSources(routed) } : {});
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
