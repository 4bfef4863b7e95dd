/**
 * One experiment cell on a real clock, with the real HTTP client (`runBench`, which streams every
 * record to requests.jsonl as it completes and writes run.json at the end, also when aborted):
 * - embedded: start the cell's cluster (mock workers + router on ephemeral 127.0.0.1 ports) on the
 *   experiment's cluster thread (cluster-thread.ts: the client's event loop and the cluster's then use
 *   two cores), warm it up with unrecorded requests, run the workload against the router, close the
 *   cluster whatever happened;
 * - remote: run the workload against a target URL (a real deployment); no cluster is started.
 *
 * The warm-up exists because a cluster is new: the first requests otherwise pay for
 * loading the tokenizer's tables and compiling the HTTP, KV-event and indexing paths (hundreds of ms),
 * which a real server pays once at start-up. Its lorem prompts share no block with any workload's,
 * and the caches are reset afterwards.
 */
import type { Workload } from '../client/workloads/types.ts';
import { runBench } from '../client/bench.ts';
import { createTransport } from '../client/http/transport.ts';
import { warmupConcurrency } from '../client/runner/warmup.ts';
import { DEFAULT_MOCKER_OPTIONS } from '../mocker/index.ts';
import { createRng } from '../core/rng.ts';
import { loremText } from '../core/lorem.ts';
import type { ClusterWorker } from './cluster.ts';
import type { ClusterHost } from './cluster-thread.ts';
import type { ClusterSettings } from './experiment-file.ts';
import type { CellRun, CellRunMeta } from './virtual-cell.ts';

export interface RealCellOptions {
  workload: Workload;
  seed: number;
  runDir: string;
  meta: CellRunMeta;
  signal?: AbortSignal;
  /** Bearer key for remote targets. */
  apiKey?: string | null;
}

async function bench(url: string, o: RealCellOptions, target: Record<string, unknown>, warm: { warmupRequests: number; resetCache: boolean } = { warmupRequests: 0, resetCache: false }): Promise<CellRun> {
  const result = await runBench({
    ...(warm.warmupRequests > 0 ? warm : {}),
    command: o.meta.command,
    workload: o.workload,
    urls: [url],
    outputDir: o.runDir,
    label: o.meta.label,
    seed: o.seed,
    signal: o.signal,
    apiKey: o.apiKey ?? null,
    config: { ...o.meta.config, ...target },
  });
  return { run: result.run, records: result.records, interrupted: result.interrupted };
}

/** Prompt tokens of each warm-up request: several KV blocks, so every code path runs (see above). */
const WARM_UP_TOKENS = 2000;
/** Rounds of one warm-up request per worker, and the tokens each streams back (the SSE path compiles too). */
const WARM_UP_ROUNDS = 3;
const WARM_UP_OUTPUT = 32;

/**
 * The warm-up's shape for an engine compressed by `speedupRatio`: the full one at ratio ≥ 1; a slowed
 * engine (ratio < 1) gets one round of 4 tokens, since its own steps take 1/ratio× longer (a full
 * warm-up at ratio 0.05 took ~45 s per cell) and dwarf the first requests' compile costs anyway.
 */
export function warmUpShape(speedupRatio: number): { rounds: number; outputTokens: number } {
  return slowedEngine(speedupRatio) ? { rounds: 1, outputTokens: 4 } : { rounds: WARM_UP_ROUNDS, outputTokens: WARM_UP_OUTPUT };
}

/** An engine slowed below real time, whose own steps dwarf the first requests' compile costs. */
function slowedEngine(speedupRatio: number): boolean {
  return speedupRatio < 1;
}

/** At most this many of the client's own warm-up requests (one wave of the workload's concurrency). */
const CLIENT_WARM_UP_MAX = 64;

/**
 * The client's own warm-up before an embedded cell's measured run (runBench `warmupRequests`, then a
 * prefix-cache reset): one wave of the workload's concurrency, each a tagged copy of a first turn
 * (runner/warmup.ts: the same prompt sizes, no block shared with a measured prompt). The cluster's
 * lorem warm-up compiles its paths for 2,000-token prompts through `fetch`; this one runs the
 * client's own transport and the cluster's paths at the workload's prompt sizes, which a first cell
 * otherwise paid for in its first requests (idle, shipped prefix-ratio-sweep: 19–38 ms of serving
 * overhead in the first cell against 11–16 ms in the others, whichever cell came first). None on a
 * slowed engine (ratio < 1), whose steps dwarf compile costs (as in warmUpShape), and none added to a
 * workload with a warm-up plan of its own (documents: llm-d's questions), which runBench sends anyway.
 */
export function clientWarmUpRequests(workload: Workload, speedupRatio: number): number {
  if (slowedEngine(speedupRatio) || workload.warmup) return 0;
  return warmupConcurrency(workload, CLIENT_WARM_UP_MAX);
}

async function chat(url: string, content: string, maxTokens: number, signal?: AbortSignal): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: DEFAULT_MOCKER_OPTIONS.model, messages: [{ role: 'user', content }], max_tokens: maxTokens, stream: true }),
    signal,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`embedded cluster: a warm-up request failed with HTTP ${res.status}`);
}

/**
 * Warm the cluster up (see the module comment): a few rounds of one request per worker
 * through the router, then the prefix caches are reset through the router (the client's own reset,
 * as `kvlab bench --reset-cache` does): every worker's, and what the router remembers of them, so
 * the measured run starts cold-cached but warm-compiled.
 */
export async function warmUp(cluster: { url: string; workers: readonly ClusterWorker[] }, signal?: AbortSignal, speedupRatio = 1): Promise<void> {
  const rng = createRng('kvlab-lab-warm-up');
  const shape = warmUpShape(speedupRatio);
  for (let round = 0; round < shape.rounds; round++) {
    await Promise.all(cluster.workers.map((_, i) => chat(cluster.url, loremText(rng.fork(`${round}/${i}`), WARM_UP_TOKENS).text, shape.outputTokens, signal)));
  }
  const router = createTransport({ baseUrl: cluster.url });
  try {
    await router.resetPrefixCache(signal);
  } catch (err) {
    throw new Error(`embedded cluster: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await router.close();
  }
}

/**
 * Run a cell on its embedded cluster, started in `host`'s thread: `settings` is the cell's cluster
 * section, `baseDir` the experiment file's folder.
 */
export async function runEmbeddedCell(host: ClusterHost, settings: ClusterSettings, baseDir: string, o: RealCellOptions): Promise<CellRun> {
  const running = await host.startCluster(settings, baseDir, o.seed);
  try {
    const speedupRatio = settings.speedupRatio ?? 1;
    await warmUp(running, o.signal, speedupRatio);
    const embedded = { router: running.url, workers: running.workers.map((w) => w.url), workerLink: settings.workerLink ?? 'in-process' };
    return await bench(running.url, o, { embedded }, { warmupRequests: clientWarmUpRequests(o.workload, speedupRatio), resetCache: true });
  } finally {
    await running.close();
  }
}

export async function runRemoteCell(target: { label: string; url: string }, o: RealCellOptions): Promise<CellRun> {
  return bench(target.url, o, { remote: target });
}
