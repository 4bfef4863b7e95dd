/**
 * Least-loaded: the live worker with the fewest in-flight requests; ties go to the fewest active blocks,
 * then the lowest index. Ignores cache state.
 */
import { noWorkerDecision, type PolicyInput, type RouteDecision, type RouterPolicy, type WorkerView } from '../types.ts';

export function createLeastLoadedPolicy(): RouterPolicy {
  return {
    mode: 'least-loaded',
    decide(input: PolicyInput): RouteDecision {
      let best: WorkerView | null = null;
      for (const w of input.workers) {
        if (!w.up) continue;
        if (best === null || w.inFlight < best.inFlight || (w.inFlight === best.inFlight && w.activeBlocks < best.activeBlocks)) best = w;
      }
      if (best === null) return noWorkerDecision();
      return {
        worker: best.index,
        overlapBlocks: input.overlap(best.index),
        reason: `least loaded (${best.inFlight} in flight, ${best.activeBlocks} active blocks)`,
      };
    },
  };
}
