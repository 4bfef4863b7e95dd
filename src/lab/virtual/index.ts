/** The virtual-time cluster: public API. */
export { runVirtual, checkVirtualOptions } from './run-virtual.ts';
export { VirtualCluster } from './cluster.ts';
export { EventQueue } from './event-queue.ts';
export {
  DEFAULT_MAX_EVENTS,
  DEFAULT_NO_PROGRESS_LIMIT,
  DEFAULT_VIRTUAL_MAX_TOKENS,
  type EngineFactory,
  type VirtualClusterConfig,
  type VirtualEngine,
  type VirtualRouterConfig,
  type VirtualRunOptions,
  type VirtualRunResult,
  type VirtualStats,
  type VirtualWorkerStats,
} from './types.ts';
