/**
 * Ground truth of a run (docs/DESIGN.md "Ground truth and stale signals"): the workload's best-case
 * cache hit ratio (one worker with an unlimited cache: an upper bound), the capacity-aware oracle's
 * hit ratio and mean TTFT (the kv cost on the workers' true caches, no delay, same cluster), and the
 * regret — what the run's router lost against the oracle: oracle − actual hit ratio, actual − oracle
 * mean TTFT (both positive when the router did worse). The oracle has perfect information, not
 * perfect foresight: a greedy router can beat it on a run, and then the regret is negative. Pure.
 */
import type { Summary } from './records.ts';

export interface GroundTruth {
  /** One worker, unlimited cache, this run's arrival order; null when nothing was measured. */
  bestCaseHitRatio: number | null;
  /** The oracle's figures on the same workload and cluster (null where it cannot be computed, e.g. a remote target). */
  oracle: { hitRatio: number | null; ttftMeanMs: number | null } | null;
  /** Oracle − actual hit ratio; actual − oracle mean TTFT (ms). Null without an oracle. */
  regret: { hitRatio: number | null; ttftMeanMs: number | null } | null;
  /** Where the figures come from: this virtual run and its oracle twin, or an offline virtual twin of a real run. */
  source: 'virtual' | 'virtual twin';
}

function minus(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) ? null : a - b;
}

/** The ground truth of a run with summary `actual`, given the best case and the oracle's summary (or none). */
export function groundTruth(actual: Summary, bestCaseHitRatio: number | null, oracle: Summary | null, source: GroundTruth['source']): GroundTruth {
  if (oracle === null) return { bestCaseHitRatio, oracle: null, regret: null, source };
  const o = { hitRatio: oracle.cacheHitRatio, ttftMeanMs: oracle.ttftMs.mean };
  return {
    bestCaseHitRatio,
    oracle: o,
    regret: { hitRatio: minus(o.hitRatio, actual.cacheHitRatio), ttftMeanMs: minus(actual.ttftMs.mean, o.ttftMeanMs) },
    source,
  };
}
