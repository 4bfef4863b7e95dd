/**
 * `kv-approx`: the kv cost without KV events. The policy keeps its own ApproxIndex: each decision
 * records the request's blocks on the chosen worker (expiring after the TTL, size-bounded), and
 * overlaps are read from that index instead of `input.overlap`. Deterministic for a seed; the only
 * state is the index, updated by `decide` itself.
 */
import { ApproxIndex } from '../approx-index.ts';
import type { PolicyInput, RouteDecision, RouterPolicy } from '../types.ts';
import { decideKv, validateKvOptions, type KvPolicyOptions } from './kv.ts';

export interface KvApproxPolicyOptions extends KvPolicyOptions {
  numWorkers: number;
  /** Seconds a routed block is assumed cached (Dynamo's router-ttl; default 120). */
  routerTtlS: number;
  /** Bound on (worker, block) entries. */
  maxBlocks: number;
}

export const DEFAULT_APPROX_MAX_BLOCKS = 1_000_000;

export function createKvApproxPolicy(opts: KvApproxPolicyOptions): RouterPolicy & { readonly index: ApproxIndex } {
  validateKvOptions(opts);
  const index = new ApproxIndex({ numWorkers: opts.numWorkers, ttlMs: opts.routerTtlS * 1000, maxBlocks: opts.maxBlocks });
  return {
    mode: 'kv-approx',
    index,
    get ownIndexSize() {
      return index.size;
    },
    recordCached(worker: number, blockHashes: readonly number[], nowMs: number): void {
      index.record(worker, blockHashes, nowMs);
    },
    forgetWorker(worker: number): void {
      index.clearWorker(worker);
    },
    decide(input: PolicyInput): RouteDecision {
      index.expire(input.nowMs);
      const overlaps = index.indexer.overlaps(input.blockHashes);
      const d = decideKv(input, (w) => overlaps[w] ?? 0, (w) => index.indexer.blocksOf(w), opts);
      if (d.worker !== null) index.record(d.worker, input.blockHashes, input.nowMs);
      return d;
    },
  };
}
