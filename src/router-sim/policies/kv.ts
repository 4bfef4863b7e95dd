/**
 * `kv`: Dynamo's KV-aware policy fed by KV events. Overlaps come from the driver's indexer (built from
 * the workers' events) through `input.overlap`; costs and selection are shared with kv-approx
 * (kv-cost.ts, select-by-cost.ts).
 */
import { noWorkerDecision, type PolicyInput, type RouteDecision, type RouterPolicy } from '../types.ts';
import { costLiveWorkers, kvCostValue, type KvCostOptions } from './kv-cost.ts';
import { beats, selectByCost } from './select-by-cost.ts';

export interface KvPolicyOptions extends KvCostOptions {
  /** 0 = argmin (deterministic); > 0 = softmax sampling over normalised costs. */
  temperature: number;
}

/** The kv decision given an overlap source; used by `kv` and `kv-approx`. */
export function decideKv(input: PolicyInput, overlapOf: (w: number) => number, cachedOf: (w: number) => number, opts: KvPolicyOptions): RouteDecision {
  if (opts.temperature === 0) return argminKv(input, overlapOf, cachedOf, opts);
  const costed = costLiveWorkers(input, overlapOf, cachedOf, opts);
  if (costed.length === 0) return noWorkerDecision();
  const best = selectByCost(costed, opts.temperature, input.rng);
  return kvDecision(best.worker, best.overlapBlocks, best.cost, `sampled at T=${opts.temperature}`);
}

/**
 * Temperature 0: the live worker of least kv cost, ties as `selectByCost` breaks them, computed in one
 * pass without a candidate list (a decision is on the router's hot path: nothing allocated per worker).
 */
function argminKv(input: PolicyInput, overlapOf: (w: number) => number, cachedOf: (w: number) => number, opts: KvPolicyOptions): RouteDecision {
  const workers = input.workers;
  let bestWorker = -1;
  let bestCost = 0;
  let bestOverlap = 0;
  let bestCached = 0;
  for (let i = 0; i < workers.length; i++) {
    const w = workers[i];
    if (!w.up) continue;
    const overlap = overlapOf(w.index);
    const active = input.activeOverlap ? input.activeOverlap(w.index) : 0;
    const cost = kvCostValue(w, overlap, active, input.isl, opts);
    const cached = cachedOf(w.index);
    if (bestWorker < 0 || beats(cost, cached, w.index, bestCost, bestCached, bestWorker)) {
      bestWorker = w.index;
      bestCost = cost;
      bestOverlap = overlap;
      bestCached = cached;
    }
  }
  if (bestWorker < 0) return noWorkerDecision();
  return kvDecision(bestWorker, bestOverlap, bestCost, 'min cost');
}

/**
 * The decision, its human-readable reason formatted only if someone reads it: one small object with
 * the getter on its prototype (an object literal with its own getter cost ~660 bytes a decision).
 */
class KvDecision {
  constructor(
    readonly worker: number,
    readonly overlapBlocks: number,
    readonly cost: number,
    private readonly how: string,
  ) {}

  get reason(): string {
    return `${this.how} ${this.cost.toFixed(3)} (overlap ${this.overlapBlocks} blocks)`;
  }
}

function kvDecision(worker: number, overlapBlocks: number, cost: number, how: string): RouteDecision {
  return new KvDecision(worker, overlapBlocks, cost, how);
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
