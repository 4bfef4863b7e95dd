/**
 * The engine's contract with its drivers (the real-time fastify server and the virtual-time loop).
 * The engine is pure and clock-free: drivers pass `nowMs` in and act on the data it returns.
 */

export interface EngineConfig {
  /** Tokens per KV block. */
  blockSize: number;
  /** KV capacity in blocks. */
  numGpuBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  enablePrefixCaching: boolean;
  enableChunkedPrefill: boolean;
  /** Share of blocks kept free at admission (0..1). */
  watermark: number;
  /** Divides every simulated duration. */
  speedupRatio: number;
  /** Extra divisor for decode steps only. */
  decodeSpeedupRatio: number;
  maxModelLen: number;
  /**
   * vLLM's async scheduling (its default since v0.12 for plain decoding): the scheduler plans step k+1
   * while step k runs, so a request that arrives while a step runs joins the step after next (at once
   * when the engine is idle or would otherwise run an empty step). Default false (the Dynamo mocker's
   * synchronous loop).
   */
  asyncScheduling?: boolean;
  /**
   * KV offload tiers (offload-tiers.ts), all optional; no CPU blocks → no tiers (the default). Blocks
   * of the CPU tier below GPU memory, and of a disk tier below it (needs a CPU tier).
   */
  kvCpuBlocks?: number;
  kvDiskBlocks?: number;
  /** GPU↔CPU and CPU↔disk link bandwidths, GB/s (defaults 14 and 7, the Dynamo mocker's). */
  kvCpuBandwidthGbps?: number;
  kvDiskBandwidthGbps?: number;
  /** KV bytes per token, sizing a block's transfer (default Llama-3.1-8B's fp16 KV, 131072). */
  kvBytesPerToken?: number;
  /**
   * vLLM's `--scheduling-policy` (waiting-queue.ts): `fcfs` (the default) or `priority` — waiting
   * requests ordered by (priority, arrival), and the preemption victim the running request with the
   * largest (priority, arrival). Under fcfs a request's priority is ignored.
   */
  schedulingPolicy?: SchedulingPolicy;
  /**
   * Disaggregated prefill/decode (kv-transfer.ts), the Dynamo mocker's `--disaggregation-mode`: a
   * `prefill` worker also takes requests that prefill for a remote decode (EngineRequest.remoteDecode),
   * a `decode` worker those whose prompt KV is pulled from a prefill worker (remotePrefill). Absent:
   * aggregated, and both kinds are refused. Either mode still serves ordinary requests.
   */
  disaggregationMode?: DisaggregationMode;
  /** Decode worker's KV ingress: bandwidth in GB/s (default 64, the Dynamo mocker's) and fixed latency in ms (default 1). */
  kvTransferBandwidthGbps?: number;
  kvTransferLatencyMs?: number;
}

export const DISAGGREGATION_MODES = ['prefill', 'decode'] as const;
export type DisaggregationMode = (typeof DISAGGREGATION_MODES)[number];
export const SCHEDULING_POLICIES = ['fcfs', 'priority'] as const;
export type SchedulingPolicy = (typeof SCHEDULING_POLICIES)[number];

export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = Object.freeze({
  blockSize: 64,
  numGpuBlocks: 16384,
  maxNumSeqs: 256,
  maxNumBatchedTokens: 8192,
  enablePrefixCaching: true,
  enableChunkedPrefill: true,
  watermark: 0.01,
  speedupRatio: 1,
  decodeSpeedupRatio: 1,
  maxModelLen: 32768,
});

/**
 * A request as the engine sees it: tokens in, a fixed list of tokens out. The engine keeps references
 * to `prompt` and `output` (not copies) until the request finishes: do not mutate them meanwhile.
 */
export interface EngineRequest {
  id: string;
  /** Prompt token ids. */
  prompt: ArrayLike<number>;
  /**
   * Optional precomputed chained hashes of the prompt's full blocks (core/block-hash with the engine's
   * block size); the engine computes them when absent.
   */
  promptHashes?: readonly number[];
  /**
   * A prompt known by its hashes (virtual time): the prompt has `promptLength` tokens, `promptHashes`
   * must be given, and `prompt` holds only the tokens after its last full block (promptLength mod
   * blockSize of them): the only prompt tokens the engine reads then, when it hashes the block the
   * first output tokens complete. Needs an engine built with `eventTokenIds: false`.
   */
  promptLength?: number;
  /** The exact tokens this request will generate, in order (the driver chooses length and ids). */
  output: ArrayLike<number>;
  /** vLLM's request priority: an integer, lower first (default 0); read under the `priority` policy only. */
  priority?: number;
  /**
   * When the request reached the engine, in the driver's ms (the `priority` policy's tie-break; absent:
   * the order of `add` calls). Drivers that pass it pass it for every request.
   */
  arrivalMs?: number;
  /**
   * Dynamo's `nvext.agent_hints.latency_sensitivity`, seconds: the request counts as having arrived
   * this much earlier (divided by the speedup ratio, like every simulated time) among requests of its
   * priority. Read under the `priority` policy only.
   */
  latencySensitivityS?: number;
  /**
   * Decode worker only (vLLM's `do_remote_prefill`): the prompt was prefilled elsewhere; at first
   * admission the prompt tokens not cached here are pulled over the KV transfer link, and only the
   * last prompt token is computed here (it yields the first output token).
   */
  remotePrefill?: boolean;
  /**
   * Prefill worker only (vLLM's `do_remote_decode`): a decode worker will pull this request's KV; its
   * finishing progress entry lists the blocks that held it (`remoteBlockIds`).
   */
  remoteDecode?: boolean;
}

/**
 * KV events, vLLM's kinds. Hashes are core/block-hash values. A BlockStored's `tokenIds` are the
 * blocks' tokens, or empty when the engine was built with `eventTokenIds: false` (EngineOptions).
 */
export type KvEvent =
  | { type: 'BlockStored'; blockHashes: number[]; parentHash: number | null; tokenIds: number[]; blockSize: number; medium?: LowerMedium }
  | { type: 'BlockRemoved'; blockHashes: number[]; medium?: LowerMedium }
  | { type: 'AllBlocksCleared' };

/**
 * The storage medium of a block below GPU memory, as vLLM's KV events name it. An event without a
 * `medium` is about GPU blocks (vLLM's "GPU"); AllBlocksCleared clears every medium.
 */
export type LowerMedium = 'CPU' | 'DISK';

/** What happened to one request in a step. */
export interface RequestProgress {
  id: string;
  /** Output tokens emitted by this step (0 or 1 per step; delivered at the step's end). */
  tokens: number[];
  /** True when this step emitted the request's first output token. */
  first: boolean;
  /** True when the request has emitted all its output and released its blocks. */
  finished: boolean;
  /** Prompt tokens served from the prefix cache (set on the step that emits the first token). */
  cachedTokens?: number;
  /** Of cachedTokens, those loaded back from the CPU / disk tier (set with cachedTokens when tiers exist). */
  cpuCachedTokens?: number;
  diskCachedTokens?: number;
  /** A remotePrefill request, on its first token: prompt tokens pulled over the KV transfer link. */
  kvTransferTokens?: number;
  /** A remoteDecode request, when it finishes: the GPU blocks that held its KV, in order. */
  remoteBlockIds?: number[];
}

export interface StepResult {
  /** When the step started (the `nowMs` passed in). */
  startMs: number;
  /** When the step ends; its tokens are emitted then. Equal to startMs when idle. */
  endMs: number;
  /** Uncached prompt tokens computed in this step. */
  prefillTokens: number;
  /** Running sequences that decoded one token in this step. */
  decodeSeqs: number;
  /** One entry per request that emitted a token in this step (requests mid-prefill are not listed). */
  progress: readonly RequestProgress[];
  /** Requests preempted in this step (they go back to waiting and are recomputed). */
  preempted: readonly string[];
  events: readonly KvEvent[];
  /** True when there was nothing to run. */
  idle: boolean;
}

/** Live counters for metrics and routers. */
export interface EngineStats {
  running: number;
  waiting: number;
  /** Blocks referenced by running requests. */
  activeBlocks: number;
  /** Blocks cached but unreferenced (the LRU pool). */
  cachedFreeBlocks: number;
  totalBlocks: number;
  /** activeBlocks / totalBlocks. */
  kvUsage: number;
  prefixQueries: number;
  prefixHits: number;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  /** With offload tiers only: prompt tokens loaded back from the CPU / disk tier (prefixHits counts GPU hits). */
  cpuHitTokens?: number;
  diskHitTokens?: number;
  /** With offload tiers only: blocks held by the CPU / disk tier now. */
  cpuCachedBlocks?: number;
  diskCachedBlocks?: number;
  /** Decode workers only: KV transfers pulled in and their prompt tokens. */
  kvTransfers?: number;
  kvTransferTokens?: number;
}

/** Construction options of the Engine that are not part of its vLLM-like configuration. */
export interface EngineOptions {
  /**
   * Put the blocks' token ids in BlockStored events (default true). In-memory consumers that trust
   * the engine's hashes (the virtual cluster's router) turn it off: events then carry `tokenIds: []`
   * and the engine skips copying every stored token.
   */
  eventTokenIds?: boolean;
  /**
   * `step()` returns the same StepResult object every call — its lists and progress entries included —
   * overwritten by the next step (default false: a fresh result per step). For drivers that are done
   * with a step's result before they step again (the virtual cluster): a step then allocates nothing.
   */
  reuseStepResults?: boolean;
}
