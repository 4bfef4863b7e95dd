/**
 * The KV-aware router: pure policies, indexer and in-flight tracker (usable in virtual time through
 * RouterCore), the ZeroMQ KV-event intake, and the OpenAI-compatible proxy.
 */
export * from './types.ts';
export { KvIndexer } from './indexer.ts';
export { ApproxIndex } from './approx-index.ts';
export { KvEventApplier, externalKey, type ExternalHash, type KvEventLike } from './kv-event-apply.ts';
export { InFlightTracker, type WorkerLoadView } from './tracker.ts';
export { RouterCore, type RouterCoreOptions, type RoutedRequest } from './router-core.ts';
export { createPolicy, type PolicyOptions } from './policies/index.ts';
export { kvCost } from './policies/kv-cost.ts';
export { selectByCost, softmaxProbabilities } from './policies/select-by-cost.ts';
export { startKvSubscribers, type KvSubscribers, type KvSubscriberStats } from './kv-subscriber.ts';
export * from './server/index.ts';
