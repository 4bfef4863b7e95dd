/**
 * The router's option defaults, in a module that loads no schema library, so `kvlab router --help`
 * shows them without loading the validation layer (options.ts validates and re-exports them).
 */
import type { RouterMode } from '../types.ts';
import type { RouterOptions } from './options.ts';

export const DEFAULT_ROUTER_OPTIONS: Readonly<RouterOptions> = Object.freeze({
  workers: Object.freeze([]) as unknown as string[],
  kvEvents: Object.freeze([]) as unknown as string[],
  decodeWorkers: Object.freeze([]) as unknown as string[],
  mode: 'round-robin' as RouterMode,
  host: '127.0.0.1',
  port: 8000,
  blockSize: 64,
  overlapScoreWeight: 1,
  temperature: 0,
  routerTtlS: 120,
  maxApproxBlocks: 1_000_000,
  seed: 0,
  apiKey: null,
  downForMs: 2000,
  healthCheckMs: 500,
  bodyLimit: 16 * 1024 * 1024,
  maxModelLen: 32768,
  connectionsPerWorker: 256,
  preprocess: true,
  kvEventDelayMs: 0,
  kvEventLoss: 0,
  loadRefreshMs: 0,
  replicas: 1,
  replicaSync: false,
  replicaSpread: 'round-robin',
});
