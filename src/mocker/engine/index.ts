/**
 * The mock engine's public API: the pure scheduler (`Engine`), its KV block pool, timing models and
 * profile loading, plus the driver contract (types.ts).
 */
export * from './types.ts';
export { Engine } from './engine.ts';
export { KvPool } from './kv-pool.ts';
export {
  DEFAULT_DECODE,
  DEFAULT_DECODE_MIN_MS,
  DEFAULT_PREFILL,
  DEFAULT_TIMING,
  polynomialTiming,
  tableTiming,
  type PolynomialTimingSpec,
  type Quadratic,
  type TablePoints,
  type TableTimingSpec,
  type TimingModel,
} from './timing.ts';
export { loadProfile, ProfileError } from './profile.ts';
