/**
 * `runVirtual`: replay a workload on a virtual cluster and return the records a real run would have
 * written, in virtual time. Synchronous and pure apart from its inputs: the same options give the
 * same records. Options are checked here against the cluster's schema (lab/cluster-schema.ts: one-line
 * RangeErrors naming the field); engine settings are checked by the engine itself (the same schema).
 */
import { firstProblem } from '../../core/schema.ts';
import { VirtualRunCheckSchema } from '../cluster-schema.ts';
import { VirtualCluster } from './cluster.ts';
import type { VirtualRunOptions, VirtualRunResult } from './types.ts';

/** Check the options against VirtualRunCheckSchema (lab/cluster-schema.ts): a one-line RangeError naming the field. */
export function checkVirtualOptions(o: VirtualRunOptions): void {
  const p = firstProblem(VirtualRunCheckSchema, o);
  if (p) throw new RangeError(`virtual cluster: ${p.path} ${p.detail}`);
  const r = o.cluster.router;
  if (r.oracle && r.mode !== 'kv') throw new RangeError(`virtual cluster: cluster.router.oracle routes with the kv cost, so it needs mode kv, got ${r.mode}`);
}

export function runVirtual(opts: VirtualRunOptions): VirtualRunResult {
  checkVirtualOptions(opts);
  return new VirtualCluster(opts.workload, opts.cluster, opts).run();
}
