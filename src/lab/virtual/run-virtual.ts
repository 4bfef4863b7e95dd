/**
 * `runVirtual`: replay a workload on a virtual cluster and return the records a real run would have
 * written, in virtual time. Synchronous and pure apart from its inputs: the same options give the
 * same records. Options are checked here (one-line RangeErrors naming the field); engine settings
 * are checked by the engine itself.
 */
import { ROUTER_MODES } from '../../router-sim/types.ts';
import { VirtualCluster } from './cluster.ts';
import type { VirtualRunOptions, VirtualRunResult } from './types.ts';

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(`virtual cluster: ${message}`);
}

export function checkVirtualOptions(o: VirtualRunOptions): void {
  const c = o.cluster;
  check(Number.isInteger(c.numWorkers) && c.numWorkers >= 1, `cluster.numWorkers must be an integer ≥ 1, got ${c.numWorkers}`);
  check(typeof c.reasoningRatio === 'number' && c.reasoningRatio >= 0 && c.reasoningRatio <= 1, `cluster.reasoningRatio must be in [0, 1], got ${c.reasoningRatio}`);
  check((ROUTER_MODES as readonly string[]).includes(c.router.mode), `cluster.router.mode must be one of ${ROUTER_MODES.join(', ')}, got ${c.router.mode}`);
  check(Number.isFinite(c.router.kvOverlapScoreWeight) && c.router.kvOverlapScoreWeight >= 0, `cluster.router.kvOverlapScoreWeight must be ≥ 0, got ${c.router.kvOverlapScoreWeight}`);
  check(Number.isFinite(c.router.routerTemperature) && c.router.routerTemperature >= 0, `cluster.router.routerTemperature must be ≥ 0, got ${c.router.routerTemperature}`);
  check(Number.isFinite(c.router.routerTtlS) && c.router.routerTtlS > 0, `cluster.router.routerTtlS must be > 0, got ${c.router.routerTtlS}`);
  const r = c.router;
  if (r.oracle) check(r.mode === 'kv', `cluster.router.oracle routes with the kv cost, so it needs mode kv, got ${r.mode}`);
  if (r.kvEventDelayMs !== undefined) check(Number.isFinite(r.kvEventDelayMs) && r.kvEventDelayMs >= 0, `cluster.router.kvEventDelayMs must be ≥ 0, got ${r.kvEventDelayMs}`);
  if (r.kvEventLoss !== undefined) check(r.kvEventLoss >= 0 && r.kvEventLoss <= 1, `cluster.router.kvEventLoss must be in [0, 1], got ${r.kvEventLoss}`);
  if (r.replicas !== undefined) check(Number.isInteger(r.replicas) && r.replicas >= 1, `cluster.router.replicas must be an integer ≥ 1, got ${r.replicas}`);
  if (r.loadRefreshMs !== undefined) check(Number.isFinite(r.loadRefreshMs) && r.loadRefreshMs >= 0, `cluster.router.loadRefreshMs must be ≥ 0, got ${r.loadRefreshMs}`);
  if (o.maxEvents !== undefined) check(Number.isInteger(o.maxEvents) && o.maxEvents >= 1, `maxEvents must be an integer ≥ 1, got ${o.maxEvents}`);
  if (o.noProgressLimit !== undefined) check(Number.isInteger(o.noProgressLimit) && o.noProgressLimit >= 1, `noProgressLimit must be an integer ≥ 1, got ${o.noProgressLimit}`);
  if (o.defaultMaxTokens !== undefined) check(Number.isInteger(o.defaultMaxTokens) && o.defaultMaxTokens >= 1, `defaultMaxTokens must be an integer ≥ 1, got ${o.defaultMaxTokens}`);
}

export function runVirtual(opts: VirtualRunOptions): VirtualRunResult {
  checkVirtualOptions(opts);
  return new VirtualCluster(opts.workload, opts.cluster, opts).run();
}
