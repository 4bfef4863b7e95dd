/**
 * The ground truth of an experiment cell (core/ground-truth.ts): its oracle twin — the same workload
 * and cluster on the virtual clock, routed by the capacity-aware oracle (the kv cost on the engines'
 * true caches, the cell's overlap weight, temperature 0, no event delay or loss, fresh load) — run
 * once per distinct workload × cluster (cells that differ only in their router share it). A virtual
 * cell takes its best case from its own run; a real cell takes both from the twin (offline, from the
 * workload's prompts); a remote target, whose cluster kvlab does not know, gets the best case only.
 */
import type { Workload } from '../client/workloads/types.ts';
import { groundTruth, type GroundTruth } from '../core/ground-truth.ts';
import type { Summary } from '../core/records.ts';
import { summarize } from '../core/summary.ts';
import { runVirtual } from './virtual/index.ts';
import { KeptRecords } from './virtual/kept-records.ts';
import { clusterConfigRecord, virtualClusterConfig, type ResolvedCluster } from './cluster-settings.ts';

/** What a cell's ground truth takes from its oracle twin (plain data: it may come from a cell thread). */
export interface Twin {
  summary: Summary;
  bestCaseHitRatio: number | null;
}

export class OracleTwins {
  private readonly twins = new Map<string, Twin>();

  /** The key a cell's twin is cached by: workload key × cluster (router set to the oracle's) × seed. */
  static keyOf(workloadKey: string, cluster: ResolvedCluster, seed: number): string {
    return JSON.stringify([workloadKey, seed, { ...clusterConfigRecord(cluster), router: OracleTwins.router(cluster) }]);
  }

  private static router(cluster: ResolvedCluster) {
    return { mode: 'kv' as const, kvOverlapScoreWeight: cluster.router.kvOverlapScoreWeight, routerTemperature: 0, routerTtlS: cluster.router.routerTtlS, oracle: true };
  }

  /** Run the oracle twin of a cell (no caching: see `twin`). */
  static run(workload: Workload, cluster: ResolvedCluster, seed: number): Twin {
    const config = virtualClusterConfig(cluster);
    config.router = OracleTwins.router(cluster);
    // Only the summary is wanted: the twin's records are streamed, kept without their gaps as columns,
    // and summarised one at a time (kept-records.ts).
    const kept = new KeptRecords();
    const res = runVirtual({ workload, cluster: config, seed, onRecord: (r) => kept.add(r) });
    return { summary: summarize(kept.records, res.durationMs / 1000, { itlMs: kept.itlDist() }), bestCaseHitRatio: res.stats.bestCaseHitRatio };
  }

  /** True when the twin of `key` is known (computed here or handed over by `put`). */
  has(key: string): boolean {
    return this.twins.has(key);
  }

  /** A twin computed elsewhere (a cell thread) for `key`. */
  put(key: string, twin: Twin): void {
    this.twins.set(key, twin);
  }

  /** The oracle twin of a cell (cached by workload key × cluster × seed); `workload` may be null when it is cached. */
  twin(workload: Workload | null, workloadKey: string, cluster: ResolvedCluster, seed: number): Twin {
    const key = OracleTwins.keyOf(workloadKey, cluster, seed);
    const known = this.twins.get(key);
    if (known) return known;
    if (workload === null) throw new Error(`oracle twin ${key} is neither known nor computable without its workload`);
    const twin = OracleTwins.run(workload, cluster, seed);
    this.twins.set(key, twin);
    return twin;
  }

  /** A virtual cell's ground truth: its own best case, the twin's oracle. */
  virtualCell(actual: Summary, bestCaseHitRatio: number | null, workload: Workload | null, workloadKey: string, cluster: ResolvedCluster, seed: number): GroundTruth {
    return groundTruth(actual, bestCaseHitRatio, this.twin(workload, workloadKey, cluster, seed).summary, 'virtual');
  }

  /** A real cell's ground truth, offline from its virtual twin; `remote`: the best case only. */
  realCell(actual: Summary, workload: Workload, workloadKey: string, cluster: ResolvedCluster, seed: number, remote: boolean): GroundTruth {
    const twin = this.twin(workload, workloadKey, cluster, seed);
    return groundTruth(actual, twin.bestCaseHitRatio, remote ? null : twin.summary, 'virtual twin');
  }
}
