/**
 * The mocker's options: every engine setting plus the server's. `DEFAULT_MOCKER_OPTIONS` is the one
 * place defaults live; `resolveMockerOptions` validates a partial object once and returns a frozen,
 * complete one (errors are `invalid_config` KvlabErrors naming the field).
 */
import { makeError } from '../../core/errors.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig, type EngineOptions } from '../engine/types.ts';
import { offloadConfigProblem } from '../engine/engine.ts';
import type { TimingModel } from '../engine/timing/types.ts';

export interface MockerOptions extends EngineConfig {
  /** Workers started in this process; worker i listens on port + i. */
  numWorkers: number;
  host: string;
  /** First worker's port; 0 gives every worker an ephemeral port. */
  port: number;
  /** The served model name (requests naming another model get a 404). */
  model: string;
  /** Timing model replacing the engine's default curves (a loaded profile). */
  profile: TimingModel | null;
  /** Share of each chat answer emitted first as `reasoning_content` (0..1). */
  reasoningRatio: number;
  /** First worker's KV-events PUB port (worker i: + i); 0 → ephemeral ports; null → no publisher. */
  kvEventsPort: number | null;
  /**
   * Put the blocks' token ids in BlockStored events (vLLM's format; default true, what a foreign router
   * needs). Off, events carry hashes only (a kvlab router takes them as they are) and the worker also
   * takes hash-only preprocessed prompts from a kvlab router (core/preprocessed).
   */
  kvEventTokenIds: boolean;
  /** Required `Authorization: Bearer` key on /v1 routes; null → open. */
  apiKey: string | null;
  seed: number;
  /** Share of completion requests failed on purpose (0..1), with a status drawn from failureCodes. */
  failureRate: number;
  failureCodes: number[];
  /** Waiting-queue bound: a request arriving with this many waiting gets a 429; null → unbounded. */
  maxWaiting: number | null;
  /** Largest accepted request body, bytes (larger → 413 before parsing). */
  bodyLimit: number;
  /** Largest accepted max_tokens; null → maxModelLen. */
  maxTokensLimit: number | null;
  /**
   * Answer cap when a request sets neither max_tokens nor max_completion_tokens (a real model stops at
   * its EOS long before vLLM's own default of max-model-len − prompt).
   */
  defaultMaxTokens: number;
}

export type ResolvedMockerOptions = Readonly<MockerOptions & { maxTokensLimit: number }>;

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
  apiKey: null,
  seed: 0,
  failureRate: 0,
  failureCodes: Object.freeze([500]) as unknown as number[],
  maxWaiting: null,
  bodyLimit: 16 * 1024 * 1024,
  maxTokensLimit: null,
  defaultMaxTokens: 1024,
});

function bad(path: string, detail: string): never {
  throw makeError('invalid_config', { path, detail, param: path });
}

function int(o: MockerOptions, key: keyof MockerOptions, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(key, `must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got ${String(v)}`);
  }
}

function num(o: MockerOptions, key: keyof MockerOptions, min: number, max: number, minExclusive = false): void {
  const v = o[key];
  const low = minExclusive ? `(${min}` : `[${min}`;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (minExclusive && v === min) || v > max) {
    bad(key, `must be a number in ${low}, ${max === Infinity ? '∞' : max}], got ${String(v)}`);
  }
}

/** Fill defaults, validate every field, freeze. */
export function resolveMockerOptions(partial: Partial<MockerOptions> = {}): ResolvedMockerOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: MockerOptions = { ...DEFAULT_MOCKER_OPTIONS, ...defined };
  int(o, 'blockSize', 1);
  int(o, 'numGpuBlocks', 1);
  int(o, 'maxNumSeqs', 1);
  int(o, 'maxNumBatchedTokens', 1);
  num(o, 'watermark', 0, 1);
  num(o, 'speedupRatio', 0, Infinity, true);
  num(o, 'decodeSpeedupRatio', 0, Infinity, true);
  int(o, 'maxModelLen', 1);
  for (const key of ['enablePrefixCaching', 'enableChunkedPrefill', 'kvEventTokenIds'] as const) {
    if (typeof o[key] !== 'boolean') bad(key, `must be a boolean, got ${String(o[key])}`);
  }
  int(o, 'numWorkers', 1, 1024);
  if (typeof o.host !== 'string' || o.host === '') bad('host', 'must be a non-empty string');
  int(o, 'port', 0, 65535);
  if (o.port > 0 && o.port + o.numWorkers - 1 > 65535) bad('port', `port + numWorkers − 1 exceeds 65535`);
  if (typeof o.model !== 'string' || o.model === '') bad('model', 'must be a non-empty string');
  num(o, 'reasoningRatio', 0, 1);
  if (o.kvEventsPort !== null) {
    int(o, 'kvEventsPort', 0, 65535);
    if (o.kvEventsPort > 0 && o.kvEventsPort + o.numWorkers - 1 > 65535) bad('kvEventsPort', 'kvEventsPort + numWorkers − 1 exceeds 65535');
  }
  if (o.apiKey !== null && (typeof o.apiKey !== 'string' || o.apiKey === '')) bad('apiKey', 'must be a non-empty string or null');
  int(o, 'seed', Number.MIN_SAFE_INTEGER);
  num(o, 'failureRate', 0, 1);
  if (!Array.isArray(o.failureCodes) || o.failureCodes.length === 0) bad('failureCodes', 'must be a non-empty list of HTTP statuses');
  for (const c of o.failureCodes) {
    if (!Number.isInteger(c) || c < 400 || c > 599) bad('failureCodes', `must hold HTTP error statuses (400–599), got ${String(c)}`);
  }
  if (o.maxWaiting !== null) int(o, 'maxWaiting', 0);
  int(o, 'bodyLimit', 1);
  if (o.maxTokensLimit !== null) int(o, 'maxTokensLimit', 1);
  int(o, 'defaultMaxTokens', 1);
  const offload = offloadConfigProblem(o);
  if (offload !== null) bad(offload.key, offload.detail);
  if (o.profile !== null && typeof o.profile?.stepTime !== 'function') {
    bad('profile', 'must be a timing model (stepTime) or null');
  }
  return Object.freeze({
    ...o,
    failureCodes: Object.freeze([...o.failureCodes]) as unknown as number[],
    maxTokensLimit: o.maxTokensLimit ?? o.maxModelLen,
  });
}

/** The engine's part of the options. */
export function engineConfigOf(o: MockerOptions): EngineConfig {
  return {
    blockSize: o.blockSize,
    numGpuBlocks: o.numGpuBlocks,
    maxNumSeqs: o.maxNumSeqs,
    maxNumBatchedTokens: o.maxNumBatchedTokens,
    enablePrefixCaching: o.enablePrefixCaching,
    enableChunkedPrefill: o.enableChunkedPrefill,
    watermark: o.watermark,
    speedupRatio: o.speedupRatio,
    decodeSpeedupRatio: o.decodeSpeedupRatio,
    maxModelLen: o.maxModelLen,
    ...(o.asyncScheduling !== undefined ? { asyncScheduling: o.asyncScheduling } : {}),
    ...offloadOptionsOf(o),
  };
}

/** The offload-tier settings that are set (none: no keys, the engine config stays as it was). */
function offloadOptionsOf(o: MockerOptions): Partial<EngineConfig> {
  const out: Partial<EngineConfig> = {};
  for (const key of ['kvCpuBlocks', 'kvDiskBlocks', 'kvCpuBandwidthGbps', 'kvDiskBandwidthGbps', 'kvBytesPerToken'] as const) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

/** The engine's construction options (token ids in its events or not). */
export function engineOptionsOf(o: MockerOptions): EngineOptions {
  return { eventTokenIds: o.kvEventTokenIds };
}
