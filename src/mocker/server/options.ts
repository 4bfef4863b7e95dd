/**
 * The mocker's options: every engine setting plus the server's. `DEFAULT_MOCKER_OPTIONS` is the one
 * place defaults live; `MockerOptionsSchema` (the engine's fields and the server's) the one place their
 * types and ranges live; `resolveMockerOptions` validates a partial object once against it and returns
 * a frozen, complete one (errors are `invalid_config` KvlabErrors naming the field).
 */
import { Type } from '@sinclair/typebox';
import { bool, checkOptions, int, invalid, nonEmpty, nullable, num, oneOf } from '../../core/schema.ts';
import { HASH_ALGOS, isVllmHashAlgo, type HashAlgo } from '../../core/vllm-block-hash.ts';
import { ENGINE_CONFIG_FIELDS, offloadConfigProblem } from '../engine/config-schema.ts';
import type { EngineConfig, EngineOptions } from '../engine/types.ts';
import { DEFAULT_MOCKER_OPTIONS } from './option-defaults.ts';
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
  /**
   * Block hashes in KV events: kvlab's own (`builtin-kvlab`), or vLLM's `sha256_cbor` (needs token ids
   * in the events), so a router that hashes prompts as vLLM does finds the worker's blocks.
   */
  prefixCachingHashAlgo: HashAlgo;
  /** vLLM's PYTHONHASHSEED for sha256_cbor (the first block's parent hash). */
  hashSeed: string;
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

export { DEFAULT_MOCKER_OPTIONS } from './option-defaults.ts';

/** One schema per option: the engine's fields and the server's (core/schema.ts). */
export const MOCKER_OPTION_FIELDS = Object.freeze({
  ...ENGINE_CONFIG_FIELDS,
  numWorkers: int(1, 1024),
  host: nonEmpty(),
  port: int(0, 65535),
  model: nonEmpty(),
  profile: nullable(Type.Object({ stepTime: Type.Function([], Type.Unknown()) }, { expected: 'a timing model (stepTime)' })),
  reasoningRatio: num({ min: 0, max: 1 }),
  kvEventsPort: nullable(int(0, 65535)),
  kvEventTokenIds: bool(),
  prefixCachingHashAlgo: oneOf(HASH_ALGOS),
  hashSeed: Type.String(),
  apiKey: nullable(nonEmpty()),
  seed: int(),
  failureRate: num({ min: 0, max: 1 }),
  failureCodes: Type.Array(int(400, 599), { minItems: 1, expected: 'a non-empty list of HTTP error statuses (400–599)' }),
  maxWaiting: nullable(int(0)),
  bodyLimit: int(1),
  maxTokensLimit: nullable(int(1)),
  defaultMaxTokens: int(1),
});

export const MockerOptionsSchema = Type.Object(MOCKER_OPTION_FIELDS, { additionalProperties: false });

/** Fill defaults, validate every field (the schema, then the ports' reach), freeze. */
export function resolveMockerOptions(partial: Partial<MockerOptions> = {}): ResolvedMockerOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: MockerOptions = { ...DEFAULT_MOCKER_OPTIONS, ...defined };
  checkOptions(MockerOptionsSchema, o);
  if (o.port > 0 && o.port + o.numWorkers - 1 > 65535) invalid('port', 'port + numWorkers − 1 exceeds 65535');
  if (o.kvEventsPort !== null && o.kvEventsPort > 0 && o.kvEventsPort + o.numWorkers - 1 > 65535) {
    invalid('kvEventsPort', 'kvEventsPort + numWorkers − 1 exceeds 65535');
  }
  const offload = offloadConfigProblem(o);
  if (offload !== null) invalid(offload.key, offload.detail);
  if (isVllmHashAlgo(o.prefixCachingHashAlgo) && !o.kvEventTokenIds) invalid('prefixCachingHashAlgo', `${o.prefixCachingHashAlgo} hashes need token ids in the KV events (kvEventTokenIds)`);
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
    ...(o.schedulingPolicy !== undefined ? { schedulingPolicy: o.schedulingPolicy } : {}),
    ...offloadOptionsOf(o),
  };
}

/** The offload-tier and P/D settings that are set (none: no keys, the engine config stays as it was). */
function offloadOptionsOf(o: MockerOptions): Partial<EngineConfig> {
  const out: Partial<EngineConfig> = {};
  for (const key of ['kvCpuBlocks', 'kvDiskBlocks', 'kvCpuBandwidthGbps', 'kvDiskBandwidthGbps', 'kvBytesPerToken', 'kvTransferBandwidthGbps', 'kvTransferLatencyMs'] as const) if (o[key] !== undefined) out[key] = o[key];
  if (o.disaggregationMode !== undefined) out.disaggregationMode = o.disaggregationMode;
  return out;
}

/** The engine's construction options (token ids in its events or not). */
export function engineOptionsOf(o: MockerOptions): EngineOptions {
  return { eventTokenIds: o.kvEventTokenIds };
}
