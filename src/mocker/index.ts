/**
 * The mock inference engine: the pure engine (scheduler, KV cache, timing) and the OpenAI-compatible
 * HTTP server that drives it in real time.
 */
export * from './engine/index.ts';
export * from './server/index.ts';
