/**
 * The mocker's option defaults, in a module that loads no schema library, so `kvlab mocker --help`
 * shows them without loading the validation layer (options.ts validates and re-exports them).
 */
import { DEFAULT_ENGINE_CONFIG } from '../engine/types.ts';
import type { MockerOptions } from './options.ts';

export const DEFAULT_MOCKER_OPTIONS: Readonly<MockerOptions> = Object.freeze({
  ...DEFAULT_ENGINE_CONFIG,
  numWorkers: 1,
  host: '127.0.0.1',
  port: 8000,
  model: 'kvlab-mock',
  profile: null,
  reasoningRatio: 0,
  kvEventsPort: null,
  kvEventTokenIds: true,
  prefixCachingHashAlgo: 'builtin-kvlab',
  hashSeed: '',
  apiKey: null,
  seed: 0,
  failureRate: 0,
  failureCodes: Object.freeze([500]) as unknown as number[],
  maxWaiting: null,
  bodyLimit: 16 * 1024 * 1024,
  maxTokensLimit: null,
  defaultMaxTokens: 1024,
});
