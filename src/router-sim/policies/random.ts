/** Random: a uniformly drawn live worker (seeded rng, one draw per decision). Ignores cache state. */
import { liveWorkers, noWorkerDecision, type PolicyInput, type RouteDecision, type RouterPolicy } from '../types.ts';

export function createRandomPolicy(): RouterPolicy {
  return {
    mode: 'random',
    decide(input: PolicyInput): RouteDecision {
      const live = liveWorkers(input.workers);
      if (live.length === 0) return noWorkerDecision();
      const chosen = input.rng.pick(live);
      return { worker: chosen, overlapBlocks: input.overlap(chosen), reason: 'random' };
    },
  };
}
