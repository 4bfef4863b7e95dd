/**
 * `kv`: Dynamo's KV-aware policy fed by KV events. Overlaps come from the driver's indexer (built from
 * the workers' events) through `input.overlap`; costs and selection are shared with kv-approx
 * (kv-cost.ts, select-by-cost.ts).
 */
import { noWorkerDecision, type PolicyInput, type RouteDecision, type RouterPolicy } from '../types.ts';
import { costLiveWorkers, type KvCostOptions } from './kv-cost.ts';
import { selectByCost } from './select-by-cost.ts';

export interface KvPolicyOptions extends KvCostOptions {
  /** 0 = argmin (deterministic); > 0 = softmax sampling over normalised costs. */
  temperature: number;
}

/** The kv decision given an overlap source; used by `kv` and `kv-approx`. */
export function decideKv(input: PolicyInput, overlapOf: (w: number) => number, cachedOf: (w: number) => number, opts: KvPolicyOptions): RouteDecision {
  const costed = costLiveWorkers(input, overlapOf, cachedOf, opts);
  if (costed.length === 0) return noWorkerDecision();
  const best = selectByCost(costed, opts.temperature, input.rng);
  const how = opts.temperature > 0 ? `sampled at T=${opts.temperature}` : 'min cost';
  return { worker: best.worker, overlapBlocks: best.overlapBlocks, cost: best.cost, reason: `${how} ${best.cost.toFixed(3)} (overlap ${best.overlapBlocks} blocks)` };
}

export function createKvPolicy(opts: KvPolicyOptions): RouterPolicy {
  validateKvOptions(opts);
  return {
    mode: 'kv',
    decide(input: PolicyInput): RouteDecision {
      return decideKv(input, (w) => input.overlap(w), (w) => input.workers[w]?.cachedBlocks ?? 0, opts);
    },
  };
}

export function validateKvOptions(opts: KvPolicyOptions): void {
  if (!Number.isInteger(opts.blockSize) || opts.blockSize <= 0) throw new RangeError(`blockSize must be a positive integer, got ${opts.blockSize}`);
  if (!(opts.overlapScoreWeight >= 0) || !Number.isFinite(opts.overlapScoreWeight)) throw new RangeError(`overlapScoreWeight must be a finite number >= 0, got ${opts.overlapScoreWeight}`);
  if (!(opts.temperature >= 0) || !Number.isFinite(opts.temperature)) throw new RangeError(`temperature must be a finite number >= 0, got ${opts.temperature}`);
}
