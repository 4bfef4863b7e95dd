/**
 * The mock engine's public API: the pure scheduler (`Engine`), its KV block pool, timing models and
 * profile loading, plus the driver contract (types.ts).
 */
export * from './types.ts';
export { Engine } from './engine.ts';
export { offloadConfigProblem } from './config-schema.ts';
export { blocksOfGib } from './offload-tiers.ts';
export { DEFAULT_KV_TRANSFER_BANDWIDTH_GBPS, DEFAULT_KV_TRANSFER_LATENCY_MS, remoteRequestProblem } from './kv-transfer.ts';
export { KvPool } from './kv-pool.ts';
export * from './timing/index.ts';
export { loadProfile, ProfileError } from './profile.ts';
export { checkEngineConfig, EngineConfigSchema, ENGINE_CONFIG_FIELDS } from './config-schema.ts';
