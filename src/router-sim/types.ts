/**
 * The router's vocabulary: what a routing policy sees (a snapshot of the workers' load and a way to ask
 * each worker's prefix overlap) and the decision it returns as data. Policies are pure: the driver (the
 * HTTP proxy in real time, the lab's loop in virtual time) passes `nowMs` and a seeded `Rng` in.
 */
import type { Rng } from '../core/rng.ts';

export const ROUTER_MODES = ['kv', 'kv-approx', 'round-robin', 'random', 'least-loaded'] as const;
export type RouterMode = (typeof ROUTER_MODES)[number];

/** How a front spreads requests over router replicas (router-replicas.ts). */
export const REPLICA_SPREADS = ['round-robin', 'random'] as const;
export type ReplicaSpread = (typeof REPLICA_SPREADS)[number];

/** One worker as a policy sees it. Load terms come from the router's own in-flight tracking. */
export interface WorkerView {
  index: number;
  name: string;
  /** False while the worker is marked down (refused connections, 5xx before any byte). */
  up: boolean;
  /** Requests routed to this worker and not finished yet. */
  inFlight: number;
  /** Sum of the blocks of the in-flight requests (prompt + generated so far; shared prefixes counted once per request). */
  activeBlocks: number;
  /** Uncached prompt tokens of in-flight requests whose first token has not arrived yet. */
  activePrefillTokens: number;
  /** Distinct blocks held by in-flight requests (a prefix shared by several counts once): Dynamo's decode load. */
  activeDecodeBlocks: number;
  /** Blocks the router believes this worker caches (its indexer entry count); Dynamo's "tree size" tie-breaker. */
  cachedBlocks: number;
}

export interface PolicyInput {
  /** Chained hashes of the request's full prompt blocks (core/block-hash, router block size). */
  blockHashes: readonly number[];
  /** Input sequence length in tokens. */
  isl: number;
  workers: readonly WorkerView[];
  /** Leading prompt blocks the worker caches, per the indexer (0 when the router has no index). */
  overlap(worker: number): number;
  /**
   * Leading prompt blocks already held by the worker's in-flight requests (they would be shared, not
   * allocated again). Optional: 0 when absent.
   */
  activeOverlap?(worker: number): number;
  nowMs: number;
  rng: Rng;
}

export type RouteDecision =
  | {
      /** Index of the chosen worker. */
      worker: number;
      /** Leading prompt blocks the chosen worker is expected to have cached. */
      overlapBlocks: number;
      /** The chosen worker's cost, for cost-based policies. */
      cost?: number;
      /** Human-readable why, for logs and debugging. */
      reason: string;
    }
  | { worker: null; overlapBlocks: 0; reason: string };

export interface RouterPolicy {
  readonly mode: RouterMode;
  decide(input: PolicyInput): RouteDecision;
  /**
   * Blocks held by the policy's own index (kv-approx only), so drivers can report/poll it. Undefined
   * for policies without an index of their own.
   */
  readonly ownIndexSize?: number;
  /**
   * Tell the policy that `worker` will cache these blocks although no routed request brought them
   * (e.g. a speculative prefill the router sent itself). kv-approx records them; others ignore it.
   */
  recordCached?(worker: number, blockHashes: readonly number[], nowMs: number): void;
  /** Forget what the policy's own index says `worker` caches (its cache was reset). kv-approx only. */
  forgetWorker?(worker: number): void;
}

/** The decision when no worker is up. */
export function noWorkerDecision(): RouteDecision {
  return { worker: null, overlapBlocks: 0, reason: 'no live worker' };
}

/** Indices of the workers that are up, in order. */
export function liveWorkers(workers: readonly WorkerView[]): number[] {
  const out: number[] = [];
  for (const w of workers) if (w.up) out.push(w.index);
  return out;
}
