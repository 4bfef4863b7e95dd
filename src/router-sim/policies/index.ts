/** Builds a routing policy by mode name: the one place that maps CLI names to policy factories. */
import type { RouterMode, RouterPolicy } from '../types.ts';
import { createKvApproxPolicy, DEFAULT_APPROX_MAX_BLOCKS } from './kv-approx.ts';
import { createKvPolicy } from './kv.ts';
import { createLeastLoadedPolicy } from './least-loaded.ts';
import { createRandomPolicy } from './random.ts';
import { createRoundRobinPolicy } from './round-robin.ts';

export interface PolicyOptions {
  numWorkers: number;
  blockSize: number;
  overlapScoreWeight: number;
  temperature: number;
  routerTtlS: number;
  maxApproxBlocks?: number;
}

export function createPolicy(mode: RouterMode, opts: PolicyOptions): RouterPolicy {
  switch (mode) {
    case 'round-robin':
      return createRoundRobinPolicy();
    case 'random':
      return createRandomPolicy();
    case 'least-loaded':
      return createLeastLoadedPolicy();
    case 'kv':
      return createKvPolicy(opts);
    case 'kv-approx':
      return createKvApproxPolicy({ ...opts, maxBlocks: opts.maxApproxBlocks ?? DEFAULT_APPROX_MAX_BLOCKS });
    default:
      throw new RangeError(`unknown router mode ${String(mode)}`);
  }
}
