/**
 * Dynamo's KV router cost (lower wins), shared by the `kv` and `kv-approx` policies:
 *
 *   cost = w · prefillBlocks + decodeBlocks
 *   prefillBlocks = (activePrefillTokens + newTokens) / blockSize,  newTokens = max(0, isl − overlap·blockSize)
 *   decodeBlocks  = activeDecodeBlocks + newBlocks
 *
 * `w` is `kv-overlap-score-weight` (0 = pure load balancing). How newBlocks is counted follows Dynamo's
 * active-sequence tracker (potential blocks = active blocks + the request's blocks not already held by
 * that worker's in-flight requests): newBlocks = ceil(isl / blockSize) − activeOverlap. So the cache hit
 * lowers the prefill term; the decode term reflects the memory the request will occupy, minus a prefix
 * it shares with requests already running there. Dynamo's documented example (request of 10 blocks,
 * workers with (prefill, decode) of (8,10), (5,5), (2,9)) gives costs 18, 10, 11 → the second worker.
 */
import type { PolicyInput, WorkerView } from '../types.ts';

export interface KvCostOptions {
  blockSize: number;
  overlapScoreWeight: number;
}

export interface KvCost {
  cost: number;
  prefillBlocks: number;
  decodeBlocks: number;
}

export function kvCost(w: WorkerView, overlapBlocks: number, activeOverlapBlocks: number, isl: number, opts: KvCostOptions): KvCost {
  const prefillBlocks = prefillBlocksOf(w, overlapBlocks, isl, opts.blockSize);
  const decodeBlocks = decodeBlocksOf(w, activeOverlapBlocks, isl, opts.blockSize);
  return { cost: opts.overlapScoreWeight * prefillBlocks + decodeBlocks, prefillBlocks, decodeBlocks };
}

/** `kvCost(...).cost` without the breakdown object (the decision's hot loop). */
export function kvCostValue(w: WorkerView, overlapBlocks: number, activeOverlapBlocks: number, isl: number, opts: KvCostOptions): number {
  return opts.overlapScoreWeight * prefillBlocksOf(w, overlapBlocks, isl, opts.blockSize) + decodeBlocksOf(w, activeOverlapBlocks, isl, opts.blockSize);
}

function prefillBlocksOf(w: WorkerView, overlapBlocks: number, isl: number, bs: number): number {
  const newTokens = Math.max(0, isl - overlapBlocks * bs);
  return (w.activePrefillTokens + newTokens) / bs;
}

function decodeBlocksOf(w: WorkerView, activeOverlapBlocks: number, isl: number, bs: number): number {
  const newBlocks = Math.max(0, Math.ceil(isl / bs) - activeOverlapBlocks);
  return w.activeDecodeBlocks + newBlocks;
}

export interface CostedWorker {
  worker: number;
  cost: number;
  overlapBlocks: number;
  /** Tie-breaker: blocks the worker caches per the index (fewer wins, Dynamo's tree size). */
  cachedBlocks: number;
}

/** Costs of every live worker for this request, using `overlapOf` (the indexer's or the policy's own). */
export function costLiveWorkers(input: PolicyInput, overlapOf: (w: number) => number, cachedOf: (w: number) => number, opts: KvCostOptions): CostedWorker[] {
  const out: CostedWorker[] = [];
  for (const w of input.workers) {
    if (!w.up) continue;
    const overlapBlocks = overlapOf(w.index);
    const active = input.activeOverlap ? input.activeOverlap(w.index) : 0;
    out.push({ worker: w.index, cost: kvCost(w, overlapBlocks, active, input.isl, opts).cost, overlapBlocks, cachedBlocks: cachedOf(w.index) });
  }
  return out;
}
