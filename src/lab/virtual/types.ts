/**
 * The virtual cluster's contract: what `runVirtual` takes (a workload, a cluster of mock engines
 * behind one router, a seed) and what it returns (the same RequestRecords the real client writes,
 * the virtual duration, and loop counters). Times are virtual milliseconds from the run's start.
 */
import type { RequestRecord } from '../../core/records.ts';
import type { EngineConfig, EngineRequest, StepResult, TimingModel } from '../../mocker/engine/index.ts';
import type { KvLinkStats } from './kv-event-link.ts';
import type { RouterMode } from '../../router-sim/types.ts';
import type { ReplicaSpread } from '../../router-sim/router-replicas.ts';
import type { Workload } from '../../client/workloads/types.ts';

export interface VirtualRouterConfig {
  mode: RouterMode;
  kvOverlapScoreWeight: number;
  routerTemperature: number;
  routerTtlS: number;
  /**
   * The capacity-aware oracle (docs/DESIGN.md "Ground truth"): the kv cost, with overlaps and cache
   * sizes read from the engines' true caches at decision time (no events, no delay).
   */
  oracle?: boolean;
  /** KV events reach the router this many virtual ms after their step ends (kv mode; default 0). */
  kvEventDelayMs?: number;
  /** Share of KV event batches lost on the way, seeded (kv mode; default 0). */
  kvEventLoss?: number;
  /** The load terms a policy sees are refreshed every this many ms (default 0: always current). */
  loadRefreshMs?: number;
  /** Router replicas behind a front spreader, each with its own in-flight view (default 1). */
  replicas?: number;
  /** Replicas share in-flight load (Dynamo's router replica sync; default false). */
  replicaSync?: boolean;
  /** How the front spreads requests over replicas (default round-robin). */
  replicaSpread?: ReplicaSpread;
  /** Overlap credits of CPU / disk offload-tier blocks (router-sim/tier-index.ts defaults when absent). */
  kvCpuHitCredit?: number;
  kvDiskHitCredit?: number;
}

export interface VirtualClusterConfig {
  /** Every worker; with `prefillWorkers` the first that many are prefill workers and the rest decode workers. */
  numWorkers: number;
  /**
   * Disaggregated prefill/decode: this many of the workers prefill (engine mode `prefill`), the other
   * numWorkers − prefillWorkers decode (mode `decode`, pulling the KV over the transfer link). Absent
   * or 0: aggregated.
   */
  prefillWorkers?: number;
  /** Every engine setting (all workers share it). */
  engine: EngineConfig;
  /** Step timing (a loaded profile); the engine's default curves when absent. */
  timing?: TimingModel;
  /** Share of each answer emitted first as thinking (dropped from the next turn's history), 0..1. */
  reasoningRatio: number;
  router: VirtualRouterConfig;
}

/** What the loop needs of an engine; `Engine` satisfies it (tests may pass a double). */
export interface VirtualEngine {
  add(req: EngineRequest): void;
  step(nowMs: number): StepResult;
  hasWork(): boolean;
  stats(): { preemptions: number };
  /** Leading blocks of `hashes` cached now (the oracle's overlap; the mock Engine has it). */
  cachedPrefixBlocks?(hashes: readonly number[]): number;
  /** Blocks cached now (the oracle's tie-breaker). */
  cachedBlockCount?(): number;
  /** Every hash cached now (a resync snapshot). */
  cachedBlockHashes?(): Set<number>;
}

export type EngineFactory = (config: EngineConfig, timing: TimingModel | undefined, worker: number) => VirtualEngine;

export interface VirtualRunOptions {
  workload: Workload;
  cluster: VirtualClusterConfig;
  seed: number | string;
  /** Hard bound on processed events (default `defaultMaxEvents(workload)`); exceeding it throws. */
  maxEvents?: number;
  /** Consecutive events without any request advancing before the loop gives up (default 100,000). */
  noProgressLimit?: number;
  /** Answer cap for a turn without max tokens (the mocker's default-max-tokens). */
  defaultMaxTokens?: number;
  /** Builds each worker's engine (default: the mock Engine). A seam for tests of the loop itself. */
  engineFactory?: EngineFactory;
  /** Called with every step an engine starts (not idle polls), in order: a seam for step-level logs (calibration). */
  observeStep?: (worker: number, step: StepResult) => void;
  /**
   * Called with each measured request's record as it completes, in the order `records` would hold
   * them; the run then keeps none (`records` is empty), so a long run's memory does not grow with
   * its requests (lab/virtual-cell.ts streams them to the run folder).
   */
  onRecord?: (record: RequestRecord) => void;
}

export interface VirtualWorkerStats {
  worker: string;
  /** Client requests routed to this worker (speculative prefills and warmup excluded). */
  requests: number;
  /** Engine steps run (idle polls excluded). */
  steps: number;
  preemptions: number;
}

export interface VirtualStats {
  /** Events popped from the queue. */
  events: number;
  /** Engine steps over all workers. */
  steps: number;
  /** Speculative prefill requests submitted (not client requests; not recorded). */
  speculativePrefills: number;
  /** Speculative prefills the engine refused (too long for max-model-len or the KV capacity). */
  speculativeRejected: number;
  preemptions: number;
  /** Warmup requests (clients schedule with warmupStep): sent, not recorded. */
  warmupRequests: number;
  perWorker: VirtualWorkerStats[];
  /** The run's best case: one worker with an unlimited cache (best-case.ts), token-weighted. */
  bestCaseHitRatio: number | null;
  /** The KV-event link's counters when events were delayed or lost (kv-event-link.ts). */
  kvEvents?: KvLinkStats;
}

export interface VirtualRunResult {
  /** One per measured client request, in completion order (ties: event order); empty with `onRecord`. */
  records: RequestRecord[];
  /** Virtual ms from the measured start to the last event. */
  durationMs: number;
  stats: VirtualStats;
}

export const DEFAULT_MAX_EVENTS = 50_000_000;
/**
 * The default bound grows with the workload: at least this many events per request. A run of
 * 1,000,000 multiturn requests on 64 workers took ~52 events a request and stopped at the fixed
 * 50 M bound after 966,018 of them.
 */
export const MAX_EVENTS_PER_REQUEST = 500;

/** The default `maxEvents` of a workload: DEFAULT_MAX_EVENTS, or MAX_EVENTS_PER_REQUEST a request when larger. */
export function defaultMaxEvents(workload: Workload): number {
  let turns = 0;
  for (const s of workload.scripts) turns += s.turns.length;
  return Math.max(DEFAULT_MAX_EVENTS, MAX_EVENTS_PER_REQUEST * turns);
}
export const DEFAULT_NO_PROGRESS_LIMIT = 100_000;
/** The mocker's answer cap when a request sets no max tokens (DEFAULT_MOCKER_OPTIONS). */
export const DEFAULT_VIRTUAL_MAX_TOKENS = 1024;
