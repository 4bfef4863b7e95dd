/**
 * Round-robin: the next live worker after the previously chosen one, in index order (down workers are
 * skipped, not waited for). Ignores cache state; `overlapBlocks` reports the index's view of the chosen
 * worker for metrics only.
 */
import { liveWorkers, noWorkerDecision, type PolicyInput, type RouteDecision, type RouterPolicy } from '../types.ts';

export function createRoundRobinPolicy(): RouterPolicy {
  let cursor = 0;
  return {
    mode: 'round-robin',
    decide(input: PolicyInput): RouteDecision {
      const live = liveWorkers(input.workers);
      if (live.length === 0) return noWorkerDecision();
      const chosen = live.find((i) => i >= cursor) ?? live[0];
      cursor = chosen + 1;
      return { worker: chosen, overlapBlocks: input.overlap(chosen), reason: 'round-robin' };
    },
  };
}
