/**
 * Picks a worker from costs (lower is better), as Dynamo's worker selector does.
 *
 * Temperature 0: the minimum cost. Ties go to the worker caching fewer blocks (Dynamo's "tree size"
 * tie-breaker, which spreads new prefixes over idle workers), then to the smaller index. Dynamo breaks
 * the remaining ties at random; we keep that last step deterministic so a run is reproducible without
 * consuming randomness.
 * Temperature T > 0: softmax over costs normalised to [0, 1] by the min–max range,
 * p_i ∝ exp(−(c_i − c_min) / ((c_max − c_min) · T)); uniform when all costs are equal; sampled with the
 * seeded rng (one draw).
 */
import type { Rng } from '../../core/rng.ts';
import type { CostedWorker } from './kv-cost.ts';

/** Relative tolerance under which two costs count as equal (guards float noise). */
const TIE_EPS = 1e-9;

export function softmaxProbabilities(costs: readonly number[], temperature: number): number[] {
  if (costs.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of costs) {
    lo = Math.min(lo, c);
    hi = Math.max(hi, c);
  }
  if (hi === lo) return costs.map(() => 1 / costs.length);
  const scale = 1 / ((hi - lo) * temperature);
  const weights = costs.map((c) => Math.exp(-(c - lo) * scale));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((x) => x / sum);
}

export function selectByCost(candidates: readonly CostedWorker[], temperature: number, rng: Rng): CostedWorker {
  if (candidates.length === 0) throw new RangeError('selectByCost needs at least one candidate');
  if (temperature > 0 && candidates.length > 1) {
    const probs = softmaxProbabilities(candidates.map((c) => c.cost), temperature);
    const u = rng.next();
    let acc = 0;
    for (let i = 0; i < candidates.length; i++) {
      acc += probs[i];
      if (u < acc) return candidates[i];
    }
    return candidates[candidates.length - 1];
  }
  let best = candidates[0];
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i];
    if (beats(c.cost, c.cachedBlocks, c.worker, best.cost, best.cachedBlocks, best.worker)) best = c;
  }
  return best;
}

/**
 * The temperature-0 rule for one comparison: whether candidate (cost, cachedBlocks, worker) replaces
 * the best so far — a lower cost beyond the tie tolerance, or a tie with fewer cached blocks, then a
 * lower index. Taken in candidate order, it picks what `selectByCost` picks (kv.ts uses it to choose
 * without building candidate objects).
 */
export function beats(cost: number, cachedBlocks: number, worker: number, bestCost: number, bestCached: number, bestWorker: number): boolean {
  const tol = TIE_EPS * Math.max(1, Math.abs(bestCost));
  if (cost < bestCost - tol) return true;
  if (Math.abs(cost - bestCost) > tol) return false;
  return cachedBlocks < bestCached || (cachedBlocks === bestCached && worker < bestWorker);
}
